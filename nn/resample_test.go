package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// resampleOps names the ops under test and the shape of their output.
var resampleOps = map[string]struct {
	f   func(t *Tape[float64], x *Node[float64], in ImageShape) *Node[float64]
	out func(in ImageShape) ImageShape
}{
	"AvgPool2": {
		func(t *Tape[float64], x *Node[float64], in ImageShape) *Node[float64] { return t.AvgPool2(x, in) },
		func(in ImageShape) ImageShape { return ImageShape{in.C, in.H / 2, in.W / 2} },
	},
	"Upsample2": {
		func(t *Tape[float64], x *Node[float64], in ImageShape) *Node[float64] { return t.Upsample2(x, in) },
		func(in ImageShape) ImageShape { return ImageShape{in.C, 2 * in.H, 2 * in.W} },
	},
}

// TestResampleValues checks both ops against small hand-computed cases,
// with several images and channels so that plane offsets are exercised.
func TestResampleValues(t *testing.T) {
	cases := []struct {
		op    string
		in    ImageShape
		batch int
		x     []float64
		want  []float64
	}{
		{"AvgPool2", ImageShape{1, 2, 4}, 1,
			[]float64{
				1, 2, 3, 4,
				5, 6, 7, 8},
			[]float64{3.5, 5.5}},
		{"AvgPool2", ImageShape{2, 2, 2}, 2,
			[]float64{
				1, 2, 3, 4, // image 0, channel 0
				10, 20, 30, 40, // image 0, channel 1
				0, 0, 0, 4, // image 1, channel 0
				-4, 4, 8, 0}, // image 1, channel 1
			[]float64{2.5, 25, 1, 2}},
		{"AvgPool2", ImageShape{1, 4, 4}, 1,
			[]float64{
				1, 1, 2, 4,
				1, 1, 6, 0,
				0, 0, 9, 9,
				0, 4, 9, 9},
			[]float64{
				1, 3,
				1, 9}},
		{"Upsample2", ImageShape{1, 2, 2}, 1,
			[]float64{
				1, 2,
				3, 4},
			[]float64{
				1, 1, 2, 2,
				1, 1, 2, 2,
				3, 3, 4, 4,
				3, 3, 4, 4}},
		{"Upsample2", ImageShape{2, 1, 3}, 2,
			[]float64{
				1, 2, 3, // image 0, channel 0
				4, 5, 6, // image 0, channel 1
				7, 8, 9, // image 1, channel 0
				0, -1, -2}, // image 1, channel 1
			[]float64{
				1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, // image 0, channel 0: two rows of 6
				4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6,
				7, 7, 8, 8, 9, 9, 7, 7, 8, 8, 9, 9, // image 1
				0, 0, -1, -1, -2, -2, 0, 0, -1, -1, -2, -2}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%s/batch%d", c.op, c.in, c.batch), func(t *testing.T) {
			op := resampleOps[c.op]
			var tp Tape[float64]
			got := op.f(&tp, tp.Input(c.batch, c.in.Size(), c.x), c.in).Value
			if got.Rows != c.batch || got.Cols != op.out(c.in).Size() {
				t.Fatalf("output %s, want %d×%d", got.shape(), c.batch, op.out(c.in).Size())
			}
			if fmt.Sprint(got.Data) != fmt.Sprint(c.want) {
				t.Errorf("output %v, want %v", got.Data, c.want)
			}
		})
	}
}

// TestResampleGradients compares both ops' backward passes with finite
// differences on shapes with several images and channels, non-square and
// (for Upsample2) odd sizes.
func TestResampleGradients(t *testing.T) {
	cases := []struct {
		op    string
		in    ImageShape
		batch int
	}{
		{"AvgPool2", ImageShape{1, 2, 2}, 1},
		{"AvgPool2", ImageShape{3, 4, 6}, 2},
		{"AvgPool2", ImageShape{2, 8, 4}, 3},
		{"Upsample2", ImageShape{1, 1, 1}, 1},
		{"Upsample2", ImageShape{3, 2, 3}, 2},
		{"Upsample2", ImageShape{2, 3, 5}, 3},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%s/%s/batch%d", c.op, c.in, c.batch), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 5))
			x := randParam(rng, c.batch, c.in.Size(), -1, 1)
			op := resampleOps[c.op]
			f := func(tp *Tape[float64]) *Node[float64] { return weighted(tp, tp.Tanh(op.f(tp, x, c.in))) }
			if err := CheckGrad(f, []*Node[float64]{x}, 1e-6); err > 1e-6 {
				t.Errorf("max relative gradient error %.3g > 1e-6", err)
			}
		})
	}
}

// TestPoolUndoesUpsample: averaging the 2×2 copies of each pixel gives the
// pixel back; and neither op records anything for a constant input.
func TestPoolUndoesUpsample(t *testing.T) {
	in := ImageShape{2, 3, 4}
	rng := rand.New(rand.NewPCG(1, 9))
	x := randParam(rng, 2, in.Size(), -1, 1)
	var tp Tape[float64]
	back := tp.AvgPool2(tp.Upsample2(tp.Const(x.Value), in), ImageShape{in.C, 2 * in.H, 2 * in.W})
	for i, v := range x.Value.Data {
		if back.Value.Data[i] != v {
			t.Fatalf("element %d: %v after upsampling and pooling, want %v", i, back.Value.Data[i], v)
		}
	}
	if back.Grad != nil || len(tp.ops) != 0 {
		t.Error("ops on a constant input recorded a backward pass")
	}
}

func TestResampleRejectsBadShapes(t *testing.T) {
	cases := []struct {
		name string
		f    func(tp *Tape[float64])
	}{
		{"pool odd height", func(tp *Tape[float64]) { tp.AvgPool2(tp.Const(NewMat[float64](1, 6)), ImageShape{1, 3, 2}) }},
		{"pool odd width", func(tp *Tape[float64]) { tp.AvgPool2(tp.Const(NewMat[float64](1, 6)), ImageShape{1, 2, 3}) }},
		{"pool wrong width", func(tp *Tape[float64]) { tp.AvgPool2(tp.Const(NewMat[float64](1, 8)), ImageShape{1, 2, 2}) }},
		{"upsample wrong width", func(tp *Tape[float64]) { tp.Upsample2(tp.Const(NewMat[float64](1, 5)), ImageShape{1, 2, 2}) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			var tp Tape[float64]
			c.f(&tp)
		})
	}
}
