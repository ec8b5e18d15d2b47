package experiments

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/genbench/genbench/results"
)

const sweepBase = `name: sw
seeds: [1, 2]
datasets:
  - {name: test-ring, std: 0.1, n_train: 1000}
models:
  - {name: f, type: test-flow, params: {layers: 2}}
  - {name: a, type: test-ar, train: {lr: 1e-4}}
train: {batch_size: 100, lr: 1e-3}
`

func TestSweepExpansion(t *testing.T) {
	cases := []struct {
		name   string
		sweep  string
		trials int
		points int
		// want: for each trial "dataset/model/seed/point"
		check func(t *testing.T, trials []Trial)
	}{
		{"no sweep", "", 4, 1, nil},
		{"grid on one model", `sweep:
  axes:
    - {path: "models[f].params.hidden", values: [16, 32, 64]}
`, 8, 3, func(t *testing.T, trials []Trial) {
			// f: 3 points × 2 seeds; a untouched: 2 trials, no point values.
			var got []string
			for _, tr := range trials {
				got = append(got, fmt.Sprintf("%s/%d/%s", tr.Model.Name, tr.Seed, tr.Sweep))
			}
			want := []string{
				"f/1/models[f].params.hidden=16", "f/2/models[f].params.hidden=16",
				"f/1/models[f].params.hidden=32", "f/2/models[f].params.hidden=32",
				"f/1/models[f].params.hidden=64", "f/2/models[f].params.hidden=64",
				"a/1/", "a/2/",
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
		}},
		{"grid on global train", `sweep:
  mode: grid
  axes:
    - {path: train.lr, values: [1e-3, 3e-4]}
    - {path: train.epochs, values: [5, 10]}
`, 2*4 + 2*2, 4, func(t *testing.T, trials []Trial) {
			// a overrides lr: only epochs touches it.
			for _, tr := range trials {
				if tr.Model.Name == "a" {
					if tr.Model.Train.LR != 1e-4 || len(tr.Sweep) != 1 {
						t.Errorf("a: lr %g point %v; its own lr must win", tr.Model.Train.LR, tr.Sweep)
					}
				} else if len(tr.Sweep) != 2 || tr.Model.Train.LR != tr.Sweep["train.lr"] || tr.Model.Train.Epochs != tr.Sweep["train.epochs"] {
					t.Errorf("f: train %+v point %v", tr.Model.Train, tr.Sweep)
				}
			}
		}},
		{"zip", `sweep:
  mode: zip
  axes:
    - {path: models.0.params.hidden, values: [8, 16]}
    - {path: "datasets[test-ring].std", values: [0.05, 0.2]}
`, 2*2 + 2*2, 2, func(t *testing.T, trials []Trial) {
			for _, tr := range trials {
				h, _ := tr.Sweep["models[f].params.hidden"].(int)
				std := tr.Dataset.Params["std"]
				if tr.Model.Name == "f" && !((h == 8 && std == 0.05) || (h == 16 && std == 0.2)) {
					t.Errorf("zip pairs hidden %d with std %v", h, std)
				}
			}
		}},
		{"per-model train and eval", `sweep:
  axes:
    - {path: "models[a].train.batch_size", values: [50, 100]}
    - {path: eval.samples, values: [100, 200]}
`, 2*2 + 4*2, 4, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse("sw.yaml", []byte(sweepBase+c.sweep))
			if err != nil {
				t.Fatal(err)
			}
			trials := s.TrialSpecs()
			if len(trials) != c.trials || s.SweepPoints() != c.points {
				t.Fatalf("%d trials, %d points; want %d, %d", len(trials), s.SweepPoints(), c.trials, c.points)
			}
			seen := map[string]bool{}
			for _, tr := range trials {
				if seen[tr.ID] {
					t.Errorf("repeated trial %s", tr.ID)
				}
				seen[tr.ID] = true
			}
			if c.check != nil {
				c.check(t, trials)
			}
		})
	}
}

