package flow

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
)

func buildGaussian(t *testing.T, dim int, covariance string) *Gaussian {
	t.Helper()
	ty, _ := models.Lookup("gaussian")
	p, err := ty.Params.Resolve(map[string]any{"covariance": covariance})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ty.New(models.Config{Dim: dim, Params: p})
	if err != nil {
		t.Fatal(err)
	}
	return m.(*Gaussian)
}

// meanAndSE returns the mean of v and its standard error.
func meanAndSE(v []float64) (mean, se float64) {
	var sq float64
	for _, x := range v {
		mean += x
		sq += x * x
	}
	n := float64(len(v))
	mean /= n
	return mean, math.Sqrt(math.Max(sq/n-mean*mean, 0) / n)
}

// TestGaussianOnCorrelatedData fits both covariance kinds to the
// correlated gaussian data set: the full one must reach the true NLL
// within 2 standard errors, the diagonal one must fall clearly short of it
// (it ignores the correlations), so the test tells the two apart.
func TestGaussianOnCorrelatedData(t *testing.T) {
	d, err := datasets.Build("gaussian", map[string]any{"dim": 8, "n_train": 20000, "n_test": 5000}, 3)
	if err != nil {
		t.Fatal(err)
	}
	var trueNLL []float64
	for i := 0; i < d.Test.RawMatrix().Rows; i++ {
		trueNLL = append(trueNLL, -d.LogDensity(d.Test.RawRowView(i)))
	}
	want, _ := meanAndSE(trueNLL)
	for _, tc := range []struct {
		covariance  string
		reachesTrue bool
	}{{"full", true}, {"diagonal", false}} {
		t.Run(tc.covariance, func(t *testing.T) {
			g := buildGaussian(t, d.Dim, tc.covariance)
			if err := g.Fit(d.Train); err != nil {
				t.Fatal(err)
			}
			lp, err := g.LogProb(d.Test)
			if err != nil {
				t.Fatal(err)
			}
			for i := range lp {
				lp[i] = -lp[i]
			}
			got, se := meanAndSE(lp)
			gap := got - want
			t.Logf("%s: test NLL %.4f ± %.4f, true NLL %.4f", tc.covariance, got, se, want)
			if tc.reachesTrue && math.Abs(gap) > 2*se {
				t.Errorf("test NLL %v ± %v, true NLL %v: more than 2 standard errors apart", got, se, want)
			}
			if !tc.reachesTrue && gap < 5*se {
				t.Errorf("diagonal fit's NLL %v ± %v is within 5 standard errors of the true %v on correlated data", got, se, want)
			}
		})
	}
}

// directMLE is the two-pass maximum-likelihood mean and covariance.
func directMLE(x *mat.Dense) ([]float64, *mat.SymDense) {
	r, c := x.Dims()
	mean := columnMeans(x)
	cov := mat.NewSymDense(c, nil)
	for i := 0; i < r; i++ {
		for a := 0; a < c; a++ {
			for b := a; b < c; b++ {
				cov.SetSym(a, b, cov.At(a, b)+(x.At(i, a)-mean[a])*(x.At(i, b)-mean[b])/float64(r))
			}
		}
	}
	return mean, cov
}

func correlatedSample(n, d int, offset float64, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 4))
	x := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		prev := 0.0
		for j := 0; j < d; j++ {
			prev = 0.8*prev + rng.NormFloat64()
			x.Set(i, j, offset+float64(j)+prev)
		}
	}
	return x
}

// TestGaussianFullIsTheMLE compares Fit, and a streaming fit through
// TrainStep in batches, with the two-pass maximum-likelihood estimate, on
// data whose mean (1000) is large against their spread, where a naive
// sum of squares would cancel.
func TestGaussianFullIsTheMLE(t *testing.T) {
	x := correlatedSample(600, 4, 1000, 1)
	mean, cov := directMLE(x)
	for _, streaming := range []bool{false, true} {
		g := buildGaussian(t, 4, "full")
		if streaming {
			for lo := 0; lo < 600; lo += 128 {
				if _, err := g.TrainStep(mat.DenseCopyOf(x.Slice(lo, min(lo+128, 600), 0, 4))); err != nil {
					t.Fatal(err)
				}
			}
		} else if err := g.Fit(x); err != nil {
			t.Fatal(err)
		}
		var fitted mat.SymDense
		fitted.SymOuterK(1, g.lower)
		for a := 0; a < 4; a++ {
			if math.Abs(g.Mean[a]-mean[a]) > 1e-9 {
				t.Errorf("streaming %v: mean[%d] = %v, want %v", streaming, a, g.Mean[a], mean[a])
			}
			for b := 0; b < 4; b++ {
				if math.Abs(fitted.At(a, b)-cov.At(a, b)) > 1e-8 {
					t.Errorf("streaming %v: cov[%d,%d] = %v, want %v", streaming, a, b, fitted.At(a, b), cov.At(a, b))
				}
			}
		}
	}
}

// TestGaussianFullLogProbClosedForm checks one density against the
// formula with the fitted Σ inverted by gonum.
func TestGaussianFullLogProbClosedForm(t *testing.T) {
	x := correlatedSample(300, 3, 0, 2)
	g := buildGaussian(t, 3, "full")
	if err := g.Fit(x); err != nil {
		t.Fatal(err)
	}
	mean, cov := directMLE(x)
	var chol mat.Cholesky
	chol.Factorize(cov)
	y := []float64{0.3, -1, 2}
	diff := mat.NewVecDense(3, []float64{y[0] - mean[0], y[1] - mean[1], y[2] - mean[2]})
	var sol mat.VecDense
	if err := chol.SolveVecTo(&sol, diff); err != nil {
		t.Fatal(err)
	}
	want := -0.5*mat.Dot(diff, &sol) - 0.5*chol.LogDet() - 1.5*math.Log(2*math.Pi)
	lp, _ := g.LogProb(mat.NewDense(1, 3, y))
	if math.Abs(lp[0]-want) > 1e-10 {
		t.Errorf("log p = %v, closed form %v", lp[0], want)
	}
}

