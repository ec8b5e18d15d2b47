package reports

import (
	"math"
	"sort"
)

// Best of k at an equal tuning budget (Lucic et al. 2018): a model swept
// over N configurations is judged by the best score a practitioner would
// have found by trying k of them, drawn at random without replacement,
// for every budget k = 1..N. Its distribution follows exactly from the
// sorted scores: with s(1) the best of N and s(N) the worst, the best of
// k is s(i) with probability C(N−i, k−1)/C(N, k) (the other k−1 draws
// among the N−i worse ones), so neither resampling nor a seed is needed.

// bestOfK is the distribution of the best score among k configurations.
type bestOfK struct {
	K int
	// Expected is the expected best score; ±Inf (the worse direction)
	// while PAllFail > 0: some draw of k holds only failed configurations.
	Expected float64
	// Low and High bound the central 90% of the distribution (its exact
	// 5% and 95% quantiles), numerically Low ≤ High; ±Inf where a
	// quantile falls on a failed configuration.
	Low, High float64
	// PAllFail is the probability that all k configurations failed.
	PAllFail float64
}

// Quantiles of the band.
const (
	bandLow  = 0.05
	bandHigh = 0.95
)

// bestOfKCurve returns the distribution of the best of k for k = 1..n,
// n the size of the smallest pool. Each pool holds one training seed's
// scores of the N configurations, NaN for a configuration that failed
// (it ranks below every score); pools are mixed with equal weight, as if
// a seed were picked at random, then k of its configurations.
// lowerIsBetter says which way is better.
func bestOfKCurve(pools [][]float64, lowerIsBetter bool) []bestOfK {
	if len(pools) == 0 {
		return nil
	}
	n := len(pools[0])
	sorted := make([][]float64, len(pools))
	for i, pool := range pools {
		n = min(n, len(pool))
		sorted[i] = badness(pool, lowerIsBetter)
	}
	out := make([]bestOfK, 0, n)
	for k := 1; k <= n; k++ {
		var atoms []atom
		for _, b := range sorted {
			for i, p := range bestRankProbs(len(b), k) {
				if p > 0 {
					atoms = append(atoms, atom{b[i], p / float64(len(sorted))})
				}
			}
		}
		out = append(out, bestOfKOf(atoms, k, lowerIsBetter))
	}
	return out
}

// atom is one value of a discrete distribution, on the badness scale.
type atom struct{ bad, p float64 }

// badness maps scores to a scale where lower is better, failed (NaN)
// configurations to +Inf, sorted best first.
func badness(scores []float64, lowerIsBetter bool) []float64 {
	b := make([]float64, len(scores))
	for i, s := range scores {
		switch {
		case math.IsNaN(s):
			b[i] = math.Inf(1)
		case lowerIsBetter:
			b[i] = s
		default:
			b[i] = -s
		}
	}
	sort.Float64s(b)
	return b
}

// bestRankProbs returns, for i = 0..n-1, the probability that the best
// of k configurations drawn without replacement from n is the (i+1)-th
// best: C(n−i−1, k−1)/C(n, k). The ratio of consecutive terms,
// (n−i−k+1)/(n−i), avoids binomials that overflow.
func bestRankProbs(n, k int) []float64 {
	p := make([]float64, n)
	if k < 1 || k > n {
		return p
	}
	p[0] = float64(k) / float64(n)
	for i := 1; i < n; i++ {
		if n-i-k+1 <= 0 {
			break
		}
		p[i] = p[i-1] * float64(n-i-k+1) / float64(n-i)
	}
	return p
}

// bestOfKOf turns a distribution of badness into a bestOfK in scores.
func bestOfKOf(atoms []atom, k int, lowerIsBetter bool) bestOfK {
	sort.SliceStable(atoms, func(i, j int) bool { return atoms[i].bad < atoms[j].bad })
	r := bestOfK{K: k}
	mean := 0.0
	for _, a := range atoms {
		if math.IsInf(a.bad, 1) {
			r.PAllFail += a.p
		} else {
			mean += a.p * a.bad
		}
	}
	if r.PAllFail > 0 {
		mean = math.Inf(1)
	}
	lo, hi := quantile(atoms, bandLow), quantile(atoms, bandHigh)
	if lowerIsBetter {
		r.Expected, r.Low, r.High = mean, lo, hi
	} else {
		r.Expected, r.Low, r.High = -mean, -hi, -lo
	}
	return r
}

// quantile is the smallest value whose cumulative probability reaches q
// (atoms sorted), allowing for rounding in the sums.
func quantile(atoms []atom, q float64) float64 {
	cum := 0.0
	for _, a := range atoms {
		cum += a.p
		if cum >= q-1e-9 {
			return a.bad
		}
	}
	return atoms[len(atoms)-1].bad
}

// better reports whether expected best a beats b in the given direction
// (a failed-possible expectation, ±Inf, beats nothing).
func better(a, b float64, lowerIsBetter bool) bool {
	if lowerIsBetter {
		return a < b
	}
	return a > b
}
