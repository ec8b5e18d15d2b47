package stats

import (
	"encoding/json"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/genbench/genbench/internal/jsonnum"
)

// Variance separates the sources of variance of a paired difference that
// [Combine] measured: how much the difference moves between training seeds
// beyond what test-example sampling explains, and the test-example standard
// error of one seed's difference.
type Variance struct {
	SeedSD    float64 `json:"seed_sd"`    // τ, the between-seed standard deviation (DerSimonian–Laird)
	ExampleSE float64 `json:"example_se"` // √(mean of the per-seed squared standard errors)
}

// MarshalJSON writes NaN as null.
func (v Variance) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		SeedSD    jsonnum.Float `json:"seed_sd"`
		ExampleSE jsonnum.Float `json:"example_se"`
	}{jsonnum.Float(v.SeedSD), jsonnum.Float(v.ExampleSE)})
}

// Combine is the test for per-seed, per-example paired differences
// (one [ExampleDiff] per training seed, both models scored on the same test
// examples within each seed). It treats the seeds as a random-effects
// meta-analysis: seed s contributes its mean difference m_s, whose variance
// is its test-example SE_s² plus the between-seed variance τ², estimated by
// DerSimonian & Laird (1986). The pooled difference is the weighted mean
// with weights 1/(SE_s² + τ²) and it is tested with the Hartung–Knapp–
// Sidik–Jonkman variance and a t distribution with S − 1 degrees of freedom
// (Hartung & Knapp 2001), which keeps the level for few seeds where the
// DerSimonian–Laird normal test does not (IntHout et al. 2014). The
// variance is the modified Hartung–Knapp one (Röver, Knapp & Friede 2015;
// Jackson et al. 2017): its scale factor q is raised to 1 when smaller,
// so the interval is never narrower than the DerSimonian–Laird one. Plain
// Hartung–Knapp gives standard error 0, and so infinite significance, when
// every seed has the same nonzero difference (q = 0) although each seed's
// difference is only known to within its SE_s.
//
// Why this and not a z test on all examples: two trainings of the same
// model differ by far more than their test-example standard errors, so a
// test that ignores τ² rejects identical models far above α. Why not only
// the sign-flip test: with S ≤ 5 seeds it cannot reach 0.05 two-sided,
// whereas this test uses the per-example precision. When a seed has a zero
// standard error (identical values) the weights are equal and the test is
// the paired t test on the m_s.
//
// With one seed it is [ExamplesTest] (no training-seed variance can be
// measured; the note says so). The interval is the pooled difference
// ± t_{S−1}·SE and the effect size is Cohen's d_z of the m_s.
func Combine(seeds []ExampleDiff, opt Options) (Result, Variance, error) {
	nan := math.NaN()
	v := Variance{SeedSD: nan, ExampleSE: nan}
	opt, err := opt.filled()
	if err != nil {
		return Result{}, v, err
	}
	if len(seeds) == 0 {
		return Result{}, v, fmt.Errorf("stats: combining no seeds")
	}
	m := make([]float64, len(seeds))
	se2 := make([]float64, len(seeds))
	for i, s := range seeds {
		if s.N < 2 || math.IsNaN(s.StdErr) {
			return Result{}, v, fmt.Errorf("stats: seed %d has %d examples and standard error %g", i, s.N, s.StdErr)
		}
		m[i], se2[i] = s.Mean, s.StdErr*s.StdErr
	}
	v.ExampleSE = math.Sqrt(mean(se2))
	if len(seeds) == 1 {
		r, err := ExamplesTest(seeds[0], opt)
		return r, v, err
	}
	r := newResult(TestRandomEffects, opt.Alternative, opt.Alpha)
	r.NSeeds, r.NExamples = len(seeds), seedExamples(&r, seeds)
	tau2, w, inverseVariance := randomEffectsWeights(m, se2)
	v.SeedSD = math.Sqrt(tau2)
	pooled, se := hartungKnapp(m, w, inverseVariance)
	df := float64(len(seeds) - 1)
	r.Difference, r.StdErr, r.MinP = pooled, se, 0
	r.PValue = tPValue(pooled, se, df, opt.Alternative)
	r.CILow, r.CIHigh = tInterval(pooled, se, df, opt.CILevel)
	r.CILevel, r.CIMethod = opt.CILevel, "hksj-t"
	mm, sd := meanSD(m)
	r.EffectSize, r.EffectName = cohenDz(mm, sd), EffectCohenDz
	if len(seeds) < 5 {
		r.addNote(fmt.Sprintf("%d seeds: the t test has %d degrees of freedom and low power; use ≥ 5 seeds", len(seeds), len(seeds)-1))
	}
	r.finish()
	return r, v, nil
}

