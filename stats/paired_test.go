package stats

import (
	"math"
	"strings"
	"testing"
)

func TestPairExamples(t *testing.T) {
	d, err := PairExamples([]float64{3, 4, 5}, []float64{1, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	// Differences 2, 3, 4: mean 3, sd 1, standard error 1/√3.
	if d.Mean != 3 || d.Std != 1 || !near(d.StdErr, 1/math.Sqrt(3), 1e-15) || d.N != 3 {
		t.Errorf("got %+v", d)
	}
}

func TestPairExamplesRefuses(t *testing.T) {
	cases := []struct {
		name     string
		a, b     []float64
		idA, idB []string
		want     string
	}{
		{"unequal lengths", []float64{1, 2}, []float64{1}, nil, nil, "pairing 2 examples with 1"},
		{"one example", []float64{1}, []float64{1}, nil, nil, "at least 2"},
		{"non-finite", []float64{1, math.Inf(-1)}, []float64{1, 2}, nil, nil, "a[1]"},
		{"swapped ids", []float64{1, 2}, []float64{1, 2}, []string{"x", "y"}, []string{"y", "x"}, "example 0 differs"},
		{"ids short", []float64{1, 2}, []float64{1, 2}, []string{"x"}, []string{"x"}, "ids"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.idA != nil {
				_, err = PairExamplesByID(c.a, c.b, c.idA, c.idB)
			} else {
				_, err = PairExamples(c.a, c.b)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	if _, err := PairExamplesByID([]float64{1, 2}, []float64{3, 5}, []uint64{7, 9}, []uint64{7, 9}); err != nil {
		t.Errorf("matching hashes refused: %v", err)
	}
}

func TestExamplesTest(t *testing.T) {
	// Mean 3, standard error 1/√3: z = 3√3 ≈ 5.196, two-sided p = 2Φ(−5.196).
	d := ExampleDiff{Mean: 3, Std: 1, StdErr: 1 / math.Sqrt(3), N: 3}
	r, err := ExamplesTest(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := math.Erfc(3 * math.Sqrt(3) / math.Sqrt2) // 2Φ(−z)
	if !near(r.PValue, want, 1e-15) || r.EffectSize != 3 || !r.Significant {
		t.Errorf("p %g (want %g) effect %g significant %v", r.PValue, want, r.EffectSize, r.Significant)
	}
	if h := 1.959963984540054 / math.Sqrt(3); !near(r.CILow, 3-h, 1e-9) || !near(r.CIHigh, 3+h, 1e-9) {
		t.Errorf("interval [%g, %g]", r.CILow, r.CIHigh)
	}
	if !strings.Contains(r.Note, "training-seed variance not measured") {
		t.Errorf("note %q", r.Note)
	}
	zero, _ := ExamplesTest(ExampleDiff{N: 10}, Options{})
	if zero.PValue != 1 || zero.Significant {
		t.Errorf("identical values: p %g significant %v", zero.PValue, zero.Significant)
	}
}
