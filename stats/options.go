package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// IntervalMethod chooses how a bootstrap interval is read off the
// resampled statistics.
type IntervalMethod string

const (
	// BCa is the bias-corrected and accelerated interval (Efron 1987).
	BCa IntervalMethod = "bca"
	// Percentile is the plain percentile interval (Efron & Tibshirani 1993).
	Percentile IntervalMethod = "percentile"
)

// Options configure the tests. The zero value of any field means its
// default; [DefaultOptions] returns the defaults filled in.
type Options struct {
	Alpha       float64        // significance level, default 0.05
	Alternative Alternative    // default TwoSided
	CILevel     float64        // confidence level of intervals, default 0.95
	Interval    IntervalMethod // bootstrap interval, default BCa
	Resamples   int            // bootstrap resamples, default 10000
	// Permutations is the number of random sign patterns of the Monte Carlo
	// sign-flip test, used only above MaxExactSeeds seeds; default 100000.
	Permutations int
	Seed         uint64 // seed of every resampling; same seed, same bits
}

// MaxExactSeeds is the largest number of seeds for which [SignFlip]
// enumerates all 2^S sign patterns.
const MaxExactSeeds = 20

// DefaultOptions returns the default options: α = 0.05, two-sided, 95% BCa
// intervals from 10000 resamples, 100000 Monte Carlo sign patterns, seed 1.
func DefaultOptions() Options {
	return Options{Alpha: 0.05, Alternative: TwoSided, CILevel: 0.95, Interval: BCa,
		Resamples: 10000, Permutations: 100000, Seed: 1}
}

// filled returns o with zero fields replaced by defaults, or an error for
// values out of range.
func (o Options) filled() (Options, error) {
	d := DefaultOptions()
	if o.Alpha == 0 {
		o.Alpha = d.Alpha
	}
	if o.Alternative == "" {
		o.Alternative = d.Alternative
	}
	if o.CILevel == 0 {
		o.CILevel = d.CILevel
	}
	if o.Interval == "" {
		o.Interval = d.Interval
	}
	if o.Resamples == 0 {
		o.Resamples = d.Resamples
	}
	if o.Permutations == 0 {
		o.Permutations = d.Permutations
	}
	switch {
	case !(o.Alpha > 0 && o.Alpha < 1):
		return o, fmt.Errorf("stats: alpha %g not in (0, 1)", o.Alpha)
	case !(o.CILevel > 0 && o.CILevel < 1):
		return o, fmt.Errorf("stats: confidence level %g not in (0, 1)", o.CILevel)
	case !o.Alternative.valid():
		return o, fmt.Errorf("stats: unknown alternative %q", o.Alternative)
	case o.Interval != BCa && o.Interval != Percentile:
		return o, fmt.Errorf("stats: unknown interval method %q", o.Interval)
	case o.Resamples < 100 || o.Permutations < 100:
		return o, fmt.Errorf("stats: %d resamples and %d permutations: need at least 100 each", o.Resamples, o.Permutations)
	}
	return o, nil
}

// newRand returns the generator of every resampling in the package. The
// second PCG word separates this stream from other users of the same seed.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
}

// checkFinite returns an error naming the first NaN or ±Inf in x.
func checkFinite(what string, x []float64) error {
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("stats: %s[%d] = %g is not finite", what, i, v)
		}
	}
	return nil
}

// meanSD returns the mean and the unbiased (n−1) standard deviation of x,
// the latter NaN for fewer than two values. It uses the corrected two-pass
// algorithm, exact for values with a large common offset.
func meanSD(x []float64) (mean, sd float64) {
	n := float64(len(x))
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, v := range x {
		mean += v
	}
	mean /= n
	if len(x) < 2 {
		return mean, math.NaN()
	}
	var ss, comp float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
		comp += v - mean
	}
	ss -= comp * comp / n
	return mean, math.Sqrt(math.Max(ss, 0) / (n - 1))
}

// cohenDz is Cohen's d_z (Cohen 1988; Lakens 2013): the mean of the paired
// differences over their standard deviation; NaN when sd is 0 or undefined
// unless the mean is 0 too, where it is 0 (no effect at all).
func cohenDz(mean, sd float64) float64 {
	if mean == 0 {
		return 0
	}
	if !(sd > 0) {
		return math.NaN()
	}
	return mean / sd
}

// quantileSorted returns the p-quantile of sorted x by linear interpolation
// between order statistics (Hyndman & Fan 1996, type 7).
func quantileSorted(x []float64, p float64) float64 {
	if p <= 0 {
		return x[0]
	}
	if p >= 1 {
		return x[len(x)-1]
	}
	h := p * float64(len(x)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(x) {
		return x[lo]
	}
	return x[lo] + (h-float64(lo))*(x[lo+1]-x[lo])
}

func sortedCopy(x []float64) []float64 {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	return s
}
