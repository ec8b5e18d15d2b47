package reports

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBestOfKClosedForm checks hand-computed cases: N = 3 scores, both
// directions, a failed configuration, and two seeds mixed.
func TestBestOfKClosedForm(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	cases := []struct {
		name  string
		pools [][]float64
		lower bool
		want  []bestOfK
	}{
		// k=2: the best is 1 unless the draw is {2, 3}: P = 2/3, 1/3.
		{"N=3 lower", [][]float64{{3, 1, 2}}, true, []bestOfK{
			{K: 1, Expected: 2, Low: 1, High: 3},
			{K: 2, Expected: 4.0 / 3, Low: 1, High: 2},
			{K: 3, Expected: 1, Low: 1, High: 1},
		}},
		{"N=3 higher", [][]float64{{3, 1, 2}}, false, []bestOfK{
			{K: 1, Expected: 2, Low: 1, High: 3},
			{K: 2, Expected: 8.0 / 3, Low: 2, High: 3},
			{K: 3, Expected: 3, Low: 3, High: 3},
		}},
		// A failed configuration ranks last: with k = 1 the draw fails
		// with probability 1/3; with k = 2 never.
		{"N=3 one failed", [][]float64{{nan, 1, 2}}, true, []bestOfK{
			{K: 1, Expected: inf, Low: 1, High: inf, PAllFail: 1.0 / 3},
			{K: 2, Expected: 4.0 / 3, Low: 1, High: 2},
			{K: 3, Expected: 1, Low: 1, High: 1},
		}},
		{"failed, higher is better", [][]float64{{nan, 5}}, false, []bestOfK{
			{K: 1, Expected: -inf, Low: -inf, High: 5, PAllFail: 0.5},
			{K: 2, Expected: 5, Low: 5, High: 5},
		}},
		// Two seeds, equal weight: k=2 gives 1 or 3, each 1/2.
		{"two seeds", [][]float64{{1, 2}, {4, 3}}, true, []bestOfK{
			{K: 1, Expected: 2.5, Low: 1, High: 4},
			{K: 2, Expected: 2, Low: 1, High: 3},
		}},
		{"shortest pool sets N", [][]float64{{1, 2, 3}, {5, 6}}, true, []bestOfK{
			{K: 1, Expected: (2 + 5.5) / 2, Low: 1, High: 6},
			{K: 2, Expected: (4.0/3 + 5) / 2, Low: 1, High: 5},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := bestOfKCurve(c.pools, c.lower)
			if len(got) != len(c.want) {
				t.Fatalf("%d budgets, want %d", len(got), len(c.want))
			}
			for i, w := range c.want {
				g := got[i]
				if g.K != w.K || !same(g.Expected, w.Expected) || !same(g.Low, w.Low) || !same(g.High, w.High) || !same(g.PAllFail, w.PAllFail) {
					t.Errorf("k=%d: got %+v, want %+v", w.K, g, w)
				}
			}
		})
	}
}

func same(a, b float64) bool { return a == b || math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

// TestBestOfKMatchesEnumeration checks the order-statistic law against
// every k-subset of N = 9 random scores (with ties), both directions.
func TestBestOfKMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 9
	scores := make([]float64, n)
	for i := range scores {
		scores[i] = float64(rng.IntN(6)) // ties on purpose
	}
	for _, lower := range []bool{true, false} {
		curve := bestOfKCurve([][]float64{scores}, lower)
		for k := 1; k <= n; k++ {
			sum, count := 0.0, 0
			for mask := 0; mask < 1<<n; mask++ {
				if popcount(mask) != k {
					continue
				}
				best := math.NaN()
				for i := 0; i < n; i++ {
					if mask&(1<<i) != 0 && (math.IsNaN(best) || better(scores[i], best, lower)) {
						best = scores[i]
					}
				}
				sum += best
				count++
			}
			if want := sum / float64(count); !same(curve[k-1].Expected, want) {
				t.Errorf("lower=%v k=%d: expected best %v, enumeration %v", lower, k, curve[k-1].Expected, want)
			}
		}
	}
}

func popcount(x int) int {
	c := 0
	for ; x > 0; x &= x - 1 {
		c++
	}
	return c
}

// TestBestRankProbs: the probabilities sum to 1 for large N and every k,
// are zero where fewer than k−1 configurations are worse, and k/N first.
func TestBestRankProbs(t *testing.T) {
	for _, n := range []int{1, 2, 7, 60, 400} {
		for k := 1; k <= n; k++ {
			p := bestRankProbs(n, k)
			sum := 0.0
			for i, x := range p {
				sum += x
				if i > n-k && x != 0 {
					t.Fatalf("n=%d k=%d: P(rank %d) = %v, want 0", n, k, i+1, x)
				}
			}
			if math.Abs(sum-1) > 1e-9 || !same(p[0], float64(k)/float64(n)) {
				t.Fatalf("n=%d k=%d: sum %v, first %v", n, k, sum, p[0])
			}
		}
	}
	if p := bestRankProbs(3, 4); p[0] != 0 {
		t.Errorf("k > n: %v", p)
	}
}
