package gan

import (
	"fmt"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/nn"
	"github.com/genbench/genbench/params"
)

func init() {
	models.Register(models.Type{
		Name:   "gan",
		Family: models.GAN,
		Doc:    "GAN with the non-saturating generator loss, MLP generator and discriminator or (arch conv) a small convolutional pair for images, optional PacGAN packing; no likelihood",
		Params: schema(NonSaturating, 1),
		New:    func(cfg models.Config) (models.Model, error) { return newModel(cfg, NonSaturating) },

		EstimateSize: func(cfg models.Config) (models.Size, error) { return estimateSize(cfg, NonSaturating) },
		Sampling:     models.OnePass,
		Accepts:      models.AnyData,
	})
	models.Register(models.Type{
		Name:   "pacgan",
		Family: models.GAN,
		Doc:    "PacGAN (Lin et al. 2018): the gan type whose discriminator sees packs of 2 samples (arch conv: stacked as channels); no likelihood",
		Params: schema(NonSaturating, 2),
		New:    func(cfg models.Config) (models.Model, error) { return newModel(cfg, NonSaturating) },

		EstimateSize: func(cfg models.Config) (models.Size, error) { return estimateSize(cfg, NonSaturating) },
		Sampling:     models.OnePass,
		Accepts:      models.AnyData,
	})
	models.Register(models.Type{
		Name:   "wgan_gp",
		Family: models.GAN,
		Doc:    "Wasserstein GAN with gradient penalty (Gulrajani et al. 2017), MLP generator and critic only, optional packing; no likelihood",
		Params: schema(WassersteinGP, 1),
		New:    func(cfg models.Config) (models.Model, error) { return newModel(cfg, WassersteinGP) },

		EstimateSize: func(cfg models.Config) (models.Size, error) { return estimateSize(cfg, WassersteinGP) },
		Sampling:     models.OnePass,
		Accepts:      models.AnyData,
	})
}

func checkAct(v any) error { return nn.CheckActivation(v.(string)) }

// schema documents the parameters of a GAN type with the given loss and
// default packing degree.
func schema(loss Loss, pack int) params.Schema {
	s := params.Schema{
		{Key: "latent", Default: 0, Doc: "generator noise dimension; 0: the data dimension clamped to [8, 64]", Check: params.Nonnegative},
		{Key: "arch", Default: ArchMLP, Doc: "networks: mlp (over the flattened data) or conv (images with height and width divisible by 4: " +
			"G = linear → 2C×H/4×W/4, upsample, 3×3 conv to C, upsample, 3×3 conv; D = 3×3 conv to C, avg-pool, 3×3 conv to 2C, avg-pool, linear; " +
			"packs stacked as channels; not for wgan_gp)", Check: params.OneOf(ArchMLP, ArchConv)},
		{Key: "hidden", Default: 128, Doc: "arch mlp: units per hidden layer of the generator and the discriminator", Check: params.Positive},
		{Key: "hidden_layers", Default: 3, Doc: "arch mlp: hidden layers of each network", Check: params.Nonnegative},
		{Key: "channels", Default: 32, Doc: "arch conv: channels C of the generator's last and the discriminator's first convolution (the other has 2C)", Check: params.Positive},
		{Key: "g_activation", Default: "relu", Doc: "generator nonlinearity (both archs): relu, tanh, elu, leaky_relu", Check: checkAct},
		{Key: "d_activation", Default: "leaky_relu", Doc: "discriminator nonlinearity (both archs): relu, tanh, elu, leaky_relu (slope 0.2)", Check: checkAct},
		{Key: "output", Default: "auto", Doc: "generator output: linear, sigmoid, tanh, or auto (sigmoid for binary data, linear otherwise)", Check: params.OneOf("auto", "linear", "sigmoid", "tanh")},
		{Key: "standardize", Default: true, Doc: "linear output only: the first training batch fixes a per-coordinate mean and std; D sees standardised data, G generates in standardised units (kept in checkpoints)"},
		{Key: "pack", Default: pack, Doc: "PacGAN packing degree m: the discriminator sees m samples concatenated (arch conv: as m·channels); batch rows are grouped in consecutive m-tuples, the remainder dropped", Check: params.Positive},
		{Key: "lr_g", Default: 0.0, Doc: "generator Adam step size; 0: the training lr", Check: params.Nonnegative},
		{Key: "lr_d", Default: 0.0, Doc: "discriminator Adam step size; 0: the training lr", Check: params.Nonnegative},
		{Key: "clip_norm", Default: 0.0, Doc: "clip each network's global gradient norm (0: off)", Check: params.Nonnegative},
		{Key: "spectral_norm", Default: false, Doc: "spectral normalisation of every discriminator weight (Miyato et al. 2018, SNGAN): W/σ(W), σ by one power-iteration step per update"},
	}
	if loss == WassersteinGP {
		return append(s,
			params.Field{Key: "n_critic", Default: 5, Doc: "critic updates per TrainStep (each on the same real batch, fresh fakes)", Check: params.Positive},
			params.Field{Key: "lambda", Default: 10.0, Doc: "gradient-penalty weight λ", Check: params.Nonnegative},
			params.Field{Key: "beta1", Default: 0.5, Doc: "Adam β1 of both optimisers", Check: params.Range(0, 0.999)},
			params.Field{Key: "beta2", Default: 0.9, Doc: "Adam β2 of both optimisers", Check: params.Range(0, 0.9999)},
		)
	}
	return append(s,
		params.Field{Key: "d_steps", Default: 1, Doc: "discriminator updates per TrainStep (each on the same real batch, fresh fakes)", Check: params.Positive},
		params.Field{Key: "beta1", Default: 0.5, Doc: "Adam β1 of both optimisers", Check: params.Range(0, 0.999)},
		params.Field{Key: "beta2", Default: 0.999, Doc: "Adam β2 of both optimisers", Check: params.Range(0, 0.9999)},
	)
}