// TestSweepIDs checks that trial IDs hash the resolved trial only: a
// sweep point equal to a plain trial has that trial's ID, and spelling out
// a default changes nothing.
func TestSweepIDs(t *testing.T) {
	ids := func(text string) map[string]bool {
		t.Helper()
		s, err := Parse("x.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, tr := range s.TrialSpecs() {
			out[tr.ID] = true
		}
		return out
	}
	plain := ids(sweepBase)
	swept := ids(sweepBase + "sweep:\n  axes:\n    - {path: train.lr, values: [3e-4, 1e-3]}\n    - {path: models.f.params.layers, values: [2, 4]}\n")
	for id := range plain {
		if !swept[id] {
			t.Errorf("plain trial %s has no twin in the sweep", id)
		}
	}
	if len(swept) != 2*4+2 {
		t.Errorf("%d swept trials, want 10", len(swept))
	}
	spelled := ids(strings.Replace(sweepBase, "{layers: 2}", "{layers: 2, hidden: 32, activation: relu}", 1))
	if !reflect.DeepEqual(spelled, plain) {
		t.Error("spelling out default parameters changed trial IDs")
	}
	// The same spec twice gives the same IDs and hash; a sweep changes the hash.
	a, _ := Parse("x.yaml", []byte(sweepBase+"sweep: {axes: [{path: train.lr, values: [1e-3]}]}\n"))
	b, _ := Parse("y.yaml", []byte(sweepBase+"sweep: {axes: [{path: train.lr, values: [0.001]}]}\n"))
	p, _ := Parse("x.yaml", []byte(sweepBase))
	if a.Hash != b.Hash || a.Hash == p.Hash {
		t.Error("spec hash: want equal for equal sweeps and different from the plain spec")
	}
}

