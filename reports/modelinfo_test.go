package reports

import (
	"testing"

	"github.com/genbench/genbench/results"
)

// TestRowFactsComeFromRecords checks that a row's sampling and baseline
// facts come from the records' model_info, and from the registry only for
// records written before it.
func TestRowFactsComeFromRecords(t *testing.T) {
	rec := func(model, typ, family string, info *results.ModelInfo) *results.Record {
		return &results.Record{Trial: "ring8-" + model + "-s1", Model: model, Type: typ, Family: family, Dataset: "ring8",
			Seed: 1, Status: results.StatusOK, NLLKind: "exact", Metrics: map[string]float64{}, ModelInfo: info}
	}
	recs := []*results.Record{
		rec("new-seq", "not_registered", "flow", &results.ModelInfo{Sampling: "D", Accepts: []string{"vectors", "continuous"}}),
		rec("new-floor", "also_not_registered", "flow", &results.ModelInfo{Sampling: "none", Baseline: true}),
		rec("old-gaussian", "gaussian", "flow", nil), // registry: a closed-form baseline
		rec("old-maf", "maf", "flow", nil),           // registry: one pass per dimension
		rec("old-unknown", "gone", "flow", nil),      // neither record nor registry knows
	}
	want := map[string]modelFacts{
		"new-seq":      {sequential: true},
		"new-floor":    {baseline: true},
		"old-gaussian": {baseline: true},
		"old-maf":      {sequential: true},
		"old-unknown":  {},
	}
	sets := group(recs, []ExpectedTrial{{ID: "ring8-x-s2", Dataset: "ring8", DatasetKey: "name:ring8", Model: "pixel", Type: "pixelcnn", Seed: "2"}})
	if len(sets) != 1 {
		t.Fatalf("got %d data sets, want 1", len(sets))
	}
	seen := 0
	for _, row := range sets[0].Rows {
		if row.Model == "pixel" { // known only from spec.json: the registry's facts
			if !row.sequentialSampler() || row.Family != "autoregressive" {
				t.Errorf("missing pixelcnn row: sequential %v, family %q; want true, autoregressive", row.sequentialSampler(), row.Family)
			}
			continue
		}
		w, ok := want[row.Model]
		if !ok {
			t.Errorf("unexpected row %s", row.Model)
			continue
		}
		seen++
		if row.sequentialSampler() != w.sequential || row.baseline() != w.baseline {
			t.Errorf("%s: sequential %v, baseline %v; want %v, %v", row.Model, row.sequentialSampler(), row.baseline(), w.sequential, w.baseline)
		}
	}
	if seen != len(want) {
		t.Errorf("saw %d of %d rows", seen, len(want))
	}
}
