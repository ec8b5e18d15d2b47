package experiments

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

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
	_ "github.com/genbench/genbench/models/all" // the real types, for experiments/*.yaml
	"github.com/genbench/genbench/params"
)

// Fake data sets and model types with small schemas; the "test-" prefix
// keeps them apart from the real ones.
func init() {
	datasets.Register(datasets.Source{Name: "test-ring", Doc: "fake 2-D ring", Params: params.Schema{
		{Key: "std", Default: 0.05, Check: params.Positive},
		{Key: "n_train", Default: 20000, Check: params.Positive},
		{Key: "modes", Default: 8, Check: params.Positive},
	}})
	datasets.Register(datasets.Source{Name: "test-digits", Doc: "fake images", Params: params.Schema{
		{Key: "preprocess", Default: []string{"dequantize"}, Check: params.OneOf("dequantize", "logit", "binarize")},
		{Key: "n_train", Default: 50000, Check: params.Positive},
	}})
	datasets.Register(datasets.Source{Name: "test-tiny", Doc: "fake, few examples", Params: params.Schema{
		{Key: "n_train", Default: 100, Check: params.Positive},
	}})
	models.Register(models.Type{Name: "test-flow", Family: models.Flow, Params: params.Schema{
		{Key: "layers", Default: 4, Check: params.Positive},
		{Key: "hidden", Default: 32, Check: params.Positive},
		{Key: "activation", Default: "relu", Check: params.OneOf("relu", "tanh")},
	}})
	models.Register(models.Type{Name: "test-ar", Family: models.Autoregressive, Params: params.Schema{
		{Key: "hidden", Default: 64, Check: params.Positive},
		{Key: "order", Default: "natural", Check: params.OneOf("natural", "reversed")},
	}})
}