func TestSweepErrors(t *testing.T) {
	cases := []struct {
		name, sweep, want, msg string
	}{
		{"not a mapping", "sweep: [1]\n", "sw.yaml:9: sweep: ", "want a mapping"},
		{"unknown key", "sweep: {axes: [{path: train.lr, values: [1]}], moed: zip}\n", "sw.yaml:9: sweep.moed: ", "unknown key (valid: axes, mode, points, seed)"},
		{"no axes", "sweep: {mode: grid}\n", "sw.yaml:9: sweep.axes: ", "missing required key"},
		{"empty axes", "sweep: {axes: []}\n", "sw.yaml:9: sweep.axes: ", "at least one axis"},
		{"bad mode", "sweep:\n  mode: rand\n  axes: [{path: train.lr, values: [1]}]\n", "sw.yaml:10: sweep.mode: ", `"rand" is not one of grid, zip, random`},
		{"axis unknown key", "sweep:\n  axes:\n    - {path: train.lr, value: [1]}\n", "sw.yaml:11: sweep.axes[0].value: ", "unknown key (valid: path, range, scale, values)"},
		{"bad path", "sweep:\n  axes:\n    - {path: lr, values: [1]}\n", "sw.yaml:11: sweep.axes[0].path: ", "want train.KEY, eval.KEY"},
		{"unknown train key", "sweep:\n  axes:\n    - {path: train.rate, values: [1]}\n", "sw.yaml:11: sweep.axes[0].path: ", "unknown key rate (valid: batch_size"},
		{"unquoted brackets in flow style", "sweep:\n  axes:\n    - {path: models[f].params.hidden, values: [1]}\n", "sw.yaml:11: yaml: ", "quote the path"},
		{"unknown model", "sweep:\n  axes:\n    - {path: models.g.params.hidden, values: [1]}\n", "sw.yaml:11: sweep.axes[0].path: ", `no model "g" (models: f, a; or an index 0 to 1)`},
		{"model index out of range", "sweep:\n  axes:\n    - {path: \"models[2].params.hidden\", values: [1]}\n", "sw.yaml:11: sweep.axes[0].path: ", `no model "2"`},
		{"unknown model param", "sweep:\n  axes:\n    - {path: models.f.params.width, values: [1]}\n", "sw.yaml:11: sweep.axes[0].path: ", "unknown parameter width of model type test-flow (valid: activation, hidden, layers)"},
		{"unknown data set", "sweep:\n  axes:\n    - {path: datasets.ring.std, values: [1]}\n", "sw.yaml:11: sweep.axes[0].path: ", `no data set "ring"`},
		{"unknown data set param", "sweep:\n  axes:\n    - {path: \"datasets[0].sd\", values: [1]}\n", "sw.yaml:11: sweep.axes[0].path: ", "unknown parameter sd of data set test-ring"},
		{"seeds", "sweep:\n  axes:\n    - {path: seeds, values: [1]}\n", "sw.yaml:11: sweep.axes[0].path: ", "list them under seeds:"},
		{"metrics", "sweep:\n  axes:\n    - {path: eval.metrics, values: [[nll]]}\n", "sw.yaml:11: sweep.axes[0].path: ", "eval.metrics cannot be swept"},
		{"model eval override", "sweep:\n  axes:\n    - {path: \"models[f].eval.samples\", values: [1]}\n", "sw.yaml:11: sweep.axes[0].path: ",
			"a model's eval overrides cannot be swept; sweep eval.samples (models that set samples under their own eval: keep their value)"},
		{"model eval override, dots", "sweep:\n  axes:\n    - {path: models.a.eval.speed_batch, values: [1]}\n", "sw.yaml:11: sweep.axes[0].path: ",
			"a model's eval overrides cannot be swept; sweep eval.speed_batch"},
		{"swept twice", "sweep:\n  axes:\n    - {path: models.f.params.hidden, values: [1]}\n    - {path: \"models[0].params.hidden\", values: [2]}\n",
			"sw.yaml:12: sweep.axes[1].path: ", "models[f].params.hidden is swept twice (also sweep.axes[0])"},
		{"no values", "sweep:\n  axes:\n    - {path: train.lr, values: []}\n", "sw.yaml:11: sweep.axes[0].values: ", "at least one value"},
		{"values not a list", "sweep:\n  axes:\n    - {path: train.lr, values: 1}\n", "sw.yaml:11: sweep.axes[0].values: ", "want a list"},
		{"wrong type", "sweep:\n  axes:\n    - path: models[f].params.hidden\n      values:\n        - 16\n        - big\n",
			"sw.yaml:14: sweep.axes[0].values[1]: ", `models[f].params.hidden: want an integer, got the string "big"`},
		{"schema check", "sweep:\n  axes:\n    - {path: datasets.test-ring.std, values: [0.1, -1]}\n",
			"sw.yaml:11: sweep.axes[0].values[1]: ", "datasets[test-ring].std: must be positive, got -1"},
		{"one-of check", "sweep:\n  axes:\n    - {path: models.f.params.activation, values: [tanh, gelu]}\n",
			"sw.yaml:11: sweep.axes[0].values[1]: ", `"gelu" is not one of relu, tanh`},
		{"train check", "sweep:\n  axes:\n    - {path: train.lr_decay, values: [0.5, 2]}\n",
			"sw.yaml:11: sweep.axes[0].values[1]: ", "must be in (0, 1], got 2"},
		{"not finite", "sweep:\n  axes:\n    - {path: train.lr, values: [.inf]}\n",
			"sw.yaml:11: sweep.axes[0].values[0]: ", "want a finite number for train.lr"},
		{"repeated value", "sweep:\n  axes:\n    - {path: train.lr, values: [1e-3, 0.001]}\n",
			"sw.yaml:11: sweep.axes[0].values[1]: ", "value 0.001 repeated (also values[0])"},
		{"zip lengths", "sweep:\n  mode: zip\n  axes:\n    - {path: train.lr, values: [1e-3, 1e-4]}\n    - {path: train.epochs, values: [1, 2, 3]}\n",
			"sw.yaml:13: sweep.axes[1].values: ", "mode zip takes axes of equal length: 3 values, sweep.axes[0] has 2"},
		{"batch too large at a point", "sweep:\n  axes:\n    - {path: train.batch_size, values: [100, 2000]}\n",
			"sw.yaml:11: sweep.axes[0].values[1]: ", "batch size 2000 of model f is larger than n_train 1000 of data set test-ring"},
		{"n_train too small at a point", "sweep:\n  axes:\n    - {path: datasets.0.n_train, values: [1000, 50]}\n",
			"sw.yaml:11: sweep.axes[0].values[1]: ", "batch size 100 of model f is larger than n_train 50"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse("sw.yaml", []byte(sweepBase+c.sweep))
			var errs SpecErrors
			if !errors.As(err, &errs) {
				t.Fatalf("want SpecErrors, got %v (spec %v)", err, s)
			}
			for _, e := range errs {
				if strings.HasPrefix(e.Error(), c.want) && strings.Contains(e.Error(), c.msg) {
					return
				}
			}
			t.Errorf("no error %q ... %q in\n%v", c.want, c.msg, err)
		})
	}
}

// TestSweepBatchBaseValue checks that a base batch size too large for the
// data is no error when the sweep replaces it by values that fit.
func TestSweepBatchBaseValue(t *testing.T) {
	text := strings.Replace(sweepBase, "batch_size: 100", "batch_size: 5000", 1) +
		"sweep:\n  axes:\n    - {path: train.batch_size, values: [100, 200]}\n"
	text = strings.Replace(text, ", train: {lr: 1e-4}", "", 1)
	if _, err := Parse("sw.yaml", []byte(text)); err != nil {
		t.Fatal(err)
	}
}

