package stats

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/genbench/genbench/internal/jsonnum"
)

// TestPairedT names the one-sample t test of per-seed paired differences.
const TestPairedT = "paired-t"

// PairedT is the paired t test of per-seed differences d (Student 1908):
// t = mean/(sd/√S) with S − 1 degrees of freedom, the interval
// mean ± t_{S−1}·sd/√S and Cohen's d_z. It assumes roughly normal
// differences and, unlike [SignFlip], can reach any level with two seeds.
// Equal differences give p = 1 when they are zero and p = 0 otherwise.
func PairedT(d []float64, opt Options) (Result, error) {
	opt, err := opt.filled()
	if err != nil {
		return Result{}, err
	}
	if len(d) < 2 {
		return Result{}, fmt.Errorf("stats: paired t test of %d seeds: need at least 2", len(d))
	}
	if err := checkFinite("per-seed difference", d); err != nil {
		return Result{}, err
	}
	ed := ExampleDiff{N: len(d)}
	ed.Mean, ed.Std = meanSD(d)
	ed.StdErr = ed.Std / math.Sqrt(float64(len(d)))
	r := newResult(TestPairedT, opt.Alternative, opt.Alpha)
	r.NSeeds, r.Difference, r.StdErr, r.MinP = len(d), ed.Mean, ed.StdErr, 0
	df := float64(len(d) - 1)
	r.PValue = tPValue(ed.Mean, ed.StdErr, df, opt.Alternative)
	r.CILow, r.CIHigh = tInterval(ed.Mean, ed.StdErr, df, opt.CILevel)
	r.CILevel, r.CIMethod = opt.CILevel, "t"
	r.EffectSize, r.EffectName = cohenDz(ed.Mean, ed.Std), EffectCohenDz
	r.finish()
	return r, nil
}

// RegressionInput is what `genbench check` knows about one trial × metric:
// the baseline's per-seed values and the new run's, paired by seed, and
// where stored the per-example values of each seed (same examples, same
// order).
type RegressionInput struct {
	Baseline, Current                 []float64
	BaselineExamples, CurrentExamples [][]float64
	Direction                         Direction
	// Margin is the worsening tolerated before a regression counts, in the
	// metric's units (0: any worsening). The test is then of H0: worse by at
	// most Margin.
	Margin float64
}

// Regression is the outcome of [CheckRegression]. Result is the one-sided
// test of "worse by more than Margin"; Worse is its rejection at α.
type Regression struct {
	Result       Result  `json:"result"`
	Worse        bool    `json:"worse"`
	Direction    string  `json:"direction"`
	BaselineMean float64 `json:"baseline"`
	CurrentMean  float64 `json:"current"`
	// RelChange is (current − baseline)/|baseline|, signed as the values.
	RelChange float64 `json:"rel_change"`
	Message   string  `json:"message"`
}

// CheckRegression tests, one-sided at opt.Alpha, whether the current values
// are worse than the baseline's. Differences are taken in the worsening
// direction (current − baseline for lower-is-better metrics) less Margin.
// With per-example values it is [Combine] (one seed: the per-example paired
// z test, which is right when training is deterministic so that an
// unchanged rerun reproduces the baseline; a change that alters the random
// stream then shows up as a difference too). Without them it is [PairedT]
// on the per-seed differences; one seed without examples admits no test,
// and the result has a NaN p-value, Worse false and a message saying so.
// Baseline and Current may be nil when per-example values are given: the
// per-seed values are then their means. opt.Alternative is ignored.
func CheckRegression(in RegressionInput, opt Options) (Regression, error) {
	g := Regression{Direction: string(in.Direction)}
	if !in.Direction.valid() {
		return g, fmt.Errorf("stats: unknown direction %q", in.Direction)
	}
	if len(in.Baseline) == 0 && len(in.Current) == 0 {
		in.Baseline, in.Current = exampleMeans(in.BaselineExamples), exampleMeans(in.CurrentExamples)
	}
	if len(in.Baseline) != len(in.Current) || len(in.Baseline) == 0 {
		return g, fmt.Errorf("stats: %d baseline seeds against %d current", len(in.Baseline), len(in.Current))
	}
	if in.BaselineExamples != nil && len(in.BaselineExamples) != len(in.Baseline) {
		return g, fmt.Errorf("stats: %d seeds but per-example values for %d", len(in.Baseline), len(in.BaselineExamples))
	}
	if !(in.Margin >= 0) {
		return g, fmt.Errorf("stats: margin %g is not ≥ 0", in.Margin)
	}
	opt.Alternative = Greater
	g.BaselineMean, g.CurrentMean = mean(in.Baseline), mean(in.Current)
	g.RelChange = (g.CurrentMean - g.BaselineMean) / math.Abs(g.BaselineMean)
	var err error
	if g.Result, err = regressionTest(in, opt); err != nil {
		return g, err
	}
	g.Worse = g.Result.Significant
	g.Message = g.explain()
	return g, nil
}

