package autoregressive

import (
	"fmt"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/nn"
	"github.com/genbench/genbench/params"
)

func init() {
	models.Register(models.Type{
		Name:   "made",
		Family: models.Autoregressive,
		Doc: "MADE: masked autoencoder with exact log-likelihood in one pass; Bernoulli outputs for binary data, " +
			"Gaussian or mixture-of-Gaussians conditionals for continuous data; optional mask ensemble (order-agnostic training)",
		Params: params.Schema{
			{Key: "hidden", Default: 500, Doc: "units per hidden layer", Check: params.Positive},
			{Key: "hidden_layers", Default: 1, Doc: "hidden layers (1 enables the O(H)-per-step incremental sampler)", Check: params.Positive},
			{Key: "activation", Default: "relu", Doc: "hidden nonlinearity: relu, tanh, elu, leaky_relu", Check: checkActivation},
			{Key: "masks", Default: 1, Doc: "masks (orderings and connectivities) for order-agnostic training: each step uses the next in a cycle, the density averages p over all of them", Check: params.Positive},
			{Key: "order", Default: "natural", Doc: "order of the first mask: natural, reversed or random (seeded); further masks are always random", Check: params.OneOf("natural", "reversed", "random")},
			{Key: "direct", Default: false, Doc: "add masked direct input-to-output weights (Germain et al.'s MNIST models: direct_input_connect Output)"},
			{Key: "components", Default: 1, Doc: "continuous data: Gaussian mixture components per conditional (1: a single Gaussian); ignored for binary data", Check: params.Positive},
			{Key: "logstd_bound", Default: 7.0, Doc: "continuous data: conditional log-stds are bound·tanh(raw/bound)", Check: params.Positive},
			{Key: "clip_norm", Default: 100.0, Doc: "clip the global gradient norm (0: off)", Check: params.Nonnegative},
		},
		New: newMADE,

		EstimateSize: estimateMADE,
		Sampling:     models.PerDimension,
		Accepts:      models.AnyData,
	})
	models.Register(models.Type{
		Name:   "pixelcnn",
		Family: models.Autoregressive,
		Doc: "PixelCNN for binary images: type-A masked KxK conv, residual blocks of type-B masked convs, Bernoulli " +
			"output per pixel and channel; exact log-likelihood in one pass, sampling in C·H·W passes",
		Params: params.Schema{
			{Key: "channels", Default: 32, Doc: "feature channels (even; residual blocks narrow to half inside)", Check: params.Positive},
			{Key: "blocks", Default: 3, Doc: "residual blocks with 3x3 type-B masked convolutions", Check: params.Nonnegative},
			{Key: "kernel", Default: 7, Doc: "size of the first (type-A) masked convolution, odd", Check: checkOdd},
			{Key: "activation", Default: "relu", Doc: "nonlinearity: relu, tanh, elu, leaky_relu", Check: checkActivation},
			{Key: "clip_norm", Default: 100.0, Doc: "clip the global gradient norm (0: off)", Check: params.Nonnegative},
		},
		New: newPixelCNN,

		EstimateSize: estimatePixelCNN,
		Sampling:     models.PerPixel,
		Accepts:      models.Images | models.Binary,
	})
}

func checkActivation(v any) error { return nn.CheckActivation(v.(string)) }

func checkOdd(v any) error {
	if k := v.(int); k < 1 || k%2 == 0 {
		return fmt.Errorf("must be a positive odd number, got %d", k)
	}
	return nil
}

// MADEConfigFrom translates a model configuration into a MADEConfig.
func MADEConfigFrom(cfg models.Config) (MADEConfig, error) {
	p := cfg.Params
	if cfg.Dim < 1 {
		return MADEConfig{}, fmt.Errorf("made: data dimension %d", cfg.Dim)
	}
	out := Bernoulli
	if !cfg.Binary {
		out = Gaussian
		if p.Int("components") > 1 {
			out = Mixture
		}
	}
	hidden := make([]int, p.Int("hidden_layers"))
	for i := range hidden {
		hidden[i] = p.Int("hidden")
	}
	return MADEConfig{
		Dim: cfg.Dim, Hidden: hidden, Act: nn.Activation(p.String("activation")), Out: out,
		Components: p.Int("components"), Masks: p.Int("masks"), Order: p.String("order"), Direct: p.Bool("direct"),
		LogStdBound: p.Float("logstd_bound"), LR: cfg.LR, ClipNorm: p.Float("clip_norm"), Seed: cfg.Seed,
	}, nil
}

func newMADE(cfg models.Config) (models.Model, error) {
	c, err := MADEConfigFrom(cfg)
	if err != nil {
		return nil, err
	}
	return models.ByDtype(cfg.Dtype,
		func() (models.Model, error) { return NewMADE[float32](c) },
		func() (models.Model, error) { return NewMADE[float64](c) })
}

// PixelCNNConfigFrom translates a model configuration into a
// PixelCNNConfig; it refuses continuous data and non-image data.
func PixelCNNConfigFrom(cfg models.Config) (PixelCNNConfig, error) {
	if !cfg.Binary {
		return PixelCNNConfig{}, fmt.Errorf("pixelcnn models binary images with Bernoulli outputs; this data set is continuous " +
			"(use a binarized data set, or made/maf for continuous data)")
	}
	if len(cfg.Shape) != 3 {
		return PixelCNNConfig{}, fmt.Errorf("pixelcnn needs image data with shape [channels, height, width], data set has shape %v", cfg.Shape)
	}
	s := nn.ImageShape{C: cfg.Shape[0], H: cfg.Shape[1], W: cfg.Shape[2]}
	if s.Size() != cfg.Dim {
		return PixelCNNConfig{}, fmt.Errorf("pixelcnn: image shape %v has %d values, data have %d columns", cfg.Shape, s.Size(), cfg.Dim)
	}
	p := cfg.Params
	return PixelCNNConfig{
		Shape: s, Channels: p.Int("channels"), Blocks: p.Int("blocks"), Kernel: p.Int("kernel"),
		Act: nn.Activation(p.String("activation")), LR: cfg.LR, ClipNorm: p.Float("clip_norm"), Seed: cfg.Seed,
	}, nil
}

func newPixelCNN(cfg models.Config) (models.Model, error) {
	c, err := PixelCNNConfigFrom(cfg)
	if err != nil {
		return nil, err
	}
	return models.ByDtype(cfg.Dtype,
		func() (models.Model, error) { return NewPixelCNN[float32](c) },
		func() (models.Model, error) { return NewPixelCNN[float64](c) })
}
