package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

var narrowCases = []convCase{
	{"3x3 8->2", ImageShape{8, 4, 5}, 2, 3, 3, "", 1, true},
	{"3x3 no bias", ImageShape{3, 5, 4}, 2, 3, 2, "", 1, false},
	{"1x1", ImageShape{4, 3, 3}, 3, 1, 2, "", 1, true},
	{"5x5 on 3x3 images", ImageShape{2, 3, 3}, 2, 5, 2, "", 1, true},
	{"3x3 one image, 1 wide", ImageShape{5, 4, 1}, 3, 3, 1, "", 1, true},
}

func TestConv2DNarrowMatchesConv2D(t *testing.T) {
	for i, c := range narrowCases {
		t.Run(c.name, func(t *testing.T) {
			x, w, b, _ := c.build(uint64(300 + i))
			var tp Tape[float64]
			tp.NoGrad = true
			got := tp.Conv2DNarrow(x, c.in, w, c.k, b).Value
			var bv *Mat[float64]
			if b != nil {
				bv = b.Value
			}
			want := naiveConv(x.Value, w.Value, nil, bv, c.in, c.k)
			for j, v := range want.Data {
				if math.Abs(got.Data[j]-v) > 1e-12 {
					t.Fatalf("output[%d] = %v, want %v", j, got.Data[j], v)
				}
			}
		})
	}
}

func TestConv2DNarrowGradients(t *testing.T) {
	for i, c := range narrowCases {
		t.Run(c.name, func(t *testing.T) {
			x, w, b, _ := c.build(uint64(400 + i))
			wrt := []*Node[float64]{x, w}
			if b != nil {
				wrt = append(wrt, b)
			}
			f := func(tp *Tape[float64]) *Node[float64] {
				return weighted(tp, tp.Tanh(tp.Conv2DNarrow(x, c.in, w, c.k, b)))
			}
			if err := CheckGrad(f, wrt, 1e-6); err > 1e-6 {
				t.Errorf("max relative gradient error %.3g > 1e-6", err)
			}
		})
	}
}

// TestConv2DNarrowFloat32 compares values and gradients in float32 with
// Conv2D's in float64, on a batch large enough to use every worker.
func TestConv2DNarrowFloat32(t *testing.T) {
	in := ImageShape{16, 6, 6}
	rng := rand.New(rand.NewPCG(5, 5))
	x := randParam(rng, 9, in.Size(), -1, 1)
	w := randParam(rng, 3, in.C*9, -0.3, 0.3)
	b := randParam(rng, 1, 3, -1, 1)
	to32 := func(n *Node[float64]) *Node[float32] {
		p := NewParam[float32](n.Value.Rows, n.Value.Cols)
		for i, v := range n.Value.Data {
			p.Value.Data[i] = float32(v)
		}
		return p
	}
	x32, w32, b32 := to32(x), to32(w), to32(b)
	var t64 Tape[float64]
	var t32 Tape[float32]
	y64 := t64.Conv2D(x, in, w, 3, nil, b)
	y32 := t32.Conv2DNarrow(x32, in, w32, 3, b32)
	t64.Backward(t64.Sum(t64.Square(y64)))
	t32.Backward(t32.Sum(t32.Square(y32)))
	for i, v := range y64.Value.Data {
		if math.Abs(float64(y32.Value.Data[i])-v) > 1e-5*(1+math.Abs(v)) {
			t.Fatalf("float32 output[%d] = %v, float64 Conv2D %v", i, y32.Value.Data[i], v)
		}
	}
	for _, p := range []struct {
		a *Node[float64]
		b *Node[float32]
	}{{x, x32}, {w, w32}, {b, b32}} {
		for i, v := range p.a.Grad.Data {
			if math.Abs(float64(p.b.Grad.Data[i])-v) > 1e-4*(1+math.Abs(v)) {
				t.Fatalf("float32 gradient[%d] = %v, float64 Conv2D %v", i, p.b.Grad.Data[i], v)
			}
		}
	}
}

// BenchmarkConv2DNarrow compares the two routes on a Glow coupling's last
// layer (64 channels in, 4 out, 3×3, 14×14 images, batch 64), forward and
// backward.
func BenchmarkConv2DNarrow(b *testing.B) {
	in := ImageShape{64, 14, 14}
	rng := rand.New(rand.NewPCG(1, 1))
	x := NewParam[float32](64, in.Size())
	w := NewParam[float32](4, in.C*9)
	bias := NewParam[float32](1, 4)
	for i := range x.Value.Data {
		x.Value.Data[i] = float32(rng.NormFloat64())
	}
	for name, conv := range map[string]func(t *Tape[float32]) *Node[float32]{
		"im2col": func(t *Tape[float32]) *Node[float32] { return t.Conv2D(x, in, w, 3, nil, bias) },
		"narrow": func(t *Tape[float32]) *Node[float32] { return t.Conv2DNarrow(x, in, w, 3, bias) },
	} {
		b.Run(name, func(b *testing.B) {
			var t Tape[float32]
			for b.Loop() {
				t.Reset()
				t.Backward(t.Sum(conv(&t)))
			}
		})
	}
}
