package reports

import (
	"fmt"
	"strings"
	"testing"

	"github.com/genbench/genbench/internal/jsonnum"
	"github.com/genbench/genbench/results"
	"github.com/genbench/genbench/stats"
)

// The report's variance section splits a synthetic folder of 3 training ×
// 3 evaluation seeds as stats.SplitSeedVariance does, calls the exact
// test NLL's spread all training seed with its test-example s.e., and
// says "not measured" for a stochastic metric evaluated once.
func TestVarianceSection(t *testing.T) {
	grid := [][]float64{{7, 8, 6}, {5, 5, 6}, {8, 7, 8}}
	dir := t.TempDir()
	for i, row := range grid {
		for _, model := range []string{"nvp", "maf"} {
			rec := &results.Record{Trial: fmt.Sprintf("ring8-%s-s%d", model, i), Dataset: "ring8", Model: model, Type: "realnvp", Family: "flow",
				Seed: uint64(i), Status: results.StatusOK, NLLKind: "exact",
				Metrics: map[string]float64{"modes_covered": row[0], "test_nll": 1.2 + 0.1*float64(i), "test_nll_stderr": 0.05}}
			if model == "nvp" {
				rec.Metrics["modes_covered"] = (row[0] + row[1] + row[2]) / 3
				rec.EvalSeeds = &results.EvalSeeds{Seeds: []uint64{1, 2, 3},
					Values: map[string][]jsonnum.Float{"modes_covered": {jsonnum.Float(row[0]), jsonnum.Float(row[1]), jsonnum.Float(row[2])}}}
			}
			if err := results.WriteRecord(dir, rec); err != nil {
				t.Fatal(err)
			}
		}
	}
	r, err := build(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	var md strings.Builder
	if err := writeMarkdown(&md, r.varianceSection()); err != nil {
		t.Fatal(err)
	}
	want, _ := stats.SplitSeedVariance(grid)
	text := md.String()
	for _, line := range []string{
		fmt.Sprintf("| nvp | `modes_covered` | 3 × 3 | %s | %s | %s | not measured |", numText(want.Mean), fmtSig(want.TrainSD, 3), fmtSig(want.EvalSD, 3)),
		"| maf | `modes_covered` | 3 × 1 | 6.67 | not measured | not measured | not measured |",
		"| nvp | `test_nll` | 3 × 1 | 1.30 | 0.100 | 0 (deterministic) | 0.0500 |",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("section lacks\n%s\nin\n%s", line, text)
		}
	}
}
