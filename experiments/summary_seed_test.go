package experiments

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/genbench/genbench/results"
)

// One seed: no across-seed std or interval, the per-example standard error
// instead, and the table says so; several seeds keep the t interval.
func TestSummarySingleSeed(t *testing.T) {
	recs := []*results.Record{{Trial: "a", Dataset: "ring8", Model: "nvp", Seed: 1, Status: results.StatusOK,
		Metrics: map[string]float64{"test_nll": 1.5, "test_nll_stderr": 0.02, "modes_covered": 8}}}
	g := Summarize(recs)[0]
	nll := g.Metrics["test_nll"]
	if !math.IsNaN(nll.Std) || !math.IsNaN(nll.CI95Lo) || !math.IsNaN(nll.CI95Hi) || nll.ExampleSE != 0.02 {
		t.Errorf("one-seed test_nll summary %+v: want NaN std and interval, example s.e. 0.02", nll)
	}
	if m := g.Metrics["modes_covered"]; !math.IsNaN(m.ExampleSE) || !math.IsNaN(m.CI95Lo) {
		t.Errorf("modes_covered %+v: no per-example s.e. exists", m)
	}
	table := SummaryTable([]SummaryGroup{g}, nil, false)
	for _, s := range []string{"± 0.02 (per-example s.e.)", "- (1 seed)", "1 seed: no across-seed std or interval"} {
		if !strings.Contains(table, s) {
			t.Errorf("table lacks %q:\n%s", s, table)
		}
	}
	if strings.Contains(table, "[1.5, 1.5]") {
		t.Errorf("table shows a zero-width interval:\n%s", table)
	}
	b, err := json.Marshal(g.Metrics["test_nll"])
	if err != nil || !strings.Contains(string(b), `"std":null`) || !strings.Contains(string(b), `"example_se":0.02`) {
		t.Errorf("JSON %s (%v)", b, err)
	}
	two := append(recs, &results.Record{Trial: "b", Dataset: "ring8", Model: "nvp", Seed: 2, Status: results.StatusOK,
		Metrics: map[string]float64{"test_nll": 1.7, "test_nll_stderr": 0.02}})
	if m := Summarize(two)[0].Metrics["test_nll"]; math.IsNaN(m.CI95Lo) || m.exampleSE() != nil {
		t.Errorf("two seeds: %+v, want a t interval and no example s.e.", m)
	}
}
