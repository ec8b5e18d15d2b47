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

// Gaussian is a Gaussian fitted in closed form: the maximum-likelihood
// mean and either the full covariance (the default, the "Gaussian" row of
// Papamakarios et al. 2017) or one variance per coordinate (diagonal). It
// is the floor every density model must beat.
//
// The full covariance's eigenvalues are floored at MinStd², so that the
// fit exists when the data are degenerate (fewer examples than
// dimensions, constant coordinates); with no eigenvalue below the floor
// the fit is the plain maximum-likelihood one, and with some it is the
// maximum-likelihood fit under that constraint. Log-densities solve with
// the covariance's Cholesky factor L, and samples are μ + L·ε.
type Gaussian struct {
	Mean, Std []float64 // Std: per-coordinate standard deviations (√ of the covariance's diagonal)
	MinStd    float64
	Full      bool

	// full covariance: Σ = L Lᵀ, its inverse factor and ½ log det Σ
	lower, lowerInv *mat.TriDense
	halfLogDet      float64

	// running moments of x − shift for the streaming fit through
	// TrainStep; shift (the first batch's mean) keeps the sums of
	// squares from cancelling when the mean is large against the spread
	n     float64
	shift []float64
	sum   []float64
	cross *mat.SymDense // full: Σ (x−shift)(x−shift)ᵀ
	sumSq []float64     // diagonal: Σ (x−shift)²
}

func newGaussian(cfg models.Config) (models.Model, error) {
	if err := continuousOnly(cfg, "gaussian"); err != nil {
		return nil, err
	}
	return NewGaussian(cfg.Dim, cfg.Params.String("covariance") == "full", cfg.Params.Float("min_std")), nil
}

// NewGaussian returns a standard normal in dim dimensions, to be fitted
// with Fit or TrainStep; full selects the full covariance, minStd floors
// the standard deviation along every direction.
func NewGaussian(dim int, full bool, minStd float64) *Gaussian {
	g := &Gaussian{Mean: make([]float64, dim), Std: make([]float64, dim), MinStd: minStd, Full: full}
	for i := range g.Std {
		g.Std[i] = 1
	}
	g.resetMoments()
	if full {
		id := mat.NewTriDense(dim, mat.Lower, nil)
		for i := 0; i < dim; i++ {
			id.SetTri(i, i, 1)
		}
		g.lower, g.lowerInv = id, id // read only: the identity is its own inverse
	}
	return g
}

func (g *Gaussian) dim() int { return len(g.Mean) }

func (g *Gaussian) resetMoments() {
	d := g.dim()
	g.n, g.shift, g.sum = 0, make([]float64, d), make([]float64, d)
	if g.Full {
		g.cross = mat.NewSymDense(d, nil)
	} else {
		g.sumSq = make([]float64, d)
	}
}

// Fit implements models.Fitter: the maximum-likelihood fit on all of x,
// with the moments taken about x's own mean (a two-pass computation).
func (g *Gaussian) Fit(x *mat.Dense) error {
	g.resetMoments()
	_, err := g.TrainStep(x)
	return err
}

