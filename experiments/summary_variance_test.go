package experiments

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/genbench/genbench/compare"
	"github.com/genbench/genbench/internal/jsonnum"
	"github.com/genbench/genbench/results"
	"github.com/genbench/genbench/stats"
)

// writeSeedFolder writes a results folder of one configuration: a trial
// per training seed, each with modes_covered under the evaluation seeds
// of its row of grid and an exact test_nll.
func writeSeedFolder(t *testing.T, dir string, grid [][]float64, nll []float64) {
	t.Helper()
	for i, row := range grid {
		var sum float64
		vals := make([]jsonnum.Float, len(row))
		for j, v := range row {
			sum += v
			vals[j] = jsonnum.Float(v)
		}
		rec := &results.Record{Trial: fmt.Sprintf("ring8-nvp-s%d", i), Dataset: "ring8", Model: "nvp", Seed: uint64(i), Status: results.StatusOK,
			NLLKind: "exact", Metrics: map[string]float64{"modes_covered": sum / float64(len(row)), "test_nll": nll[i], "test_nll_stderr": 0.05},
			Protocol: map[string]string{}}
		if len(row) > 1 {
			rec.EvalSeeds = &results.EvalSeeds{Seeds: []uint64{1, 2, 3}[:len(row)], Values: map[string][]jsonnum.Float{"modes_covered": vals}}
		}
		if err := results.WriteRecord(dir, rec); err != nil {
			t.Fatal(err)
		}
	}
}

// The summary of a folder with 3 training × 3 evaluation seeds reports
// stats.SplitSeedVariance's training- and evaluation-seed SDs for the
// stochastic modes_covered, all the spread as training seed for the exact
// (deterministic) test_nll with its per-example s.e., and "not measured"
// where one evaluation seed cannot tell the two apart.
func TestSummaryVarianceSources(t *testing.T) {
	grid := [][]float64{{7, 8, 6}, {5, 5, 6}, {8, 7, 8}}
	nll := []float64{1.2, 1.4, 1.3}
	dir := t.TempDir()
	writeSeedFolder(t, dir, grid, nll)
	folder, err := results.ReadFolder(dir)
	if err != nil || len(folder.Records) != 3 {
		t.Fatalf("%v, %d records", err, len(folder.Records))
	}
	g := Summarize(folder.Records)[0]
	want, _ := stats.SplitSeedVariance(grid)
	mc := g.Metrics["modes_covered"].Variance
	if mc == nil || math.Abs(mc.TrainSD-want.TrainSD) > 1e-12 || math.Abs(mc.EvalSD-want.EvalSD) > 1e-12 || mc.NEval != 3 || mc.NTrain != 3 {
		t.Errorf("modes_covered sources %+v, want train %v eval %v", mc, want.TrainSD, want.EvalSD)
	}
	tn := g.Metrics["test_nll"].Variance
	if tn == nil || !tn.Deterministic || tn.EvalSD != 0 || math.Abs(tn.TrainSD-0.1) > 1e-12 || tn.ExampleSE != 0.05 {
		t.Errorf("test_nll sources %+v, want deterministic, train sd 0.1, example s.e. 0.05", tn)
	}
	if g.Metrics["test_nll_stderr"].Variance != nil {
		t.Error("a helper metric has variance sources")
	}
	table := SummaryTable([]SummaryGroup{g}, nil, false)
	for _, s := range []string{"TRAIN-SEED SD", "EVAL-SEED SD", "EXAMPLE SE", fmt.Sprintf("%.3g", want.EvalSD), "0 (deterministic)", "random-effects"} {
		if !strings.Contains(table, s) {
			t.Errorf("table lacks %q:\n%s", s, table)
		}
	}
	b, _ := json.Marshal(g)
	if !strings.Contains(string(b), `"variance":{"mean"`) {
		t.Errorf("summary JSON lacks the variance sources: %s", b)
	}

	once := t.TempDir()
	writeSeedFolder(t, once, [][]float64{{7}, {5}, {8}}, nll)
	folder, _ = results.ReadFolder(once)
	g = Summarize(folder.Records)[0]
	if v := g.Metrics["modes_covered"].Variance; !math.IsNaN(v.TrainSD) || !math.IsNaN(v.EvalSD) {
		t.Errorf("one evaluation seed: %+v, want neither SD measured", v)
	}
	if table := SummaryTable([]SummaryGroup{g}, []string{"modes_covered"}, false); strings.Count(table, compare.NotMeasured) != 3 {
		t.Errorf("want three 'not measured' cells:\n%s", table)
	}
}
