package experiments

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/genbench/genbench/internal/cireport"
	"github.com/genbench/genbench/stats"

	"github.com/genbench/genbench/results"
)

// The test mode of genbench check (-test) fails only where a one-sided
// paired test rejects "no worse than the baseline" at α after Holm's
// correction across every tested trial × metric of the run
// (stats.CheckRegression, stats.AdjustRegressions), so that a CI gate
// neither cries wolf on noise nor hides a real regression that a loose
// tolerance lets through. Trials are paired by trial id (same
// configuration, same seed) and grouped by configuration, so several seeds
// give a per-seed paired test. test_nll is tested per example when the
// baseline and the new run both kept their sidecars for every seed, on the
// same test set; with one seed that is the paired z test over test
// examples, which assumes deterministic training (an unchanged rerun gives
// the same values).

// TestOptions tune CheckTest.
type TestOptions struct {
	Alpha float64 // level of the one-sided tests after Holm, default 0.05
	// RelMargin is the worsening tolerated before a regression counts, as
	// a fraction of the baseline's mean (0: any worsening is tested).
	RelMargin float64
	// ExamplesDir is where the baseline's sidecars are (its examples_dir
	// resolved against the baseline file's folder); "" for none.
	ExamplesDir string
	// ResultsDir is the folder the records were read from (their sidecars).
	ResultsDir string
}

// TestedMetric is one configuration × metric tested against the baseline.
type TestedMetric struct {
	Label      string   `json:"label"` // the trial id with one seed, else data set/model[sweep]
	Metric     string   `json:"metric"`
	Trials     []string `json:"trials"`
	PerExample bool     `json:"per_example"`
	Regression stats.Regression
}

// TestReport is the outcome of CheckTest.
type TestReport struct {
	Alpha         float64
	Tested        []TestedMetric
	MissingTrials []string
	BadTrials     []string
	Notes         []string
	Failures      int // regressions + missing trials + bad trials
}

// OK reports whether the test-mode check passed.
func (t *TestReport) OK() bool { return t.Failures == 0 }

// examplesRoot returns the folder the baseline's sidecars are read from:
// examples_dir relative to the baseline file's folder, else the source
// results folder.
func (b *Baseline) examplesRoot(baselineDir string) string {
	switch {
	case b.ExamplesDir == "":
		return b.Source
	case filepath.IsAbs(b.ExamplesDir):
		return b.ExamplesDir
	}
	return filepath.Join(baselineDir, b.ExamplesDir)
}

// ExamplesRootFor is where CheckTest should read the sidecars of the
// baseline file at path.
func (b *Baseline) ExamplesRootFor(path string) string { return b.examplesRoot(filepath.Dir(path)) }

// testGroup is one configuration's paired trials.
type testGroup struct {
	label string
	ids   []string
	base  []BaselineTrial
	now   []*results.Record
}

// CheckTest runs the test mode of genbench check on recs.
func (b *Baseline) CheckTest(recs []*results.Record, opt TestOptions) (*TestReport, error) {
	if opt.Alpha == 0 {
		opt.Alpha = 0.05
	}
	rep := &TestReport{Alpha: opt.Alpha}
	groups := b.testGroups(recs, rep)
	var regs []stats.Regression
	for _, g := range groups {
		for _, name := range b.testedMetrics(g) {
			tm, ok, err := b.testMetric(g, name, opt, rep)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", g.label, name, err)
			}
			if !ok {
				continue
			}
			rep.Tested = append(rep.Tested, tm)
			regs = append(regs, tm.Regression)
		}
	}
	stats.AdjustRegressions(regs, opt.Alpha)
	for i := range rep.Tested {
		rep.Tested[i].Regression = regs[i]
		if regs[i].Worse {
			rep.Failures++
		}
	}
	return rep, nil
}

