package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// testReluKernels checks the branch-free ReLU loops against the plain
// branchy ones bit for bit, signed zeros, infinities and NaN included.
func testReluKernels[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 1e-40, -1e-40}
	n := 1000
	x, g, ga := make([]T, n), make([]T, n), make([]T, n)
	for i := range x {
		x[i], g[i], ga[i] = T(rng.NormFloat64()), T(rng.NormFloat64()), T(rng.NormFloat64())
		if i < len(special)*len(special) {
			x[i], g[i] = T(special[i%len(special)]), T(special[i/len(special)])
			ga[i] = T(special[(i+3)%len(special)])
		}
	}
	out := make([]T, n)
	for i := range out {
		out[i] = T(rng.NormFloat64()) // overwritten whatever it held
	}
	reluForward(out, x)
	gotGA := append([]T(nil), ga...)
	reluBackward(gotGA, g, x)
	same := func(a, b T) bool {
		return math.Float64bits(float64(a)) == math.Float64bits(float64(b)) || (a != a && b != b)
	}
	for i, v := range x {
		var want T
		if v > 0 {
			want = v
		}
		if !same(out[i], want) {
			t.Fatalf("relu(%v) = %v, want %v", v, out[i], want)
		}
		wantGA := ga[i]
		if v > 0 {
			wantGA += g[i]
		}
		if !same(gotGA[i], wantGA) {
			t.Fatalf("x %v, g %v, ga %v: got %v, want %v", v, g[i], ga[i], gotGA[i], wantGA)
		}
	}
}

func TestReluKernels(t *testing.T) {
	testReluKernels[float32](t)
	testReluKernels[float64](t)
}
