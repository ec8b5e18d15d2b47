package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestChannelAffineMatchesDefinition(t *testing.T) {
	in := ImageShape{3, 2, 4}
	rng := rand.New(rand.NewPCG(1, 1))
	x := randParam(rng, 2, in.Size(), -1, 1)
	scale, shift := randParam(rng, 1, 3, -2, 2), randParam(rng, 1, 3, -1, 1)
	var tp Tape[float64]
	got := tp.ChannelAffine(x, in, scale, shift).Value
	for n := 0; n < 2; n++ {
		for c := 0; c < 3; c++ {
			for p := 0; p < 8; p++ {
				k := c*8 + p
				want := x.Value.At(n, k)*scale.Value.Data[c] + shift.Value.Data[c]
				if got.At(n, k) != want {
					t.Fatalf("image %d channel %d pixel %d: %v, want %v", n, c, p, got.At(n, k), want)
				}
			}
		}
	}
}

func TestChannelOpsGradients(t *testing.T) {
	in := ImageShape{3, 3, 2}
	rng := rand.New(rand.NewPCG(2, 2))
	x := randParam(rng, 4, in.Size(), -1, 1)
	scale, shift := randParam(rng, 1, 3, -2, 2), randParam(rng, 1, 3, -1, 1)
	a := randParam(rng, 4, 4, -1, 1)
	for i := 0; i < 4; i++ {
		a.Value.Set(i, i, a.Value.At(i, i)+3) // well conditioned
	}
	cases := []struct {
		name string
		f    func(tp *Tape[float64]) *Node[float64]
		wrt  []*Node[float64]
	}{
		{"ChannelAffine", func(tp *Tape[float64]) *Node[float64] {
			return weighted(tp, tp.Tanh(tp.ChannelAffine(x, in, scale, shift)))
		}, []*Node[float64]{x, scale, shift}},
		{"ChannelAffine without shift", func(tp *Tape[float64]) *Node[float64] {
			return weighted(tp, tp.Tanh(tp.ChannelAffine(x, in, scale, nil)))
		}, []*Node[float64]{x, scale}},
		{"ChannelAffineRelu", func(tp *Tape[float64]) *Node[float64] {
			return weighted(tp, tp.Tanh(tp.ChannelAffineRelu(x, in, scale, shift)))
		}, []*Node[float64]{x, scale, shift}},
		{"MatInverse", func(tp *Tape[float64]) *Node[float64] {
			return weighted(tp, tp.Tanh(tp.MatInverse(a)))
		}, []*Node[float64]{a}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := CheckGrad(c.f, c.wrt, 1e-6); err > 1e-6 {
				t.Errorf("max relative gradient error %.3g > 1e-6", err)
			}
		})
	}
}

// TestChannelAffineReluSameBits checks the fused op against ChannelAffine
// then Relu: outputs and every gradient bit for bit, in float32, on
// planes larger and smaller than a vector and values on both sides of 0.
func TestChannelAffineReluSameBits(t *testing.T) {
	for _, in := range []ImageShape{{3, 3, 2}, {4, 14, 14}, {2, 28, 28}} {
		rng := rand.New(rand.NewPCG(5, uint64(in.Size())))
		mk := func(r, c int, lo, hi float64) *Node[float32] {
			n := &Node[float32]{Value: NewMat[float32](r, c)}
			for i := range n.Value.Data {
				n.Value.Data[i] = float32(lo + (hi-lo)*rng.Float64())
			}
			return n
		}
		x, scale, shift, w := mk(3, in.Size(), -1, 1), mk(1, in.C, -2, 2), mk(1, in.C, -1, 1), mk(3, in.Size(), -1, 1)
		run := func(fused bool) (out []float32, grads [][]float32) {
			var tp Tape[float32]
			xs, ss, bs := tp.Var(x.Value.Clone()), tp.Var(scale.Value.Clone()), tp.Var(shift.Value.Clone())
			var y *Node[float32]
			if fused {
				y = tp.ChannelAffineRelu(xs, in, ss, bs)
			} else {
				y = tp.Relu(tp.ChannelAffine(xs, in, ss, bs))
			}
			tp.Backward(tp.Sum(tp.Mul(y, tp.Const(w.Value))))
			return y.Value.Data, [][]float32{xs.Grad.Data, ss.Grad.Data, bs.Grad.Data}
		}
		o1, g1 := run(false)
		o2, g2 := run(true)
		for i := range o1 {
			if math.Float32bits(o1[i]) != math.Float32bits(o2[i]) {
				t.Fatalf("%s: output %d: %v fused, %v separate", in, i, o2[i], o1[i])
			}
		}
		for k := range g1 {
			for i := range g1[k] {
				if math.Float32bits(g1[k][i]) != math.Float32bits(g2[k][i]) {
					t.Fatalf("%s: gradient %d[%d]: %v fused, %v separate", in, k, i, g2[k][i], g1[k][i])
				}
			}
		}
	}
}

