package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// simulation describes simulated comparisons in the shape of genbench's:
// S training seeds of two models scored on the same n test examples.
// Example difficulty is shared by both models (common random numbers),
// each training run adds a seed effect, and each model adds its own
// per-example noise. Model b is worse by delta.
type simulation struct {
	seeds, examples      int
	seedSD, noiseSD      float64
	delta                float64
	comparisons          int
	difficultySD, offset float64
}

// pair draws one comparison.
func (s simulation) pair(rng *rand.Rand) Pair {
	difficulty := make([]float64, s.examples)
	for i := range difficulty {
		difficulty[i] = s.offset + s.difficultySD*rng.NormFloat64()
	}
	p := Pair{ExamplesA: make([][]float64, s.seeds), ExamplesB: make([][]float64, s.seeds)}
	for k := 0; k < s.seeds; k++ {
		ua, ub := s.seedSD*rng.NormFloat64(), s.seedSD*rng.NormFloat64()
		a, b := make([]float64, s.examples), make([]float64, s.examples)
		for i, e := range difficulty {
			a[i] = e + ua + s.noiseSD*rng.NormFloat64()
			b[i] = e + ub + s.delta + s.noiseSD*rng.NormFloat64()
		}
		p.ExamplesA[k], p.ExamplesB[k] = a, b
		p.A, p.B = append(p.A, mean(a)), append(p.B, mean(b))
	}
	return p
}

// rates holds the rejection rates of each test over the comparisons.
type rates struct{ combined, signFlip, wilcoxon, pooledZ, regression float64 }

// run returns the rejection rates at α = 0.05: the combined test
// two-sided, sign-flip and Wilcoxon one-sided (b worse: a − b < 0), the
// naive z test pooling every example of every seed two-sided, and
// CheckRegression of b against a as baseline.
func (s simulation) run(t *testing.T, seed uint64) rates {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	var r rates
	two := Options{Resamples: 200}
	less := Options{Resamples: 200, Alternative: Less}
	for c := 0; c < s.comparisons; c++ {
		p := s.pair(rng)
		cmp, err := Compare(p, two)
		if err != nil {
			t.Fatal(err)
		}
		sf, err1 := SignFlip(diffs(p.A, p.B), less)
		wx, err2 := Wilcoxon(diffs(p.A, p.B), less)
		g, err3 := CheckRegression(RegressionInput{Baseline: p.A, Current: p.B, BaselineExamples: p.ExamplesA,
			CurrentExamples: p.ExamplesB, Direction: LowerIsBetter}, Options{})
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatal(err1, err2, err3)
		}
		r.combined += b2f(cmp.Primary.Significant)
		r.signFlip += b2f(sf.Significant)
		r.wilcoxon += b2f(wx.Significant)
		r.pooledZ += b2f(pooledZRejects(p))
		r.regression += b2f(g.Worse)
	}
	n := float64(s.comparisons)
	return rates{r.combined / n, r.signFlip / n, r.wilcoxon / n, r.pooledZ / n, r.regression / n}
}

