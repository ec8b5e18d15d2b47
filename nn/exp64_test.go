package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExpIntoBitForBit checks expInto against math.Exp on random
// arguments over the whole vectorised range, at its edges and beyond
// them, in place and not, on every slice length up to 11 (vector blocks
// and tails).
func TestExpIntoBitForBit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	special := []float64{0, math.Copysign(0, -1), 1, -1, 700, -700, 700.0000001, -700.0000001, 709.7, -745, 710, -746,
		math.Inf(1), math.Inf(-1), math.NaN(), 1e-300, -1e-300, 0.5 * math.Ln2, -0.5 * math.Ln2, 3 * math.Ln2}
	check := func(src []float64) {
		t.Helper()
		want := make([]float64, len(src))
		for i, v := range src {
			want[i] = math.Exp(v)
		}
		got := make([]float64, len(src))
		expInto(got, src)
		in := append([]float64(nil), src...)
		expInto(in, in)
		for i := range src {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
				t.Fatalf("exp(%v) = %v (%#x), math.Exp gives %v (%#x)", src[i], got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
			}
			if math.Float64bits(in[i]) != math.Float64bits(got[i]) && !math.IsNaN(got[i]) {
				t.Fatalf("in place: exp(%v) = %v, want %v", src[i], in[i], got[i])
			}
		}
	}
	for n := 0; n < 12; n++ {
		for rep := 0; rep < 2000; rep++ {
			src := make([]float64, n)
			for i := range src {
				switch rng.IntN(4) {
				case 0:
					src[i] = (rng.Float64()*2 - 1) * 700
				case 1:
					src[i] = (rng.Float64()*2 - 1) * 20
				case 2:
					src[i] = -rng.ExpFloat64() * 5
				default:
					if rep%50 == 0 {
						src[i] = special[rng.IntN(len(special))]
					} else {
						src[i] = rng.NormFloat64()
					}
				}
			}
			check(src)
		}
	}
	big := make([]float64, 1<<16)
	for i := range big {
		big[i] = (rng.Float64()*2 - 1) * 700
	}
	check(big)
	check(special)
	if elemAsm { // the vector loop itself, without expInto's range check
		got := make([]float64, len(big))
		exp64x4(&got[0], &big[0], len(big))
		for i, v := range big {
			if math.Float64bits(got[i]) != math.Float64bits(math.Exp(v)) {
				t.Fatalf("exp64x4(%v) = %v, math.Exp gives %v", v, got[i], math.Exp(v))
			}
		}
	}
}

// TestExpSigmoidOpsMatchScalar checks the tape's Exp and Sigmoid, which
// take their exponentials four at a time, against the scalar functions
// bit for bit in both float types, across chunk boundaries.
func TestExpSigmoidOpsMatchScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	xs := make([]float64, 3*elemChunk+5)
	for i := range xs {
		xs[i] = rng.NormFloat64() * 30
	}
	xs[0], xs[1], xs[2], xs[3] = 0, math.Copysign(0, -1), 800, -800
	t.Run("float64", func(t *testing.T) { checkExpSigmoid[float64](t, xs) })
	t.Run("float32", func(t *testing.T) { checkExpSigmoid[float32](t, xs) })
}

func checkExpSigmoid[T Float](t *testing.T, xs []float64) {
	var tp Tape[T]
	tp.NoGrad = true
	a := tp.Input(1, len(xs), xs)
	e, s := tp.Exp(a), tp.Sigmoid(a)
	for i, v := range a.Value.Data {
		x := float64(v)
		if want := T(math.Exp(x)); e.Value.Data[i] != want {
			t.Fatalf("Exp(%v) = %v, want %v", x, e.Value.Data[i], want)
		}
		if want := T(sigmoid(x)); s.Value.Data[i] != want {
			t.Fatalf("Sigmoid(%v) = %v, want %v", x, s.Value.Data[i], want)
		}
	}
}
