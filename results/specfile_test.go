package results

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestSpecFileRoundTrip(t *testing.T) {
	canonical := map[string]any{
		"name":  "s",
		"seeds": []uint64{1, 1<<63 + 1}, // beyond 2^53: kept exact
		"datasets": []any{
			map[string]any{"name": "mnist", "params": map[string]any{"preprocess": []string{"binarize"}}},
			map[string]any{"name": "mnist", "params": map[string]any{}},
		},
		"dataset_labels": []string{"mnist-binary", "mnist"},
		"models":         []any{map[string]any{"name": "m", "type": "made"}},
		"eval":           map[string]any{"metrics": []string{"nll"}},
	}
	identity := json.RawMessage(`{"dataset":{"name":"mnist","params":{}},"eval":{"metrics":["nll"]},"model":{"name":"m"},"seed":1}`)
	id, err := TrialID("mnist", "m", 1, identity)
	if err != nil {
		t.Fatal(err)
	}
	trials := []SpecTrial{{ID: id, Dataset: "mnist", Model: "m", Type: "made", Seed: 1, Spec: identity}}
	dir := t.TempDir()
	if err := WriteSpecFile(dir, canonical, "h", trials); err != nil {
		t.Fatal(err)
	}
	f, err := ReadSpecFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "s" || f.Hash != "h" || f.Models != 1 || f.Sweep {
		t.Errorf("read %+v", f)
	}
	if want := []string{"1", "9223372036854775809"}; !reflect.DeepEqual(f.Seeds, want) {
		t.Errorf("seeds %v, want %v", f.Seeds, want)
	}
	if len(f.Datasets) != 2 || f.Datasets[0].Label != "mnist-binary" || f.Datasets[1].Label != "mnist" {
		t.Errorf("data sets %+v", f.Datasets)
	}
	if len(f.Trials) != 1 || f.Trials[0].ID != id {
		t.Fatalf("trials %+v", f.Trials)
	}
	got, err := TrialID("mnist", "m", 1, f.Trials[0].Spec)
	if err != nil || got != id {
		t.Errorf("the listed spec hashes to %s, listed as %s (%v)", got, id, err)
	}
	// No trials is an empty list, not an older file's absent one.
	if err := WriteSpecFile(dir, canonical, "h", nil); err != nil {
		t.Fatal(err)
	}
	if f, err := ReadSpecFile(dir); err != nil || f.Trials == nil {
		t.Errorf("no trials read back as %v (%v)", f.Trials, err)
	}
}

func TestParseSpecFile(t *testing.T) {
	const older = `{"name": "o", "seeds": [1], "datasets": [{"name": "ring8", "params": {}}],
		"models": [{"name": "g", "type": "gaussian"}], "eval": {"metrics": ["nll"]}}`
	want, err := HashJSON(map[string]any{"name": "o", "seeds": []int{1}, "datasets": []any{map[string]any{"name": "ring8", "params": map[string]any{}}},
		"models": []any{map[string]any{"name": "g", "type": "gaussian"}}, "eval": map[string]any{"metrics": []string{"nll"}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, data string
		hash       string
		listed     bool
		sweep      bool
		errPart    string
	}{
		{"older: no hash, no trials", older, want, false, false, ""},
		{"hash stored", strings.Replace(older, `"name": "o"`, `"name": "o", "hash": "abc"`, 1), "abc", false, false, ""},
		{"trials listed", strings.Replace(older, `"name": "o"`, `"name": "o", "hash": "abc", "trials": []`, 1), "abc", true, false, ""},
		{"sweep", strings.Replace(older, `"name": "o"`, `"name": "o", "sweep": {"mode": "grid"}`, 1), "", false, true, ""},
		{"incomplete", `{"name": "o", "seeds": [1]}`, "", false, false, "incomplete"},
		{"null eval", strings.Replace(older, `"eval": {"metrics": ["nll"]}`, `"eval": null`, 1), "", false, false, "incomplete"},
		{"corrupted", `{"name": `, "", false, false, "corrupted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseSpecFile([]byte(tc.data))
			if tc.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errPart) {
					t.Fatalf("error %v, want %q", err, tc.errPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.hash != "" && f.Hash != tc.hash {
				t.Errorf("hash %s, want %s", f.Hash, tc.hash)
			}
			if (f.Trials != nil) != tc.listed || f.Sweep != tc.sweep {
				t.Errorf("listed %v sweep %v, want %v %v", f.Trials != nil, f.Sweep, tc.listed, tc.sweep)
			}
		})
	}
}