func exampleMeans(ex [][]float64) []float64 {
	m := make([]float64, len(ex))
	for i, e := range ex {
		m[i] = mean(e)
	}
	return m
}

// regressionTest picks and runs the one-sided test of CheckRegression.
func regressionTest(in RegressionInput, opt Options) (Result, error) {
	worse, better := in.Current, in.Baseline
	worseEx, betterEx := in.CurrentExamples, in.BaselineExamples
	if in.Direction == HigherIsBetter {
		worse, better, worseEx, betterEx = better, worse, betterEx, worseEx
	}
	if len(worseEx) > 0 {
		p := Pair{ExamplesA: worseEx, ExamplesB: betterEx}
		diffs, err := p.exampleDiffs()
		if err != nil {
			return Result{}, err
		}
		for i := range diffs {
			diffs[i].Mean -= in.Margin
		}
		r, _, err := Combine(diffs, opt)
		return r, err
	}
	d := make([]float64, len(worse))
	for i := range d {
		d[i] = worse[i] - better[i] - in.Margin
	}
	if len(d) == 1 {
		o, err := opt.filled()
		r := newResult(TestPairedT, Greater, o.Alpha)
		r.NSeeds, r.Difference = 1, d[0]
		r.Note = "one seed and no per-example values: no test possible"
		return r, err
	}
	return PairedT(d, opt)
}

// explain writes the message of a check: the numbers, the test and its
// decision.
func (g Regression) explain() string {
	r := g.Result
	head := fmt.Sprintf("current %.6g vs baseline %.6g (%+.3g%%, %s is better)", g.CurrentMean, g.BaselineMean, 100*g.RelChange, g.Direction)
	if math.IsNaN(r.PValue) {
		return head + ": " + r.Note
	}
	verdict := "no evidence of a regression"
	if g.Worse {
		verdict = "REGRESSION"
	}
	return fmt.Sprintf("%s: worse by %.4g [%.4g, %.4g], one-sided %s p = %.3g (Holm %.3g) vs α = %g: %s",
		head, r.Difference, r.CILow, r.CIHigh, r.Test, r.PValue, r.PHolm, r.Alpha, verdict)
}

// AdjustRegressions applies Holm's correction across a family of checks
// (every trial × metric of one `genbench check`), so that the chance of any
// false alarm in the run stays at most alpha, and updates Worse and Message.
func AdjustRegressions(gs []Regression, alpha float64) {
	rs := make([]Result, len(gs))
	for i := range gs {
		rs[i] = gs[i].Result
	}
	AdjustHolm(rs, alpha)
	for i := range gs {
		gs[i].Result = rs[i]
		gs[i].Worse = rs[i].Significant
		gs[i].Message = gs[i].explain()
	}
}

// MarshalJSON writes NaN and ±Inf (a zero baseline's relative change) as null.
func (g Regression) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Result       Result        `json:"result"`
		Worse        bool          `json:"worse"`
		Direction    string        `json:"direction"`
		BaselineMean jsonnum.Float `json:"baseline"`
		CurrentMean  jsonnum.Float `json:"current"`
		RelChange    jsonnum.Float `json:"rel_change"`
		Message      string        `json:"message"`
	}{g.Result, g.Worse, g.Direction, jsonnum.Float(g.BaselineMean), jsonnum.Float(g.CurrentMean), jsonnum.Float(g.RelChange), g.Message})
}
