package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestActiveUnits(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const n = 2000
	collapsed := mat.NewDense(n, 5, nil)
	partial := mat.NewDense(n, 5, nil)
	for i := range n {
		for u := range 5 {
			collapsed.Set(i, u, 0.3*float64(u)) // constant means
			if u%2 == 0 {
				partial.Set(i, u, 2+rng.NormFloat64()) // variance 1: dims 0, 2, 4
			} else {
				partial.Set(i, u, 0.05*rng.NormFloat64()) // variance 0.0025
			}
		}
	}
	tests := []struct {
		name   string
		means  *mat.Dense
		active int
		vars   []float64
		tol    float64
	}{
		{"collapsed encoder", collapsed, 0, []float64{0, 0, 0, 0, 0}, 0},
		{"3 of 5 active", partial, 3, []float64{1, 0.0025, 1, 0.0025, 1}, 0.1},
		// Unbiased variance (divisor n−1): {1,2,3} → 1 (the population
		// variance would be 2/3); {0, 0.09, 0.18} → 0.0081, below 0.01.
		{"exact unbiased variance", dense([][]float64{{1, 0}, {2, 0.09}, {3, 0.18}}), 1, []float64{1, 0.0081}, 1e-12},
	}
	for _, tc := range tests {
		count, vars, err := ActiveUnits(tc.means, ActiveUnitThreshold)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if count != tc.active {
			t.Errorf("%s: %d active, want %d (variances %v)", tc.name, count, tc.active, vars)
		}
		for u := range tc.vars {
			if math.Abs(vars[u]-tc.vars[u]) > tc.tol*math.Max(1, tc.vars[u]) {
				t.Errorf("%s: variance[%d] = %g, want %g", tc.name, u, vars[u], tc.vars[u])
			}
		}
	}
}

func TestActiveUnitsErrors(t *testing.T) {
	ok := dense([][]float64{{1}, {2}})
	tests := []struct {
		name  string
		m     *mat.Dense
		thres float64
	}{
		{"nil", nil, 0.01},
		{"one row", dense([][]float64{{1, 2}}), 0.01},
		{"NaN mean", dense([][]float64{{1}, {math.NaN()}}), 0.01},
		{"negative threshold", ok, -1},
		{"NaN threshold", ok, math.NaN()},
	}
	for _, tc := range tests {
		if _, _, err := ActiveUnits(tc.m, tc.thres); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
