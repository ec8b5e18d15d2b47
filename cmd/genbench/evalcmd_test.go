package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/genbench/genbench/results"
)

// genbench eval -eval-seeds 3 adds evaluation seeds to a finished run
// from its kept models: every record keeps three values of the sample
// metric, the first the run's, and notes it; the summary then measures the
// evaluation-seed spread. A negative count is bad usage.
func TestEvalSeedsCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "res")
	if code, so, se := genbenchRun("run", "testdata/tiny.yaml", "-o", dir, "-q"); code != 0 {
		t.Fatalf("run: %d\n%s%s", code, so, se)
	}
	if code, _, se := genbenchRun("eval", "testdata/tiny.yaml", "-o", dir, "-eval-seeds", "-1"); code != 2 || !strings.Contains(se, "-eval-seeds -1") {
		t.Errorf("-eval-seeds -1: exit %d, stderr %s", code, se)
	}
	code, so, se := genbenchRun("eval", "testdata/tiny.yaml", "-o", dir, "-metrics", "nll,mode_coverage", "-eval-seeds", "3", "-q")
	if code != 0 || !strings.Contains(so, "2 re-evaluated") {
		t.Fatalf("eval -eval-seeds 3: exit %d\n%s%s", code, so, se)
	}
	folder, err := results.ReadFolder(dir)
	if err != nil || len(folder.Records) != 2 {
		t.Fatalf("%v, %d records", err, len(folder.Records))
	}
	for _, r := range folder.Records {
		vs, ok := r.EvalSeeds.Of("modes_covered")
		if !ok || len(vs) != 3 || (vs[0]+vs[1]+vs[2])/3 != r.Metrics["modes_covered"] {
			t.Errorf("%s: modes_covered %v per seed %v", r.Trial, r.Metrics["modes_covered"], vs)
		}
		if last := r.Reevaluated[len(r.Reevaluated)-1]; last.EvalSeeds != 3 {
			t.Errorf("%s: re-evaluation recorded %+v", r.Trial, last)
		}
	}
	code, so, _ = genbenchRun("summary", dir, "-metrics", "modes_covered,test_nll")
	if code != 0 || !strings.Contains(so, "EVAL-SEED SD") || !strings.Contains(so, "0 (deterministic)") {
		t.Errorf("summary: exit %d\n%s", code, so)
	}
}