func TestSweepPointString(t *testing.T) {
	p := results.SweepPoint{"train.lr": 0.0003, "models[f].params.hidden": 64, "datasets[x].preprocess": []string{"a", "b"}}
	if got, want := p.String(), "datasets[x].preprocess=[a b], models[f].params.hidden=64, train.lr=0.0003"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestSweepRunRecordsPoint runs a small sweep and checks the records.
func TestSweepRunRecordsPoint(t *testing.T) {
	spec := mustParse(t, `name: sweep-run
seeds: [1]
datasets:
  - {name: ring8, std: 0.1, n_train: 256, n_valid: 128, n_test: 128}
models:
  - {name: nvp, type: realnvp, params: {layers: 2, hidden: 8}}
train: {batch_size: 64, epochs: 2}
eval: {metrics: [nll], speed_batch: 10, speed_repeats: 1}
sweep:
  axes:
    - path: models[nvp].params.hidden
      values: [4, 8]
`)
	dir := t.TempDir()
	out, err := Run(spec, Options{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	if out.OK != 2 {
		t.Fatalf("%d ok, want 2", out.OK)
	}
	folder, err := results.ReadFolder(dir)
	if err != nil || len(folder.Problems) > 0 || len(folder.Records) != 2 {
		t.Fatalf("%v, problems %v", err, folder)
	}
	recs := folder.Records
	var got []string
	for _, r := range recs {
		got = append(got, r.Sweep.String())
	}
	if !reflect.DeepEqual(map[string]bool{got[0]: true, got[1]: true},
		map[string]bool{"models[nvp].params.hidden=4": true, "models[nvp].params.hidden=8": true}) {
		t.Errorf("sweep points %v", got)
	}
}

// TestSweepEvalAxisAndOverrides: an eval.KEY axis sweeps the models that
// do not set KEY under their own eval:, as train.KEY does with train
// overrides; a model that sets KEY keeps its value, runs once per seed and
// records no value for the axis.
func TestSweepEvalAxisAndOverrides(t *testing.T) {
	text := strings.Replace(sweepBase, "train: {lr: 1e-4}}", "train: {lr: 1e-4}, eval: {samples: 50, speed_batch: 10}}", 1) +
		"sweep:\n  axes:\n    - {path: eval.samples, values: [100, 200]}\n    - {path: eval.speed_repeats, values: [2, 3]}\n"
	s, err := Parse("sw.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tr := range s.TrialSpecs() {
		got = append(got, fmt.Sprintf("%s/%d/%s samples=%d speed_batch=%d repeats=%d",
			tr.Model.Name, tr.Seed, tr.Sweep, tr.Eval.Samples, tr.Eval.SpeedBatch, tr.Eval.SpeedRepeats))
	}
	want := []string{
		"f/1/eval.samples=100, eval.speed_repeats=2 samples=100 speed_batch=1000 repeats=2",
		"f/2/eval.samples=100, eval.speed_repeats=2 samples=100 speed_batch=1000 repeats=2",
		"f/1/eval.samples=100, eval.speed_repeats=3 samples=100 speed_batch=1000 repeats=3",
		"f/2/eval.samples=100, eval.speed_repeats=3 samples=100 speed_batch=1000 repeats=3",
		"f/1/eval.samples=200, eval.speed_repeats=2 samples=200 speed_batch=1000 repeats=2",
		"f/2/eval.samples=200, eval.speed_repeats=2 samples=200 speed_batch=1000 repeats=2",
		"f/1/eval.samples=200, eval.speed_repeats=3 samples=200 speed_batch=1000 repeats=3",
		"f/2/eval.samples=200, eval.speed_repeats=3 samples=200 speed_batch=1000 repeats=3",
		// a keeps samples 50 and speed_batch 10; speed_repeats is swept.
		"a/1/eval.speed_repeats=2 samples=50 speed_batch=10 repeats=2",
		"a/2/eval.speed_repeats=2 samples=50 speed_batch=10 repeats=2",
		"a/1/eval.speed_repeats=3 samples=50 speed_batch=10 repeats=3",
		"a/2/eval.speed_repeats=3 samples=50 speed_batch=10 repeats=3",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("trials\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
