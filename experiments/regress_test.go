package experiments

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genbench/genbench/results"
)

// plantRegression makes the per-example NLLs of rec worse by frac of their
// size and rewrites its sidecar and test_nll, as a slightly worse model
// would score.
func plantRegression(t *testing.T, dir string, rec *results.Record, frac float64) {
	t.Helper()
	logp, err := results.ReadExamples(dir, rec.Examples)
	if err != nil {
		t.Fatal(err)
	}
	nll := 0.0
	for i, v := range logp {
		logp[i] = v - frac*math.Abs(v)
		nll -= logp[i] / float64(len(logp))
	}
	ref, err := results.WriteExamples(dir, rec.Trial, rec.Examples.Kind, logp, rec.Examples.TestHash)
	if err != nil {
		t.Fatal(err)
	}
	ref.EvalSeed = rec.Examples.EvalSeed
	rec.Examples = ref
	rec.Metrics["test_nll"] = nll
}

// An unchanged rerun passes the test mode; a regression of 0.5% of one
// model's per-example NLL passes the 1% tolerance but fails the test.
func TestCheckTestMode(t *testing.T) {
	spec := strings.Replace(crnSpec, "seeds: [1, 2]", "seeds: [1]", 1)
	baseDir, nowDir := t.TempDir(), t.TempDir()
	base := runTiny(t, spec, baseDir)
	b := NewBaseline(base.Records, baseDir)
	now := runTiny(t, spec, nowDir)
	opt := TestOptions{ExamplesDir: b.ExamplesRootFor(filepath.Join(baseDir, "b.json")), ResultsDir: nowDir}

	rep, err := b.CheckTest(now.Records, opt)
	if err != nil {
		t.Fatal(err)
	}
	perExample := 0
	for _, tm := range rep.Tested {
		if tm.Metric == "test_nll" && tm.PerExample {
			perExample++
		}
	}
	if !rep.OK() || perExample != 2 {
		t.Fatalf("unchanged rerun: ok %v, %d per-example NLL tests (want 2):\n%s", rep.OK(), perExample, rep.Table(true))
	}

	var victim *results.Record
	for _, r := range now.Records {
		if r.Model == "nvp" {
			victim = r
		}
	}
	old := victim.Metrics["test_nll"]
	plantRegression(t, nowDir, victim, 0.005)
	if rel := (victim.Metrics["test_nll"] - old) / math.Abs(old); !(rel > 0.003 && rel < 0.01) {
		t.Fatalf("planted change %.4f of the NLL, want about 0.5%%", rel)
	}
	if tol := b.Check(now.Records, CheckOptions{}); !tol.OK() {
		t.Fatalf("the tolerance mode should miss a 0.5%% regression:\n%s", tol.Table(false))
	}
	rep, err = b.CheckTest(now.Records, opt)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Failures != 1 {
		t.Fatalf("test mode: %d failures, want 1 (the planted one):\n%s", rep.Failures, rep.Table(true))
	}
	for _, tm := range rep.Tested {
		if tm.Regression.Worse && (tm.Label != victim.Trial || tm.Metric != "test_nll") {
			t.Errorf("regression flagged on %s %s, planted on %s test_nll", tm.Label, tm.Metric, victim.Trial)
		}
	}
	if s := rep.Table(false); !strings.Contains(s, "REGRESSION "+victim.Trial+" test_nll") {
		t.Errorf("table does not name the regression:\n%s", s)
	}
	outs := rep.Outcomes()
	failed := 0
	for _, o := range outs {
		if !o.Pass && !o.Skipped {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d failed CI outcomes, want 1", failed)
	}
}

// A baseline whose sidecars live in the folder being checked (recorded
// without -examples, then overwritten by the new run) is not paired per
// example: a matching file would only prove nothing changed.
func TestCheckTestRefusesOverwrittenSidecars(t *testing.T) {
	spec := strings.Replace(crnSpec, "seeds: [1, 2]", "seeds: [1]", 1)
	dir := t.TempDir()
	out := runTiny(t, spec, dir)
	b := NewBaseline(out.Records, dir)
	rep, err := b.CheckTest(out.Records, TestOptions{ExamplesDir: b.ExamplesRootFor("base.json"), ResultsDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range rep.Tested {
		if tm.PerExample {
			t.Errorf("%s paired on the results folder's own sidecars", tm.Label)
		}
	}
	if len(rep.Notes) != 2 || !strings.Contains(rep.Notes[0], "record the baseline with -examples") {
		t.Errorf("notes %q", rep.Notes)
	}
}

// Baselines written before per-example sidecars still read, and test
// without them (per-seed values only): testdata keeps the quick suite's
// baseline as it was before sidecars.
func TestOldBaselineReadable(t *testing.T) {
	const old = "testdata/baseline-before-sidecars.json"
	b, err := ReadBaseline(old)
	if err != nil {
		t.Fatal(err)
	}
	for id, tr := range b.Trials {
		if tr.Examples != nil {
			t.Fatalf("%s: an old baseline with examples?", id)
		}
	}
	if b.ExamplesRootFor(old) != b.Source {
		t.Errorf("examples root %q, want the source folder", b.ExamplesRootFor(old))
	}
}