func TestLoadValid(t *testing.T) {
	s, err := Load("testdata/quick.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "quick" || s.File != "testdata/quick.yaml" {
		t.Errorf("name %q file %q", s.Name, s.File)
	}
	if !reflect.DeepEqual(s.Seeds, []uint64{1, 2}) {
		t.Errorf("seeds %v", s.Seeds)
	}
	wantDS := []DatasetSpec{
		{Name: "test-ring", Params: map[string]any{"std": 0.1, "n_train": 20000}, Label: "test-ring", Line: 5},
		{Name: "test-digits", Params: map[string]any{"preprocess": []string{"dequantize", "logit"}, "n_train": 5000}, Label: "test-digits", Line: 6},
	}
	if !reflect.DeepEqual(s.Datasets, wantDS) {
		t.Errorf("datasets\n got %#v\nwant %#v", s.Datasets, wantDS)
	}
	global := TrainSpec{BatchSize: 512, Epochs: 50, LR: 1e-3, Patience: 10, Dtype: "float32", LRDecay: 1, LRPatience: 5}
	if s.Train != global {
		t.Errorf("train %+v, want %+v", s.Train, global)
	}
	override := global
	override.LR, override.BatchSize = 1e-4, 128
	wantModels := []ModelSpec{
		{Name: "flow-8", Type: "test-flow", Params: map[string]any{"layers": 8, "hidden": 64}, Train: global, Line: 8},
		{Name: "ar-5", Type: "test-ar", Params: map[string]any{"hidden": 128, "order": "reversed"}, Train: override, Line: 9},
	}
	if !reflect.DeepEqual(s.Models, wantModels) {
		t.Errorf("models\n got %#v\nwant %#v", s.Models, wantModels)
	}
	wantEval := EvalSpec{Metrics: []string{"nll", "bits_per_dim", "sampling_speed"}, Samples: 2500, ImportanceK: 1000, SpeedBatch: 1000, SpeedRepeats: 5}
	if !reflect.DeepEqual(s.Eval, wantEval) {
		t.Errorf("eval %+v, want %+v", s.Eval, wantEval)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(s.Hash) {
		t.Errorf("hash %q", s.Hash)
	}
}

const minimal = `name: min
seeds: [7]
datasets: [test-ring]
models:
  - {name: f, type: test-flow}
`

func TestDefaults(t *testing.T) {
	s, err := Parse("min.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	wantTrain := TrainSpec{BatchSize: 256, Epochs: 50, LR: 1e-3, Patience: 10, Dtype: "float32", LRDecay: 1, LRPatience: 5}
	if s.Train != wantTrain || s.Models[0].Train != wantTrain {
		t.Errorf("train %+v / model %+v, want %+v", s.Train, s.Models[0].Train, wantTrain)
	}
	wantEval := EvalSpec{Metrics: []string{"nll", "bits_per_dim", "true_nll", "sampling_speed"}, Samples: 2500, ImportanceK: 1000, SpeedBatch: 1000, SpeedRepeats: 5}
	if !reflect.DeepEqual(s.Eval, wantEval) {
		t.Errorf("eval %+v, want %+v", s.Eval, wantEval)
	}
	if d := s.Datasets[0]; d.Name != "test-ring" || d.Params == nil || len(d.Params) != 0 {
		t.Errorf("dataset %#v", d)
	}
	if m := s.Models[0]; m.Params == nil || len(m.Params) != 0 {
		t.Errorf("model params %#v", m.Params)
	}
}

func TestOverridesMergeKeyByKey(t *testing.T) {
	s, err := Parse("o.yaml", []byte(`name: o
seeds: [1]
datasets: [{name: test-ring}]
train: {lr: 0.01, epochs: 7, dtype: float64}
models:
  - {name: a, type: test-flow}
  - {name: b, type: test-flow, train: {epochs: 3, lr_decay: 0.5, warmup_steps: 100}}
`))
	if err != nil {
		t.Fatal(err)
	}
	a := TrainSpec{BatchSize: 256, Epochs: 7, LR: 0.01, Patience: 10, Dtype: "float64", LRDecay: 1, LRPatience: 5}
	b := a
	b.Epochs, b.LRDecay, b.Warmup = 3, 0.5, 100
	if s.Models[0].Train != a || s.Models[1].Train != b {
		t.Errorf("got %+v / %+v, want %+v / %+v", s.Models[0].Train, s.Models[1].Train, a, b)
	}
	if s.Train != a {
		t.Errorf("global train %+v changed by an override", s.Train)
	}
}

const base = `name: t
seeds: [1, 2]
datasets:
  - {name: test-ring, n_train: 1000}
models:
  - {name: f, type: test-flow, params: {layers: 2}}
`

func TestErrors(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want string // prefix "FILE:LINE: KEY: "
		msg  string // part of the message
	}{
		{"unknown top key", base + "sweeps: {lr: [1, 2]}\n",
			"t.yaml:7: sweeps: ", "unknown key (valid: datasets, eval, models, name, seeds, sweep, train)"},
		{"train key at top", base + "epochs: 3\n",
			"t.yaml:7: epochs: ", "training settings go under train:"},
		{"unknown nested key", base + "train: {epochz: 3}\n",
			"t.yaml:7: train.epochz: ", "unknown key (valid: batch_size, diverge_epochs, diverge_loss, diverge_margin, dtype, epochs, keep_model, lr, lr_decay, lr_patience, lr_schedule, max_steps, memory_limit, min_delta, patience, time_budget, warmup_steps)"},
		{"unknown eval key", base + "eval:\n  samples: 10\n  sample: 10\n",
			"t.yaml:9: eval.sample: ", "unknown key (valid: eval_seeds, fd_samples, importance_k, max_test, metrics, samples, speed_batch, speed_repeats)"},
		{"wrong type", base + "train:\n  epochs: ten\n",
			"t.yaml:8: train.epochs: ", `want an integer, got the string "ten"`},
		{"fractional integer", base + "train: {batch_size: 12.5}\n",
			"t.yaml:7: train.batch_size: ", "want an integer, got 12.5"},
		{"wrong kind", base + "train: [1, 2]\n",
			"t.yaml:7: train: ", "want a mapping, got a list"},
		{"unknown data set", strings.Replace(base, "test-ring", "test-nope", 1),
			"t.yaml:4: datasets[0].name: ", `unknown data set "test-nope" (valid: `},
		{"unknown model type", strings.Replace(base, "type: test-flow", "type: test-nope", 1),
			"t.yaml:6: models[0].type: ", `unknown model type "test-nope" (valid: `},
		{"unknown metric", base + "eval: {metrics: [nll, fid]}\n",
			"t.yaml:7: eval.metrics[1]: ", `unknown metric "fid" (valid: bits_per_dim, class_coverage, diagnostics, fd, kid, mode_coverage, nll, parzen, precision_recall, sampling_speed, true_nll)`},
		{"duplicate metric", base + "eval: {metrics: [nll, nll]}\n",
			"t.yaml:7: eval.metrics[1]: ", `duplicate metric "nll"`},
		{"unknown model param", strings.Replace(base, "{layers: 2}", "{layers: 2, colour: red}", 1),
			"t.yaml:6: models[0].params.colour: ", "unknown parameter of model type test-flow (valid: activation, hidden, layers)"},
		{"model param beside name", strings.Replace(base, "params: {layers: 2}", "layers: 2", 1),
			"t.yaml:6: models[0].layers: ", "unknown key (valid: datasets, eval, name, params, train, type); model parameters go under params:"},
		{"bad model param (Check)", strings.Replace(base, "{layers: 2}", "{activation: gelu}", 1),
			"t.yaml:6: models[0].params.activation: ", `"gelu" is not one of relu, tanh`},
		{"bad data set param (Check)", strings.Replace(base, "n_train: 1000", "std: 0", 1),
			"t.yaml:4: datasets[0].std: ", "must be positive, got 0"},
		{"unknown data set param", strings.Replace(base, "n_train: 1000", "nn_train: 1000", 1),
			"t.yaml:4: datasets[0].nn_train: ", "unknown parameter of data set test-ring (valid: label, modes, n_train, name, std)"},
		{"data set param type", strings.Replace(base, "n_train: 1000", "n_train: many", 1),
			"t.yaml:4: datasets[0].n_train: ", `want an integer, got the string "many"`},
		{"negative size", base + "eval: {max_test: -1}\n",
			"t.yaml:7: eval.max_test: ", "must not be negative, got -1"},
		{"zero samples", base + "eval: {samples: 0}\n",
			"t.yaml:7: eval.samples: ", "must be positive, got 0"},
		{"negative data set size", strings.Replace(base, "n_train: 1000", "n_train: -5", 1),
			"t.yaml:4: datasets[0].n_train: ", "must be positive, got -5"},
		{"batch_size zero", base + "train: {batch_size: 0}\n",
			"t.yaml:7: train.batch_size: ", "must be positive, got 0"},
		{"lr not positive", base + "train: {lr: -0.1}\n",
			"t.yaml:7: train.lr: ", "must be positive, got -0.1"},
		{"lr not finite", base + "train: {lr: .nan}\n",
			"t.yaml:7: train.lr: ", "want a finite number, got NaN"},
		{"negative patience", base + "train: {patience: -1}\n",
			"t.yaml:7: train.patience: ", "must not be negative, got -1"},
		{"lr_decay above one", base + "train: {lr_decay: 2}\n",
			"t.yaml:7: train.lr_decay: ", "must be in (0, 1], got 2"},
		{"batch larger than n_train (global)", base + "train:\n  batch_size: 2000\n",
			"t.yaml:8: train.batch_size: ", "batch size 2000 is larger than n_train 1000 of data set test-ring (datasets[0], line 4)"},
		{"batch larger than n_train (override)", strings.Replace(base, "{layers: 2}", "{layers: 2}, train: {batch_size: 4096}", 1),
			"t.yaml:6: models[0].train.batch_size: ", "batch size 4096 of model f is larger than n_train 1000 of data set test-ring"},
		{"batch larger than n_train (defaults)", strings.Replace(base, "{name: test-ring, n_train: 1000}", "test-tiny", 1),
			"t.yaml:4: datasets[0].n_train: ", "n_train 100 of data set test-tiny is smaller than the default batch size 256"},
		{"duplicate model name", base + "  - {name: f, type: test-ar}\n",
			"t.yaml:7: models[1].name: ", `duplicate model name "f" (first used by models[0], line 6)`},
		{"duplicate seed", strings.Replace(base, "[1, 2]", "[1, 2, 1]", 1),
			"t.yaml:2: seeds[2]: ", "duplicate seed 1 (also seeds[0])"},
		{"negative seed", strings.Replace(base, "[1, 2]", "[1, -2]", 1),
			"t.yaml:2: seeds[1]: ", "must not be negative, got -2"},
		{"duplicate data set", strings.Replace(base, "datasets:\n", "datasets:\n  - {n_train: 1000, name: test-ring}\n", 1),
			"t.yaml:5: datasets[1]: ", "same data set and parameters as datasets[0]"},
		{"missing required top key", strings.Replace(base, "seeds: [1, 2]\n", "", 1),
			"t.yaml:1: seeds: ", "missing required key"},
		{"missing required nested key", strings.Replace(base, ", type: test-flow", "", 1),
			"t.yaml:6: models[0].type: ", "missing required key"},
		{"missing data set name", strings.Replace(base, "name: test-ring, ", "", 1),
			"t.yaml:4: datasets[0].name: ", "missing required key"},
		{"empty seeds", strings.Replace(base, "[1, 2]", "[]", 1),
			"t.yaml:2: seeds: ", "must list at least one seed"},
		{"empty models", strings.Replace(base, "models:\n  - {name: f, type: test-flow, params: {layers: 2}}\n", "models: []\n", 1),
			"t.yaml:5: models: ", "must list at least one model"},
		{"bad dtype", base + "train: {dtype: float16}\n",
			"t.yaml:7: train.dtype: ", `"float16" is not one of float32, float64`},
		{"bad spec name", strings.Replace(base, "name: t\n", "name: a/b\n", 1),
			"t.yaml:1: name: ", `"a/b": want letters, digits`},
		{"yaml syntax error", "name: t\nseeds: [1, 2]\ndatasets: x\n  models: y\n",
			"t.yaml:4: yaml: ", "syntax error: mapping values are not allowed in this context"},
		{"yaml unclosed list", "name: t\nseeds: [1, 2\ndatasets: x\n",
			"t.yaml:2: yaml: ", "syntax error: did not find expected ',' or ']'"},
		{"yaml bad indentation", "name: t\ndatasets:\n  - x\n - y\n",
			"t.yaml:4: yaml: ", "syntax error: did not find expected key"},
		{"yaml tab", "name: t\nseeds:\n\t- 1\n",
			"t.yaml:3: yaml: ", "syntax error: found character that cannot start any token"},
		{"yaml unknown alias", "name: t\nseeds: [1]\ndatasets: *x\n",
			"t.yaml:3: yaml: ", "syntax error: unknown anchor 'x' referenced"},
		{"yaml duplicate key", base + "train: {lr: 0.1, lr: 0.2}\n",
			"t.yaml:7: train.lr: ", "key given twice (first at line 7)"},
		{"two documents", base + "---\nname: u\n",
			"t.yaml:7: spec: ", "a second YAML document starts here"},
		{"empty file", "# nothing\n",
			"t.yaml:1: spec: ", "the spec is empty"},
		{"not a mapping", "- a\n- b\n",
			"t.yaml:1: spec: ", "got a list"},
		{"bad per-model override", strings.Replace(base, "{layers: 2}", "{layers: 2}, train: {lr: -1}", 1),
			"t.yaml:6: models[0].train.lr: ", "must be positive, got -1"},
		{"unknown per-model override", strings.Replace(base, "{layers: 2}}", "{layers: 2},\n      train: {samples: 10}}", 1),
			"t.yaml:7: models[0].train.samples: ", "unknown key (valid: batch_size,"},
		{"eval key in a model's train block", strings.Replace(base, "{layers: 2}}", "{layers: 2},\n      train: {samples: 10}}", 1),
			"t.yaml:7: models[0].train.samples: ", "; evaluation settings go under eval:"},
		// Per-model eval overrides: validated like the global eval block.
		{"eval override: unknown key", strings.Replace(base, "{layers: 2}}", "{layers: 2},\n      eval: {speed_batch: 10, sample: 5}}", 1),
			"t.yaml:7: models[0].eval.sample: ", "unknown key (valid: eval_seeds, fd_samples, importance_k, max_test, metrics, samples, speed_batch, speed_repeats)"},
		{"eval override: train key", strings.Replace(base, "{layers: 2}}", "{layers: 2},\n      eval: {epochs: 5}}", 1),
			"t.yaml:7: models[0].eval.epochs: ", "unknown key (valid: eval_seeds, fd_samples, importance_k,"},
		{"eval override: train key hint", strings.Replace(base, "{layers: 2}}", "{layers: 2},\n      eval: {epochs: 5}}", 1),
			"t.yaml:7: models[0].eval.epochs: ", "; training settings go under train:"},
		{"eval override: not positive", base + "  - name: g\n    type: test-ar\n    eval:\n      speed_batch: 10\n      samples: 0\n",
			"t.yaml:11: models[1].eval.samples: ", "must be positive, got 0"},
		{"eval override: negative", strings.Replace(base, "{layers: 2}}", "{layers: 2}, eval: {max_test: -1}}", 1),
			"t.yaml:6: models[0].eval.max_test: ", "must not be negative, got -1"},
		{"eval override: wrong type", base + "  - name: g\n    type: test-ar\n    eval:\n      speed_batch: ten\n",
			"t.yaml:10: models[1].eval.speed_batch: ", `want an integer, got the string "ten"`},
		{"eval override: fractional", strings.Replace(base, "{layers: 2}}", "{layers: 2}, eval: {importance_k: 2.5}}", 1),
			"t.yaml:6: models[0].eval.importance_k: ", "want an integer, got 2.5"},
		{"eval override: not finite", strings.Replace(base, "{layers: 2}}", "{layers: 2}, eval: {samples: .inf}}", 1),
			"t.yaml:6: models[0].eval.samples: ", "want a finite number, got +Inf"},
		{"eval override: not a mapping", strings.Replace(base, "{layers: 2}}", "{layers: 2}, eval: [samples]}", 1),
			"t.yaml:6: models[0].eval: ", "want a mapping, got a list"},
		{"eval override: unknown metric", base + "  - name: g\n    type: test-ar\n    eval:\n      metrics:\n        - nll\n        - fid\n",
			"t.yaml:12: models[1].eval.metrics[1]: ", `unknown metric "fid" (valid: bits_per_dim,`},
		{"eval override: duplicate metric", strings.Replace(base, "{layers: 2}}", "{layers: 2}, eval: {metrics: [nll, nll]}}", 1),
			"t.yaml:6: models[0].eval.metrics[1]: ", `duplicate metric "nll" (also models[0].eval.metrics[0])`},
		{"eval override: fd_samples", strings.Replace(base, "{layers: 2}}", "{layers: 2}, eval: {fd_samples: 500}}", 1),
			"t.yaml:6: models[0].eval.fd_samples: ", "is the spec's to set, in the top-level eval block"},
		{"fd_samples below 2", base + "eval: {fd_samples: 1}\n",
			"t.yaml:7: eval.fd_samples: ", "must be in [2, "},
		{"eval override: no metrics", strings.Replace(base, "{layers: 2}}", "{layers: 2}, eval: {metrics: []}}", 1),
			"t.yaml:6: models[0].eval.metrics: ", "must name at least one metric"},
		{"eval override: key given twice", strings.Replace(base, "{layers: 2}}", "{layers: 2}, eval: {samples: 5, samples: 6}}", 1),
			"t.yaml:6: models[0].eval.samples: ", "key given twice (first at line 6)"},
		{"eval key beside a model's name", strings.Replace(base, "{layers: 2}}", "{layers: 2}, samples: 5}", 1),
			"t.yaml:6: models[0].samples: ", "unknown key (valid: datasets, eval, name, params, train, type); evaluation settings go under eval:"},
		{"train key in the eval block", base + "eval: {epochs: 5}\n",
			"t.yaml:7: eval.epochs: ", "; training settings go under train:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse("t.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatalf("no error; spec %+v", s)
			}
			if s != nil {
				t.Errorf("spec returned with an error")
			}
			var errs SpecErrors
			if !errors.As(err, &errs) {
				t.Fatalf("error %T is not SpecErrors: %v", err, err)
			}
			for _, e := range errs {
				if line := e.Error(); strings.HasPrefix(line, c.want) && strings.Contains(line, c.msg) {
					return
				}
			}
			t.Errorf("no error %q ... %q in\n%v", c.want, c.msg, err)
		})
	}
}