func diffs(a, b []float64) []float64 {
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	return d
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// pooledZRejects is the wrong test, shown for contrast: every per-example
// difference of every seed as if independent.
func pooledZRejects(p Pair) bool {
	var all, none []float64
	for s := range p.ExamplesA {
		all = append(all, p.ExamplesA[s]...)
		none = append(none, p.ExamplesB[s]...)
	}
	d, _ := PairExamples(all, none)
	r, _ := ExamplesTest(d, Options{})
	return r.Significant
}

// binomialBound is three binomial standard errors of a rejection rate
// with true level p over n comparisons.
func binomialBound(p float64, n int) float64 { return 3 * math.Sqrt(p*(1-p)/float64(n)) }

// Two identical models, 5 seeds, 200 examples, a training-seed effect much
// larger than the per-example standard error: each test must reject at its
// size within 3 binomial standard errors. The size of the one-sided exact
// tests with 5 seeds is 1/32 (the only attainable p ≤ 0.05); the combined
// test and the regression check have continuous nulls and size α.
func TestCalibrationIdenticalModels(t *testing.T) {
	sim := simulation{seeds: 5, examples: 200, seedSD: 0.1, noiseSD: 0.3, difficultySD: 1,
		offset: -88, comparisons: 500}
	r := sim.run(t, 1)
	const alpha, exactSize = 0.05, 1.0 / 32
	t.Logf("500 null comparisons: combined %.3f, sign-flip %.3f, Wilcoxon %.3f, regression check %.3f (bound ±%.3f around α); naive pooled z %.3f",
		r.combined, r.signFlip, r.wilcoxon, r.regression, binomialBound(alpha, sim.comparisons), r.pooledZ)
	checks := []struct {
		name      string
		rate, lvl float64
	}{
		{"combined (two-sided)", r.combined, alpha},
		{"regression check (one-sided)", r.regression, alpha},
		{"sign-flip (one-sided, size 1/32)", r.signFlip, exactSize},
		{"Wilcoxon (one-sided, size 1/32)", r.wilcoxon, exactSize},
	}
	for _, c := range checks {
		if b := binomialBound(c.lvl, sim.comparisons); math.Abs(c.rate-c.lvl) > b {
			t.Errorf("%s rejects %.3f of identical pairs, want %.3f ± %.3f", c.name, c.rate, c.lvl, b)
		}
	}
	// Ignoring the seed effect must fail badly: this is why Combine exists.
	if r.pooledZ < 0.3 {
		t.Errorf("naive pooled z rejects only %.3f: the simulation has no seed effect to speak of", r.pooledZ)
	}
}

// With one seed and no seed effect the per-example z test is the right
// test and must hold its level too.
func TestCalibrationOneSeedPerExample(t *testing.T) {
	sim := simulation{seeds: 1, examples: 200, noiseSD: 0.3, difficultySD: 1, comparisons: 500}
	r := sim.run(t, 2)
	if b := binomialBound(0.05, sim.comparisons); math.Abs(r.combined-0.05) > b || math.Abs(r.regression-0.05) > b {
		t.Errorf("one seed: paired z rejects %.3f, regression check %.3f, want 0.05 ± %.3f", r.combined, r.regression, b)
	}
}

// A planted difference of 1.4 between-seed standard deviations of the
// difference (delta 0.2, seed sd 0.1 per model): the power is logged and
// must exceed floors three binomial standard errors (0.08 at 300
// comparisons) below theory: the noncentral t with 4 degrees of freedom and
// noncentrality 3.09 gives power 0.64 two-sided and 0.81 one-sided, and the
// exact one-sided tests reject only when all 5 differences have the sign of
// the effect, whose chance is Φ(1.38)^5 = 0.65.
func TestPowerPlantedDifference(t *testing.T) {
	sim := simulation{seeds: 5, examples: 200, seedSD: 0.1, noiseSD: 0.3, difficultySD: 1,
		delta: 0.2, comparisons: 300}
	r := sim.run(t, 3)
	t.Logf("power at delta = 0.2 (5 seeds, 300 comparisons, α = 0.05): combined two-sided %.3f, regression one-sided %.3f, sign-flip one-sided %.3f, Wilcoxon one-sided %.3f",
		r.combined, r.regression, r.signFlip, r.wilcoxon)
	floors := []struct {
		name        string
		rate, floor float64
	}{
		{"combined", r.combined, 0.56},
		{"regression check", r.regression, 0.73},
		{"sign-flip", r.signFlip, 0.57},
		{"Wilcoxon", r.wilcoxon, 0.57},
	}
	for _, f := range floors {
		if f.rate < f.floor {
			t.Errorf("%s power %.3f below floor %.2f", f.name, f.rate, f.floor)
		}
	}
}

// The combined test must hold its level whatever the ratio of seed to
// example variance: with no seed effect at all and with a seed effect
// comparable to the example error. With no seed effect the modified
// Hartung–Knapp floor (q* = max(1, q)) binds whenever q < 1, about half
// the time, so there the test is conservative (Jackson et al. 2017): its
// rate, and that of the regression check built on it, must not exceed α,
// and are logged.
func TestCalibrationAcrossSeedEffects(t *testing.T) {
	for i, seedSD := range []float64{0, 0.03} {
		sim := simulation{seeds: 5, examples: 200, seedSD: seedSD, noiseSD: 0.3, difficultySD: 1, comparisons: 500}
		r := sim.run(t, uint64(10+i))
		b := binomialBound(0.05, sim.comparisons)
		t.Logf("seed sd %g: combined %.3f, regression check %.3f, naive pooled z %.3f", seedSD, r.combined, r.regression, r.pooledZ)
		ok := func(rate float64) bool {
			if seedSD == 0 {
				return rate <= 0.05+b
			}
			return math.Abs(rate-0.05) <= b
		}
		if !ok(r.combined) || !ok(r.regression) {
			t.Errorf("seed sd %g: combined %.3f, regression %.3f, want 0.05 ± %.3f (at most 0.05 + %.3f with no seed effect)", seedSD, r.combined, r.regression, b, b)
		}
	}
}
