package flow

import (
	"encoding/gob"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
)

// Gaussian is a diagonal Gaussian fitted in closed form (maximum
// likelihood mean and variance per coordinate). It is the baseline every
// density model must beat.
type Gaussian struct {
	Mean, Std []float64
	MinStd    float64
	// running sums for the streaming fit through TrainStep
	n          float64
	sum, sumSq []float64
}

func newGaussian(cfg models.Config) (models.Model, error) {
	if err := continuousOnly(cfg, "gaussian"); err != nil {
		return nil, err
	}
	d := cfg.Dim
	g := &Gaussian{Mean: make([]float64, d), Std: make([]float64, d), MinStd: cfg.Params.Float("min_std"),
		sum: make([]float64, d), sumSq: make([]float64, d)}
	for i := range g.Std {
		g.Std[i] = 1
	}
	return g, nil
}

// Fit implements models.Fitter: the maximum-likelihood fit on all of x.
func (g *Gaussian) Fit(x *mat.Dense) error {
	g.n = 0
	clear(g.sum)
	clear(g.sumSq)
	_, err := g.TrainStep(x)
	return err
}

// TrainStep accumulates moments of the batch and refits, so that after an
// epoch the fit is the maximum-likelihood one over the data seen.
func (g *Gaussian) TrainStep(x *mat.Dense) (float64, error) {
	r, c := x.Dims()
	if c != len(g.Mean) {
		return 0, fmt.Errorf("batch has %d columns, model has %d", c, len(g.Mean))
	}
	for i := 0; i < r; i++ {
		for j, v := range x.RawRowView(i) {
			g.sum[j] += v
			g.sumSq[j] += v * v
		}
	}
	g.n += float64(r)
	for j := range g.Mean {
		m := g.sum[j] / g.n
		v := g.sumSq[j]/g.n - m*m
		g.Mean[j] = m
		g.Std[j] = math.Max(math.Sqrt(math.Max(v, 0)), g.MinStd)
	}
	lp, err := g.LogProb(x)
	if err != nil {
		return 0, err
	}
	var nll float64
	for _, v := range lp {
		nll -= v
	}
	return nll / float64(r), nil
}

// LogProb implements models.Density.
func (g *Gaussian) LogProb(x *mat.Dense) ([]float64, error) {
	r, c := x.Dims()
	if c != len(g.Mean) {
		return nil, fmt.Errorf("data have %d columns, model has %d", c, len(g.Mean))
	}
	var logNorm float64
	for _, s := range g.Std {
		logNorm += math.Log(s) + halfLog2Pi
	}
	out := make([]float64, r)
	for i := range out {
		var q float64
		for j, v := range x.RawRowView(i) {
			u := (v - g.Mean[j]) / g.Std[j]
			q += u * u
		}
		out[i] = -0.5*q - logNorm
	}
	return out, nil
}

// Sample implements models.Model.
func (g *Gaussian) Sample(n int, rng *rand.Rand) (*mat.Dense, error) {
	if n < 1 {
		return nil, fmt.Errorf("sample count %d", n)
	}
	out := mat.NewDense(n, len(g.Mean), nil)
	for i := 0; i < n; i++ {
		for j := range g.Mean {
			out.Set(i, j, g.Mean[j]+g.Std[j]*rng.NormFloat64())
		}
	}
	return out, nil
}

// NumParams implements models.Model: a mean and a standard deviation per coordinate.
func (g *Gaussian) NumParams() int { return 2 * len(g.Mean) }

type gaussianState struct {
	Mean, Std, Sum, SumSq []float64
	N                     float64
}

// Save implements models.Model.
func (g *Gaussian) Save(w io.Writer) error {
	return gob.NewEncoder(w).Encode(gaussianState{g.Mean, g.Std, g.sum, g.sumSq, g.n})
}

// Load implements models.Model.
func (g *Gaussian) Load(r io.Reader) error {
	var s gaussianState
	if err := gob.NewDecoder(r).Decode(&s); err != nil {
		return fmt.Errorf("loading gaussian: %w", err)
	}
	if len(s.Mean) != len(g.Mean) {
		return fmt.Errorf("loading gaussian: saved dimension %d, model has %d", len(s.Mean), len(g.Mean))
	}
	g.Mean, g.Std, g.sum, g.sumSq, g.n = s.Mean, s.Std, s.Sum, s.SumSq, s.N
	return nil
}
