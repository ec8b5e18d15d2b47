package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func col(v ...float64) *mat.Dense { return mat.NewDense(len(v), 1, v) }

// Hand-computed 1-D cases checking each definition (k = 1).
func TestPRDCHandComputed(t *testing.T) {
	real := col(0, 1, 2, 3) // every real radius is 1
	tests := []struct {
		name       string
		fake       *mat.Dense
		p, r, d, c float64
	}{
		// fake radii are 9.5. Precision: 0.5 is in the balls of 0 and 1, 10
		// in none → ½. Density: (2+0)/(1·2) = 1. Recall: every real point is
		// within 9.5 of 0.5 → 1. Coverage: reals 0 and 1 have a fake within
		// their radius 1, reals 2 and 3 do not → ½.
		{"one near one far", col(0.5, 10), 0.5, 1, 1, 0.5},
		// A fake point exactly on a ball's boundary is outside (strict <):
		// −1 and −2 are at distances 1 and 2 from real 0 (radius 1). Fake
		// radius 1; real 0 is at distance 1 from −1, also outside.
		{"boundary is outside", col(-1, -2), 0, 0, 0, 0},
		// Fakes at 0.1, 0.2 (fake radius 0.1). Precision: both inside the
		// balls of 0 and 1 → 1; density (2+2)/2 = 2; recall: real 0 is 0.1
		// from 0.1 → no (strict), 0.2 → 0.2 > 0.1 no; so 0. Coverage: real 0
		// has fake 0.1 < 1, real 1 has fake 0.2 at 0.8 < 1 → ½.
		{"dense fake cluster", col(0.1, 0.2), 1, 0, 2, 0.5},
	}
	for _, tc := range tests {
		got, err := PRDC(real, tc.fake, 1)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := PRDCResult{tc.p, tc.r, tc.d, tc.c, 1}
		if got != want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, want)
		}
	}
}

func TestPRDCDistributions(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	real := gauss(rng, 500, 3, 0)
	far := gauss(rng, 400, 3, 1000)

	// Real: uniform on [0,1]²; fake: uniform on the left half [0,½]×[0,1].
	unif := func(n int, w float64) *mat.Dense {
		m := mat.NewDense(n, 2, nil)
		for i := range n {
			m.SetRow(i, []float64{w * rng.Float64(), rng.Float64()})
		}
		return m
	}
	square, half := unif(1000, 1), unif(1000, 0.5)

	type rng2 struct{ lo, hi float64 }
	tests := []struct {
		name       string
		real, fake *mat.Dense
		p, r, d, c rng2
	}{
		{"identical sets", real, real, rng2{1, 1}, rng2{1, 1}, rng2{1, 1}, rng2{1, 1}},
		{"disjoint far-away sets", real, far, rng2{0, 0}, rng2{0, 0}, rng2{0, 0}, rng2{0, 0}},
		{"fake on half the support", square, half, rng2{0.95, 1}, rng2{0.4, 0.65}, rng2{0.8, 1.3}, rng2{0.4, 0.6}},
		// Real balls hold ~k/2 fakes on average: coverage ≈ 1 − e^{−2.5} ≈ 0.92 inside, less at the edges.
		{"real on half, fake everywhere", half, square, rng2{0.4, 0.65}, rng2{0.95, 1}, rng2{0.3, 0.7}, rng2{0.75, 1}},
	}
	for _, tc := range tests {
		got, err := PRDC(tc.real, tc.fake, 5)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, x := range []struct {
			name string
			v    float64
			want rng2
		}{{"precision", got.Precision, tc.p}, {"recall", got.Recall, tc.r}, {"density", got.Density, tc.d}, {"coverage", got.Coverage, tc.c}} {
			if x.v < x.want.lo || x.v > x.want.hi {
				t.Errorf("%s: %s = %g, want in [%g, %g]", tc.name, x.name, x.v, x.want.lo, x.want.hi)
			}
		}
		t.Logf("%s: %+v", tc.name, got)
		if got.K != 5 {
			t.Errorf("%s: K = %d", tc.name, got.K)
		}
	}
}

func TestKthRadii(t *testing.T) {
	x := col(0, 1, 3, 7)
	for k, want := range map[int][]float64{
		1: {1, 1, 4, 16},
		2: {9, 4, 9, 36},
		3: {49, 36, 16, 49},
	} {
		got := kthRadii(x, k)
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("k=%d: squared radii %v, want %v", k, got, want)
				break
			}
		}
	}
}

func TestPRDCErrors(t *testing.T) {
	a := col(0, 1, 2, 3)
	tests := []struct {
		name       string
		real, fake *mat.Dense
		k          int
	}{
		{"nil real", nil, a, 1},
		{"empty fake", a, &mat.Dense{}, 1},
		{"column mismatch", a, mat.NewDense(4, 2, nil), 1},
		{"k zero", a, a, 0},
		{"k too large for real", a, col(0, 1, 2, 3, 4, 5), 4},
		{"k too large for fake", col(0, 1, 2, 3, 4, 5), a, 4},
		{"NaN entry", a, col(0, math.NaN(), 2), 1},
	}
	for _, tc := range tests {
		if _, err := PRDC(tc.real, tc.fake, tc.k); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
