package glow

import (
	"fmt"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/nn"
	"github.com/genbench/genbench/params"
)

func init() {
	models.Register(models.Type{
		Name:   "glow",
		Family: models.Flow,
		Doc: "Glow for images (Kingma & Dhariwal 2018): levels of squeeze, steps of actnorm, invertible 1x1 convolution " +
			"and affine coupling with a small conv net, half the channels factored out under a learned conditional " +
			"Gaussian after each level; exact log-density in one pass, sampling in one pass",
		Params: params.Schema{
			{Key: "levels", Default: 2, Doc: "squeeze levels (image height and width divisible by 2^levels: 2 for 28×28)", Check: params.Positive},
			{Key: "steps", Default: 4, Doc: "steps (actnorm, 1x1 convolution, coupling) per level", Check: params.Positive},
			{Key: "hidden", Default: 64, Doc: "feature channels of each coupling's network", Check: params.Positive},
			{Key: "min_scale", Default: 1e-3, Doc: "floor on each coupling's scale, s = min_scale + (1−min_scale)·sigmoid(raw+2): bounds the inverse's gain per layer so that samples stay finite (0: Glow's plain sigmoid)", Check: params.Range(0, 0.5)},
			{Key: "temperature", Default: 1.0, Doc: "standard deviation of the base noise when sampling (Glow's temperature; 1 samples the model's density)", Check: params.Positive},
			{Key: "net_actnorm", Default: true, Doc: "an actnorm after each hidden convolution of the coupling networks, in place of its bias (as in Glow's code)"},
			{Key: "zero_scale", Default: 3.0, Doc: "the zero-initialised output convolutions of couplings and priors scale their channels by exp(zero_scale·logs), logs learned (Glow's code: 3; 0: off)", Check: params.Nonnegative},
			{Key: "learn_top", Default: true, Doc: "a learned mean and log-std for every value of the last level's latent instead of a standard normal (Glow's learntop)"},
			{Key: "clip_norm", Default: 0.0, Doc: "clip the global gradient norm (0: off, as in Glow's code; on MNIST the norms of the mean NLL run at 300-900, and clipping at 100 trailed by 16 nats after 234 steps)", Check: params.Nonnegative},
		},
		New: newGlow,

		Sampling:     models.OnePass,
		Accepts:      models.Images | models.Continuous,
		EstimateSize: estimateSize,
	})
}

// ConfigFrom translates a model configuration into a Config; it refuses
// binary data and data without an image shape.
func ConfigFrom(cfg models.Config) (Config, error) {
	if cfg.Binary {
		return Config{}, fmt.Errorf("glow models continuous images; this data set is binary (use preprocess [dequantize, logit], or pixelcnn for binary images)")
	}
	if len(cfg.Shape) != 3 {
		return Config{}, fmt.Errorf("glow needs image data with shape [channels, height, width]; this data set is vectors of dimension %d (use realnvp, maf or nsf)", cfg.Dim)
	}
	s := nn.ImageShape{C: cfg.Shape[0], H: cfg.Shape[1], W: cfg.Shape[2]}
	if s.Size() != cfg.Dim {
		return Config{}, fmt.Errorf("glow: image shape %v has %d values, data have %d columns", cfg.Shape, s.Size(), cfg.Dim)
	}
	p := cfg.Params
	return Config{
		Shape: s, Levels: p.Int("levels"), Steps: p.Int("steps"), Hidden: p.Int("hidden"), MinScale: p.Float("min_scale"),
		Temperature: p.Float("temperature"), LR: cfg.LR, ClipNorm: p.Float("clip_norm"), Seed: cfg.Seed,
		Net: NetOptions{ActNorm: p.Bool("net_actnorm"), ZeroScale: p.Float("zero_scale")}, LearnTop: p.Bool("learn_top"),
	}, nil
}

func newGlow(cfg models.Config) (models.Model, error) {
	c, err := ConfigFrom(cfg)
	if err != nil {
		return nil, err
	}
	return models.ByDtype(cfg.Dtype,
		func() (models.Model, error) { return New[float32](c) },
		func() (models.Model, error) { return New[float64](c) })
}
