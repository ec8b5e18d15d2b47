package metrics

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Provenance is what a sample-quality distance depends on besides the
// model, stored beside every FD and KID value: FD is biased in the number
// of samples and both depend on the reference set and the feature network,
// so values that differ in any of these cannot be compared (Chong and
// Forsyth 2020; Parmar et al. 2022).
type Provenance struct {
	// N is the number of generated (fake) rows, NRef of reference rows.
	N, NRef int
	// Reference names the real split the fake rows were compared with
	// ("test" by default). The distance functions leave it empty: the
	// caller, who chose the split, sets it.
	Reference string
	// FeatureNet identifies the network whose features were compared (a
	// hash of its data, architecture and code version), set by the caller.
	FeatureNet string
}

// FDResult is a Fréchet distance with what it was computed from.
type FDResult struct {
	FD float64
	Provenance
}

// FrechetDistance returns the Fréchet distance between Gaussians fitted to
// the rows of real and fake (Dowson and Landau 1982; as FID, Heusel et al.
// 2017, in whatever feature space the rows live in):
//
//	FD = ‖μ_r − μ_f‖² + tr Σ_r + tr Σ_f − 2 tr (Σ_r Σ_f)^{1/2}
//
// with sample means and unbiased (n−1) sample covariances, as the reference
// FID code does. The trace of the square root is computed in the symmetric
// form tr (Σ_r^{1/2} Σ_f Σ_r^{1/2})^{1/2}, which has the same eigenvalues as
// Σ_r Σ_f (they are similar matrices) but is symmetric positive
// semi-definite, so two symmetric eigendecompositions (gonum EigenSym) give
// it stably where the general square root of the non-symmetric product
// (scipy's sqrtm) can return complex parts or fail when Σ_r is singular.
// Rounding makes the zero eigenvalues of singular covariances (fewer rows
// than columns, dead features) tiny, of either sign; eigenvalues below
// n·ε·λ_max are clamped to 0.
//
// FD is biased upwards for finite samples, so values at different N are not
// comparable; FD(x, x) = 0 up to rounding.
//
// Errors: nil or empty matrices, non-finite entries, different numbers of
// columns, fewer than 2 rows in either set.
func FrechetDistance(real, fake *mat.Dense) (FDResult, error) {
	n, nRef, err := checkPair("metrics: frechet distance", real, fake, 2)
	if err != nil {
		return FDResult{}, err
	}
	muR, covR := moments(real)
	muF, covF := moments(fake)
	fd, err := frechetFromMoments(muR, muF, covR, covF)
	if err != nil {
		return FDResult{}, fmt.Errorf("metrics: frechet distance: %w", err)
	}
	return FDResult{FD: fd, Provenance: Provenance{N: n, NRef: nRef}}, nil
}

// checkPair validates a real and a fake matrix with at least minRows rows
// each and the same number of columns, and returns the fake and real row
// counts.
func checkPair(name string, real, fake *mat.Dense, minRows int) (n, nRef int, err error) {
	nRef, d, err := checkRows(name+": real", real)
	if err != nil {
		return 0, 0, err
	}
	n, df, err := checkRows(name+": fake", fake)
	if err != nil {
		return 0, 0, err
	}
	if d != df {
		return 0, 0, fmt.Errorf("%s: real has %d columns, fake %d", name, d, df)
	}
	if n < minRows || nRef < minRows {
		return 0, 0, fmt.Errorf("%s: %d real and %d fake rows, need at least %d each", name, nRef, n, minRows)
	}
	return n, nRef, nil
}

// moments returns the column means and the unbiased sample covariance.
func moments(x *mat.Dense) ([]float64, *mat.SymDense) {
	_, d := x.Dims()
	mu := make([]float64, d)
	for j := range d {
		mu[j] = stat.Mean(mat.Col(nil, j, x), nil)
	}
	var cov mat.SymDense
	stat.CovarianceMatrix(&cov, x, nil)
	return mu, &cov
}

// frechetFromMoments is the closed form of the Fréchet distance between
// N(mu1, cov1) and N(mu2, cov2); see FrechetDistance for the method.
func frechetFromMoments(mu1, mu2 []float64, cov1, cov2 *mat.SymDense) (float64, error) {
	meanTerm := 0.0
	for i := range mu1 {
		d := mu1[i] - mu2[i]
		meanTerm += d * d
	}
	root1, err := symSqrt(cov1)
	if err != nil {
		return 0, err
	}
	var inner mat.Dense
	inner.Product(root1, cov2, root1)
	traceRoot, err := traceSqrt(symmetrize(&inner))
	if err != nil {
		return 0, err
	}
	fd := meanTerm + mat.Trace(cov1) + mat.Trace(cov2) - 2*traceRoot
	if math.IsNaN(fd) {
		return 0, errors.New("NaN (covariances too large to square)")
	}
	return fd, nil
}

