package iae

import "github.com/genbench/genbench/models"

// Size estimates for the registry (models.Type.EstimateSize).

// estimateSize mirrors Build: affine couplings on dim coordinates, each
// with an MLP conditioner from the first dim/2 coordinates to a shift and
// a log-scale for the others, keeping its output, log-scales and their
// gradients per example.
func estimateSize(cfg models.Config) (models.Size, error) {
	o, err := options(cfg)
	if err != nil {
		return models.Size{}, err
	}
	split := o.Dim / 2
	per := models.MLPSize(models.Widths(split, o.Hidden, 2*(o.Dim-split))...)
	per.Activations += 4 * float64(o.Dim)
	return per.Times(float64(o.Layers)), nil
}
