package experiments

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genbench/genbench/results"
)

// Re-evaluating from kept models adds a metric to every record without
// training, records that it did, reproduces the old values bit for bit
// (same data, same evaluation seed) and rewrites results.json.
func TestReevaluateAddsMetric(t *testing.T) {
	dir := t.TempDir()
	before := runTiny(t, crnSpec, dir)
	spec, err := Parse("crn.yaml", []byte(crnSpec))
	if err != nil {
		t.Fatal(err)
	}
	old := map[string]*results.Record{}
	for _, r := range before.Records {
		old[r.Trial] = r
	}
	out, err := Reevaluate(spec, ReevalOptions{Out: dir, Metrics: []string{"nll", "mode_coverage"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Reevaluated != 4 || len(out.Failed) > 0 || len(out.Skipped) > 0 {
		t.Fatalf("outcome %+v, want 4 re-evaluated", out)
	}
	folder, err := results.ReadFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs, errs := folder.Records, folder.Problems
	if len(errs) > 0 || len(recs) != 4 {
		t.Fatalf("%d records, errors %v", len(recs), errs)
	}
	for _, r := range recs {
		o := old[r.Trial]
		if _, ok := r.Metrics["modes_covered"]; !ok {
			t.Errorf("%s: no modes_covered after eval", r.Trial)
		}
		if r.Metrics["test_nll"] != o.Metrics["test_nll"] || r.Metrics["train_steps"] != o.Metrics["train_steps"] {
			t.Errorf("%s: test_nll %v → %v, train_steps %v → %v: want unchanged", r.Trial,
				o.Metrics["test_nll"], r.Metrics["test_nll"], o.Metrics["train_steps"], r.Metrics["train_steps"])
		}
		if _, ok := r.Metrics["true_nll"]; !ok {
			t.Errorf("%s: true_nll of the run was lost", r.Trial)
		}
		if r.Examples == nil || r.Examples.SHA256 != o.Examples.SHA256 {
			t.Errorf("%s: sidecar changed on re-evaluation: %v → %v", r.Trial, o.Examples, r.Examples)
		}
		if len(r.Reevaluated) != 1 || r.Protocol["reevaluated"] == "" {
			t.Errorf("%s: re-evaluation not recorded: %v, %q", r.Trial, r.Reevaluated, r.Protocol["reevaluated"])
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil || !strings.Contains(string(data), "modes_covered") {
		t.Errorf("results.json not rewritten with the new metric (%v)", err)
	}
}

func TestReevaluateRefusesBadModel(t *testing.T) {
	dir := t.TempDir()
	before := runTiny(t, crnSpec, dir)
	spec, _ := Parse("crn.yaml", []byte(crnSpec))
	victim := before.Records[0]
	path := filepath.Join(dir, victim.SavedModel.File)
	data, _ := os.ReadFile(path)
	data[len(data)/2] ^= 0xff
	os.WriteFile(path, data, 0o644)
	os.Remove(filepath.Join(dir, before.Records[1].SavedModel.File))
	out, err := Reevaluate(spec, ReevalOptions{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	if out.Reevaluated != 2 || len(out.Failed) != 2 {
		t.Fatalf("outcome %+v, want 2 re-evaluated and 2 failed", out)
	}
	if _, err := Reevaluate(spec, ReevalOptions{Out: dir, Metrics: []string{"nope"}}); err == nil {
		t.Error("an unknown metric was accepted")
	}
	r, _ := results.ReadRecord(results.RecordPath(dir, victim.Trial))
	if len(r.Reevaluated) != 0 || math.IsNaN(r.Metrics["test_nll"]) {
		t.Errorf("a trial whose model failed its hash was re-evaluated: %v", r.Reevaluated)
	}
}