// options turns a resolved configuration into GAN options.
func options(cfg models.Config, loss Loss) (Options, error) {
	if cfg.Dim < 1 {
		return Options{}, fmt.Errorf("data dimension %d", cfg.Dim)
	}
	p := cfg.Params
	o := Options{
		Dim:         cfg.Dim,
		Latent:      p.Int("latent"),
		Arch:        p.String("arch"),
		Hidden:      p.Int("hidden"),
		Layers:      p.Int("hidden_layers"),
		Channels:    p.Int("channels"),
		GAct:        nn.Activation(p.String("g_activation")),
		DAct:        nn.Activation(p.String("d_activation")),
		Output:      p.String("output"),
		Standardize: p.Bool("standardize"),
		Pack:        p.Int("pack"),
		Loss:        loss,
		LR:          cfg.LR,
		LRG:         p.Float("lr_g"),
		LRD:         p.Float("lr_d"),
		Beta1:       p.Float("beta1"),
		Beta2:       p.Float("beta2"),
		ClipNorm:    p.Float("clip_norm"),
		Seed:        cfg.Seed,
	}
	o.SpectralNorm = p.Bool("spectral_norm")
	if len(cfg.Shape) == 3 {
		o.Shape = nn.ImageShape{C: cfg.Shape[0], H: cfg.Shape[1], W: cfg.Shape[2]}
	}
	if o.Latent == 0 {
		o.Latent = min(max(cfg.Dim, 8), 64)
	}
	if o.Output == "auto" {
		o.Output = "linear"
		if cfg.Binary {
			o.Output = "sigmoid"
		}
	}
	if loss == WassersteinGP {
		o.DSteps, o.Lambda = p.Int("n_critic"), p.Float("lambda")
	} else {
		o.DSteps = p.Int("d_steps")
	}
	if o.LR <= 0 && (o.LRG <= 0 || o.LRD <= 0) {
		return Options{}, fmt.Errorf("learning rate %v: set the training lr or both lr_g and lr_d", cfg.LR)
	}
	return o, nil
}

func newModel(cfg models.Config, loss Loss) (models.Model, error) {
	o, err := options(cfg, loss)
	if err != nil {
		return nil, err
	}
	return models.ByDtype(cfg.Dtype,
		func() (models.Model, error) { return NewGAN[float32](o) },
		func() (models.Model, error) { return NewGAN[float64](o) })
}
