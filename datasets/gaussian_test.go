package datasets

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// denseNormal is an independent Gaussian log-density: log det by LU and
// the quadratic form by a general linear solve, no Cholesky. (gonum's
// stat/distmv would do, but it needs golang.org/x/tools, which go.sum lacks.)
func denseNormal(t *testing.T, mean []float64, cov mat.Symmetric) func([]float64) float64 {
	dim := len(mean)
	a := mat.DenseCopyOf(cov)
	logDet, sign := mat.LogDet(a)
	if sign <= 0 {
		t.Fatalf("covariance has determinant sign %v", sign)
	}
	return func(x []float64) float64 {
		r := mat.NewVecDense(dim, nil)
		r.SubVec(mat.NewVecDense(dim, append([]float64(nil), x...)), mat.NewVecDense(dim, mean))
		var z mat.VecDense
		if err := z.SolveVec(a, r); err != nil {
			t.Fatal(err)
		}
		return -0.5*float64(dim)*math.Log(2*math.Pi) - 0.5*logDet - 0.5*mat.Dot(r, &z)
	}
}

// isoNormal is the log-density of N(mean, std² I) as a product of univariate
// normals.
func isoNormal(mean []float64, std float64) func([]float64) float64 {
	return func(x []float64) float64 {
		s := 0.0
		for j, m := range mean {
			s += distuv.Normal{Mu: m, Sigma: std}.LogProb(x[j])
		}
		return s
	}
}

func TestGaussianMatchesReference(t *testing.T) {
	for _, tc := range []struct {
		dim        int
		structure  int
		correlated bool
		std        float64
	}{{2, 0, true, 1}, {7, 5, true, 1}, {30, 1, true, 1}, {4, 2, false, 0.3}} {
		d := mustBuild(t, "gaussian", map[string]any{"n_train": 10, "n_valid": 10, "n_test": 200,
			"dim": tc.dim, "structure_seed": tc.structure, "correlated": tc.correlated, "std": tc.std}, 1)
		mean, cov := gaussianParams(tc.dim, uint64(tc.structure), tc.correlated, tc.std)
		ref := denseNormal(t, mean, cov)
		for i := range 200 {
			x := d.Test.RawRowView(i)
			if got, want := d.LogDensity(x), ref(x); math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Fatalf("%+v: LogDensity = %v, LU reference %v", tc, got, want)
			}
		}
		if !tc.correlated {
			for i := range tc.dim {
				for j := range tc.dim {
					want := 0.0
					if i == j {
						want = tc.std * tc.std
					}
					if cov.At(i, j) != want {
						t.Fatalf("uncorrelated covariance (%d,%d) = %v", i, j, cov.At(i, j))
					}
				}
			}
		}
	}
}

// The structure comes from structure_seed only; the data seed draws examples.
func TestGaussianStructureSeed(t *testing.T) {
	x := []float64{0.3, -1.2, 0.7}
	user := map[string]any{"n_train": 10, "n_valid": 10, "n_test": 10, "dim": 3}
	a := mustBuild(t, "gaussian", user, 1)
	b := mustBuild(t, "gaussian", user, 2)
	if a.LogDensity(x) != b.LogDensity(x) {
		t.Error("the data seed changed the density")
	}
	user["structure_seed"] = 9
	c := mustBuild(t, "gaussian", user, 1)
	if a.LogDensity(x) == c.LogDensity(x) {
		t.Error("structure_seed did not change the density")
	}
}

// Sample mean and covariance match the parameters, and the mean test NLL
// matches the closed-form entropy.
func TestGaussianMomentsAndEntropy(t *testing.T) {
	const n = 40000
	const dim = 4
	d := mustBuild(t, "gaussian", map[string]any{"n_train": n, "n_valid": 10, "n_test": n, "dim": dim, "structure_seed": 2}, 3)
	mean, cov := gaussianParams(dim, 2, true, 1)

	var sample mat.SymDense
	gotMean := make([]float64, dim)
	for j := range dim {
		gotMean[j] = floats.Sum(mat.Col(nil, j, d.Train)) / n
	}
	centred := mat.DenseCopyOf(d.Train)
	for i := range n {
		floats.Sub(centred.RawRowView(i), gotMean)
	}
	sample.SymOuterK(1/float64(n-1), centred.T())
	for i := range dim {
		if se := math.Sqrt(cov.At(i, i) / n); math.Abs(gotMean[i]-mean[i]) > 5*se {
			t.Errorf("mean[%d] = %v, want %v ± %v", i, gotMean[i], mean[i], se)
		}
		for j := range dim {
			se := math.Sqrt((cov.At(i, i)*cov.At(j, j) + cov.At(i, j)*cov.At(i, j)) / n)
			if math.Abs(sample.At(i, j)-cov.At(i, j)) > 5*se {
				t.Errorf("cov[%d,%d] = %v, want %v ± %v", i, j, sample.At(i, j), cov.At(i, j), se)
			}
		}
	}

	logDet, _ := mat.LogDet(mat.DenseCopyOf(cov))
	entropy := gaussianEntropy(dim, logDet)
	got, se := meanNLL(d, d.Test)
	if math.Abs(got-entropy) > 4*se {
		t.Errorf("mean test NLL %v ± %v, entropy %v", got, se, entropy)
	}
}

func TestGMMMatchesReference(t *testing.T) {
	// K = 1: one isotropic Gaussian.
	for _, dim := range []int{1, 3, 10} {
		d := mustBuild(t, "gmm", map[string]any{"n_train": 10, "n_valid": 10, "n_test": 100,
			"dim": dim, "components": 1, "std": 0.7}, 1)
		ref := isoNormal(d.Modes[0], 0.7)
		for i := range 100 {
			x := d.Test.RawRowView(i)
			if got, want := d.LogDensity(x), ref(x); math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Fatalf("dim %d: LogDensity = %v, reference %v", dim, got, want)
			}
		}
	}
	// K = 5, overlapping components: log of the mean of the component densities.
	const dim, k = 3, 5
	d := mustBuild(t, "gmm", map[string]any{"n_train": 10, "n_valid": 10, "n_test": 100,
		"dim": dim, "components": k, "separation": 1.0, "std": 1.5, "structure_seed": 4}, 1)
	if len(d.Modes) != k || d.ModeStd != 1.5 {
		t.Fatalf("%d modes, std %v", len(d.Modes), d.ModeStd)
	}
	want := gmmMeans(dim, k, 4, 1.0)
	var comps []func([]float64) float64
	for c := range k {
		if !floats.Equal(d.Modes[c], want[c]) {
			t.Fatalf("mode %d = %v, want %v", c, d.Modes[c], want[c])
		}
		comps = append(comps, isoNormal(want[c], 1.5))
	}
	for i := range 100 {
		x := d.Test.RawRowView(i)
		p := 0.0
		for _, logp := range comps {
			p += math.Exp(logp(x)) / k
		}
		if got := d.LogDensity(x); math.Abs(got-math.Log(p)) > 1e-9 {
			t.Fatalf("LogDensity = %v, want %v", got, math.Log(p))
		}
	}
}
