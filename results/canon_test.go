package results

import (
	"strings"
	"testing"
)

// TestTrialID: the id hashes the canonical JSON of the resolved trial, so
// a struct and the map decoded from its JSON give the same id, and any
// change of a setting gives another.
func TestTrialID(t *testing.T) {
	type train struct {
		LR    float64 `json:"lr"`
		Batch int     `json:"batch_size"`
	}
	asStruct := struct {
		Model train  `json:"model"`
		Seed  uint64 `json:"seed"`
	}{train{1e-3, 64}, 3}
	asMap := map[string]any{"seed": 3, "model": map[string]any{"batch_size": 64, "lr": 0.001}}
	a, err := TrialID("Ring 8", "MAF/5", 3, asStruct)
	if err != nil {
		t.Fatal(err)
	}
	b, err := TrialID("Ring 8", "MAF/5", 3, asMap)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("struct id %s, map id %s", a, b)
	}
	if !strings.HasPrefix(a, "ring-8-maf-5-s3-") || len(a) != len("ring-8-maf-5-s3-")+12 {
		t.Errorf("id %s", a)
	}
	asStruct.Model.LR = 1e-4
	if c, _ := TrialID("Ring 8", "MAF/5", 3, asStruct); c == a {
		t.Error("another lr, same id")
	}
	if _, err := TrialID("d", "m", 1, map[string]any{"bad": func() {}}); err == nil {
		t.Error("a value JSON cannot hold gave an id")
	}
}

func TestSanitize(t *testing.T) {
	if got := SanitizeID("Ring 8/σ=0.1_x-y"); got != "ring-8---0.1_x-y" {
		t.Errorf("sanitize: %q", got)
	}
}
