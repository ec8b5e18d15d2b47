package flow

import (
	"fmt"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/nn"
	"github.com/genbench/genbench/params"
)

func init() {
	models.Register(models.Type{
		Name:   "gaussian",
		Family: models.Flow,
		Doc:    "Gaussian fitted in closed form (maximum-likelihood mean and full or diagonal covariance): the floor every model must beat",
		Params: params.Schema{
			{Key: "covariance", Default: "full", Doc: "full (the maximum-likelihood Gaussian) or diagonal (one variance per coordinate)", Check: params.OneOf("full", "diagonal")},
			{Key: "min_std", Default: 1e-6, Doc: "floor on the fitted standard deviation: of each coordinate (diagonal), along every direction (full: eigenvalues of the covariance at least min_std²)", Check: params.Positive},
		},
		New: newGaussian,

		EstimateSize: estimateGaussian,
		Sampling:     models.OnePass,
		Baseline:     true,
		Accepts:      models.Vectors | models.Images | models.Continuous,
	})
	models.Register(models.Type{
		Name:   "realnvp",
		Family: models.Flow,
		Doc:    "RealNVP: affine coupling layers with bounded log-scales and permutations between them",
		Params: append(commonSchema(8, 64),
			params.Field{Key: "permutation", Default: "alternate", Doc: "between couplings: alternate (reverse order, i.e. alternating masks) or random (seeded)", Check: params.OneOf("alternate", "random")},
		),
		New: newRealNVP,

		EstimateSize: estimateRealNVP,
		Sampling:     models.OnePass,
		Accepts:      models.Vectors | models.Images | models.Continuous,
	})
	models.Register(models.Type{
		Name:   "maf",
		Family: models.Flow,
		Doc:    "masked autoregressive flow: stacked MADEs with order reversal; density in one pass, sampling in D",
		Params: commonSchema(5, 128),
		New:    newMAF,

		EstimateSize: estimateMAF,
		Sampling:     models.PerDimension,
		Accepts:      models.Vectors | models.Images | models.Continuous,
	})
}

func commonSchema(layers, hidden int) params.Schema {
	return params.Schema{
		{Key: "layers", Default: layers, Doc: "number of transforms", Check: params.Positive},
		{Key: "hidden", Default: hidden, Doc: "units per hidden layer of each conditioner", Check: params.Positive},
		{Key: "hidden_layers", Default: 2, Doc: "hidden layers per conditioner", Check: params.Nonnegative},
		{Key: "activation", Default: "relu", Doc: "conditioner nonlinearity: relu, tanh, elu, leaky_relu", Check: func(v any) error { return nn.CheckActivation(v.(string)) }},
		{Key: "scale_bound", Default: 3.0, Doc: "log-scales are bound·tanh(raw/bound)", Check: params.Positive},
		{Key: "clip_norm", Default: 100.0, Doc: "clip the global gradient norm (0: off)", Check: params.Nonnegative},
	}
}

func hiddenSizes(p params.Set) []int {
	h := make([]int, p.Int("hidden_layers"))
	for i := range h {
		h[i] = p.Int("hidden")
	}
	return h
}

func continuousOnly(cfg models.Config, name string) error {
	if cfg.Binary {
		return fmt.Errorf("%s models continuous data; this data set is binary (use preprocess [dequantize] or an autoregressive or VAE model)", name)
	}
	if cfg.Dim < 1 {
		return fmt.Errorf("data dimension %d", cfg.Dim)
	}
	return nil
}

func newRealNVP(cfg models.Config) (models.Model, error) {
	if err := continuousOnly(cfg, "realnvp"); err != nil {
		return nil, err
	}
	if cfg.Dim < 2 {
		return nil, fmt.Errorf("realnvp needs at least 2 dimensions, data have %d", cfg.Dim)
	}
	return models.ByDtype(cfg.Dtype,
		func() (models.Model, error) { return BuildRealNVP[float32](cfg), nil },
		func() (models.Model, error) { return BuildRealNVP[float64](cfg), nil })
}

func newMAF(cfg models.Config) (models.Model, error) {
	if err := continuousOnly(cfg, "maf"); err != nil {
		return nil, err
	}
	return models.ByDtype(cfg.Dtype,
		func() (models.Model, error) { return BuildMAF[float32](cfg), nil },
		func() (models.Model, error) { return BuildMAF[float64](cfg), nil })
}

// BuildRealNVP makes a RealNVP flow: coupling layers, each followed by a
// permutation (the last one too, so every coordinate is transformed).
func BuildRealNVP[T nn.Float](cfg models.Config) *Flow[T] {
	p := cfg.Params
	f := New[T](cfg.Dim, cfg.Seed)
	rng := f.Rand()
	act := nn.Activation(p.String("activation"))
	for k := 0; k < p.Int("layers"); k++ {
		f.Transforms = append(f.Transforms,
			NewAffineCoupling(&f.Params, fmt.Sprintf("coupling%d", k), cfg.Dim, cfg.Dim/2, hiddenSizes(p), act, p.Float("scale_bound"), rng))
		if p.String("permutation") == "random" {
			f.Transforms = append(f.Transforms, RandomPermutation[T](cfg.Dim, rng))
		} else {
			f.Transforms = append(f.Transforms, Reverse[T](cfg.Dim))
		}
	}
	f.Init(cfg.LR, p.Float("clip_norm"))
	return f
}

// BuildMAF makes a MAF: MADE layers with the order reversed between them.
func BuildMAF[T nn.Float](cfg models.Config) *Flow[T] {
	p := cfg.Params
	f := New[T](cfg.Dim, cfg.Seed)
	rng := f.Rand()
	act := nn.Activation(p.String("activation"))
	order := make([]int, cfg.Dim)
	for i := range order {
		order[i] = i + 1
	}
	for k := 0; k < p.Int("layers"); k++ {
		f.Transforms = append(f.Transforms,
			NewMaskedAffine(&f.Params, fmt.Sprintf("made%d", k), order, hiddenSizes(p), act, p.Float("scale_bound"), rng))
		if k+1 < p.Int("layers") {
			f.Transforms = append(f.Transforms, Reverse[T](cfg.Dim))
		}
	}
	f.Init(cfg.LR, p.Float("clip_norm"))
	return f
}

// nsf: neural spline flows (Durkan et al. 2019), in nsf.go.
func init() {
	models.Register(models.Type{
		Name:     "nsf",
		Family:   models.Flow,
		Doc:      "neural spline flow: rational-quadratic spline couplings or MADE-conditioned splines, identity tails outside [-bound, bound]",
		Params:   nsfSchema(),
		Sampling: models.OnePass,
		SamplingWith: func(p params.Set) models.Sampling {
			if p.String("variant") == "autoregressive" {
				return models.PerDimension
			}
			return models.OnePass
		},
		Accepts:      models.Vectors | models.Images | models.Continuous,
		EstimateSize: estimateNSF,
		New: func(cfg models.Config) (models.Model, error) {
			if err := continuousOnly(cfg, "nsf"); err != nil {
				return nil, err
			}
			return models.ByDtype(cfg.Dtype,
				func() (models.Model, error) { return BuildNSF[float32](cfg) },
				func() (models.Model, error) { return BuildNSF[float64](cfg) })
		},
	})
}
