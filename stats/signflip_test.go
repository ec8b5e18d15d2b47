package stats

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// The sign-flip p-values below are counted by hand over all sign patterns.
// For {3, 1, −2} the eight sums are 6, 2, 4, 0, 0, −4, −2, −6 and the
// observed one is 2.
func TestSignFlipExactHandCounts(t *testing.T) {
	cases := []struct {
		name string
		d    []float64
		alt  Alternative
		p    float64
		minP float64
	}{
		{"all positive, greater", []float64{1, 2, 3}, Greater, 1.0 / 8, 1.0 / 8},
		{"all positive, two-sided", []float64{1, 2, 3}, TwoSided, 2.0 / 8, 2.0 / 8},
		{"all positive, less", []float64{1, 2, 3}, Less, 1, 1.0 / 8},
		{"mixed, greater", []float64{3, 1, -2}, Greater, 3.0 / 8, 1.0 / 8},
		{"mixed, two-sided", []float64{3, 1, -2}, TwoSided, 6.0 / 8, 2.0 / 8},
		{"mixed, less", []float64{3, 1, -2}, Less, 6.0 / 8, 1.0 / 8},
		// Sums of {0.3, −0.1, −0.2}: 0 (observed), −0.6, 0.2, 0.4, −0.4, −0.2,
		// 0.6 and 0 again, which floating point rounds differently: 5/8 ≥ 0.
		{"tied sums count", []float64{0.3, -0.1, -0.2}, Greater, 5.0 / 8, 1.0 / 8},
		{"zero difference", []float64{0, 2}, Greater, 2.0 / 4, 2.0 / 4},
		{"all zero", []float64{0, 0}, TwoSided, 1, 1},
		{"one seed", []float64{5}, TwoSided, 1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := SignFlip(c.d, Options{Alternative: c.alt})
			if err != nil {
				t.Fatal(err)
			}
			if r.Test != TestSignFlipExact || r.PValue != c.p || r.MinP != c.minP {
				t.Errorf("test %s p %g min %g, want exact p %g min %g", r.Test, r.PValue, r.MinP, c.p, c.minP)
			}
		})
	}
}

func TestSignFlipSaysWhenItCannotReject(t *testing.T) {
	r, err := SignFlip([]float64{1, 2, 3, 4, 5}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.MinP != 1.0/16 || r.PValue != 1.0/16 || r.Significant {
		t.Errorf("5 seeds two-sided: p %g min %g significant %v, want 1/16, 1/16, false", r.PValue, r.MinP, r.Significant)
	}
	if !strings.Contains(r.Note, "cannot reject") {
		t.Errorf("note %q does not say the test cannot reject", r.Note)
	}
	r6, _ := SignFlip([]float64{1, 2, 3, 4, 5, 6}, Options{})
	if !r6.Significant || strings.Contains(r6.Note, "cannot reject") {
		t.Errorf("6 seeds all positive: p %g significant %v note %q", r6.PValue, r6.Significant, r6.Note)
	}
}

// The Monte Carlo p-value must agree with the exact count within binomial
// error (4 standard errors), and above MaxExactSeeds SignFlip must use it,
// state the count and repeat its bits under the same seed.
func TestSignFlipMonteCarloMatchesExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	d := make([]float64, 14)
	for i := range d {
		d[i] = rng.NormFloat64() + 0.4
	}
	exact := signFlipExact(d, TwoSided)
	opt := Options{Permutations: 40000, Seed: 3, Alternative: TwoSided}
	mc := signFlipMonteCarlo(d, opt)
	se := math.Sqrt(exact * (1 - exact) / float64(opt.Permutations))
	if !near(mc, exact, 4*se+1e-4) {
		t.Errorf("Monte Carlo p %g, exact %g (se %g)", mc, exact, se)
	}
	big := append(d, d[:MaxExactSeeds+1-len(d)]...)
	small := Options{Permutations: 2000, Seed: 3}
	r, err := SignFlip(big, small)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := SignFlip(big, small)
	if r.Test != TestSignFlipMC || !strings.Contains(r.Note, "2000") || again.PValue != r.PValue || r.MinP != 1.0/2001 {
		t.Errorf("%s p %g then %g, min %g, note %q", r.Test, r.PValue, again.PValue, r.MinP, r.Note)
	}
}

func TestSignFlipRefusesBadInput(t *testing.T) {
	for _, d := range [][]float64{nil, {1, math.NaN()}, {math.Inf(1)}} {
		if _, err := SignFlip(d, Options{}); err == nil {
			t.Errorf("SignFlip(%v) accepted", d)
		}
	}
	if _, err := SignFlip([]float64{1, 2}, Options{Alpha: 2}); err == nil {
		t.Error("alpha 2 accepted")
	}
}
