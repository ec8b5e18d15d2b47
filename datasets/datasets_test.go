package datasets

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// small lists every source with small split sizes, for the generic tests.
var small = []struct {
	name string
	user map[string]any
}{
	{"ring8", map[string]any{"n_train": 500, "n_valid": 200, "n_test": 300}},
	{"grid25", map[string]any{"n_train": 500, "n_valid": 200, "n_test": 300}},
	{"moons", map[string]any{"n_train": 500, "n_valid": 200, "n_test": 300}},
	{"spirals", map[string]any{"n_train": 500, "n_valid": 200, "n_test": 300}},
	{"checkerboard", map[string]any{"n_train": 500, "n_valid": 200, "n_test": 300}},
	{"gaussian", map[string]any{"n_train": 500, "n_valid": 200, "n_test": 300, "dim": 3}},
	{"gmm", map[string]any{"n_train": 500, "n_valid": 200, "n_test": 300}},
	{"mnist", map[string]any{"n_train": 500, "n_valid": 200, "n_test": 300}},
	{"stacked_mnist", map[string]any{"n_train": 500, "n_valid": 200, "n_test": 300}},
	{"fashion_mnist", map[string]any{"n_train": 500, "n_valid": 200, "n_test": 300}},
}

func mustBuild(t testing.TB, name string, user map[string]any, seed uint64) *Data {
	t.Helper()
	d, err := Build(name, user, seed)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("data files absent: %v", err) // fashion_mnist without its package
	}
	if err != nil {
		t.Fatalf("Build(%s, %v): %v", name, user, err)
	}
	return d
}

func TestRegistry(t *testing.T) {
	want := []string{"checkerboard", "fashion_mnist", "gaussian", "gmm", "grid25", "mnist", "moons", "ring8", "spirals", "stacked_mnist"}
	got := Names()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	if len(small) != len(want) {
		t.Fatalf("the small table covers %d sources, want %d", len(small), len(want))
	}
	for _, name := range got {
		s, _ := Lookup(name)
		if s.Doc == "" || strings.Contains(s.Doc, "\n") {
			t.Errorf("%s: Doc must be one non-empty line, got %q", name, s.Doc)
		}
		for _, f := range s.Params {
			if f.Doc == "" {
				t.Errorf("%s: key %s has no Doc", name, f.Key)
			}
		}
		if _, err := s.Params.Resolve(nil); err != nil {
			t.Errorf("%s: defaults do not resolve: %v", name, err)
		}
	}
}

func TestDefaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		want map[string]any
	}{
		{"ring8", map[string]any{"n_train": 100000, "n_valid": 5000, "n_test": 5000, "std": 0.01}},
		{"grid25", map[string]any{"n_train": 100000, "n_valid": 5000, "n_test": 5000, "std": 0.05}},
		{"moons", map[string]any{"n_train": 20000, "n_valid": 5000, "n_test": 5000, "noise": 0.05}},
		{"spirals", map[string]any{"n_train": 20000, "n_valid": 5000, "n_test": 5000, "noise": 0.1}},
		{"checkerboard", map[string]any{"n_train": 20000, "n_valid": 5000, "n_test": 5000}},
		{"gaussian", map[string]any{"n_train": 20000, "dim": 2, "structure_seed": 0, "correlated": true, "std": 1.0}},
		{"gmm", map[string]any{"n_train": 20000, "dim": 10, "components": 8, "structure_seed": 0, "separation": 4.0, "std": 1.0}},
		{"mnist", map[string]any{"n_train": 50000, "n_valid": 10000, "n_test": 10000, "lambda": 1e-6}},
		{"stacked_mnist", map[string]any{"n_train": 50000, "n_valid": 10000, "n_test": 10000}},
	} {
		s, _ := Lookup(tc.name)
		p, err := s.Params.Resolve(nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range tc.want {
			if p[k] != v {
				t.Errorf("%s: default %s = %v, want %v", tc.name, k, p[k], v)
			}
		}
	}
	s, _ := Lookup("mnist")
	p, _ := s.Params.Resolve(nil)
	if got := strings.Join(p.Strings("preprocess"), ","); got != "dequantize,logit" {
		t.Errorf("mnist: default preprocess %s", got)
	}
}

