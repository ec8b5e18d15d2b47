package stats

import (
	"encoding/json"
	"math"
	"testing"
)

// The JSON field names are an interface of `genbench compare -json`.
func TestResultJSONFieldsAndNull(t *testing.T) {
	r, err := SignFlip([]float64{0.5}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"difference", "ci_low", "ci_high", "p_value", "p_holm", "significant",
		"effect_size", "test", "n_seeds", "n_examples", "note", "min_p", "alpha"} {
		if _, ok := m[k]; !ok {
			t.Errorf("field %q missing from %s", k, b)
		}
	}
	if m["ci_low"] != nil || m["effect_size"] != nil {
		t.Errorf("one seed: ci_low %v effect_size %v, want null", m["ci_low"], m["effect_size"])
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(back.CILow) || back.PValue != r.PValue || back.Note != r.Note || back.Test != r.Test {
		t.Errorf("round trip: %+v, want %+v", back, r)
	}
}
