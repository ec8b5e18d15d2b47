package compare

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/genbench/genbench/internal/jsonnum"
	"github.com/genbench/genbench/results"
	"github.com/genbench/genbench/stats"
)

// seedRecord is a trial with a value per evaluation seed (the record's
// metric their mean) and a per-example standard error.
func seedRecord(key string, perSeed []float64, se float64) *results.Record {
	r := &results.Record{Metrics: map[string]float64{key + "_stderr": se}}
	var sum float64
	vals := make([]jsonnum.Float, len(perSeed))
	for i, v := range perSeed {
		sum += v
		vals[i] = jsonnum.Float(v)
	}
	r.Metrics[key] = sum / float64(len(perSeed))
	if len(perSeed) > 1 {
		r.EvalSeeds = &results.EvalSeeds{Seeds: make([]uint64, len(perSeed)), Values: map[string][]jsonnum.Float{key: vals}}
	}
	return r
}

func TestVarianceSources(t *testing.T) {
	grid := [][]float64{{7, 8, 6}, {5, 5, 6}, {8, 7, 8}}
	want, err := stats.SplitSeedVariance(grid)
	if err != nil {
		t.Fatal(err)
	}
	var three, once []*results.Record
	for _, row := range grid {
		three = append(three, seedRecord("k", row, 0.1))
		once = append(once, seedRecord("k", row[:1], 0.2))
	}
	nan := math.NaN()
	tests := []struct {
		name       string
		recs       []*results.Record
		stochastic bool
		want       Sources
	}{
		{"3 training × 3 evaluation seeds", three, true, Sources{Mean: want.Mean, TrainSD: want.TrainSD, EvalSD: want.EvalSD, ExampleSE: 0.1, NTrain: 3, NEval: 3}},
		{"one training seed, 3 evaluation seeds", three[:1], true, Sources{Mean: 7, TrainSD: nan, EvalSD: 1, ExampleSE: 0.1, NTrain: 1, NEval: 3}},
		{"stochastic, evaluated once: neither measured", once, true, Sources{Mean: 20.0 / 3, TrainSD: nan, EvalSD: nan, ExampleSE: 0.2, NTrain: 3, NEval: 1}},
		{"deterministic: all training seed", once, false, Sources{Mean: 20.0 / 3, TrainSD: math.Sqrt(7.0 / 3), EvalSD: 0, ExampleSE: 0.2, NTrain: 3, NEval: 1, Deterministic: true}},
		{"unbalanced: the first E of each", append(append([]*results.Record(nil), three...), seedRecord("k", []float64{1, 2}, 0.1)), true,
			Sources{Mean: nan, TrainSD: nan, EvalSD: nan, ExampleSE: 0.1, NTrain: 4, NEval: 2}},
		{"no values", nil, true, Sources{Mean: nan, TrainSD: nan, EvalSD: nan, ExampleSE: nan}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitSources("k", tt.recs, tt.stochastic)
			if tt.name == "unbalanced: the first E of each" {
				ref, _ := stats.SplitSeedVariance([][]float64{{7, 8}, {5, 5}, {8, 7}, {1, 2}})
				tt.want.Mean, tt.want.TrainSD, tt.want.EvalSD = ref.Mean, ref.TrainSD, ref.EvalSD
			}
			if !sameSources(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	always := func(string, string) (bool, bool) { return true, true }
	never := func(string, string) (bool, bool) { return false, true }
	unknown := func(string, string) (bool, bool) { return false, false }
	if VarianceSources("k", once, never).Deterministic != true || VarianceSources("k", once, always).Deterministic ||
		VarianceSources("k", once, unknown).Deterministic {
		t.Error("VarianceSources: deterministic only when every trial's kind says so")
	}
	b, err := json.Marshal(VarianceSources("k", once, always))
	if err != nil || !strings.Contains(string(b), `"eval_sd":null`) || !strings.Contains(string(b), `"train_sd":null`) {
		t.Errorf("JSON %s (%v): want null for what is not measured", b, err)
	}
}

func sameSources(a, b Sources) bool {
	eq := func(x, y float64) bool { return math.IsNaN(x) && math.IsNaN(y) || math.Abs(x-y) <= 1e-12 }
	return eq(a.Mean, b.Mean) && eq(a.TrainSD, b.TrainSD) && eq(a.EvalSD, b.EvalSD) && eq(a.ExampleSE, b.ExampleSE) &&
		a.NTrain == b.NTrain && a.NEval == b.NEval && a.Deterministic == b.Deterministic
}
