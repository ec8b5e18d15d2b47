package experiments

// Trials of a spec: stable hashes, trial lists and IDs, model and data set
// filters.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	_ "github.com/genbench/genbench/models/all" // the real types, for experiments/*.yaml
)

func TestHashStable(t *testing.T) {
	parse := func(text string) *Spec {
		t.Helper()
		s, err := Parse("h.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ids := func(s *Spec) []string {
		var out []string
		for _, tr := range s.TrialSpecs() {
			out = append(out, tr.ID)
		}
		return out
	}
	text := `name: h
seeds: [1, 2]
datasets:
  - {name: test-ring, std: 0.1, n_train: 20000}
  - {name: test-digits, preprocess: [logit]}
models:
  - {name: flow-8, type: test-flow, params: {layers: 8, hidden: 64}}
  - {name: ar, type: test-ar, train: {lr: 1e-4}}
train: {batch_size: 512, lr: 1e-3}
eval: {metrics: [nll, sampling_speed], samples: 100}
`
	a, b := parse(text), parse(text)
	if a.Hash != b.Hash || !reflect.DeepEqual(ids(a), ids(b)) {
		t.Fatal("same text, different hash or IDs")
	}
	// Same content: keys reordered inside mappings, numbers spelled
	// differently, block instead of flow style.
	reordered := parse(`eval: {samples: 100, metrics: [nll, sampling_speed]}
train:
  lr: 0.001
  batch_size: 512
models:
  - {params: {hidden: 64, layers: 8}, type: test-flow, name: flow-8}
  - {train: {lr: 0.0001}, name: ar, type: test-ar}
datasets:
  - {n_train: 2e4, std: 0.1, name: test-ring}
  - {preprocess: [logit], name: test-digits}
seeds: [1, 2]
name: h
`)
	if reordered.Hash != a.Hash {
		t.Error("reordering keys changed the hash")
	}
	if !reflect.DeepEqual(ids(reordered), ids(a)) {
		t.Errorf("reordering keys changed trial IDs:\n%v\n%v", ids(reordered), ids(a))
	}
	// File is not part of the hash.
	if s, _ := Parse("elsewhere/h.yaml", []byte(text)); s.Hash != a.Hash {
		t.Error("file name changed the hash")
	}
	// A changed model parameter changes the hash and the IDs of that
	// model's trials only.
	changed := parse(strings.Replace(text, "hidden: 64", "hidden: 65", 1))
	if changed.Hash == a.Hash {
		t.Error("changed parameter, same hash")
	}
	for i, tr := range changed.TrialSpecs() {
		same := tr.ID == ids(a)[i]
		if tr.Model.Name == "flow-8" && same {
			t.Errorf("trial %s: ID unchanged after a parameter change", tr.ID)
		}
		if tr.Model.Name != "flow-8" && !same {
			t.Errorf("trial %s: ID changed by another model's parameter", tr.ID)
		}
	}
	// Changed data set parameter and global training setting.
	for _, edit := range [][2]string{{"std: 0.1", "std: 0.2"}, {"batch_size: 512", "batch_size: 256"}, {"samples: 100", "samples: 101"}} {
		if c := parse(strings.Replace(text, edit[0], edit[1], 1)); c.Hash == a.Hash || ids(c)[0] == ids(a)[0] {
			t.Errorf("%s -> %s: hash or first ID unchanged", edit[0], edit[1])
		}
	}
	// The spec's name is in the hash but not in trial IDs, so the same
	// trial has the same ID in every spec.
	renamed := parse(strings.Replace(text, "name: h", "name: h2", 1))
	if renamed.Hash == a.Hash || !reflect.DeepEqual(ids(renamed), ids(a)) {
		t.Error("renaming the spec: want a new hash and the same trial IDs")
	}
}

func TestTrialSpecs(t *testing.T) {
	s, err := Load("testdata/quick.yaml")
	if err != nil {
		t.Fatal(err)
	}
	trials := s.TrialSpecs()
	var got []string
	for _, tr := range trials {
		got = append(got, fmt.Sprintf("%s/%s/%d", tr.Dataset.Name, tr.Model.Name, tr.Seed))
		if !reflect.DeepEqual(tr.Eval, s.Eval) {
			t.Errorf("trial eval %+v", tr.Eval)
		}
	}
	want := []string{
		"test-ring/flow-8/1", "test-ring/flow-8/2", "test-ring/ar-5/1", "test-ring/ar-5/2",
		"test-digits/flow-8/1", "test-digits/flow-8/2", "test-digits/ar-5/1", "test-digits/ar-5/2",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order\n got %v\nwant %v", got, want)
	}
	if trials[2].Model.Train.LR != 1e-4 {
		t.Errorf("trial model train not merged: %+v", trials[2].Model.Train)
	}
	seen := map[string]bool{}
	idForm := regexp.MustCompile(`^[a-z0-9._-]+-[0-9a-f]{12}$`)
	for _, tr := range trials {
		if !idForm.MatchString(tr.ID) || seen[tr.ID] {
			t.Errorf("bad or repeated ID %q", tr.ID)
		}
		seen[tr.ID] = true
	}
	if !strings.HasPrefix(trials[0].ID, "test-ring-flow-8-s1-") {
		t.Errorf("ID %q lacks its readable part", trials[0].ID)
	}
}

// TestTrialIDGolden pins one ID so that a change of the canonical form,
// which would orphan stored results, is noticed.
func TestTrialIDGolden(t *testing.T) {
	s, err := Parse("g.yaml", []byte(`name: g
seeds: [3]
datasets: [{name: test-ring, std: 0.1, n_train: 20000}]
models: [{name: "Flow 8", type: test-flow, params: {layers: 8}}]
`))
	if err != nil {
		t.Fatal(err)
	}
	// n_train 20000 is test-ring's default: it is left out of the hash
	// (before sweeps, the ID was test-ring-flow-8-s3-ee3dd49a6909).
	const want = "test-ring-flow-8-s3-94de4a40a1dd"
	if got := s.TrialSpecs()[0].ID; got != want {
		t.Errorf("ID %q, want %q", got, want)
	}
}

// TestNoFollowOnErrors checks that one mistake is reported once, without
// errors that follow from it.
func TestNoFollowOnErrors(t *testing.T) {
	for _, text := range []string{
		"name: t\nseeds: [1]\ndatasets: [test-tiny]\ntrain: {batch_size: big}\nmodels: [{name: a, type: test-flow}]\n",
		"name: t\nseeds: [1]\ndatasets: [test-tiny]\ntrain: {batch_size: 64}\nmodels: [{name: a, type: test-flow, train: {batch_size: -1}}]\n",
		"name: t\nseeds: [1]\ndatasets: [{name: test-tiny, n_train: 0}]\nmodels: [{name: a, type: test-flow}]\n",
		"name: t\nseeds: [1]\ndatasets: [test-ring]\nmodels: [{name: a, type: test-nope, params: {whatever: 1}}]\n",
	} {
		_, err := Parse("t.yaml", []byte(text))
		var errs SpecErrors
		if !errors.As(err, &errs) || len(errs) != 1 {
			t.Errorf("want exactly one error for\n%s\ngot: %v", text, err)
		}
	}
}

func TestModelDatasetFilter(t *testing.T) {
	text := `name: filtered
seeds: [1]
datasets:
  - {name: test-ring}
  - {name: test-digits, label: digits-bin, preprocess: [binarize], n_train: 100}
models:
  - {name: flow, type: test-flow, datasets: [test-ring]}
  - {name: ar, type: test-ar}
  - {name: ar-digits, type: test-ar, datasets: [digits-bin], train: {batch_size: 64}}
train: {batch_size: 512}
`
	s, err := Parse("f.yaml", []byte(text))
	if err != nil {
		// batch 512 > n_train 100 must only matter where ar runs on digits.
		if !strings.Contains(err.Error(), "f.yaml:10: train.batch_size") || strings.Count(err.Error(), "\n") != 0 {
			t.Fatalf("unexpected errors: %v", err)
		}
		text = strings.Replace(text, "  - {name: ar, type: test-ar}\n", "  - {name: ar, type: test-ar, datasets: [test-ring]}\n", 1)
		if s, err = Parse("f.yaml", []byte(text)); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, tr := range s.TrialSpecs() {
		got = append(got, tr.Dataset.Label+"/"+tr.Model.Name)
	}
	want := []string{"test-ring/flow", "test-ring/ar", "digits-bin/ar-digits"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("trials %v, want %v", got, want)
	}
	bad := strings.Replace(text, "datasets: [digits-bin]", "datasets: [digits]", 1)
	_, err = Parse("f.yaml", []byte(bad))
	if err == nil || !strings.Contains(err.Error(), `f.yaml:9: models[2].datasets[0]: no data set labelled "digits" (labels: digits-bin, test-ring)`) {
		t.Errorf("unknown label: %v", err)
	}
}

// evalText is a spec whose second model overrides eval keys.
const evalText = `name: ev
seeds: [1, 2]
datasets:
  - {name: test-ring, std: 0.1}
  - {name: test-digits}
models:
  - {name: flow, type: test-flow}
  - {name: ar, type: test-ar, OVERRIDE}
eval: {metrics: [nll, sampling_speed, mode_coverage], samples: 2500, speed_batch: 1000}
`

// TestEvalOverrides checks that a model's eval: keys replace the global
// ones for its trials only, key by key, and what they do to trial IDs.
func TestEvalOverrides(t *testing.T) {
	global := EvalSpec{Metrics: []string{"nll", "sampling_speed", "mode_coverage"}, Samples: 2500, ImportanceK: 1000, SpeedBatch: 1000, SpeedRepeats: 5}
	parse := func(t *testing.T, override string) *Spec {
		t.Helper()
		text := strings.Replace(evalText, ", OVERRIDE", override, 1)
		s, err := Parse("ev.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ids := func(s *Spec) map[string][]string { // by model name
		out := map[string][]string{}
		for _, tr := range s.TrialSpecs() {
			out[tr.Model.Name] = append(out[tr.Model.Name], tr.ID)
		}
		return out
	}
	plain := parse(t, "")
	plainIDs := ids(plain)
	cases := []struct {
		name     string
		override string         // inserted into the ar entry
		given    map[string]any // ModelSpec.EvalOverride of ar
		want     func(e *EvalSpec)
		sameIDs  bool // ar's trial IDs equal those without override
		sameHash bool
	}{
		{"none", "", nil, func(*EvalSpec) {}, true, true},
		{"empty block", ", eval: {}", nil, func(*EvalSpec) {}, true, true},
		{"two keys", ", eval: {speed_batch: 10, samples: 500}", map[string]any{"speed_batch": 10, "samples": 500},
			func(e *EvalSpec) { e.SpeedBatch, e.Samples = 10, 500 }, false, false},
		{"float spelling of an integer", ", eval: {importance_k: 5e1, max_test: 100}", map[string]any{"importance_k": 50, "max_test": 100},
			func(e *EvalSpec) { e.ImportanceK, e.MaxTest = 50, 100 }, false, false},
		{"metrics replace the list", ", eval: {metrics: [nll]}", map[string]any{"metrics": []string{"nll"}},
			func(e *EvalSpec) { e.Metrics = []string{"nll"} }, false, false},
		// An override equal to the global value leaves the trial as it
		// was: same IDs (the spec, which says more, hashes differently).
		{"equal to the global value", ", eval: {samples: 2500}", map[string]any{"samples": 2500}, func(*EvalSpec) {}, true, false},
		{"equal to a default", ", eval: {speed_repeats: 5}", map[string]any{"speed_repeats": 5}, func(*EvalSpec) {}, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := parse(t, c.override)
			if !reflect.DeepEqual(s.Eval, global) {
				t.Errorf("global eval %+v, want %+v", s.Eval, global)
			}
			if s.Models[0].EvalOverride != nil {
				t.Errorf("flow: override %v, want none", s.Models[0].EvalOverride)
			}
			if !reflect.DeepEqual(s.Models[1].EvalOverride, c.given) {
				t.Errorf("ar: override %#v, want %#v", s.Models[1].EvalOverride, c.given)
			}
			want := global
			want.Metrics = slices.Clone(global.Metrics)
			c.want(&want)
			for _, tr := range s.TrialSpecs() {
				wantTr := global
				if tr.Model.Name == "ar" {
					wantTr = want
				}
				if !reflect.DeepEqual(tr.Eval, wantTr) {
					t.Errorf("%s: eval %+v, want %+v", tr.ID, tr.Eval, wantTr)
				}
			}
			got := ids(s)
			if !reflect.DeepEqual(got["flow"], plainIDs["flow"]) {
				t.Errorf("flow: IDs %v changed by ar's override (were %v)", got["flow"], plainIDs["flow"])
			}
			if same := reflect.DeepEqual(got["ar"], plainIDs["ar"]); same != c.sameIDs {
				t.Errorf("ar: IDs %v, without override %v: want same=%v", got["ar"], plainIDs["ar"], c.sameIDs)
			}
			if same := s.Hash == plain.Hash; same != c.sameHash {
				t.Errorf("spec hash same=%v, want %v", same, c.sameHash)
			}
		})
	}
	// The override does not leak into the global block or other trials
	// through shared slices.
	s := parse(t, ", eval: {metrics: [nll]}")
	trials := s.TrialSpecs()
	trials[0].Eval.Metrics[0] = "changed"
	for _, tr := range s.TrialSpecs() {
		if tr.Eval.Metrics[0] != "nll" {
			t.Fatalf("%s: metrics %v: trials share the eval slice", tr.ID, tr.Eval.Metrics)
		}
	}
	if s.Models[1].EvalOverride["metrics"].([]string)[0] != "nll" || s.Eval.Metrics[0] != "nll" {
		t.Error("a trial's eval shares its metrics with the spec")
	}
}

// TestEvalOverrideIDEquivalence: a trial's ID hashes its effective eval
// block, so a model overriding samples has the ID the same model gets in
// a spec whose global block sets that value.
func TestEvalOverrideIDEquivalence(t *testing.T) {
	over, err := Parse("a.yaml", []byte(strings.Replace(evalText, ", OVERRIDE", ", eval: {samples: 500}", 1)))
	if err != nil {
		t.Fatal(err)
	}
	global, err := Parse("b.yaml", []byte(strings.Replace(strings.Replace(evalText, ", OVERRIDE", "", 1), "samples: 2500", "samples: 500", 1)))
	if err != nil {
		t.Fatal(err)
	}
	find := func(s *Spec, model string) []string {
		var out []string
		for _, tr := range s.TrialSpecs() {
			if tr.Model.Name == model {
				out = append(out, tr.ID)
			}
		}
		return out
	}
	if a, b := find(over, "ar"), find(global, "ar"); !reflect.DeepEqual(a, b) {
		t.Errorf("ar with eval {samples: 500}: %v; under a global samples: 500: %v", a, b)
	}
	if a, b := find(over, "flow"), find(global, "flow"); reflect.DeepEqual(a, b) {
		t.Error("flow: same IDs with samples 2500 and 500")
	}
}

// TestQuickIDsUnchanged: the trial IDs of experiments/quick.yaml, whose
// models override no eval keys, are those its recorded baseline is keyed
// by, so results folders and baselines made before eval overrides existed
// still match.
func TestQuickIDsUnchanged(t *testing.T) {
	s, err := Load("quick.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range s.Models {
		if m.EvalOverride != nil {
			t.Fatalf("model %s overrides eval keys: this test wants a spec without", m.Name)
		}
	}
	data, err := os.ReadFile("baselines/quick.json")
	if err != nil {
		t.Fatal(err)
	}
	var base struct {
		Trials map[string]json.RawMessage `json:"trials"`
	}
	if err := json.Unmarshal(data, &base); err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for id := range base.Trials {
		want = append(want, id)
	}
	for _, tr := range s.TrialSpecs() {
		got = append(got, tr.ID)
	}
	sort.Strings(want)
	sort.Strings(got)
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("quick.yaml trial IDs\n%s\nbaselines/quick.json\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestFDSamplesDefaultKeepsIDs: eval.fd_samples spelled out at its
// default leaves trial IDs and the spec hash as they were before the key
// existed; another value changes both.
func TestFDSamplesDefaultKeepsIDs(t *testing.T) {
	parse := func(extra string) *Spec {
		t.Helper()
		s, err := Parse("min.yaml", []byte(minimal+extra))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	plain, spelled, other := parse(""), parse("eval: {fd_samples: 2000}\n"), parse("eval: {fd_samples: 500}\n")
	id := func(s *Spec) string { return s.TrialSpecs()[0].ID }
	if id(plain) != id(spelled) || plain.Hash != spelled.Hash {
		t.Errorf("fd_samples at its default changed the trial ID (%s vs %s) or the spec hash", id(plain), id(spelled))
	}
	if id(plain) == id(other) || plain.Hash == other.Hash {
		t.Errorf("fd_samples 500 kept the trial ID %s or the spec hash", id(plain))
	}
	if got := other.TrialSpecs()[0].Eval.FDSamples; got != 500 {
		t.Errorf("trial eval fd_samples = %d, want 500", got)
	}
}
