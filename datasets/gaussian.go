package datasets

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/params"
)

// Gaussian and Gaussian-mixture sets in any dimension, with exact densities.

func init() {
	Register(Source{
		Name: "gaussian",
		Doc:  "one Gaussian in dim dimensions, random mean and covariance fixed by structure_seed; exact density",
		Params: schema(sizeFields(20000), []params.Field{
			{Key: "dim", Default: 2, Doc: "dimension (at most 4096: the covariance is dense)", Check: atMost(maxGaussianDim, "gaussian")},
			{Key: "structure_seed", Default: 0, Doc: "seed of the mean and covariance (the data seed only draws the examples)", Check: params.Nonnegative},
			{Key: "correlated", Default: true, Doc: "true: covariance A Aᵀ/dim + 0.1 I with A_ij ~ N(0,1); false: std² I (key std)"},
			{Key: "std", Default: 1.0, Doc: "standard deviation of every coordinate when correlated is false (unused otherwise)", Check: positiveFinite},
		}),
		Build:  buildGaussian,
		Layout: func(p params.Set) Layout { return Layout{Dim: p.Int("dim"), Kind: Continuous} },
	})
	Register(Source{
		Name: "gmm",
		Doc:  "equal-weight mixture of isotropic Gaussians in dim dimensions, means separation·N(0,I) fixed by structure_seed; exact density",
		Params: schema(sizeFields(20000), []params.Field{
			{Key: "dim", Default: 10, Doc: "dimension", Check: params.Positive},
			{Key: "components", Default: 8, Doc: "number of mixture components", Check: params.Positive},
			{Key: "structure_seed", Default: 0, Doc: "seed of the component means (the data seed only draws the examples)", Check: params.Nonnegative},
			{Key: "separation", Default: 4.0, Doc: "scale of the component means: μ_k = separation·g_k, g_k ~ N(0, I)", Check: nonnegativeFinite},
			{Key: "std", Default: 1.0, Doc: "standard deviation of every component (isotropic, shared)", Check: positiveFinite},
		}),
		Build:  buildGMM,
		Layout: func(p params.Set) Layout { return Layout{Dim: p.Int("dim"), Kind: Continuous} },
	})
}

// maxGaussianDim bounds dim for the gaussian set, whose covariance is a dense
// dim×dim matrix factorised by Cholesky.
const maxGaussianDim = 4096

// gaussianParams returns the mean and covariance of the gaussian set: mean
// ~ N(0, I) and, when correlated, Σ = A Aᵀ/dim + 0.1 I with A_ij ~ N(0,1),
// else Σ = std² I, all drawn from structure_seed only.
func gaussianParams(dim int, structureSeed uint64, correlated bool, std float64) ([]float64, *mat.SymDense) {
	rng := newRNG(structureSeed, streamStructure)
	mean := make([]float64, dim)
	for i := range mean {
		mean[i] = rng.NormFloat64()
	}
	cov := mat.NewSymDense(dim, nil)
	if !correlated {
		for i := range dim {
			cov.SetSym(i, i, std*std)
		}
		return mean, cov
	}
	a := mat.NewDense(dim, dim, nil)
	for i := range dim {
		for j := range dim {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	cov.SymOuterK(1/float64(dim), a)
	for i := range dim {
		cov.SetSym(i, i, cov.At(i, i)+0.1)
	}
	return mean, cov
}

// gaussianEntropy is the differential entropy ½D(1+log 2π) + ½ log det Σ.
func gaussianEntropy(dim int, logDet float64) float64 {
	return 0.5*float64(dim)*(1+math.Log(2*math.Pi)) + 0.5*logDet
}

func buildGaussian(p params.Set, seed uint64) (*Data, error) {
	dim := p.Int("dim")
	correlated := p.Bool("correlated")
	std := p.Float("std")
	mean, cov := gaussianParams(dim, uint64(p.Int("structure_seed")), correlated, std)
	var chol mat.Cholesky
	if !chol.Factorize(cov) {
		return nil, errors.New("covariance is not positive definite")
	}
	var lt mat.TriDense
	chol.LTo(&lt)
	// L row-major, lower triangle.
	l := make([]float64, dim*dim)
	for i := range dim {
		for j := 0; j <= i; j++ {
			l[i*dim+j] = lt.At(i, j)
		}
	}
	logDet := chol.LogDet()
	norm := -0.5*float64(dim)*math.Log(2*math.Pi) - 0.5*logDet

	covDesc := "Σ = A Aᵀ/dim + 0.1 I, A_ij ~ N(0,1)"
	if !correlated {
		covDesc = fmt.Sprintf("Σ = %g² I", std)
	}
	d := &Data{
		Name: "gaussian",
		Dim:  dim,
		Kind: Continuous,
		LogDensity: func(x []float64) float64 {
			checkLen(x, dim)
			// Solve L z = x − μ by forward substitution; log p = norm − ½|z|².
			z := make([]float64, dim)
			q := 0.0
			for i := range dim {
				s := x[i] - mean[i]
				row := l[i*dim : i*dim+i]
				for j, lij := range row {
					s -= lij * z[j]
				}
				z[i] = s / l[i*dim+i]
				q += z[i] * z[i]
			}
			return norm - 0.5*q
		},
		Protocol: []string{
			fmt.Sprintf("Gaussian in %d dimensions, mean ~ N(0, I), %s, drawn with structure_seed %d; entropy %.6g nats",
				dim, covDesc, p.Int("structure_seed"), gaussianEntropy(dim, logDet)),
			splitProtocol(p),
		},
	}
	drawSplits(d, p, seed, func(rng *rand.Rand, x []float64) int {
		// x = μ + L ε.
		eps := make([]float64, dim)
		for i := range eps {
			eps[i] = rng.NormFloat64()
		}
		for i := range dim {
			s := mean[i]
			for j, lij := range l[i*dim : i*dim+i+1] {
				s += lij * eps[j]
			}
			x[i] = s
		}
		return -1
	})
	return d, nil
}

// gmmMeans draws the component means separation·N(0, I) from structure_seed.
func gmmMeans(dim, components int, structureSeed uint64, separation float64) [][]float64 {
	rng := newRNG(structureSeed, streamStructure)
	means := make([][]float64, components)
	for k := range means {
		means[k] = make([]float64, dim)
		for j := range means[k] {
			means[k][j] = separation * rng.NormFloat64()
		}
	}
	return means
}

func buildGMM(p params.Set, seed uint64) (*Data, error) {
	dim, k := p.Int("dim"), p.Int("components")
	if dim*k > 1<<26 {
		return nil, fmt.Errorf("components: %d components in %d dimensions is too many", k, dim)
	}
	g := isoMixture{
		means: gmmMeans(dim, k, uint64(p.Int("structure_seed")), p.Float("separation")),
		std:   p.Float("std"),
	}
	d := &Data{
		Name:       "gmm",
		Dim:        dim,
		Kind:       Continuous,
		LogDensity: g.logDensity(),
		Modes:      g.modes(),
		ModeStd:    g.std,
		Protocol: []string{
			fmt.Sprintf("mixture of %d isotropic Gaussians in %d dimensions, equal weights, std %g, means %g·N(0, I) drawn with structure_seed %d",
				k, dim, g.std, p.Float("separation"), p.Int("structure_seed")),
			"labels are the mixture component of each example",
			splitProtocol(p),
		},
	}
	drawSplits(d, p, seed, g.sample)
	return d, nil
}
