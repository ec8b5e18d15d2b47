// Package vae implements variational autoencoders for genbench: a
// diagonal-Gaussian encoder q(z|x), a standard-normal prior, and a
// Bernoulli (binary data) or Gaussian (continuous data, learned or fixed
// variance) decoder p(x|z), all MLPs on the nn tape.
//
// Model types registered here, all the same model with different
// defaults:
//
//   - vae: trained on the negative ELBO (β = 1, one latent draw per
//     example, closed-form KL) with the reparameterisation trick;
//   - beta_vae: the same with β = 4 on the KL term;
//   - iwae: trained on the k-sample importance-weighted bound (k = 5).
//
// Likelihoods: LowerBound (models.Bounded) is the per-example ELBO with
// β = 1, whatever β training used; LogProbEstimate (models.Estimator) is
// the importance-sampled estimate logmeanexp_k[log p(x,z_k) − log q(z_k|x)]
// of Burda et al. 2016 (docs/protocols.md, "Importance-sampled NLL"), processed in blocks so that k = 1000 or 5000 fits in
// memory. Diagnostics (models.Diagnoser) reports active units (Burda et
// al.), the KL per latent dimension and in total, and the mean ELBO under
// the stable keys active_units, kl_total, kl_dim_<u> (u = 0 … latent−1)
// and elbo.
//
// Every random draw comes from a seeded source: training noise from the
// model's own source (saved in checkpoints), LowerBound's draws from a
// fixed source derived from the seed, and the estimator's and
// diagnostics' draws from the caller's rng.
package vae
