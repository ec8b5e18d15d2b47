package stats

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// Hollander & Wolfe's depression data (Hamilton scores before and after),
// the example of R's wilcox.test: V = 40 and exact one-sided p = 10/512.
func TestWilcoxonHollanderWolfe(t *testing.T) {
	x := []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
	y := []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}
	d := make([]float64, len(x))
	for i := range x {
		d[i] = x[i] - y[i]
	}
	r, err := Wilcoxon(d, Options{Alternative: Greater})
	if err != nil {
		t.Fatal(err)
	}
	if r.Test != TestWilcoxonExact || !near(r.PValue, 10.0/512, 1e-12) {
		t.Errorf("%s p = %g, want exact 10/512", r.Test, r.PValue)
	}
	// The normal approximation of the same statistic (W− = 5, n = 9) with
	// continuity correction: Φ(−17/√71.25).
	if p := signedRankNormal(5, 9, ones(9), Less); !near(p, 0.022005492006, 1e-9) {
		t.Errorf("normal approximation p = %.12g, want 0.022005492006", p)
	}
}

func ones(n int) []int {
	o := make([]int, n)
	for i := range o {
		o[i] = 1
	}
	return o
}

// Two-sided critical values of the signed-rank statistic T = min(W+, W−)
// at α = 0.05 from the standard tables (for example Siegel 1956, table G):
// T ≤ crit rejects, T = crit + 1 does not.
func TestWilcoxonTabulatedCriticalValues(t *testing.T) {
	table := map[int]int{6: 0, 7: 2, 8: 3, 9: 5, 10: 8, 11: 10, 12: 13, 13: 17, 14: 21, 15: 25,
		16: 29, 17: 34, 18: 40, 19: 46, 20: 52, 25: 89}
	for n, crit := range table {
		for _, tt := range []struct {
			w      int
			reject bool
		}{{crit, true}, {crit + 1, false}} {
			d := withNegativeRankSum(n, tt.w)
			r, err := Wilcoxon(d, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if (r.PValue <= 0.05) != tt.reject {
				t.Errorf("n=%d T=%d: p = %g, reject %v, want %v", n, tt.w, r.PValue, !tt.reject, tt.reject)
			}
		}
	}
}

// withNegativeRankSum returns the differences 1..n with the ranks of a
// subset summing to w made negative (greedy from the largest rank ≤ rest).
func withNegativeRankSum(n, w int) []float64 {
	d := make([]float64, n)
	for i := range d {
		d[i] = float64(i + 1)
	}
	for r := n; r >= 1 && w > 0; r-- {
		if r <= w {
			d[r-1] = -d[r-1]
			w -= r
		}
	}
	return d
}

// With ties the exact distribution is the conditional one given the
// average ranks; compare it with brute-force enumeration of 2^n signs.
func TestWilcoxonExactWithTiesMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20; trial++ {
		n := 4 + rng.IntN(9)
		d := make([]float64, n)
		for i := range d {
			d[i] = float64(1 + rng.IntN(4)) // many ties
			if rng.IntN(3) == 0 {
				d[i] = -d[i]
			}
		}
		for _, alt := range []Alternative{Greater, Less, TwoSided} {
			got, _ := signedRankP(d, alt)
			if want := bruteSignedRankP(d, alt); !near(got, want, 1e-12) {
				t.Errorf("%v %s: p = %g, enumeration %g", d, alt, got, want)
			}
		}
	}
}

func bruteSignedRankP(d []float64, alt Alternative) float64 {
	r2, _ := doubledRanks(d)
	obs := 0
	for i, v := range d {
		if v > 0 {
			obs += r2[i]
		}
	}
	var ge, le float64
	total := 1 << len(d)
	for mask := 0; mask < total; mask++ {
		w := 0
		for i := range d {
			if mask>>i&1 == 1 {
				w += r2[i]
			}
		}
		if w >= obs {
			ge++
		}
		if w <= obs {
			le++
		}
	}
	ge, le = ge/float64(total), le/float64(total)
	switch alt {
	case Greater:
		return ge
	case Less:
		return le
	}
	return math.Min(1, 2*math.Min(ge, le))
}

// Above MaxExactWilcoxon the normal approximation must be close to the
// exact distribution, and the tie correction must bring it closer when
// ties are heavy.
func TestWilcoxonNormalApproximation(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := MaxExactWilcoxon + 10
	d := make([]float64, n)
	for i := range d {
		d[i] = float64(1+rng.IntN(3)) * float64(1-2*rng.IntN(2)) // heavy ties
		if i%3 == 0 {
			d[i] = math.Abs(d[i])
		}
	}
	r, err := Wilcoxon(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := doubledRanks(d)
	null := signedRankNull(r2)
	w2, le, ge := 0, 0.0, 0.0
	for i, v := range d {
		if v > 0 {
			w2 += r2[i]
		}
	}
	for s, q := range null {
		if s <= w2 {
			le += q
		}
		if s >= w2 {
			ge += q
		}
	}
	exact := 2 * math.Min(le, ge)
	noTies := signedRankNormal(float64(w2)/2, n, ones(n), TwoSided)
	t.Logf("n=%d: exact %.5f, normal with tie correction %.5f, without %.5f", n, exact, r.PValue, noTies)
	if r.Test != TestWilcoxonNorm || !near(r.PValue, exact, 0.1*exact) {
		t.Errorf("%s p = %g, exact %g", r.Test, r.PValue, exact)
	}
	if math.Abs(noTies-exact) <= math.Abs(r.PValue-exact) {
		t.Errorf("tie correction does not help: %g vs %g (exact %g)", r.PValue, noTies, exact)
	}
}

func TestHodgesLehmann(t *testing.T) {
	cases := []struct {
		name           string
		d              []float64
		est, low, high float64
	}{
		// Walsh averages of {1, 2, 3}: 1, 1.5, 2, 2, 2.5, 3; too few for 95%.
		{"three", []float64{1, 2, 3}, 2, math.NaN(), math.NaN()},
		// n = 6: P(W+ = 0) = 1/64 ≤ 0.025 < P(W+ ≤ 1): the 96.9% interval is
		// [min, max] of the Walsh averages.
		{"six", []float64{-1, 2, 3, 4, 5, 10}, 3.5, -1, 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Wilcoxon(c.d, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Difference != c.est || !sameFloat(r.CILow, c.low) || !sameFloat(r.CIHigh, c.high) {
				t.Errorf("HL %g [%g, %g], want %g [%g, %g]", r.Difference, r.CILow, r.CIHigh, c.est, c.low, c.high)
			}
			if math.IsNaN(c.low) && !strings.Contains(r.Note, "too few") {
				t.Errorf("note %q does not explain the missing interval", r.Note)
			}
		})
	}
}

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

func TestWilcoxonZerosDropped(t *testing.T) {
	r, err := Wilcoxon([]float64{0, 0, 1, 2, 3}, Options{Alternative: Greater})
	if err != nil {
		t.Fatal(err)
	}
	if r.PValue != 1.0/8 || r.MinP != 1.0/8 || !strings.Contains(r.Note, "2 zero") {
		t.Errorf("p %g min %g note %q, want 1/8, 1/8 and two zeros dropped", r.PValue, r.MinP, r.Note)
	}
}