// TrainStep accumulates moments of the batch and refits, so that after an
// epoch the fit is the maximum-likelihood one over the data seen. It
// returns the batch's mean NLL under the refitted model.
func (g *Gaussian) TrainStep(x *mat.Dense) (float64, error) {
	r, err := models.CheckCols(x, g.dim(), "gaussian", "batch")
	if err != nil {
		return 0, err
	}
	if g.n == 0 {
		g.shift = columnMeans(x)
	}
	centred := mat.DenseCopyOf(x)
	for i := 0; i < r; i++ {
		row := centred.RawRowView(i)
		for j := range row {
			row[j] -= g.shift[j]
			g.sum[j] += row[j]
		}
		if !g.Full {
			for j, v := range row {
				g.sumSq[j] += v * v
			}
		}
	}
	if g.Full {
		g.cross.SymRankK(g.cross, 1, centred.T())
	}
	g.n += float64(r)
	if err := g.refit(); err != nil {
		return 0, err
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

func columnMeans(x *mat.Dense) []float64 {
	r, c := x.Dims()
	m := make([]float64, c)
	for i := 0; i < r; i++ {
		for j, v := range x.RawRowView(i) {
			m[j] += v
		}
	}
	for j := range m {
		m[j] /= float64(r)
	}
	return m
}

// refit sets the mean and the (co)variance from the running moments.
func (g *Gaussian) refit() error {
	d := g.dim()
	delta := make([]float64, d) // mean − shift
	for j := range delta {
		delta[j] = g.sum[j] / g.n
		g.Mean[j] = g.shift[j] + delta[j]
	}
	if !g.Full {
		for j := range g.Std {
			v := g.sumSq[j]/g.n - delta[j]*delta[j]
			g.Std[j] = math.Max(math.Sqrt(math.Max(v, 0)), g.MinStd)
		}
		return nil
	}
	cov := mat.NewSymDense(d, nil)
	cov.ScaleSym(1/g.n, g.cross)
	cov.SymRankOne(cov, -1, mat.NewVecDense(d, delta))
	floor := g.MinStd * g.MinStd
	// The eigendecomposition costs some 30 times a Cholesky factorisation
	// (seconds at 784 dimensions), so it runs only when the factor cannot
	// show that the floor is inactive.
	var chol mat.Cholesky
	if chol.Factorize(cov) {
		var lower mat.TriDense
		chol.LTo(&lower)
		if smallestEigenvalueBound(&lower) >= floor {
			return g.setLower(&lower)
		}
	}
	cov, err := floorEigenvalues(cov, floor)
	if err != nil {
		return fmt.Errorf("gaussian: %w", err)
	}
	return g.setCovariance(cov)
}

// smallestEigenvalueBound returns a lower bound on the smallest
// eigenvalue of Σ = L Lᵀ: λ_min(Σ) = 1/λ_max(Σ⁻¹) ≥ 1/‖L⁻¹‖²_F, since
// Σ⁻¹ = L⁻ᵀL⁻¹ and λ_max of it is at most its trace ‖L⁻¹‖²_F. It is 0 when
// L cannot be inverted.
func smallestEigenvalueBound(lower *mat.TriDense) float64 {
	var inv mat.TriDense
	if err := inv.InverseTri(lower); err != nil {
		return 0
	}
	n, _ := inv.Dims()
	var frob float64
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			frob += inv.At(i, j) * inv.At(i, j)
		}
	}
	return 1 / frob
}

// floorEigenvalues returns cov with every eigenvalue below floor raised
// to it: the nearest covariance, in the likelihood's sense, whose
// standard deviation along any direction is at least √floor.
func floorEigenvalues(cov *mat.SymDense, floor float64) (*mat.SymDense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		return nil, fmt.Errorf("eigendecomposition of the %d×%d covariance failed", cov.SymmetricDim(), cov.SymmetricDim())
	}
	vals := eig.Values(nil)
	if len(vals) > 0 && vals[0] >= floor { // ascending: the smallest first
		return cov, nil
	}
	var q mat.Dense
	eig.VectorsTo(&q)
	d := len(vals)
	scaled := mat.DenseCopyOf(&q) // Q·diag(√λ)
	for j, v := range vals {
		s := math.Sqrt(math.Max(v, floor))
		for i := 0; i < d; i++ {
			scaled.Set(i, j, scaled.At(i, j)*s)
		}
	}
	out := mat.NewSymDense(d, nil)
	out.SymOuterK(1, scaled)
	return out, nil
}

// setCovariance factorises cov and stores its Cholesky factor.
func (g *Gaussian) setCovariance(cov *mat.SymDense) error {
	var chol mat.Cholesky
	if !chol.Factorize(cov) {
		return fmt.Errorf("gaussian: the covariance is not numerically positive definite (min_std %g is too small for these data)", g.MinStd)
	}
	var lower mat.TriDense
	chol.LTo(&lower)
	return g.setLower(&lower)
}

// setLower stores the Cholesky factor L of Σ = L Lᵀ with what is derived
// from it: L⁻¹, ½ log det Σ = Σ log L_ii and the per-coordinate standard
// deviations. Load restores L itself, so a reloaded model computes
// bit-identical densities.
func (g *Gaussian) setLower(lower *mat.TriDense) error {
	var inv mat.TriDense
	if err := inv.InverseTri(lower); err != nil {
		return fmt.Errorf("gaussian: inverting the Cholesky factor: %w", err)
	}
	g.lower, g.lowerInv, g.halfLogDet = lower, &inv, 0
	for j := range g.Std {
		g.halfLogDet += math.Log(lower.At(j, j))
		var v float64
		for k := 0; k <= j; k++ {
			v += lower.At(j, k) * lower.At(j, k)
		}
		g.Std[j] = math.Sqrt(v)
	}
	return nil
}

