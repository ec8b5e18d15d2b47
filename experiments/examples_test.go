package experiments

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/results"
)

const crnSpec = `name: crn
seeds: [1, 2]
datasets:
  - {name: ring8, std: 0.1, n_train: 512, n_valid: 256, n_test: 256}
models:
  - {name: gauss, type: gaussian}
  - {name: nvp, type: realnvp, params: {layers: 2, hidden: 8}}
train: {batch_size: 128, epochs: 2, lr: 1e-3, patience: 2}
eval: {metrics: [nll, true_nll], samples: 200}
`

// Every model of a spec scores the same test examples (same test hash,
// dequantization noise included) with the same evaluation seed at a given
// training seed, and the sidecar holds the values behind test_nll.
func TestCommonRandomNumbers(t *testing.T) {
	dir := t.TempDir()
	out := runTiny(t, crnSpec, dir)
	if len(out.Records) != 4 {
		t.Fatalf("%d records, want 4", len(out.Records))
	}
	hashes := map[uint64]map[string]bool{}
	seeds := map[uint64]map[uint64]bool{}
	for _, r := range out.Records {
		if r.Examples == nil || r.SavedModel == nil {
			t.Fatalf("%s: examples %v, model %v: want both kept", r.Trial, r.Examples, r.SavedModel)
		}
		if hashes[r.Seed] == nil {
			hashes[r.Seed], seeds[r.Seed] = map[string]bool{}, map[uint64]bool{}
		}
		hashes[r.Seed][r.Examples.TestHash] = true
		seeds[r.Seed][r.Examples.EvalSeed] = true
		logp, err := results.ReadExamples(dir, r.Examples)
		if err != nil {
			t.Fatal(err)
		}
		if len(logp) != 256 || r.Examples.Kind != r.NLLKind {
			t.Errorf("%s: %d values of kind %s, want 256 of %s", r.Trial, len(logp), r.Examples.Kind, r.NLLKind)
		}
		var nll float64
		for _, v := range logp {
			nll -= v / float64(len(logp))
		}
		if math.Abs(nll-r.Metrics["test_nll"]) > 1e-9*math.Abs(nll) {
			t.Errorf("%s: sidecar mean NLL %v, record %v", r.Trial, nll, r.Metrics["test_nll"])
		}
		data, err := os.ReadFile(filepath.Join(dir, r.SavedModel.File))
		if err != nil || int64(len(data)) != r.SavedModel.Bytes || results.HashBytes(data) != r.SavedModel.SHA256 {
			t.Errorf("%s: kept model unreadable or not matching its record (%v)", r.Trial, err)
		}
	}
	for seed, h := range hashes {
		if len(h) != 1 || len(seeds[seed]) != 1 {
			t.Errorf("seed %d: %d test hashes and %d evaluation seeds across models, want 1 each", seed, len(h), len(seeds[seed]))
		}
	}
	for h := range hashes[1] {
		if hashes[2][h] {
			t.Error("seeds 1 and 2 have the same test set: the data seed is not used")
		}
	}
}

// keep_model: false stores no model and leaves trial ids alone.
func TestKeepModelOptOut(t *testing.T) {
	off := strings.Replace(crnSpec, "patience: 2}", "patience: 2, keep_model: false}", 1)
	if off == crnSpec {
		t.Fatal("spec not edited")
	}
	on, err := Parse("crn.yaml", []byte(crnSpec))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := Parse("crn.yaml", []byte(off))
	if err != nil {
		t.Fatal(err)
	}
	if on.Hash != spec.Hash {
		t.Error("keep_model changed the spec hash")
	}
	a, b := on.TrialSpecs(), spec.TrialSpecs()
	for i := range a {
		if a[i].ID != b[i].ID {
			t.Errorf("trial %d: id %s with keep_model false, %s without", i, b[i].ID, a[i].ID)
		}
		if a[i].Model.Train.DropModel || !b[i].Model.Train.DropModel {
			t.Errorf("trial %d: drop model %v by default and %v with keep_model false", i, a[i].Model.Train.DropModel, b[i].Model.Train.DropModel)
		}
	}
	dir := t.TempDir()
	spec.Seeds = spec.Seeds[:1]
	out, err := Run(spec, Options{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range out.Records {
		if r.SavedModel != nil || r.Examples == nil {
			t.Errorf("%s: model %v, examples %v: want no model, examples kept", r.Trial, r.SavedModel, r.Examples)
		}
	}
	if paths, _ := filepath.Glob(filepath.Join(dir, "models", "*")); len(paths) > 0 {
		t.Errorf("models written despite keep_model false: %v", paths)
	}
}

// The dequantization noise of the test set is drawn from the data seed
// alone: the same seed gives the same noisy test set (so every model of a
// spec scores the same noisy examples), another seed other noise on the
// same images, and without dequantization the full test set is the same
// at every seed.
func TestDequantizationNoiseFollowsDataSeed(t *testing.T) {
	build := func(pre []string, seed uint64) string {
		d, err := datasets.Build("mnist", map[string]any{"n_train": 100, "n_valid": 100, "preprocess": pre}, streamSeed(seed, "data"))
		if err != nil {
			t.Fatal(err)
		}
		return results.TestHash(d.Test)
	}
	deq := []string{"dequantize"}
	if build(deq, 1) != build(deq, 1) {
		t.Error("the same data seed gave two dequantized test sets")
	}
	if build(deq, 1) == build(deq, 2) {
		t.Error("two data seeds gave the same dequantization noise")
	}
	if build([]string{}, 1) != build([]string{}, 2) {
		t.Error("without dequantization the full test set differs between seeds")
	}
}
