package nn

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

func randParam(rng *rand.Rand, r, c int, lo, hi float64) *Node[float64] {
	p := NewParam[float64](r, c)
	for i := range p.Value.Data {
		p.Value.Data[i] = lo + (hi-lo)*rng.Float64()
	}
	return p
}

// weighted reduces a node to a scalar with fixed random weights, so every
// output element's gradient is exercised with a different coefficient.
func weighted(t *Tape[float64], n *Node[float64]) *Node[float64] {
	rng := rand.New(rand.NewPCG(99, 1))
	w := NewMat[float64](n.Value.Rows, n.Value.Cols)
	for i := range w.Data {
		w.Data[i] = rng.Float64()*2 - 1
	}
	return t.Sum(t.MulConst(n, w))
}

func TestGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	a := randParam(rng, 3, 4, -2, 2)
	b := randParam(rng, 3, 4, -2, 2)
	pos := randParam(rng, 3, 4, 0.5, 2)
	w := randParam(rng, 4, 5, -1, 1)
	row := randParam(rng, 1, 4, -1, 1)
	col := randParam(rng, 3, 1, -1, 1)
	bias := randParam(rng, 1, 5, -1, 1)
	mask := NewMat[float64](4, 5)
	for i := range mask.Data {
		mask.Data[i] = float64(i % 2)
	}
	targets := NewMat[float64](3, 4)
	for i := range targets.Data {
		targets.Data[i] = float64((i / 3) % 2)
	}
	cases := []struct {
		name string
		wrt  []*Node[float64]
		f    func(t *Tape[float64]) *Node[float64]
	}{
		{"MatMul", []*Node[float64]{a, w}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.MatMul(a, w)) }},
		{"Linear", []*Node[float64]{a, w, bias}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Linear(a, w, bias)) }},
		{"MaskedLinear", []*Node[float64]{a, w, bias}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.MaskedLinear(a, w, mask, bias)) }},
		{"AddRow", []*Node[float64]{a, row}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.AddRow(a, row)) }},
		{"MulRow", []*Node[float64]{a, row}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.MulRow(a, row)) }},
		{"MulCol", []*Node[float64]{a, col}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.MulCol(a, col)) }},
		{"Add", []*Node[float64]{a, b}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Add(a, b)) }},
		{"Sub", []*Node[float64]{a, b}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Sub(a, b)) }},
		{"Mul", []*Node[float64]{a, b}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Mul(a, b)) }},
		{"MulSelf", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Mul(a, a)) }},
		{"Scale", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Scale(a, -1.7)) }},
		{"AddScalar", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.AddScalar(a, 0.3)) }},
		{"Tanh", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Tanh(a)) }},
		{"Sigmoid", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Sigmoid(a)) }},
		{"Relu", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Relu(a)) }},
		{"LeakyRelu", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.LeakyRelu(a, 0.2)) }},
		{"Elu", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Elu(a)) }},
		{"Exp", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Exp(a)) }},
		{"Log", []*Node[float64]{pos}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Log(pos)) }},
		{"Sqrt", []*Node[float64]{pos}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Sqrt(pos)) }},
		{"Abs", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Abs(a)) }},
		{"Softplus", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Softplus(a)) }},
		{"Square", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.Square(a)) }},
		{"SumCols", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.SumCols(a)) }},
		{"Mean", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return t.Mean(t.Square(a)) }},
		{"SliceCols", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.SliceCols(a, 1, 3)) }},
		{"ConcatCols", []*Node[float64]{a, b}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.ConcatCols(a, t.Tanh(b), a)) }},
		{"PermuteCols", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.PermuteCols(a, []int{2, 0, 3, 1})) }},
		{"LogSumExpCols", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.LogSumExpCols(a)) }},
		{"LogSoftmax", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.LogSoftmax(a)) }},
		{"BernoulliLogLik", []*Node[float64]{a}, func(t *Tape[float64]) *Node[float64] { return weighted(t, t.BernoulliLogLik(a, targets)) }},
		{"MLP", []*Node[float64]{a, w, bias}, func(t *Tape[float64]) *Node[float64] {
			return t.Mean(t.Square(t.Tanh(t.Linear(t.Relu(a), w, bias))))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := CheckGrad(c.f, c.wrt, 1e-6); err > 1e-6 {
				t.Errorf("max relative gradient error %.3g > 1e-6", err)
			}
		})
	}
}