// seedExamples returns the examples per seed when all seeds agree, else the
// total, with a note.
func seedExamples(r *Result, seeds []ExampleDiff) int {
	total, equal := 0, true
	for _, s := range seeds {
		total += s.N
		equal = equal && s.N == seeds[0].N
	}
	if equal {
		return seeds[0].N
	}
	r.addNote("seeds scored different numbers of examples: n_examples is their total")
	return total
}

// randomEffectsWeights returns the DerSimonian–Laird between-seed variance
// τ² = max(0, (Q − (S−1)) / (Σw − Σw²/Σw)) with w = 1/SE², and the random-
// effects weights 1/(SE² + τ²), which are inverse variances
// (inverseVariance). A zero SE makes every weight 1, and not an inverse
// variance.
func randomEffectsWeights(m, se2 []float64) (tau2 float64, w []float64, inverseVariance bool) {
	w = make([]float64, len(m))
	for _, s := range se2 {
		if s == 0 {
			_, sd := meanSD(m)
			for i := range w {
				w[i] = 1
			}
			return sd * sd, w, false
		}
	}
	var sw, sw2, swm float64
	for i := range m {
		w[i] = 1 / se2[i]
		sw += w[i]
		sw2 += w[i] * w[i]
		swm += w[i] * m[i]
	}
	fixed := swm / sw
	q := 0.0
	for i := range m {
		q += w[i] * (m[i] - fixed) * (m[i] - fixed)
	}
	tau2 = math.Max(0, (q-float64(len(m)-1))/(sw-sw2/sw))
	for i := range w {
		w[i] = 1 / (se2[i] + tau2)
	}
	return tau2, w, true
}

// hartungKnapp returns the weighted mean μ of m and its modified
// Hartung–Knapp standard error √(q*/Σw), q* = max(1, q) with
// q = Σw(m − μ)²/(S−1) (Röver, Knapp & Friede 2015). With inverse-variance
// weights 1/Σw is the variance of μ itself (the DerSimonian–Laird one),
// the floor that q* keeps; with unit weights (a seed of zero standard
// error: the paired t test on the m) q is not floored, as 1/Σw is then no
// variance.
func hartungKnapp(m, w []float64, inverseVariance bool) (pooled, se float64) {
	var sw, swm float64
	for i := range m {
		sw += w[i]
		swm += w[i] * m[i]
	}
	pooled = swm / sw
	q := 0.0
	for i := range m {
		q += w[i] * (m[i] - pooled) * (m[i] - pooled)
	}
	q /= float64(len(m) - 1)
	if inverseVariance {
		q = math.Max(1, q)
	}
	return pooled, math.Sqrt(q / sw)
}

// tPValue is the p-value of mean/se against Student's t with df degrees of
// freedom, with the zero-se conventions of zPValue.
func tPValue(mean, se, df float64, alt Alternative) float64 {
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	switch {
	case se > 0:
		return tailP(mean/se, alt, t.CDF, t.Survival)
	case mean == 0:
		return 1
	default:
		return tailP(math.Inf(int(math.Copysign(1, mean))), alt, t.CDF, t.Survival)
	}
}

func tInterval(mean, se, df, level float64) (lo, hi float64) {
	h := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile((1+level)/2) * se
	return mean - h, mean + h
}