func TestSizesAndFields(t *testing.T) {
	for _, tc := range small {
		t.Run(tc.name, func(t *testing.T) {
			d := mustBuild(t, tc.name, tc.user, 1)
			if d.Name != tc.name || d.Dim <= 0 || d.Kind == "" || len(d.Protocol) == 0 {
				t.Fatalf("incomplete Data: name %q dim %d kind %q protocol %v", d.Name, d.Dim, d.Kind, d.Protocol)
			}
			for _, s := range []struct {
				split string
				m     *mat.Dense
				n     int
			}{{"train", d.Train, 500}, {"valid", d.Valid, 200}, {"test", d.Test, 300}} {
				if s.m == nil {
					t.Fatalf("%s is nil", s.split)
				}
				r, c := s.m.Dims()
				if r != s.n || c != d.Dim {
					t.Errorf("%s is %d×%d, want %d×%d", s.split, r, c, s.n, d.Dim)
				}
				for i := range r {
					for _, v := range s.m.RawRowView(i) {
						if math.IsNaN(v) || math.IsInf(v, 0) {
							t.Fatalf("%s row %d has %v", s.split, i, v)
						}
					}
				}
			}
			if d.Shape != nil {
				prod := 1
				for _, s := range d.Shape {
					prod *= s
				}
				if prod != d.Dim {
					t.Errorf("Shape %v does not match Dim %d", d.Shape, d.Dim)
				}
			}
			if d.TrainLabels != nil && len(d.TrainLabels) != 500 {
				t.Errorf("%d train labels", len(d.TrainLabels))
			}
			if d.TestLabels != nil && len(d.TestLabels) != 300 {
				t.Errorf("%d test labels", len(d.TestLabels))
			}
			if d.Modes != nil {
				if d.ModeStd <= 0 {
					t.Errorf("Modes without ModeStd")
				}
				for _, m := range d.Modes {
					if len(m) != d.Dim {
						t.Errorf("mode of dimension %d", len(m))
					}
				}
			}
			if d.LogDensity != nil {
				for i := range 10 {
					if v := d.LogDensity(d.Test.RawRowView(i)); math.IsNaN(v) || math.IsInf(v, 0) {
						t.Errorf("LogDensity of test row %d = %v", i, v)
					}
				}
			}
		})
	}
}

func TestDeterministicSplits(t *testing.T) {
	for _, tc := range small {
		t.Run(tc.name, func(t *testing.T) {
			a := mustBuild(t, tc.name, tc.user, 1)
			b := mustBuild(t, tc.name, tc.user, 1)
			c := mustBuild(t, tc.name, tc.user, 2)
			for _, s := range []struct {
				split   string
				a, b, c *mat.Dense
			}{{"train", a.Train, b.Train, c.Train}, {"valid", a.Valid, b.Valid, c.Valid}, {"test", a.Test, b.Test, c.Test}} {
				if !mat.Equal(s.a, s.b) {
					t.Errorf("%s differs between two builds with seed 1", s.split)
				}
				if mat.Equal(s.a, s.c) {
					t.Errorf("%s is the same for seeds 1 and 2", s.split)
				}
			}
			if (a.Epoch == nil) != (c.Epoch == nil) {
				t.Fatal("Epoch set for one seed only")
			}
			if a.Epoch != nil && !mat.Equal(a.Epoch(3), b.Epoch(3)) {
				t.Error("Epoch(3) differs between two builds with seed 1")
			}
		})
	}
}

