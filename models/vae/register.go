package vae

import (
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/nn"
	"github.com/genbench/genbench/params"
)

func init() {
	models.Register(models.Type{
		Name:   "vae",
		Family: models.VAE,
		Doc: "variational autoencoder: Gaussian encoder, Bernoulli (binary) or Gaussian decoder, trained on the " +
			"negative ELBO; NLL reported as an importance-sampled estimate, ELBO as the bound",
		Params: schema(1.0, 1),
		New:    newVAE,

		EstimateSize: estimateSize,
		Sampling:     models.OnePass,
		Accepts:      models.AnyData,
	})
	models.Register(models.Type{
		Name:   "beta_vae",
		Family: models.VAE,
		Doc:    "β-VAE (Higgins et al. 2017): the VAE trained with the KL term weighted by β (default 4); bounds and estimates use β = 1",
		Params: schema(4.0, 1),
		New:    newVAE,

		EstimateSize: estimateSize,
		Sampling:     models.OnePass,
		Accepts:      models.AnyData,
	})
	models.Register(models.Type{
		Name:   "iwae",
		Family: models.VAE,
		Doc:    "importance-weighted autoencoder (Burda et al. 2016): the VAE trained on the k-sample importance-weighted bound",
		Params: schema(1.0, 5),
		New:    newVAE,

		EstimateSize: estimateSize,
		Sampling:     models.OnePass,
		Accepts:      models.AnyData,
	})
}

func schema(beta float64, k int) params.Schema {
	return params.Schema{
		{Key: "latent", Default: 50, Doc: "latent dimensions", Check: params.Positive},
		{Key: "hidden", Default: 200, Doc: "units per hidden layer of the encoder and of the decoder", Check: params.Positive},
		{Key: "hidden_layers", Default: 2, Doc: "hidden layers of the encoder and of the decoder (0: linear maps)", Check: params.Nonnegative},
		{Key: "activation", Default: "relu", Doc: "hidden nonlinearity: relu, tanh, elu, leaky_relu", Check: func(v any) error { return nn.CheckActivation(v.(string)) }},
		{Key: "beta", Default: beta, Doc: "weight of the KL term in the training loss (iwae_k 1 only); bounds and estimates always use 1", Check: params.Nonnegative},
		{Key: "iwae_k", Default: k, Doc: "importance samples per example in the training bound (1: the ELBO with closed-form KL)", Check: params.Positive},
		{Key: "decoder_variance", Default: VarianceLearned, Doc: "continuous data: learned (a log-variance per dimension) or fixed (decoder_std)", Check: params.OneOf(VarianceLearned, VarianceFixed)},
		{Key: "decoder_std", Default: 1.0, Doc: "continuous data with decoder_variance fixed: the decoder's standard deviation", Check: params.Positive},
		{Key: "logvar_bound", Default: 10.0, Doc: "log-variances (encoder and learned decoder) are bound·tanh(raw/bound); 0: unbounded", Check: params.Nonnegative},
		{Key: "clip_norm", Default: 100.0, Doc: "clip the global gradient norm (0: off)", Check: params.Nonnegative},
	}
}

// ConfigFrom translates a model configuration into a Config.
func ConfigFrom(cfg models.Config) Config {
	p := cfg.Params
	hidden := make([]int, p.Int("hidden_layers"))
	for i := range hidden {
		hidden[i] = p.Int("hidden")
	}
	return Config{
		Dim: cfg.Dim, Latent: p.Int("latent"), Hidden: hidden, Act: nn.Activation(p.String("activation")),
		Binary: cfg.Binary, DecoderVar: p.String("decoder_variance"), DecoderStd: p.Float("decoder_std"),
		Beta: p.Float("beta"), K: p.Int("iwae_k"), LogVarBound: p.Float("logvar_bound"),
		LR: cfg.LR, ClipNorm: p.Float("clip_norm"), Seed: cfg.Seed,
	}
}

func newVAE(cfg models.Config) (models.Model, error) {
	c := ConfigFrom(cfg)
	return models.ByDtype(cfg.Dtype,
		func() (models.Model, error) { return New[float32](c) },
		func() (models.Model, error) { return New[float64](c) })
}