// LogProb implements models.Density.
func (g *Gaussian) LogProb(x *mat.Dense) ([]float64, error) {
	r, err := models.CheckCols(x, g.dim(), "gaussian", "data")
	if err != nil {
		return nil, err
	}
	out := make([]float64, r)
	if r == 0 {
		return out, nil
	}
	centred := mat.DenseCopyOf(x)
	for i := 0; i < r; i++ {
		row := centred.RawRowView(i)
		for j := range row {
			row[j] -= g.Mean[j]
		}
	}
	logNorm := float64(g.dim()) * halfLog2Pi
	if g.Full {
		// z = L⁻¹(x − μ) row by row: Z = (X − μ)·L⁻ᵀ.
		var z mat.Dense
		z.Mul(centred, g.lowerInv.T())
		centred = &z
		logNorm += g.halfLogDet
	} else {
		for i := 0; i < r; i++ {
			row := centred.RawRowView(i)
			for j := range row {
				row[j] /= g.Std[j]
			}
		}
		for _, s := range g.Std {
			logNorm += math.Log(s)
		}
	}
	for i := range out {
		var q float64
		for _, v := range centred.RawRowView(i) {
			q += v * v
		}
		out[i] = -0.5*q - logNorm
	}
	return out, nil
}

// Sample implements models.Model: μ + L·ε (full) or μ + σ⊙ε, with ε drawn
// row by row from rng.
func (g *Gaussian) Sample(n int, rng *rand.Rand) (*mat.Dense, error) {
	if n < 1 {
		return nil, fmt.Errorf("gaussian: sample count %d", n)
	}
	d := g.dim()
	eps := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		row := eps.RawRowView(i)
		for j := range row {
			row[j] = rng.NormFloat64()
		}
	}
	out := eps
	if g.Full {
		out = mat.NewDense(n, d, nil)
		out.Mul(eps, g.lower.T())
	}
	for i := 0; i < n; i++ {
		row := out.RawRowView(i)
		for j := range row {
			if !g.Full {
				row[j] *= g.Std[j]
			}
			row[j] += g.Mean[j]
		}
	}
	return out, nil
}

// NumParams implements models.Model: the mean and the free entries of the
// covariance (d(d+1)/2 full, d diagonal).
func (g *Gaussian) NumParams() int {
	d := g.dim()
	if g.Full {
		return d + d*(d+1)/2
	}
	return 2 * d
}

type gaussianState struct {
	Full                         bool
	Mean, Std, Shift, Sum, SumSq []float64
	Cross                        []float64 // full: the d×d cross-product sums, row-major
	Lower                        []float64 // full: the fitted covariance's Cholesky factor, row-major
	N                            float64
}

// Save implements models.Model.
func (g *Gaussian) Save(w io.Writer) error {
	s := gaussianState{Full: g.Full, Mean: g.Mean, Std: g.Std, Shift: g.shift, Sum: g.sum, SumSq: g.sumSq, N: g.n}
	if g.Full {
		s.Cross = mat.DenseCopyOf(g.cross).RawMatrix().Data
		s.Lower = mat.DenseCopyOf(g.lower).RawMatrix().Data
	}
	if err := gob.NewEncoder(w).Encode(s); err != nil {
		return fmt.Errorf("saving gaussian: %w", err)
	}
	return nil
}

// Load implements models.Model.
func (g *Gaussian) Load(r io.Reader) error {
	var s gaussianState
	if err := gob.NewDecoder(r).Decode(&s); err != nil {
		return fmt.Errorf("loading gaussian: %w", err)
	}
	d := g.dim()
	if len(s.Mean) != d {
		return fmt.Errorf("loading gaussian: saved dimension %d, model has %d", len(s.Mean), d)
	}
	if s.Full != g.Full {
		return fmt.Errorf("loading gaussian: saved full covariance %v, model has %v", s.Full, g.Full)
	}
	g.Mean, g.Std, g.shift, g.sum, g.n = s.Mean, s.Std, s.Shift, s.Sum, s.N
	if !g.Full {
		g.sumSq = s.SumSq
		return nil
	}
	if len(s.Cross) != d*d || len(s.Lower) != d*d {
		return fmt.Errorf("loading gaussian: saved covariance has %d values, want %d", len(s.Lower), d*d)
	}
	g.cross = mat.NewSymDense(d, s.Cross)
	if err := g.setLower(mat.NewTriDense(d, mat.Lower, s.Lower)); err != nil {
		return fmt.Errorf("loading gaussian: %w", err)
	}
	return nil
}