// TestAllErrors checks that every mistake of a file is reported, sorted by
// line, in the FILE:LINE: KEY: message form.
func TestAllErrors(t *testing.T) {
	_, err := Load("testdata/errors.yaml")
	var errs SpecErrors
	if !errors.As(err, &errs) {
		t.Fatalf("want SpecErrors, got %v", err)
	}
	want := []string{
		"2 seeds[1]",
		"4 datasets[0].std",
		"5 datasets[1].name",
		"7 models[0].params.colour",
		"8 models[1].layers",
		"8 models[1].name",
		"10 train.epochs",
		"11 train.dtype",
		"12 eval.metrics[1]",
		"12 eval.samples",
		"13 sweep.axes[0].values[1]",
	}
	var got []string
	for _, e := range errs {
		got = append(got, fmt.Sprintf("%d %s", e.Line, e.Key))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got errors\n%s\nwant\n%s\nfull:\n%v", strings.Join(got, "\n"), strings.Join(want, "\n"), err)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("Error() has %d lines, want %d", len(lines), len(want))
	}
	form := regexp.MustCompile(`^testdata/errors\.yaml:\d+: [a-z_.\[\]0-9]+: \S`)
	for _, l := range lines {
		if !form.MatchString(l) {
			t.Errorf("line %q not in FILE:LINE: KEY: message form", l)
		}
	}
}

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
