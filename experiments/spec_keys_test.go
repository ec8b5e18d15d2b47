package experiments

import (
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
)

var updateREADME = flag.Bool("update-readme", false, "rewrite the README's generated key tables")

// TestEveryKeySetsItsField sets each declared key, one at a time, to a
// valid value other than its default, and checks that the settings change
// (the key is wired to a field) and that its default round-trips.
func TestEveryKeySetsItsField(t *testing.T) {
	other := map[string]any{
		"batch_size": 7, "epochs": 3, "lr": 0.5, "patience": 2, "dtype": "float64",
		"time_budget": 9.0, "max_steps": 11, "lr_decay": 0.5, "lr_patience": 2,
		"warmup_steps": 4, "lr_schedule": "cosine", "memory_limit": "8GiB",
		"diverge_loss": 5.0, "diverge_margin": 2.0, "diverge_epochs": 6,
		"keep_model": false, "min_delta": 0.25,
		"metrics": []string{"nll"}, "samples": 3, "importance_k": 4,
		"speed_batch": 5, "speed_repeats": 6, "max_test": 8, "fd_samples": 500, "eval_seeds": 3,
	}
	check := func(t *testing.T, key string, f func(v any) (base, changed any)) {
		v, ok := other[key]
		if !ok {
			t.Fatalf("key %s has no test value: add one", key)
		}
		base, changed := f(v)
		if reflect.DeepEqual(base, changed) {
			t.Errorf("setting %s = %v changes nothing", key, v)
		}
	}
	for _, k := range trainKeys {
		t.Run(k.Key, func(t *testing.T) {
			if _, err := k.Convert(other[k.Key]); err != nil {
				t.Fatalf("test value invalid: %v", err)
			}
			check(t, k.Key, func(v any) (any, any) {
				s := trainKeys.defaults()
				trainKeys.set(&s, k.Key, v)
				return trainKeys.defaults(), s
			})
		})
	}
	for _, k := range evalKeys {
		t.Run(k.Key, func(t *testing.T) {
			check(t, k.Key, func(v any) (any, any) {
				s := evalKeys.defaults()
				evalKeys.set(&s, k.Key, v)
				return evalKeys.defaults(), s
			})
		})
	}
}

// TestDefaultsAreTheGoldenOnes pins the default settings: they enter every
// trial id.
func TestDefaultsAreTheGoldenOnes(t *testing.T) {
	wantTrain := TrainSpec{BatchSize: 256, Epochs: 50, LR: 1e-3, Patience: 10, Dtype: "float32", LRDecay: 1, LRPatience: 5}
	if got := defaultTrain(); got != wantTrain {
		t.Errorf("defaultTrain() = %+v, want %+v", got, wantTrain)
	}
	wantEval := EvalSpec{Metrics: []string{"nll", "bits_per_dim", "true_nll", "sampling_speed"}, Samples: 2500, ImportanceK: 1000, SpeedBatch: 1000, SpeedRepeats: 5}
	if got := defaultEval(); !reflect.DeepEqual(got, wantEval) {
		t.Errorf("defaultEval() = %+v, want %+v", got, wantEval)
	}
}

const (
	keysBegin = "<!-- BEGIN spec keys: generated from experiments/spec_keys.go by go test ./experiments -run TestREADMEKeys -update-readme -->\n"
	keysEnd   = "<!-- END spec keys -->\n"
)

// TestREADMEKeys checks that the README documents the train and eval keys
// exactly as they are declared.
func TestREADMEKeys(t *testing.T) {
	const path = "../README.md"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, keysBegin), strings.Index(doc, keysEnd)
	if i < 0 || j < i {
		t.Fatalf("README lacks the generated key tables between %q and %q", keysBegin, keysEnd)
	}
	got := doc[i+len(keysBegin) : j]
	want := "\n" + keysMarkdown() + "\n"
	if got == want {
		return
	}
	if !*updateREADME {
		t.Fatalf("README's key tables are stale; run go test ./experiments -run TestREADMEKeys -update-readme")
	}
	if err := os.WriteFile(path, []byte(doc[:i+len(keysBegin)]+want+doc[j:]), 0o644); err != nil {
		t.Fatal(err)
	}
}
