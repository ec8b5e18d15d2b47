package stats

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/genbench/genbench/internal/jsonnum"
)

// Interval is a point estimate with a bootstrap confidence interval, for
// example a sample-based metric (modes, FD, KID, PRDC) over seeds, or the
// mean of per-seed paired differences. Floats that cannot be computed are
// NaN (JSON null) and Note says why.
type Interval struct {
	Estimate  float64 `json:"estimate"`
	CILow     float64 `json:"ci_low"`
	CIHigh    float64 `json:"ci_high"`
	CILevel   float64 `json:"ci_level"`
	CIMethod  string  `json:"ci_method"`
	Resamples int     `json:"resamples"`
	NSeeds    int     `json:"n_seeds"`
	Note      string  `json:"note,omitempty"`
}

// MarshalJSON writes the interval with NaN and ±Inf as null.
func (iv Interval) MarshalJSON() ([]byte, error) {
	type plain struct {
		Estimate  jsonnum.Float `json:"estimate"`
		CILow     jsonnum.Float `json:"ci_low"`
		CIHigh    jsonnum.Float `json:"ci_high"`
		CILevel   jsonnum.Float `json:"ci_level"`
		CIMethod  string        `json:"ci_method"`
		Resamples int           `json:"resamples"`
		NSeeds    int           `json:"n_seeds"`
		Note      string        `json:"note,omitempty"`
	}
	return json.Marshal(plain{jsonnum.Float(iv.Estimate), jsonnum.Float(iv.CILow), jsonnum.Float(iv.CIHigh),
		jsonnum.Float(iv.CILevel), iv.CIMethod, iv.Resamples, iv.NSeeds, iv.Note})
}

// smallBootstrapSeeds is the number of values below which the note warns
// that bootstrap intervals undercover: the resampled spread is the plug-in
// (divisor n) spread, too small by √((n−1)/n) and worse in the tails
// (Efron & Tibshirani 1993, ch. 13).
const smallBootstrapSeeds = 10

// BootstrapMean is [Bootstrap] of the mean.
func BootstrapMean(x []float64, opt Options) (Interval, error) {
	return Bootstrap(x, mean, opt)
}

func mean(x []float64) float64 {
	m, _ := meanSD(x)
	return m
}

// Bootstrap resamples x with replacement opt.Resamples times under opt.Seed
// and returns stat(x) with the opt.Interval interval at opt.CILevel: the
// percentile interval, or BCa (Efron 1987) with the bias correction z0 from
// the share of resampled statistics below stat(x) and the acceleration from
// the jackknife. One value gives the estimate with a NaN interval; equal
// resampled statistics give the point interval; both with a note.
func Bootstrap(x []float64, stat func([]float64) float64, opt Options) (Interval, error) {
	opt, err := opt.filled()
	if err != nil {
		return Interval{}, err
	}
	if len(x) == 0 {
		return Interval{}, fmt.Errorf("stats: bootstrap of no values")
	}
	if err := checkFinite("bootstrap value", x); err != nil {
		return Interval{}, err
	}
	nan := math.NaN()
	iv := Interval{Estimate: stat(x), CILow: nan, CIHigh: nan, CILevel: opt.CILevel,
		CIMethod: string(opt.Interval), Resamples: opt.Resamples, NSeeds: len(x)}
	if len(x) == 1 {
		iv.Note = "one value: no interval"
		return iv, nil
	}
	boot := resample(x, stat, opt)
	if boot[0] == boot[len(boot)-1] {
		iv.CILow, iv.CIHigh = boot[0], boot[0]
		iv.Note = "every resample gives the same value"
		return iv, nil
	}
	lo, hi := (1-opt.CILevel)/2, (1+opt.CILevel)/2
	if opt.Interval == BCa {
		var ok bool
		if lo, hi, ok = bcaLevels(x, stat, iv.Estimate, boot, lo, hi); !ok {
			iv.CIMethod = string(Percentile)
			iv.Note = "BCa undefined (the estimate lies outside the resampled values): percentile interval"
		}
	}
	iv.CILow, iv.CIHigh = quantileSorted(boot, lo), quantileSorted(boot, hi)
	if len(x) < smallBootstrapSeeds {
		iv.addNote(fmt.Sprintf("bootstrap over %d values: intervals tend to be too narrow below %d", len(x), smallBootstrapSeeds))
	}
	return iv, nil
}

func (iv *Interval) addNote(s string) {
	if iv.Note != "" {
		s = iv.Note + "; " + s
	}
	iv.Note = s
}

// resample returns the sorted statistics of opt.Resamples resamples.
func resample(x []float64, stat func([]float64) float64, opt Options) []float64 {
	rng := newRand(opt.Seed)
	buf := make([]float64, len(x))
	boot := make([]float64, opt.Resamples)
	for b := range boot {
		for i := range buf {
			buf[i] = x[rng.IntN(len(x))]
		}
		boot[b] = stat(buf)
	}
	return sortedCopy(boot)
}

// bcaLevels turns the nominal tail levels lo and hi into the BCa levels.
// It reports false when the bias correction is infinite.
func bcaLevels(x []float64, stat func([]float64) float64, est float64, boot []float64, lo, hi float64) (float64, float64, bool) {
	below := 0.0
	for _, v := range boot {
		switch {
		case v < est:
			below++
		case v == est:
			below += 0.5 // ties split evenly, so a discrete statistic is not biased
		}
	}
	z0 := stdNormal.Quantile(below / float64(len(boot)))
	if math.IsInf(z0, 0) {
		return lo, hi, false
	}
	a := jackknifeAcceleration(x, stat)
	adjust := func(p float64) float64 {
		z := stdNormal.Quantile(p)
		return stdNormal.CDF(z0 + (z0+z)/(1-a*(z0+z)))
	}
	return adjust(lo), adjust(hi), true
}

// jackknifeAcceleration is the BCa acceleration
// a = Σ(θ̄ − θ_(i))³ / (6 (Σ(θ̄ − θ_(i))²)^{3/2}), 0 when the leave-one-out
// statistics are all equal.
func jackknifeAcceleration(x []float64, stat func([]float64) float64) float64 {
	n := len(x)
	loo := make([]float64, n)
	buf := make([]float64, 0, n-1)
	for i := range x {
		buf = append(append(buf[:0], x[:i]...), x[i+1:]...)
		loo[i] = stat(buf)
	}
	m := mean(loo)
	var s2, s3 float64
	for _, v := range loo {
		d := m - v
		s2 += d * d
		s3 += d * d * d
	}
	if s2 == 0 {
		return 0
	}
	return s3 / (6 * math.Pow(s2, 1.5))
}
