package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSoftClamp(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := randParam(rng, 3, 4, -6, 6)
	for _, bound := range []float64{0.5, 3, 0, math.Inf(1)} {
		var tape Tape[float64]
		out := tape.SoftClamp(a, bound)
		for i, x := range a.Value.Data {
			want := x
			if bound > 0 && !math.IsInf(bound, 1) {
				want = bound * math.Tanh(x/bound)
				if math.Abs(out.Value.Data[i]) >= bound {
					t.Errorf("bound %v: %v leaves (−bound, bound)", bound, out.Value.Data[i])
				}
			}
			if got := out.Value.Data[i]; math.Abs(got-want) > 1e-15 {
				t.Errorf("bound %v: SoftClamp(%v) = %v, want %v", bound, x, got, want)
			}
			if got := SoftClampF(x, bound); math.Abs(got-want) > 1e-15 {
				t.Errorf("bound %v: SoftClampF(%v) = %v, want %v", bound, x, got, want)
			}
		}
		if bound == 3 {
			f := func(t *Tape[float64]) *Node[float64] { return weighted(t, t.SoftClamp(a, bound)) }
			if err := CheckGrad(f, []*Node[float64]{a}, 1e-6); err > 1e-6 {
				t.Errorf("gradient error %v", err)
			}
		}
	}
}
