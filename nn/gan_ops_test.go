package nn

import (
	"math/rand/v2"
	"testing"
)

func TestGANOpsGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := randParam(rng, 3, 4, -2, 2)
	pos := randParam(rng, 3, 4, 0.5, 2)
	w := randParam(rng, 5, 4, -1, 1)
	cases := []struct {
		name string
		wrt  []*Node[float64]
		f    func(t *Tape[float64]) *Node[float64]
	}{
		{"Transpose", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Transpose(a)) }},
		{"MatMulTransposed", []*Node[float64]{a, w}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.MatMul(a, t.Transpose(w))) }},
		{"GramSelf", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.MatMul(a, t.Transpose(a))) }},
		{"Recip", []*Node[float64]{pos}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Recip(pos)) }},
	}
	for _, c := range cases {
		if err := CheckGrad(c.f, c.wrt, 1e-6); err > 1e-6 {
			t.Errorf("%s: gradient error %.3g", c.name, err)
		}
	}
}

func TestTransposeValues(t *testing.T) {
	var tp Tape[float64]
	a := tp.Input(2, 3, []float64{1, 2, 3, 4, 5, 6})
	got := tp.Transpose(a).Value
	want := []float64{1, 4, 2, 5, 3, 6}
	if got.Rows != 3 || got.Cols != 2 {
		t.Fatalf("shape %d×%d, want 3×2", got.Rows, got.Cols)
	}
	for i, v := range want {
		if got.Data[i] != v {
			t.Fatalf("transpose data %v, want %v", got.Data, want)
		}
	}
	r := tp.Recip(tp.Input(1, 2, []float64{4, -0.5})).Value.Data
	if r[0] != 0.25 || r[1] != -2 {
		t.Errorf("Recip gives %v, want [0.25 -2]", r)
	}
}
