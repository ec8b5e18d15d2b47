package stats

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestBootstrapDeterministic(t *testing.T) {
	x := []float64{1.2, 0.7, 2.5, 1.9, 0.3, 1.1}
	a, err := BootstrapMean(x, Options{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := BootstrapMean(x, Options{Seed: 5})
	c, _ := BootstrapMean(x, Options{Seed: 6})
	if a != b {
		t.Errorf("same seed: %+v then %+v", a, b)
	}
	if a.CILow == c.CILow && a.CIHigh == c.CIHigh {
		t.Errorf("seeds 5 and 6 gave the same interval %+v", a)
	}
	if !(a.CILow < a.Estimate && a.Estimate < a.CIHigh) || a.Estimate != mean(x) {
		t.Errorf("interval %+v does not bracket the mean %g", a, mean(x))
	}
	if !strings.Contains(a.Note, "too narrow") {
		t.Errorf("6 values: note %q does not warn", a.Note)
	}
}

// With many values the mean is nearly normal, so both intervals must be
// close to mean ± 1.96·sd/√n; the BCa interval of a skewed sample must lean
// right of the percentile one (positive acceleration and bias).
func TestBootstrapAgainstNormalTheory(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	x := make([]float64, 400)
	for i := range x {
		x[i] = rng.NormFloat64()*2 + 5
	}
	m, sd := meanSD(x)
	h := 1.959963984540054 * sd / math.Sqrt(float64(len(x)))
	for _, method := range []IntervalMethod{Percentile, BCa} {
		iv, err := BootstrapMean(x, Options{Interval: method, Resamples: 4000})
		if err != nil {
			t.Fatal(err)
		}
		if !near(iv.CILow, m-h, 0.1*h) || !near(iv.CIHigh, m+h, 0.1*h) || iv.CIMethod != string(method) {
			t.Errorf("%s: [%g, %g], normal theory [%g, %g]", method, iv.CILow, iv.CIHigh, m-h, m+h)
		}
	}
	skew := make([]float64, 40)
	for i := range skew {
		skew[i] = rng.ExpFloat64()
	}
	pc, _ := BootstrapMean(skew, Options{Interval: Percentile, Resamples: 4000})
	bca, _ := BootstrapMean(skew, Options{Interval: BCa, Resamples: 4000})
	if !(bca.CIHigh > pc.CIHigh && bca.CILow > pc.CILow) {
		t.Errorf("exponential sample: BCa [%g, %g] not right of percentile [%g, %g]", bca.CILow, bca.CIHigh, pc.CILow, pc.CIHigh)
	}
}

func TestBootstrapDegenerate(t *testing.T) {
	one, err := BootstrapMean([]float64{3}, Options{})
	if err != nil || one.Estimate != 3 || !math.IsNaN(one.CILow) || !strings.Contains(one.Note, "one value") {
		t.Errorf("one value: %+v, %v", one, err)
	}
	same, _ := BootstrapMean([]float64{2, 2, 2}, Options{})
	if same.CILow != 2 || same.CIHigh != 2 || same.Note == "" {
		t.Errorf("equal values: %+v", same)
	}
	if _, err := BootstrapMean(nil, Options{}); err == nil {
		t.Error("no values accepted")
	}
	if _, err := BootstrapMean([]float64{1, math.NaN()}, Options{}); err == nil {
		t.Error("NaN accepted")
	}
	med := func(x []float64) float64 { return quantileSorted(sortedCopy(x), 0.5) }
	iv, err := Bootstrap([]float64{1, 2, 3, 4, 100}, med, Options{})
	if err != nil || iv.Estimate != 3 || iv.CILow < 1 || iv.CIHigh > 100 {
		t.Errorf("median bootstrap %+v, %v", iv, err)
	}
}
