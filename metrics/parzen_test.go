package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func gaussLogPDF(x, mu []float64, sigma float64) float64 {
	d2 := 0.0
	for i := range x {
		d2 += (x[i] - mu[i]) * (x[i] - mu[i])
	}
	return -d2/(2*sigma*sigma) - float64(len(x))*math.Log(sigma*math.Sqrt(2*math.Pi))
}

// With one centre the Parzen window is the Gaussian density itself.
func TestParzenOneCenter(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	mu := []float64{0.3, -1, 2}
	centers := dense([][]float64{mu})
	x := gauss(rng, 257, 3, 0)            // more rows than workers, uneven chunks
	x.SetRow(0, []float64{100, -100, 50}) // far away: must stay finite
	for _, sigma := range []float64{0.1, 0.5, 1, 3} {
		ll, err := ParzenLogLik(centers, x, sigma)
		if err != nil {
			t.Fatal(err)
		}
		if len(ll) != 257 {
			t.Fatalf("%d values for 257 rows", len(ll))
		}
		for i, v := range ll {
			if want := gaussLogPDF(x.RawRowView(i), mu, sigma); !near(v, want, 1e-13) {
				t.Errorf("σ=%g row %d: %.15g, want %.15g", sigma, i, v, want)
			}
		}
	}
}

// Far from every centre the naive sum underflows to log 0 = −Inf; the stable
// form keeps the exact value logmeanexp(a, b).
func TestParzenStable(t *testing.T) {
	centers := col(0, 1)
	x := col(60)
	const sigma = 0.1
	ll, err := ParzenLogLik(centers, x, sigma)
	if err != nil {
		t.Fatal(err)
	}
	a, b := -60.0*60/(2*sigma*sigma), -59.0*59/(2*sigma*sigma)
	naive := math.Log((math.Exp(a)+math.Exp(b))/2) - math.Log(sigma*math.Sqrt(2*math.Pi))
	if !math.IsInf(naive, -1) {
		t.Fatalf("naive form is %g; test has no power", naive)
	}
	want := b + math.Log1p(math.Exp(a-b)) - math.Ln2 - math.Log(sigma*math.Sqrt(2*math.Pi))
	assertClose(t, "far-point log-likelihood", ll[0], want, 1e-14)
}

// Centres from N(0,1): with σ chosen on validation data the mean test
// log-likelihood approaches −H(N(0,1)) = −½log(2πe).
func TestParzenGaussianEntropy(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	centers := gauss(rng, 3000, 1, 0)
	valid := gauss(rng, 1000, 1, 0)
	test := gauss(rng, 2000, 1, 0)
	sigma, meanLL, err := ParzenSigma(centers, valid, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(meanLL) != 10 {
		t.Fatalf("%d validation scores, want 10", len(meanLL))
	}
	for _, v := range meanLL {
		if v > meanLL[indexOf(ParzenGrid(), sigma)] {
			t.Errorf("σ=%g is not the best candidate: scores %v", sigma, meanLL)
		}
	}
	// Silverman's rule gives 1.06·3000^(−1/5) ≈ 0.21.
	if sigma < 0.12 || sigma > 0.5 {
		t.Errorf("selected σ = %g, want a bandwidth near 0.2", sigma)
	}
	ll, err := ParzenLogLik(centers, test, sigma)
	if err != nil {
		t.Fatal(err)
	}
	s := Summarize(ll)
	negH := -0.5 * math.Log(2*math.Pi*math.E)
	if math.Abs(s.Mean-negH) > 0.05 {
		t.Errorf("mean test log-likelihood %g ± %g, want ≈ −H = %g", s.Mean, 2*s.StdErr, negH)
	}
	// A much too narrow kernel is much worse: the criterion has power.
	narrow, _ := ParzenLogLik(centers, test, 0.001)
	if Summarize(narrow).Mean > negH-0.5 {
		t.Errorf("σ=0.001 scores %g, not clearly worse than −H", Summarize(narrow).Mean)
	}
}

func indexOf(x []float64, v float64) int {
	for i := range x {
		if x[i] == v {
			return i
		}
	}
	return -1
}

func TestParzenSigmaPicksBest(t *testing.T) {
	// Centres and validation points coincide; the smallest σ wins.
	c := col(0, 10, 20)
	sigma, scores, err := ParzenSigma(c, c, []float64{0.5, 0.05, 2})
	if err != nil {
		t.Fatal(err)
	}
	if sigma != 0.05 {
		t.Errorf("σ = %g, want 0.05 (scores %v)", sigma, scores)
	}
	// Each score is the mean of ParzenLogLik.
	for i, s := range []float64{0.5, 0.05, 2} {
		ll, _ := ParzenLogLik(c, c, s)
		assertClose(t, "score", scores[i], Summarize(ll).Mean, 1e-14)
	}
}

func TestParzenGrid(t *testing.T) {
	g := ParzenGrid()
	if len(g) != 10 {
		t.Fatalf("len %d", len(g))
	}
	assertClose(t, "first", g[0], 0.1, 1e-15)
	assertClose(t, "last", g[9], 1, 1e-15)
	for i := 1; i < 10; i++ {
		assertClose(t, "ratio", g[i]/g[i-1], math.Pow(10, 1.0/9), 1e-14)
	}
	g[0] = 42
	if ParzenGrid()[0] == 42 {
		t.Error("ParzenGrid returns shared state")
	}
}

func TestParzenErrors(t *testing.T) {
	a := col(0, 1)
	tests := []struct {
		name    string
		c, x    *mat.Dense
		sigma   float64
		grid    []float64
		onlyLik bool
	}{
		{"zero sigma", a, a, 0, nil, true},
		{"Inf sigma", a, a, math.Inf(1), nil, true},
		{"nil centers", nil, a, 1, []float64{1}, false},
		{"column mismatch", a, mat.NewDense(2, 2, nil), 1, []float64{1}, false},
		{"NaN point", a, col(math.NaN()), 1, []float64{1}, false},
	}
	for _, tc := range tests {
		if _, err := ParzenLogLik(tc.c, tc.x, tc.sigma); err == nil {
			t.Errorf("ParzenLogLik %s: no error", tc.name)
		}
		if !tc.onlyLik {
			if _, _, err := ParzenSigma(tc.c, tc.x, tc.grid); err == nil {
				t.Errorf("ParzenSigma %s: no error", tc.name)
			}
		}
	}
	for _, grid := range [][]float64{{}, {0.1, -1}, {math.NaN()}} {
		if _, _, err := ParzenSigma(a, a, grid); err == nil {
			t.Errorf("ParzenSigma grid %v: no error", grid)
		}
	}
}
