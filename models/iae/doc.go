// Package iae implements the invertible autoencoder of Nguyen, Ardizzone
// & Köthe (2019), "Training Invertible Neural Networks as Autoencoders",
// for genbench.
//
// A coupling network f (flow.AffineCoupling layers, each followed by a
// flow.Permutation: the transforms of package flow, reused, not
// reimplemented) maps x in R^D to a code z = f(x) in R^D. A bottleneck of
// k coordinates is imposed by the loss, not the architecture:
//
//	recon_weight · mean ‖x − f⁻¹(z[:k], 0)‖₁
//	+ mmd_weight · MMD²(z[:k], N(0, I_k))
//	+ l2_weight  · mean ‖z[k:]‖²
//
// The reconstruction passes through f⁻¹ on the tape, so gradients flow
// through the inverse. MMD² is the unbiased estimate with a multi-scale
// inverse multiquadric kernel Σ_s C_s/(C_s + ‖a−b‖²), C_s = 2k·s,
// s ∈ {0.1, 0.2, 0.5, 1, 2, 5, 10} (as in WAE-MMD; FrEIA's examples also
// use multi-scale inverse multiquadrics), against as many N(0, I) samples
// drawn from the model's own seeded source.
//
// Samples: z[:k] ~ N(0, I), z[k:] = 0, through f⁻¹.
//
// Density: because f is a bijection, giving all of z a N(0, I_D) prior
// defines an exact, normalised density log p(x) = log N(f(x); 0, I) +
// log|det ∂f/∂x| (models.Density, NLL kind exact). It is the density of
// the bijection under that full prior, which is not what the autoencoder
// is trained for (the loss drives z[k:] to 0, i.e. towards a degenerate
// density), so it can be poor; report it as exact but read it with that
// in mind, and report reconstruction error at the bottleneck separately
// (models.Diagnoser: recon_error, bottleneck, recon_error_full, tail_l2).
// The model also implements models.Validator (the training objective on
// held-out data, with fixed prior samples), which is the quantity to
// early-stop on, not the NLL.
package iae