// testGroups pairs baseline trials with records by id and groups them by
// configuration; missing and failed trials are failures.
func (b *Baseline) testGroups(recs []*results.Record, rep *TestReport) []*testGroup {
	byID := map[string]*results.Record{}
	for _, r := range recs {
		byID[r.Trial] = r
	}
	ids := make([]string, 0, len(b.Trials))
	for id := range b.Trials {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	byConfig := map[string]*testGroup{}
	var out []*testGroup
	for _, id := range ids {
		base := b.Trials[id]
		r, ok := byID[id]
		switch {
		case !ok:
			rep.MissingTrials = append(rep.MissingTrials, id)
			rep.Failures++
			continue
		case r.Status != results.StatusOK && base.Status == results.StatusOK:
			rep.BadTrials = append(rep.BadTrials, fmt.Sprintf("%s: %s: %s", id, r.Status, r.Reason))
			rep.Failures++
			continue
		case r.Status != results.StatusOK || base.Status != results.StatusOK:
			continue
		}
		key := configKey(r)
		g, ok := byConfig[key]
		if !ok {
			g = &testGroup{label: r.Dataset + "/" + r.ConfigLabel()}
			byConfig[key] = g
			out = append(out, g)
		}
		g.ids, g.base, g.now = append(g.ids, id), append(g.base, base), append(g.now, r)
	}
	for _, g := range out {
		if len(g.ids) == 1 {
			g.label = g.ids[0]
		}
	}
	return out
}

// testedMetrics lists the metrics of a group with a lower or higher rule,
// not timing and not helpers, present in the baseline.
func (b *Baseline) testedMetrics(g *testGroup) []string {
	names := map[string]bool{}
	for _, t := range g.base {
		for name := range t.Metrics {
			rule := b.rule(name)
			if (rule.Direction == Lower || rule.Direction == Higher) && !rule.Timing && !helperMetric(name) {
				names[name] = true
			}
		}
	}
	list := make([]string, 0, len(names))
	for n := range names {
		list = append(list, n)
	}
	sort.Strings(list)
	return list
}

// testMetric builds the regression input of one metric of a group and runs
// the test; ok is false when no seed has the metric on both sides.
func (b *Baseline) testMetric(g *testGroup, name string, opt TestOptions, rep *TestReport) (TestedMetric, bool, error) {
	tm := TestedMetric{Label: g.label, Metric: name}
	in := stats.RegressionInput{Direction: stats.LowerIsBetter}
	if b.rule(name).Direction == Higher {
		in.Direction = stats.HigherIsBetter
	}
	var kept []int
	for i := range g.ids {
		bv, okB := g.base[i].Metrics[name]
		nv, okN := g.now[i].Metrics[name]
		if !okB || !okN || math.IsNaN(bv) || math.IsNaN(nv) {
			continue
		}
		in.Baseline, in.Current = append(in.Baseline, bv), append(in.Current, nv)
		tm.Trials = append(tm.Trials, g.ids[i])
		kept = append(kept, i)
	}
	if len(kept) == 0 {
		return tm, false, nil
	}
	if name == "test_nll" {
		bx, nx, err := b.examplePairs(g, kept, opt)
		if err == nil {
			in.BaselineExamples, in.CurrentExamples, tm.PerExample = bx, nx, true
			in.Baseline, in.Current = nil, nil
		} else if g.base[kept[0]].Examples != nil {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s test_nll: per-seed values only: %v", g.label, err))
		}
	}
	in.Margin = opt.RelMargin * math.Abs(meanOf(in.Baseline, in.BaselineExamples))
	reg, err := stats.CheckRegression(in, stats.Options{Alpha: opt.Alpha})
	tm.Regression = reg
	return tm, true, err
}

func meanOf(values []float64, examples [][]float64) float64 {
	if len(values) == 0 {
		for _, e := range examples {
			values = append(values, average(e))
		}
	}
	return average(values)
}

func average(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// examplePairs reads the per-example NLLs of the kept trials on both sides,
// or returns why they cannot be paired.
func (b *Baseline) examplePairs(g *testGroup, kept []int, opt TestOptions) ([][]float64, [][]float64, error) {
	if opt.ExamplesDir == "" {
		return nil, nil, errors.New("the baseline has no per-example folder")
	}
	if sameDir(opt.ExamplesDir, opt.ResultsDir) {
		// The baseline's sidecars were overwritten by the run being checked:
		// they would match only when nothing changed.
		return nil, nil, errors.New("the baseline's per-example folder is the results folder being checked; record the baseline with -examples")
	}
	var bx, nx [][]float64
	for _, i := range kept {
		bref, nref := g.base[i].Examples, g.now[i].Examples
		if bref == nil || nref == nil {
			return nil, nil, fmt.Errorf("trial %s has no per-example sidecar on both sides", g.ids[i])
		}
		if bref.TestHash != nref.TestHash {
			return nil, nil, fmt.Errorf("trial %s scored another test set than the baseline", g.ids[i])
		}
		bv, err := results.ExampleNLLs(opt.ExamplesDir, bref)
		if err != nil {
			return nil, nil, err
		}
		nv, err := results.ExampleNLLs(opt.ResultsDir, nref)
		if err != nil {
			return nil, nil, err
		}
		bx, nx = append(bx, bv), append(nx, nv)
	}
	return bx, nx, nil
}

// Table formats the tested metrics (all, or those that moved) and the
// trial problems as text.
func (t *TestReport) Table(all bool) string {
	rows := [][]string{{"TRIAL", "METRIC", "BASELINE", "NOW", "TEST", "P (HOLM)", "VERDICT"}}
	num := func(v float64) string {
		if math.IsNaN(v) {
			return "-"
		}
		return fmt.Sprintf("%.6g", v)
	}
	for _, tm := range t.Tested {
		g := tm.Regression
		if !all && !g.Worse && g.BaselineMean == g.CurrentMean {
			continue
		}
		verdict := "no evidence of a regression"
		switch {
		case g.Worse:
			verdict = "REGRESSION"
		case math.IsNaN(g.Result.PValue):
			verdict = "not tested"
		}
		test := g.Result.Test
		if tm.PerExample {
			test += fmt.Sprintf(" (%d examples)", g.Result.NExamples)
		}
		rows = append(rows, []string{tm.Label, tm.Metric, num(g.BaselineMean), num(g.CurrentMean), test, num(g.Result.PHolm), verdict})
	}
	var b strings.Builder
	if len(rows) > 1 {
		b.WriteString(formatTable(rows))
	}
	for _, tm := range t.Tested {
		if tm.Regression.Worse {
			fmt.Fprintf(&b, "REGRESSION %s %s: %s\n", tm.Label, tm.Metric, tm.Regression.Message)
		}
	}
	writeTrialProblems(&b, t.MissingTrials, t.BadTrials)
	for _, s := range t.Notes {
		fmt.Fprintf(&b, "note: %s\n", s)
	}
	return b.String()
}

// Outcomes lists the test-mode results for the CI writers: one per tested
// trial × metric, and a failed "status" outcome per missing or failed trial.
func (t *TestReport) Outcomes() []cireport.Outcome {
	var outs []cireport.Outcome
	for _, tm := range t.Tested {
		outs = append(outs, cireport.FromRegression(tm.Label, tm.Metric, tm.Regression))
	}
	return append(outs, trialOutcomes(t.MissingTrials, t.BadTrials)...)
}

func trialOutcomes(missing, bad []string) []cireport.Outcome {
	var outs []cireport.Outcome
	nan := math.NaN()
	for _, id := range missing {
		outs = append(outs, cireport.Outcome{Trial: id, Metric: "status", Baseline: nan, Current: nan, PValue: nan,
			Check: "trial present", Message: "in the baseline, not in the results"})
	}
	for _, s := range bad {
		id, why, _ := strings.Cut(s, ": ")
		outs = append(outs, cireport.Outcome{Trial: id, Metric: "status", Baseline: nan, Current: nan, PValue: nan,
			Check: "status ok", Message: why})
	}
	return outs
}

// Outcomes lists the tolerance-mode rows for the CI writers: one per
// compared trial × metric, and a failed "status" outcome per missing or
// failed trial.
func (c *CheckReport) Outcomes() []cireport.Outcome {
	var outs []cireport.Outcome
	for _, r := range c.Rows {
		o := cireport.Outcome{Trial: r.Trial, Metric: r.Metric, Baseline: r.Base, Current: r.Now, PValue: math.NaN(),
			Check: fmt.Sprintf("tolerance %.3g", r.Tol), Pass: !r.Fail, Skipped: r.Verdict == VerdictSkipped, Message: r.Verdict}
		outs = append(outs, o)
	}
	return append(outs, trialOutcomes(c.MissingTrials, c.BadTrials)...)
}

// CopyBaselineExamples copies the sidecars the baseline refers to from the
// results folder src into <baseline file>.examples/, checked against their
// hashes, and points the baseline's examples_dir there, so that the
// baseline file and that folder are all `check -test` needs.
func CopyBaselineExamples(b *Baseline, src, baselinePath string) (int, error) {
	name := strings.TrimSuffix(filepath.Base(baselinePath), filepath.Ext(baselinePath)) + ".examples"
	dst := filepath.Join(filepath.Dir(baselinePath), name)
	n := 0
	for id, t := range b.Trials {
		if t.Examples == nil {
			continue
		}
		if _, err := results.ReadExamples(src, t.Examples); err != nil {
			return n, fmt.Errorf("trial %s: %w", id, err)
		}
		data, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(t.Examples.File)))
		if err != nil {
			return n, err
		}
		if err := WriteFileAtomic(filepath.Join(dst, filepath.FromSlash(t.Examples.File)), data); err != nil {
			return n, fmt.Errorf("copying per-example sidecar: %w", err)
		}
		n++
	}
	b.ExamplesDir = name
	return n, nil
}

// sameDir reports whether two paths name the same folder.
func sameDir(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}
