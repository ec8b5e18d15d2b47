package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// near reports whether a and b agree to within tol absolutely or relatively.
// NaN equals NaN and infinities must match exactly.
func near(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return a == b
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func assertClose(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if !near(got, want, tol) {
		t.Errorf("%s = %.15g, want %.15g (tol %g)", what, got, want, tol)
	}
}

// dense builds a matrix from rows.
func dense(rows [][]float64) *mat.Dense {
	m := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, r := range rows {
		m.SetRow(i, r)
	}
	return m
}

// gauss returns an n×d matrix of independent N(0,1) draws shifted by shift.
func gauss(rng *rand.Rand, n, d int, shift float64) *mat.Dense {
	m := mat.NewDense(n, d, nil)
	for i := range n {
		for j := range d {
			m.Set(i, j, rng.NormFloat64()+shift)
		}
	}
	return m
}

// ring returns the k ring modes (cos 2πi/k, sin 2πi/k), i = 0..k−1.
func ring(k int) [][]float64 {
	modes := make([][]float64, k)
	for i := range modes {
		a := 2 * math.Pi * float64(i) / float64(k)
		modes[i] = []float64{math.Cos(a), math.Sin(a)}
	}
	return modes
}
