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
	reluBackward(gotGA, g, x, true)
	// A fresh gradient (acc false) holding NaN: read as zeros, as if
	// zeroed first and added to.
	fresh := make([]T, n)
	fill(fresh, T(math.NaN()))
	reluBackward(fresh, g, x, false)
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
		var wantFresh T
		if v > 0 {
			wantFresh += g[i]
		}
		if !same(fresh[i], wantFresh) {
			t.Fatalf("fresh: x %v, g %v: got %v, want %v", v, g[i], fresh[i], wantFresh)
		}
	}
}

func TestReluKernels(t *testing.T) {
	testReluKernels[float32](t)
	testReluKernels[float64](t)
}

// testSumInto checks sumInto's vector loops against the Go loop bit for
// bit, a nil first operand as zeros (−0 + 0 is +0) included.
func testSumInto[T Float](t *testing.T) {
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), 1e-40, -1e-40, 1, -2.5}
	for _, n := range []int{0, 1, 7, 8, 9, 33, 64} {
		a, b := make([]T, n), make([]T, n)
		for i := range a {
			a[i], b[i] = T(special[i%len(special)]), T(special[(i/len(special)+i)%len(special)])
		}
		got, fresh := make([]T, n), make([]T, n)
		fill(fresh, T(math.NaN()))
		sumInto(got, a, b)
		sumInto(fresh, nil, b)
		for i := range a {
			want, wantFresh := a[i]+b[i], 0+b[i]
			if math.Float64bits(float64(got[i])) != math.Float64bits(float64(want)) {
				t.Fatalf("n %d: %v + %v = %v, want %v", n, a[i], b[i], got[i], want)
			}
			if math.Float64bits(float64(fresh[i])) != math.Float64bits(float64(wantFresh)) {
				t.Fatalf("n %d: 0 + %v = %v, want %v", n, b[i], fresh[i], wantFresh)
			}
		}
	}
}

func TestSumInto(t *testing.T) {
	testSumInto[float32](t)
	testSumInto[float64](t)
}

// TestAddBlock: the block addition against a plain loop, bit for bit,
// for widths on both sides of a vector and strides wider than the block.
func TestAddBlock(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, w := range []int{1, 7, 8, 9, 27, 28} {
		rows, ldd, lds := 5, w+3, w+1
		dst, src := make([]float32, rows*ldd), make([]float32, rows*lds)
		for i := range dst {
			dst[i] = float32(rng.NormFloat64())
		}
		for i := range src {
			src[i] = float32(rng.NormFloat64())
		}
		want := append([]float32(nil), dst...)
		for r := 0; r < rows; r++ {
			for j := 0; j < w; j++ {
				want[r*ldd+j] += src[r*lds+j]
			}
		}
		addBlock(dst, src, rows, w, ldd, lds)
		for i := range dst {
			if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
				t.Fatalf("w %d: element %d = %v, want %v", w, i, dst[i], want[i])
			}
		}
	}
}

// TestBiasReluRows: the whole-matrix loop, widths that are not whole
// vectors included, against the plain Go loop bit for bit (signed zeros
// and NaN among the values).
func TestBiasReluRows(t *testing.T) {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), 1e-40, -1e-40, 2.5, -3}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, cols := range []int{8, 9, 15, 16, 47} {
		for _, relu := range []bool{false, true} {
			rows := 5
			x, b := make([]float32, rows*cols), make([]float32, cols)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
				if i%5 == 0 {
					x[i] = special[i%len(special)]
				}
			}
			for j := range b {
				b[j] = special[(j+1)%len(special)]
				if j%3 == 0 {
					b[j] = float32(rng.NormFloat64())
				}
			}
			want := append([]float32(nil), x...)
			for i := 0; i < rows; i++ {
				for j := 0; j < cols; j++ {
					v := want[i*cols+j] + b[j]
					if relu && !(v > 0) {
						v = 0
					}
					want[i*cols+j] = v
				}
			}
			addBiasReluRows(&Mat[float32]{Rows: rows, Cols: cols, Data: x}, b, relu)
			for i := range x {
				if math.Float32bits(x[i]) != math.Float32bits(want[i]) && !(x[i] != x[i] && want[i] != want[i]) {
					t.Fatalf("cols %d relu %v: element %d = %v, want %v", cols, relu, i, x[i], want[i])
				}
			}
		}
	}
}