func TestMatInverseIsInverse(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	a := randParam(rng, 5, 5, -1, 1)
	for i := 0; i < 5; i++ {
		a.Value.Set(i, i, a.Value.At(i, i)+2)
	}
	var tp Tape[float64]
	prod := tp.MatMul(a, tp.MatInverse(a)).Value
	for i := 0; i < 5; i++ {
		for j := 0; j < 5; j++ {
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(prod.At(i, j)-want) > 1e-12 {
				t.Fatalf("(a·a⁻¹)[%d,%d] = %v", i, j, prod.At(i, j))
			}
		}
	}
}

// TestChannelOpsFloat32 runs the ops in float32 against float64.
func TestChannelOpsFloat32(t *testing.T) {
	in := ImageShape{2, 3, 3}
	rng := rand.New(rand.NewPCG(4, 4))
	x := randParam(rng, 3, in.Size(), -1, 1)
	scale, shift := randParam(rng, 1, 2, 0.5, 2), randParam(rng, 1, 2, -1, 1)
	a := randParam(rng, 3, 3, -1, 1)
	for i := 0; i < 3; i++ {
		a.Value.Set(i, i, a.Value.At(i, i)+2)
	}
	to32 := func(n *Node[float64]) *Node[float32] {
		p := NewParam[float32](n.Value.Rows, n.Value.Cols)
		for i, v := range n.Value.Data {
			p.Value.Data[i] = float32(v)
		}
		return p
	}
	x32, s32, b32, a32 := to32(x), to32(scale), to32(shift), to32(a)
	var t64 Tape[float64]
	var t32 Tape[float32]
	y64 := t64.Add(t64.Sum(t64.Square(t64.ChannelAffine(x, in, scale, shift))), t64.Sum(t64.Square(t64.MatInverse(a))))
	y32 := t32.Add(t32.Sum(t32.Square(t32.ChannelAffine(x32, in, s32, b32))), t32.Sum(t32.Square(t32.MatInverse(a32))))
	t64.Backward(y64)
	t32.Backward(y32)
	if d := math.Abs(Scalar(y32) - Scalar(y64)); d > 1e-5*(1+math.Abs(Scalar(y64))) {
		t.Errorf("float32 value %v, float64 %v", Scalar(y32), Scalar(y64))
	}
	for _, p := range []struct {
		a *Node[float64]
		b *Node[float32]
	}{{x, x32}, {scale, s32}, {shift, b32}, {a, a32}} {
		for i, v := range p.a.Grad.Data {
			if math.Abs(float64(p.b.Grad.Data[i])-v) > 1e-4*(1+math.Abs(v)) {
				t.Fatalf("float32 gradient %v, float64 %v", p.b.Grad.Data[i], v)
			}
		}
	}
}

func TestChannelMoments(t *testing.T) {
	in := ImageShape{2, 1, 3}
	x := &Mat[float64]{Rows: 2, Cols: 6, Data: []float64{
		1, 2, 3, 10, 10, 10,
		3, 2, 1, 10, 10, 16,
	}}
	mean, std := ChannelMoments(x, in)
	if mean[0] != 2 || mean[1] != 11 {
		t.Errorf("means %v, want [2 11]", mean)
	}
	if math.Abs(std[0]-math.Sqrt(4.0/6)) > 1e-15 || math.Abs(std[1]-math.Sqrt(30.0/6)) > 1e-15 {
		t.Errorf("stds %v, want [√(2/3) √5]", std)
	}
}

func TestSqueezePerm(t *testing.T) {
	in := ImageShape{2, 4, 6}
	perm := SqueezePerm(in)
	seen := make([]bool, len(perm))
	for _, p := range perm {
		if seen[p] {
			t.Fatalf("column %d used twice", p)
		}
		seen[p] = true
	}
	// out[4c+2u+v, i, j] = in[c, 2i+u, 2j+v]: check one value of each channel.
	for c := 0; c < 2; c++ {
		for u := 0; u < 2; u++ {
			for v := 0; v < 2; v++ {
				oc, i, j := 4*c+2*u+v, 1, 2
				if got, want := perm[(oc*2+i)*3+j], (c*4+2*i+u)*6+2*j+v; got != want {
					t.Errorf("channel %d (%d, %d) reads column %d, want %d", oc, i, j, got, want)
				}
			}
		}
	}
}