// symmetrize returns (a + aᵀ)/2, removing the rounding asymmetry of a
// product that is symmetric in exact arithmetic.
func symmetrize(a *mat.Dense) *mat.SymDense {
	n, _ := a.Dims()
	s := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			s.SetSym(i, j, (a.At(i, j)+a.At(j, i))/2)
		}
	}
	return s
}

// eigenClamped returns the eigen decomposition of a symmetric positive
// semi-definite matrix with its rounding-level eigenvalues (including the
// negative ones) set to 0.
// The eigenvectors are computed only when vectors is true.
func eigenClamped(a *mat.SymDense, vectors bool) ([]float64, *mat.Dense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(a, vectors) {
		return nil, nil, errors.New("symmetric eigendecomposition did not converge")
	}
	vals := eig.Values(nil)
	// Eigenvalues below the rounding level of the decomposition, about
	// n·ε·max|λ|, cannot be told from 0; zeroing them matters because their
	// square roots are far larger than they are (√1e-15 ≈ 3e-8 each).
	top := 0.0
	for _, v := range vals {
		top = math.Max(top, math.Abs(v))
	}
	floor := float64(len(vals)) * 0x1p-52 * top
	for i, v := range vals {
		if v < floor {
			vals[i] = 0
		}
	}
	if !vectors {
		return vals, nil, nil
	}
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	return vals, &vecs, nil
}

// symSqrt returns the positive semi-definite square root V diag(√λ) Vᵀ of
// a symmetric positive semi-definite matrix.
func symSqrt(a *mat.SymDense) (*mat.Dense, error) {
	vals, vecs, err := eigenClamped(a, true)
	if err != nil {
		return nil, err
	}
	n := len(vals)
	scaled := mat.NewDense(n, n, nil)
	for j, v := range vals {
		r := math.Sqrt(v)
		for i := range n {
			scaled.Set(i, j, vecs.At(i, j)*r)
		}
	}
	var root mat.Dense
	root.Mul(scaled, vecs.T())
	return &root, nil
}

// traceSqrt returns tr a^{1/2} = Σ √λ_i for a symmetric positive
// semi-definite matrix.
func traceSqrt(a *mat.SymDense) (float64, error) {
	vals, _, err := eigenClamped(a, false)
	if err != nil {
		return 0, err
	}
	s := 0.0
	for _, v := range vals {
		s += math.Sqrt(v)
	}
	return s, nil
}

func init() {
	Register(Metric{
		Name: "fd",
		Doc: "images: Fréchet distance of samples to the test split in the data set's classifier features, " +
			"with n, the floor (test vs as many validation rows) and the network's hash; lower is better",
		Protocol: "Fréchet distance and KID",
		// After the diagnostics, which draw from the random stream: asking
		// for fd leaves every other metric's numbers as they were.
		Order:      100,
		Stochastic: Sampled,
		Needs:      NeedsSamples | NeedsImages | NeedsClassifier | NeedsValid,
		Keys: []Key{
			// AbsTol: a change within the floor's scale (≈ 0.5 for MNIST
			// at n = 2000) is sampling noise.
			{Name: "fd", Doc: "Fréchet distance of n samples to n test rows in classifier features", Better: Lower, RelTol: 0.1, AbsTol: 0.5,
				Column: &Column{Header: "FD", Rank: 212, Format: Sig3}},
			{Name: "fd_n", Doc: "n of fd, kid and their floors: samples, test rows and validation rows each", Better: Neither, Stable: true, Qualifies: "fd",
				Column: &Column{Header: "FD/KID n", Rank: 211, Format: Integer}},
			{Name: "fd_floor", FloorOf: "fd", Doc: "Fréchet distance of n validation rows to the same n test rows: what a perfect model scores at n", Better: Neither, Stable: true, RelTol: 1e-3,
				Column: &Column{Header: "FD floor", Rank: 213, Format: Sig3}},
		},
		Compute: computeFD,
	})
}

// computeFD writes the Fréchet distance of the trial's samples and the
// floor of its data set; a sample with non-finite features makes fd
// non-finite, never an error that would lose the trial.
func computeFD(in *Input, out *Output) error {
	d, err := prepareDistances(in)
	if err != nil {
		return err
	}
	floor, err := d.floor.FD()
	if err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	fd := math.NaN()
	if d.fake != nil {
		r, err := FrechetDistance(d.floor.ref, d.fake)
		if err != nil {
			return err
		}
		fd = r.FD
	}
	out.Put("fd", fd)
	out.Put("fd_n", float64(d.n))
	out.Put("fd_floor", floor.FD)
	out.Note("fd", distanceNote(in, d, "Fréchet distance (Dowson and Landau 1982, as FID, Heusel et al. 2017)"))
	putProvenance(out, in, "fd")
	return nil
}
