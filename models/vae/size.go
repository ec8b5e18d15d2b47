package vae

import "github.com/genbench/genbench/models"

// Size estimates for the registry (models.Type.EstimateSize).

// estimateSize mirrors New: an encoder to a mean and a log-variance per
// latent dimension, a decoder back (with a learned log-variance per
// dimension for continuous data); with iwae_k samples per example the
// decoder runs k times.
func estimateSize(cfg models.Config) (models.Size, error) {
	c := ConfigFrom(cfg)
	enc := models.MLPSize(models.Widths(c.Dim, c.Hidden, 2*c.Latent)...)
	dec := models.MLPSize(models.Widths(c.Latent, c.Hidden, c.Dim)...)
	dec.Activations *= float64(max(c.K, 1))
	s := enc.Plus(dec)
	if !c.Binary && c.DecoderVar == VarianceLearned {
		s.Params += float64(c.Dim)
	}
	return s, nil
}