func TestNoGradientForConstants(t *testing.T) {
	var tp Tape[float64]
	x := tp.Const(NewMat[float64](2, 3))
	y := tp.Tanh(tp.Scale(x, 2))
	if y.Grad != nil {
		t.Fatal("a node computed only from constants has a gradient buffer")
	}
	if len(tp.ops) != 0 {
		t.Fatalf("%d backward ops recorded for constants", len(tp.ops))
	}
}

func TestTapeReusesBuffers(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	w := randParam(rng, 8, 8, -1, 1)
	x := NewMat[float32](16, 8)
	wf := NewParam[float32](8, 8)
	for i := range w.Value.Data {
		wf.Value.Data[i] = float32(w.Value.Data[i])
	}
	var tp Tape[float32]
	step := func() {
		tp.Reset()
		tp.Backward(tp.Mean(tp.Tanh(tp.MatMul(tp.Const(x), wf))))
	}
	step()
	n := len(tp.bufs)
	allocs := testing.AllocsPerRun(20, step)
	if len(tp.bufs) != n {
		t.Fatalf("buffers grew from %d to %d", n, len(tp.bufs))
	}
	if allocs > 40 {
		t.Errorf("%v allocations per step, want only small node records", allocs)
	}
}

func TestAdamMinimisesQuadratic(t *testing.T) {
	var ps ParamSet[float64]
	p := ps.Add("x", 1, 3)
	copy(p.Value.Data, []float64{3, -2, 5})
	opt := NewAdam(&ps, 0.1)
	target := &Mat[float64]{Rows: 1, Cols: 3, Data: []float64{1, 2, 3}}
	for i := 0; i < 2000; i++ {
		var tp Tape[float64]
		tp.Backward(tp.Sum(tp.Square(tp.Sub(p, tp.Const(target)))))
		if _, err := opt.Step(); err != nil {
			t.Fatal(err)
		}
	}
	for i, v := range p.Value.Data {
		if math.Abs(v-target.Data[i]) > 1e-3 {
			t.Errorf("x[%d] = %v, want %v", i, v, target.Data[i])
		}
	}
}

func TestAdamRefusesNonFiniteGradient(t *testing.T) {
	var ps ParamSet[float64]
	p := ps.Add("x", 1, 1)
	p.Value.Data[0] = 1
	p.Grad.Data[0] = math.NaN()
	opt := NewAdam(&ps, 0.1)
	if _, err := opt.Step(); err == nil {
		t.Fatal("no error for a NaN gradient")
	}
	if p.Value.Data[0] != 1 {
		t.Fatalf("parameter changed to %v", p.Value.Data[0])
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	build := func() (*ParamSet[float32], *Adam[float32], *rand.PCG) {
		var ps ParamSet[float32]
		ps.Add("w", 2, 3)
		ps.Add("b", 1, 3)
		return &ps, NewAdam(&ps, 1e-3), rand.NewPCG(5, 6)
	}
	ps, opt, src := build()
	rng := rand.New(src)
	for _, p := range ps.Nodes {
		Glorot(p, rng)
		for i := range p.Grad.Data {
			p.Grad.Data[i] = float32(rng.Float64())
		}
	}
	if _, err := opt.Step(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := (Checkpoint[float32]{Params: ps, Opt: opt, RNG: src}).Save(&buf); err != nil {
		t.Fatal(err)
	}
	want := rng.Uint64()
	ps2, opt2, src2 := build()
	if err := (Checkpoint[float32]{Params: ps2, Opt: opt2, RNG: src2}).Load(&buf); err != nil {
		t.Fatal(err)
	}
	for k := range ps.Nodes {
		for i, v := range ps.Nodes[k].Value.Data {
			if ps2.Nodes[k].Value.Data[i] != v {
				t.Fatalf("param %s[%d] = %v, want %v", ps.Names[k], i, ps2.Nodes[k].Value.Data[i], v)
			}
		}
	}
	if opt2.Steps() != 1 {
		t.Errorf("optimiser steps %d, want 1", opt2.Steps())
	}
	if got := rand.New(src2).Uint64(); got != want {
		t.Errorf("random state not restored")
	}
	var wrong ParamSet[float32]
	wrong.Add("w", 3, 3)
	wrong.Add("b", 1, 3)
	if err := (Checkpoint[float32]{Params: &wrong}).Load(bytes.NewReader(nil)); err == nil {
		t.Error("no error loading an empty checkpoint")
	}
}