// TestGaussianFloorsDegenerateCovariance fits data with a constant
// coordinate and fewer examples than dimensions: the fit must exist, with
// every eigenvalue at least min_std².
func TestGaussianFloorsDegenerateCovariance(t *testing.T) {
	const d = 6
	x := correlatedSample(4, d, 0, 3)
	for i := 0; i < 4; i++ {
		x.Set(i, 2, 7)
	}
	g := buildGaussian(t, d, "full")
	if err := g.Fit(x); err != nil {
		t.Fatal(err)
	}
	var cov mat.SymDense
	cov.SymOuterK(1, g.lower)
	var eig mat.EigenSym
	eig.Factorize(&cov, false)
	floor := g.MinStd * g.MinStd
	if lo := eig.Values(nil)[0]; lo < 0.99*floor {
		t.Errorf("smallest eigenvalue %v below the floor %v", lo, floor)
	}
	lp, err := g.LogProb(x)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range lp {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("log p[%d] = %v", i, v)
		}
	}
}

// TestGaussianSamplesHaveFittedMoments draws from a fitted full Gaussian
// and compares the samples' covariance with the fitted one.
func TestGaussianSamplesHaveFittedMoments(t *testing.T) {
	g := buildGaussian(t, 3, "full")
	if err := g.Fit(correlatedSample(2000, 3, 5, 4)); err != nil {
		t.Fatal(err)
	}
	s, err := g.Sample(40000, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	mean, cov := directMLE(s)
	var fitted mat.SymDense
	fitted.SymOuterK(1, g.lower)
	for a := 0; a < 3; a++ {
		if math.Abs(mean[a]-g.Mean[a]) > 0.05 {
			t.Errorf("sample mean[%d] %v, fitted %v", a, mean[a], g.Mean[a])
		}
		for b := 0; b < 3; b++ {
			if math.Abs(cov.At(a, b)-fitted.At(a, b)) > 0.05*math.Sqrt(fitted.At(a, a)*fitted.At(b, b)) {
				t.Errorf("sample cov[%d,%d] %v, fitted %v", a, b, cov.At(a, b), fitted.At(a, b))
			}
		}
	}
}

// TestGaussianSaveLoad saves a model midway through a streaming fit: the
// reloaded model must score and sample identically and continue the fit
// identically.
func TestGaussianSaveLoad(t *testing.T) {
	x := correlatedSample(400, 5, 1, 5)
	for _, covariance := range []string{"full", "diagonal"} {
		t.Run(covariance, func(t *testing.T) {
			g := buildGaussian(t, 5, covariance)
			if _, err := g.TrainStep(mat.DenseCopyOf(x.Slice(0, 200, 0, 5))); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := g.Save(&buf); err != nil {
				t.Fatal(err)
			}
			h := buildGaussian(t, 5, covariance)
			if err := h.Load(&buf); err != nil {
				t.Fatal(err)
			}
			rest := mat.DenseCopyOf(x.Slice(200, 400, 0, 5))
			l1, err1 := g.TrainStep(rest)
			l2, err2 := h.TrainStep(rest)
			if err1 != nil || err2 != nil || l1 != l2 {
				t.Fatalf("after reload the next step gives %v (%v), without %v (%v)", l2, err2, l1, err1)
			}
			a, _ := g.LogProb(x)
			b, _ := h.LogProb(x)
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("row %d: log p %v after reload, %v before", i, b[i], a[i])
				}
			}
			sa, _ := g.Sample(10, rand.New(rand.NewPCG(3, 3)))
			sb, _ := h.Sample(10, rand.New(rand.NewPCG(3, 3)))
			if !mat.Equal(sa, sb) {
				t.Error("samples differ after reload")
			}
		})
	}
	full, diag := buildGaussian(t, 5, "full"), buildGaussian(t, 5, "diagonal")
	var buf bytes.Buffer
	if err := full.Save(&buf); err != nil {
		t.Fatal(err)
	}
	if err := diag.Load(&buf); err == nil {
		t.Error("a diagonal model loaded a full model's state")
	}
}

func TestGaussianNumParams(t *testing.T) {
	if n := buildGaussian(t, 4, "full").NumParams(); n != 4+10 {
		t.Errorf("full: %d parameters, want 14", n)
	}
	if n := buildGaussian(t, 4, "diagonal").NumParams(); n != 8 {
		t.Errorf("diagonal: %d parameters, want 8", n)
	}
}

// TestSmallestEigenvalueBound checks the bound that lets a fit skip the
// eigendecomposition: never above the smallest eigenvalue.
func TestSmallestEigenvalueBound(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		_, cov := directMLE(correlatedSample(12, 5, 0, seed)) // few rows: small eigenvalues
		var chol mat.Cholesky
		if !chol.Factorize(cov) {
			t.Fatalf("seed %d: covariance not positive definite", seed)
		}
		var lower mat.TriDense
		chol.LTo(&lower)
		var eig mat.EigenSym
		eig.Factorize(cov, false)
		lo, bound := eig.Values(nil)[0], smallestEigenvalueBound(&lower)
		if !(bound > 0) || bound > lo*(1+1e-12) {
			t.Errorf("seed %d: bound %v, smallest eigenvalue %v", seed, bound, lo)
		}
	}
}
