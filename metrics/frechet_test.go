package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// exactMoments returns n rows whose sample mean is exactly mu and whose
// unbiased sample covariance is exactly cov (up to rounding): Gaussian
// draws, centred, whitened with the Cholesky factor of their own sample
// covariance, then coloured with that of cov.
func exactMoments(t *testing.T, rng *rand.Rand, n int, mu []float64, cov *mat.SymDense) *mat.Dense {
	t.Helper()
	d := len(mu)
	z := gauss(rng, n, d, 0)
	zMu, zCov := moments(z)
	for i := range n {
		for j := range d {
			z.Set(i, j, z.At(i, j)-zMu[j])
		}
	}
	var lz, lc mat.Cholesky
	if !lz.Factorize(zCov) || !lc.Factorize(cov) {
		t.Fatal("covariance not positive definite")
	}
	var lzm, lcm mat.TriDense
	lz.LTo(&lzm)
	lc.LTo(&lcm)
	// w = z·L_z⁻ᵀ has identity sample covariance: solve L_z wᵀ = zᵀ.
	var wT, x mat.Dense
	if err := wT.Solve(&lzm, z.T()); err != nil {
		t.Fatal(err)
	}
	x.Mul(wT.T(), lcm.T()) // x = w·L_cᵀ has sample covariance L_c L_cᵀ = cov
	for i := range n {
		for j := range d {
			x.Set(i, j, x.At(i, j)+mu[j])
		}
	}
	return &x
}

// frechetClosedForm2x2 is the Fréchet distance of two 2-D Gaussians with
// tr (Σ1Σ2)^{1/2} = √(tr(Σ1Σ2) + 2√(det Σ1 det Σ2)): the eigenvalues λ1,
// λ2 of Σ1Σ2 are non-negative and (√λ1 + √λ2)² = λ1 + λ2 + 2√(λ1λ2).
func frechetClosedForm2x2(mu1, mu2 []float64, c1, c2 *mat.SymDense) float64 {
	var p mat.Dense
	p.Mul(c1, c2)
	tr := math.Sqrt(mat.Trace(&p) + 2*math.Sqrt(mat.Det(c1)*mat.Det(c2)))
	dm := (mu1[0]-mu2[0])*(mu1[0]-mu2[0]) + (mu1[1]-mu2[1])*(mu1[1]-mu2[1])
	return dm + mat.Trace(c1) + mat.Trace(c2) - 2*tr
}

func TestFrechetDistanceClosedForm(t *testing.T) {
	sym := func(d int, v ...float64) *mat.SymDense { return mat.NewSymDense(d, v) }
	tests := []struct {
		name     string
		mu1, mu2 []float64
		c1, c2   *mat.SymDense
		want     float64
	}{
		// 1-D: (μ1−μ2)² + (σ1−σ2)² = 4 + (3−1)² = 8.
		{"1d", []float64{1}, []float64{-1}, sym(1, 9), sym(1, 1), 8},
		// Diagonal (commuting) covariances: Σ_i (√a_i − √b_i)² + ‖Δμ‖²
		// = (2−1)² + (1−3)² + (0.5−0.5)² + (1+0+4) = 1 + 4 + 0 + 5 = 10.
		{"diagonal 3d", []float64{1, 0, 2}, []float64{0, 0, 0},
			sym(3, 4, 0, 0, 0, 1, 0, 0, 0, 0.25), sym(3, 1, 0, 0, 0, 9, 0, 0, 0, 0.25), 10},
		// Non-commuting 2×2 covariances.
		{"correlated 2d", []float64{0.5, -1}, []float64{2, 1},
			sym(2, 2, 0.8, 0.8, 1), sym(2, 1, -0.3, -0.3, 3), math.NaN()},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range tests {
		want := tc.want
		if math.IsNaN(want) {
			want = frechetClosedForm2x2(tc.mu1, tc.mu2, tc.c1, tc.c2)
		}
		// The closed form applied to the exact moments...
		got, err := frechetFromMoments(tc.mu1, tc.mu2, tc.c1, tc.c2)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		assertClose(t, tc.name+" from moments", got, want, 1e-10)
		// ...and to samples constructed to have exactly those moments.
		x := exactMoments(t, rng, 50, tc.mu1, tc.c1)
		y := exactMoments(t, rng, 80, tc.mu2, tc.c2)
		r, err := FrechetDistance(x, y)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		assertClose(t, tc.name+" from samples", r.FD, want, 1e-9)
		if r.N != 80 || r.NRef != 50 {
			t.Errorf("%s: N = %d, NRef = %d, want 80 and 50", tc.name, r.N, r.NRef)
		}
	}
}

// FD(x, x) = 0, also for singular covariances (more columns than rows, a
// constant column), where the clamped eigenvalues keep it real.
func TestFrechetDistanceOfASetWithItself(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tests := []struct {
		name string
		x    *mat.Dense
	}{
		{"full rank", gauss(rng, 200, 10, 1)},
		{"fewer rows than columns", gauss(rng, 20, 64, -2)},
		{"constant column", mat.NewDense(4, 2, []float64{1, 5, 2, 5, 3, 5, 7, 5})},
	}
	for _, tc := range tests {
		r, err := FrechetDistance(tc.x, tc.x)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		_, cov := moments(tc.x)
		if scale := mat.Trace(cov); math.Abs(r.FD) > 1e-9*scale {
			t.Errorf("%s: FD(x, x) = %g, want 0 (trace %g)", tc.name, r.FD, scale)
		}
	}
}

// A shift of the mean by δ in every coordinate adds exactly d·δ².
func TestFrechetDistanceMeanShift(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := gauss(rng, 100, 5, 0)
	var y mat.Dense
	y.Apply(func(_, _ int, v float64) float64 { return v + 0.5 }, x)
	r, err := FrechetDistance(x, &y)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "FD of a shift", r.FD, 5*0.25, 1e-9)
}

func TestFrechetDistanceErrors(t *testing.T) {
	ok := mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6})
	tests := []struct {
		name       string
		real, fake *mat.Dense
	}{
		{"nil", nil, ok},
		{"columns differ", ok, mat.NewDense(3, 1, []float64{1, 2, 3})},
		{"one row", ok, mat.NewDense(1, 2, []float64{1, 2})},
		{"NaN", ok, mat.NewDense(3, 2, []float64{1, 2, math.NaN(), 4, 5, 6})},
	}
	for _, tc := range tests {
		if _, err := FrechetDistance(tc.real, tc.fake); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
