package flow

import "github.com/genbench/genbench/models"

// Size estimates for the registry (models.Type.EstimateSize).

func estimateGaussian(cfg models.Config) (models.Size, error) {
	d := float64(cfg.Dim)
	return models.Size{Params: 2 * d, Activations: 2 * d, Buffers: 2 * d}, nil
}

// couplingFlowSize is the size of layers affine couplings on dim
// coordinates, each with an MLP conditioner from the first dim/2
// coordinates to a shift and a log-scale for the others; a coupling also
// keeps its output, log-scales and their gradients per example.
func couplingFlowSize(dim, layers int, hidden []int) models.Size {
	split := dim / 2
	per := models.MLPSize(models.Widths(split, hidden, 2*(dim-split))...)
	per.Activations += 4 * float64(dim)
	return per.Times(float64(layers))
}

func estimateRealNVP(cfg models.Config) (models.Size, error) {
	p := cfg.Params
	return couplingFlowSize(cfg.Dim, p.Int("layers"), hiddenSizes(p)), nil
}

// estimateMAF: a MADE per layer from dim inputs to 2·dim outputs, its
// masks stored beside the weights.
func estimateMAF(cfg models.Config) (models.Size, error) {
	p := cfg.Params
	per := models.MLPSize(models.Widths(cfg.Dim, hiddenSizes(p), 2*cfg.Dim)...)
	per.Buffers = per.Params
	per.Activations += 4 * float64(cfg.Dim)
	return per.Times(float64(p.Int("layers"))), nil
}

// estimateNSF: per layer a conditioner with 3K−1 spline parameters per
// transformed coordinate (from half the coordinates for couplings, a MADE
// from all of them with its masks for the autoregressive variant), plus
// the optional elementwise spline; a layer keeps its spline parameters,
// knots and their gradients per example.
func estimateNSF(cfg models.Config) (models.Size, error) {
	p := cfg.Params
	k := 3*p.Int("bins") - 1
	var per models.Size
	if p.String("variant") == "autoregressive" {
		per = models.MLPSize(models.Widths(cfg.Dim, hiddenSizes(p), k*cfg.Dim)...)
		per.Buffers = per.Params
	} else {
		split := cfg.Dim / 2
		per = models.MLPSize(models.Widths(split, hiddenSizes(p), k*(cfg.Dim-split))...)
	}
	per.Activations += 4 * float64(k*cfg.Dim)
	s := per.Times(float64(p.Int("layers")))
	if p.Bool("elementwise") {
		s.Params += float64(k * cfg.Dim)
	}
	return s, nil
}
