package experiments

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
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
