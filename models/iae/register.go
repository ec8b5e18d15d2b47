package iae

import (
	"fmt"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/nn"
	"github.com/genbench/genbench/params"
)

func init() {
	models.Register(models.Type{
		Name:   "iae",
		Family: models.IAE,
		Doc:    "invertible autoencoder (Nguyen, Ardizzone & Köthe 2019): RealNVP couplings trained on L1 reconstruction through a k-dimensional bottleneck + MMD to N(0,I) + L2 on the dropped code; exact density of the bijection under a full Gaussian prior",
		Params: params.Schema{
			{Key: "bottleneck", Default: 0, Doc: "code coordinates k kept (1..D); 0: ceil(D/2), so 1 for 2-D data (k = D is no bottleneck)", Check: params.Nonnegative},
			{Key: "layers", Default: 8, Doc: "affine coupling layers, each followed by a permutation", Check: params.Positive},
			{Key: "hidden", Default: 64, Doc: "units per hidden layer of each coupling's conditioner", Check: params.Positive},
			{Key: "hidden_layers", Default: 2, Doc: "hidden layers per conditioner", Check: params.Nonnegative},
			{Key: "activation", Default: "relu", Doc: "conditioner nonlinearity: relu, tanh, elu, leaky_relu", Check: func(v any) error { return nn.CheckActivation(v.(string)) }},
			{Key: "scale_bound", Default: 3.0, Doc: "coupling log-scales are bound·tanh(raw/bound)", Check: params.Positive},
			{Key: "permutation", Default: "alternate", Doc: "after each coupling: alternate (reverse order) or random (seeded)", Check: params.OneOf("alternate", "random")},
			{Key: "recon_weight", Default: 1.0, Doc: "weight of the L1 reconstruction error through the bottleneck", Check: params.Nonnegative},
			{Key: "mmd_weight", Default: 1.0, Doc: "weight of MMD²(z[:k], N(0,I)) (multi-scale inverse multiquadric kernel)", Check: params.Nonnegative},
			{Key: "l2_weight", Default: 1.0, Doc: "weight of the mean ‖z[k:]‖²", Check: params.Nonnegative},
			{Key: "clip_norm", Default: 100.0, Doc: "clip the global gradient norm (0: off)", Check: params.Nonnegative},
		},
		New: newIAE,

		EstimateSize: estimateSize,
		Sampling:     models.OnePass,
		Accepts:      models.Vectors | models.Images | models.Continuous,
	})
}

// options turns a resolved configuration into IAE options.
func options(cfg models.Config) (Options, error) {
	if cfg.Binary {
		return Options{}, fmt.Errorf("iae models continuous data; this data set is binary (use preprocess [dequantize])")
	}
	p := cfg.Params
	o := Options{
		Dim:        cfg.Dim,
		Bottleneck: p.Int("bottleneck"),
		Layers:     p.Int("layers"),
		Hidden:     make([]int, p.Int("hidden_layers")),
		Act:        nn.Activation(p.String("activation")),
		ScaleBound: p.Float("scale_bound"),
		RandomPerm: p.String("permutation") == "random",
		ReconW:     p.Float("recon_weight"),
		MMDW:       p.Float("mmd_weight"),
		L2W:        p.Float("l2_weight"),
		LR:         cfg.LR,
		ClipNorm:   p.Float("clip_norm"),
		Seed:       cfg.Seed,
	}
	for i := range o.Hidden {
		o.Hidden[i] = p.Int("hidden")
	}
	if o.Bottleneck == 0 {
		o.Bottleneck = (cfg.Dim + 1) / 2
	}
	return o, nil
}

func newIAE(cfg models.Config) (models.Model, error) {
	o, err := options(cfg)
	if err != nil {
		return nil, err
	}
	return models.ByDtype(cfg.Dtype,
		func() (models.Model, error) { return Build[float32](o) },
		func() (models.Model, error) { return Build[float64](o) })
}
