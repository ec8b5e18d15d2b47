package results

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/genbench/genbench/internal/jsonnum"
)

// TestEvalSeedsRoundTrip checks that a record's values under each
// evaluation seed survive JSON, a non-finite one as null, and that Of
// reads them back (false for a key that was not repeated).
func TestEvalSeedsRoundTrip(t *testing.T) {
	rec := Record{Trial: "t", Metrics: map[string]float64{"modes_covered": 7},
		EvalSeeds: &EvalSeeds{Seeds: []uint64{11, 12, 13}, Values: map[string][]jsonnum.Float{
			"modes_covered": {6, 7, 8}, "mode_kl": {0.1, jsonnum.Float(math.NaN()), 0.3}}}}
	data, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"eval_seeds":{"seeds":[11,12,13]`) || !strings.Contains(string(data), `[0.1,null,0.3]`) {
		t.Fatalf("JSON %s lacks the seeds or writes NaN otherwise than null", data)
	}
	var back Record
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	got, ok := back.EvalSeeds.Of("modes_covered")
	if !ok || len(got) != 3 || got[0] != 6 || got[2] != 8 {
		t.Errorf("Of(modes_covered) = %v, %v; want [6 7 8]", got, ok)
	}
	if kl, _ := back.EvalSeeds.Of("mode_kl"); !math.IsNaN(kl[1]) {
		t.Errorf("Of(mode_kl)[1] = %v, want NaN", kl[1])
	}
	if _, ok := back.EvalSeeds.Of("test_nll"); ok {
		t.Error("Of reports a key that was not repeated")
	}
	var none *EvalSeeds
	if _, ok := none.Of("modes_covered"); ok {
		t.Error("a record without evaluation seeds reports values")
	}
	plain, _ := json.Marshal(Record{Trial: "t"})
	if strings.Contains(string(plain), "eval_seeds") {
		t.Errorf("a record with one evaluation seed writes eval_seeds: %s", plain)
	}
}
