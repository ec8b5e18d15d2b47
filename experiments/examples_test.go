package experiments

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/datasets"

	"github.com/genbench/genbench/results"
)

func TestExamplesCodec(t *testing.T) {
	dir := t.TempDir()
	values := []float64{-1.5, 2.25, math.Inf(-1), -0.0, 1e-300}
	th := TestHash(mat.NewDense(2, 2, []float64{1, 2, 3, 4}))
	ref, err := WriteExamples(dir, "tr", "exact", values, th)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadExamples(dir, ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(values) {
		t.Fatalf("read %d values, wrote %d", len(got), len(values))
	}
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(values[i]) {
			t.Errorf("value %d: %v, wrote %v", i, got[i], values[i])
		}
	}
	if ref.N != 5 || ref.File != "examples/tr.bin" || ref.TestHash != th || ref.Kind != "exact" {
		t.Errorf("reference %+v", ref)
	}
	data, _ := os.ReadFile(ExamplesPath(dir, "tr"))

	decodeCases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"header only, truncated", data[:examplesHeader-1]},
		{"one value missing", data[:len(data)-8]},
		{"half a value missing", data[:len(data)-3]},
		{"padded", append(append([]byte(nil), data...), 0)},
		{"wrong magic", append([]byte("GBCKPT\r\n"), data[8:]...)},
		{"other version", func() []byte { b := append([]byte(nil), data...); b[8] = 9; return b }()},
	}
	for _, c := range decodeCases {
		if _, _, err := DecodeExamples(c.data); !errors.Is(err, ErrBadExamples) {
			t.Errorf("%s: error %v, want ErrBadExamples", c.name, err)
		}
	}

	readCases := []struct {
		name   string
		mutate func(data []byte, ref *results.ExamplesRef) []byte
	}{
		{"corrupted value", func(b []byte, _ *results.ExamplesRef) []byte { b[len(b)-1] ^= 1; return b }},
		{"truncated file", func(b []byte, _ *results.ExamplesRef) []byte { return b[:len(b)-8] }},
		{"test hash of another test set", func(b []byte, r *results.ExamplesRef) []byte {
			r.TestHash = TestHash(mat.NewDense(1, 1, []float64{7}))
			return b
		}},
		{"count differs from the record's", func(b []byte, r *results.ExamplesRef) []byte { r.N = 4; return b }},
	}
	for _, c := range readCases {
		r := *ref
		b := c.mutate(append([]byte(nil), data...), &r)
		if err := os.WriteFile(ExamplesPath(dir, "tr"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadExamples(dir, &r); !errors.Is(err, ErrBadExamples) {
			t.Errorf("%s: error %v, want ErrBadExamples", c.name, err)
		}
	}
	if _, err := EncodeExamples(values, "abc"); err == nil {
		t.Error("a test hash that is not a SHA-256 was accepted")
	}
}

func TestTestHashSeesEveryValue(t *testing.T) {
	a := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	cases := []struct {
		name string
		x    mat.Matrix
		same bool
	}{
		{"same values", mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6}), true},
		{"one value moved by one ulp", mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, math.Nextafter(6, 7)}), false},
		{"reshaped", mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6}), false},
		{"rows swapped", mat.NewDense(2, 3, []float64{4, 5, 6, 1, 2, 3}), false},
		{"same values, not a Dense", mat.NewDense(3, 2, []float64{1, 4, 2, 5, 3, 6}).T(), true},
	}
	for _, c := range cases {
		if got := TestHash(c.x) == TestHash(a); got != c.same {
			t.Errorf("%s: equal hashes %v, want %v", c.name, got, c.same)
		}
	}
}

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
		logp, err := ReadExamples(dir, r.Examples)
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
		if err != nil || int64(len(data)) != r.SavedModel.Bytes || hashBytes(data) != r.SavedModel.SHA256 {
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
		return TestHash(d.Test)
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
