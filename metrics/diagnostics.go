package metrics

func init() {
	Register(Metric{
		Name:       "diagnostics",
		Doc:        "family-specific numbers: active units and KL per latent (VAE), reconstruction error (IAE), losses (GAN)",
		Protocol:   "Active units",
		Order:      90,      // last: a model's diagnostics may draw from the random stream
		Stochastic: Sampled, // VAE and GAN diagnostics do
		Needs:      NeedsDiagnostics,
		Always:     true, // a VAE's record must show posterior collapse
		Keys: []Key{{Name: "*", Doc: "a number the model reports about itself (active_units, kl_dim_<u>, recon_error, d_loss, ...)",
			Better: Neither, RelTol: 0.01, AbsTol: 0.01}},
		Compute: func(in *Input, out *Output) error {
			for k, v := range in.Diagnostics {
				out.Put(k, v)
			}
			return nil
		},
	})
}