// Splits come from separate streams: a larger training set leaves the test
// set unchanged.
func TestSplitsIndependent(t *testing.T) {
	for _, name := range []string{"ring8", "gmm", "checkerboard"} {
		a := mustBuild(t, name, map[string]any{"n_train": 100, "n_test": 50}, 7)
		b := mustBuild(t, name, map[string]any{"n_train": 300, "n_test": 50}, 7)
		if !mat.Equal(a.Test, b.Test) {
			t.Errorf("%s: test split depends on n_train", name)
		}
		if !mat.Equal(a.Train, b.Train.Slice(0, 100, 0, b.Dim)) {
			t.Errorf("%s: the first 100 training rows depend on n_train", name)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		user map[string]any
		want string
	}{
		{"mnist", map[string]any{"n_train": 60000}, "n_train: at most 50000 for mnist, got 60000"},
		{"mnist", map[string]any{"n_valid": 10001}, "n_valid: at most 10000 for mnist"},
		{"mnist", map[string]any{"n_test": 0}, "n_test: must be positive"},
		{"mnist", map[string]any{"preprocess": []any{"logit"}}, "preprocess: logit requires dequantize"},
		{"mnist", map[string]any{"preprocess": []any{"binarize", "dequantize"}}, "preprocess: binarize excludes"},
		{"mnist", map[string]any{"preprocess": []any{"dequantize", "dequantize"}}, "listed twice"},
		{"mnist", map[string]any{"preprocess": []any{"whiten"}}, `preprocess: "whiten" is not one of`},
		{"mnist", map[string]any{"lambda": 0.5}, "lambda: must be in (0, 0.5)"},
		{"mnist", map[string]any{"lambda": 0}, "lambda: must be in (0, 0.5)"},
		{"mnist", map[string]any{"digits": []any{"3"}}, "digits: unknown key"},
		{"stacked_mnist", map[string]any{"preprocess": []any{"dequantize"}}, `preprocess: "dequantize" is not one of binarize`},
		{"gaussian", map[string]any{"dim": 0}, "dim: must be positive"},
		{"gaussian", map[string]any{"dim": 5000}, "dim: at most 4096"},
		{"gaussian", map[string]any{"structure_seed": -1}, "structure_seed: must not be negative"},
		{"gmm", map[string]any{"components": 0}, "components: must be positive"},
		{"gmm", map[string]any{"std": 0.0}, "std: must be positive"},
		{"gmm", map[string]any{"separation": math.Inf(1)}, "separation: must be finite"},
		{"ring8", map[string]any{"std": math.NaN()}, "std: must be finite"},
		{"moons", map[string]any{"noise": -0.1}, "noise: must not be negative"},
		{"moons", map[string]any{"n_train": 0}, "n_train: must be positive"},
		{"checkerboard", map[string]any{"n_valid": 2.5}, "n_valid: want an integer"},
		{"nosuch", nil, `unknown data set "nosuch"`},
	} {
		_, err := Build(tc.name, tc.user, 1)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Build(%s, %v): error %v, want one containing %q", tc.name, tc.user, err, tc.want)
		}
	}
}

// integrate2D integrates exp(f) over [lo,hi]² by the midpoint rule.
func integrate2D(f func([]float64) float64, lo, hi, step float64) float64 {
	n := int(math.Round((hi - lo) / step))
	h := (hi - lo) / float64(n)
	x := make([]float64, 2)
	s := 0.0
	for i := range n {
		x[0] = lo + (float64(i)+0.5)*h
		for j := range n {
			x[1] = lo + (float64(j)+0.5)*h
			s += math.Exp(f(x))
		}
	}
	return s * h * h
}

func TestLogDensityIntegratesToOne(t *testing.T) {
	for _, tc := range []struct {
		name           string
		user           map[string]any
		lo, hi, step   float64
		tol            float64
		wantNilDensity bool
	}{
		{name: "ring8", lo: -1.2, hi: 1.2, step: 0.004, tol: 1e-6},
		{name: "ring8", user: map[string]any{"std": 0.3}, lo: -4, hi: 4, step: 0.05, tol: 1e-6},
		{name: "grid25", lo: -5, hi: 5, step: 0.02, tol: 1e-6},
		{name: "checkerboard", lo: -5, hi: 5, step: 0.05, tol: 1e-9},
		{name: "gaussian", lo: -20, hi: 20, step: 0.04, tol: 1e-6},
		{name: "gaussian", user: map[string]any{"structure_seed": 3}, lo: -20, hi: 20, step: 0.04, tol: 1e-6},
		{name: "gaussian", user: map[string]any{"correlated": false, "std": 0.7}, lo: -10, hi: 10, step: 0.04, tol: 1e-6},
		{name: "gmm", user: map[string]any{"dim": 2, "components": 3}, lo: -25, hi: 25, step: 0.05, tol: 1e-6},
		{name: "moons", wantNilDensity: true},
		{name: "spirals", wantNilDensity: true},
	} {
		user := map[string]any{"n_train": 10, "n_valid": 10, "n_test": 10}
		for k, v := range tc.user {
			user[k] = v
		}
		d := mustBuild(t, tc.name, user, 1)
		if tc.wantNilDensity {
			if d.LogDensity != nil {
				t.Errorf("%s: LogDensity should be nil", tc.name)
			}
			continue
		}
		got := integrate2D(d.LogDensity, tc.lo, tc.hi, tc.step)
		if math.Abs(got-1) > tc.tol {
			t.Errorf("%s %v: ∫p = %.10f, want 1", tc.name, tc.user, got)
		}
	}
}

// meanNLL returns the mean of −LogDensity over the rows of m and its
// standard error.
func meanNLL(d *Data, m *mat.Dense) (mean, se float64) {
	n, _ := m.Dims()
	var s, s2 float64
	for i := range n {
		v := -d.LogDensity(m.RawRowView(i))
		s += v
		s2 += v * v
	}
	mean = s / float64(n)
	return mean, math.Sqrt((s2/float64(n) - mean*mean) / float64(n))
}
