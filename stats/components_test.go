package stats

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestSplitSeedVariance(t *testing.T) {
	cases := []struct {
		name           string
		x              [][]float64
		mean, tr, eval float64
	}{
		// Means 2 and 6: MSW = 4/2 = 2, MSB = 2·8/1 = 16, training
		// variance (16 − 2)/2 = 7.
		{"hand example", [][]float64{{1, 3}, {5, 7}}, 4, math.Sqrt(7), math.Sqrt2},
		// Evaluation noise larger than the spread of the means: τ² = 0.
		{"no training effect", [][]float64{{0, 4}, {1, 3}}, 2, 0, math.Sqrt(5)},
		{"one evaluation seed", [][]float64{{1}, {3}}, 2, math.Sqrt2, math.NaN()},
		{"one training seed", [][]float64{{1, 3}}, 2, math.NaN(), math.Sqrt2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := SplitSeedVariance(c.x)
			if err != nil {
				t.Fatal(err)
			}
			if got.Mean != c.mean || !nearOrNaN(got.TrainSD, c.tr) || !nearOrNaN(got.EvalSD, c.eval) {
				t.Errorf("got %+v, want mean %g train %g eval %g", got, c.mean, c.tr, c.eval)
			}
			if _, err := json.Marshal(got); err != nil {
				t.Error(err)
			}
		})
	}
	if _, err := SplitSeedVariance([][]float64{{1, 2}, {3}}); err == nil || !strings.Contains(err.Error(), "seed 1") {
		t.Errorf("ragged input: %v", err)
	}
}

func nearOrNaN(a, b float64) bool { return sameFloat(a, b) || near(a, b, 1e-12) }

// Same seed, same bits: a whole comparison serialises identically twice.
func TestCompareDeterministic(t *testing.T) {
	p := Pair{A: []float64{1.2, 0.4, 0.9, 1.6, 0.2, 1.1, 0.8}, B: []float64{1.0, 0.5, 0.3, 1.1, 0.1, 0.7, 0.9}}
	a, err := Compare(p, Options{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Compare(p, Options{Seed: 9})
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("two runs differ:\n%s\n%s", ja, jb)
	}
}
