// Package gan implements generative adversarial networks for genbench:
// a generator and a discriminator (critic), MLPs or (param arch conv, for
// images) small convolutional networks, with separate parameter sets and
// separate Adam optimisers, trained alternately.
//
// Model types registered here:
//
//   - gan: the non-saturating GAN (Goodfellow et al. 2014). D outputs a
//     logit and minimises softplus(−D(x)) + softplus(D(G(z))); G minimises
//     softplus(−D(G(z))).
//   - pacgan: gan with packing degree 2 by default (Lin et al. 2018).
//   - wgan_gp: Wasserstein GAN with gradient penalty (Gulrajani et al.
//     2017): the critic minimises E[D(G(z))] − E[D(x)] +
//     λ·E[(‖∇D(x̂)‖₂ − 1)²] on interpolates x̂ = εx + (1−ε)G(z), ε ~ U(0,1)
//     per example; G minimises −E[D(G(z))].
//
// Packing (param pack = m, all types): the discriminator's input is m
// samples side by side (m·D columns), real packs being consecutive
// m-tuples of batch rows (the remainder dropped) and fake packs m
// independent generator samples. Images are rows in CHW order, so m
// images of shape C×H×W side by side are one image of shape m·C×H×W: the
// conv discriminator sees the pack as m·C channels, with no other code.
//
// The gradient penalty needs ∇ₓD, and the tape has no double
// backpropagation; the input gradient of the MLP critic is therefore
// written as ordinary forward ops (inputGrad): the chain rule through the
// layers with act'(pre) as a tape expression (a constant mask for relu and
// leaky_relu, whose second derivative vanishes almost everywhere; 1 − h²
// for tanh; a mask plus h + 1 for elu). One Backward of the critic loss
// then gives exact parameter gradients of loss and penalty.
//
// TrainStep performs d_steps (n_critic) discriminator updates on its batch
// against fresh fakes, then one generator update on fresh noise, and
// returns the discriminator's loss averaged over its updates. All noise
// comes from the model's own seeded PCG source, which checkpoints save.
//
// Scale: with a linear generator output (continuous data), the first
// training batch fixes a per-coordinate standardisation (mean and standard
// deviation, kept in checkpoints and never updated): the discriminator
// sees standardised data, the generator produces standardised values and
// samples are mapped back. Biases start U(±1/√fan_in) rather than zero.
// Without both, every first-layer unit of the discriminator is a
// hyperplane through the origin in data units, and features far from the
// origin (the 25-Gaussian grid at ±4) take thousands of steps to appear.
//
// Images (Config.Shape set) are modelled by default (arch mlp) by the
// same MLPs over the flattened pixels. Arch conv (gan and pacgan; images
// of shape C×H×W with H and W divisible by 4, e.g. MNIST's 1×28×28)
// replaces both by a small DCGAN-like pair built from nn.Conv2D, which
// has stride 1 and "same" padding, so resolution changes by pooling and
// upsampling instead of strided and transposed convolutions; with c =
// param channels:
//
//	G: z → Linear → 2c×H/4×W/4 → act → Upsample2 → Conv3×3 (2c→c) → act
//	     → Upsample2 → Conv3×3 (c→C) → output nonlinearity
//	D: x (m·C×H×W) → Conv3×3 (→c) → act → AvgPool2 → Conv3×3 (c→2c) → act
//	     → AvgPool2 → Linear → logit
//
// (act: g_activation and d_activation, relu and leaky_relu by default;
// convolution weights Glorot-uniform over the 3×3 kernels' fan-in and
// fan-out, biases U(±1/√fan_in) like the linear layers'). wgan_gp refuses
// arch conv: its penalty's explicit input gradient (inputGrad) is written
// for the MLP critic only. Binary data get a sigmoid generator output
// whose values (grey levels in [0, 1]) are the samples.
//
// GANs have no likelihood: they implement neither models.Density nor
// models.Bounded nor models.Estimator, so their NLL kind is none. They
// implement models.Validator (the discriminator's loss on held-out data,
// not a likelihood), models.Diagnoser and models.LRSetter.
package gan
