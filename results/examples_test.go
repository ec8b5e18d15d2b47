package results

import (
	"errors"
	"math"
	"os"
	"testing"

	"gonum.org/v1/gonum/mat"
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
		mutate func(data []byte, ref *ExamplesRef) []byte
	}{
		{"corrupted value", func(b []byte, _ *ExamplesRef) []byte { b[len(b)-1] ^= 1; return b }},
		{"truncated file", func(b []byte, _ *ExamplesRef) []byte { return b[:len(b)-8] }},
		{"test hash of another test set", func(b []byte, r *ExamplesRef) []byte {
			r.TestHash = TestHash(mat.NewDense(1, 1, []float64{7}))
			return b
		}},
		{"count differs from the record's", func(b []byte, r *ExamplesRef) []byte { r.N = 4; return b }},
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

// ExampleNLLs negates the log-likelihoods and refuses a sidecar holding a
// non-finite one, which no paired mean can use.
func TestExampleNLLs(t *testing.T) {
	th := TestHash(mat.NewDense(1, 1, []float64{1}))
	cases := []struct {
		name string
		logp []float64
		want []float64 // nil: an error
	}{
		{"finite", []float64{-1.5, 0.25}, []float64{1.5, -0.25}},
		{"minus infinity", []float64{-1, math.Inf(-1)}, nil},
		{"NaN", []float64{math.NaN()}, nil},
	}
	for _, c := range cases {
		dir := t.TempDir()
		ref, err := WriteExamples(dir, "tr", "exact", c.logp, th)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ExampleNLLs(dir, ref)
		if (err != nil) != (c.want == nil) {
			t.Errorf("%s: error %v", c.name, err)
			continue
		}
		for i := range c.want {
			if got[i] != c.want[i] {
				t.Errorf("%s: NLL %d = %v, want %v", c.name, i, got[i], c.want[i])
			}
		}
	}
}

func TestConfigLabel(t *testing.T) {
	for _, c := range []struct {
		rec  Record
		want string
	}{
		{Record{Model: "maf"}, "maf"},
		{Record{Model: "maf", Sweep: SweepPoint{"train.lr": 0.001, "model.params.layers": 5.0}}, "maf[model.params.layers=5, train.lr=0.001]"},
	} {
		if got := c.rec.ConfigLabel(); got != c.want {
			t.Errorf("label %q, want %q", got, c.want)
		}
	}
}
