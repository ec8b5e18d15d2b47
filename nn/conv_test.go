package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveConv is the definition of Conv2D written as plain loops.
func naiveConv(x, w, mask, b *Mat[float64], in ImageShape, k int) *Mat[float64] {
	cout, p := w.Rows, k/2
	out := NewMat[float64](x.Rows, cout*in.H*in.W)
	for n := 0; n < x.Rows; n++ {
		for o := 0; o < cout; o++ {
			for i := 0; i < in.H; i++ {
				for j := 0; j < in.W; j++ {
					s := 0.0
					if b != nil {
						s = b.Data[o]
					}
					for c := 0; c < in.C; c++ {
						for u := 0; u < k; u++ {
							for v := 0; v < k; v++ {
								si, sj := i+u-p, j+v-p
								if si < 0 || si >= in.H || sj < 0 || sj >= in.W {
									continue
								}
								col := (c*k+u)*k + v
								wv := w.At(o, col)
								if mask != nil {
									wv *= mask.At(o, col)
								}
								s += wv * x.At(n, (c*in.H+si)*in.W+sj)
							}
						}
					}
					out.Set(n, (o*in.H+i)*in.W+j, s)
				}
			}
		}
	}
	return out
}

type convCase struct {
	name  string
	in    ImageShape
	cout  int
	k     int
	batch int
	mask  string // "", "A" or "B"
	group int
	bias  bool
}

var convCases = []convCase{
	{"1x1 plain", ImageShape{3, 3, 4}, 2, 1, 2, "", 1, true},
	{"1x1 type B, 2 groups", ImageShape{4, 3, 3}, 4, 1, 3, "B", 2, true},
	{"3x3 plain", ImageShape{2, 4, 5}, 3, 3, 3, "", 1, true},
	{"3x3 no bias", ImageShape{2, 5, 4}, 3, 3, 2, "", 1, false},
	{"3x3 type A", ImageShape{1, 4, 4}, 3, 3, 2, "A", 1, true},
	{"3x3 type B, 3 groups", ImageShape{3, 4, 3}, 6, 3, 2, "B", 3, true},
	{"5x5 type B", ImageShape{2, 4, 5}, 2, 5, 3, "B", 1, true},
	{"7x7 type A on 3x3 images", ImageShape{1, 3, 3}, 2, 7, 1, "A", 1, true},
	{"5x5 type A, 2 groups", ImageShape{2, 5, 5}, 4, 5, 2, "A", 2, false},
}

func (c convCase) build(seed uint64) (x, w, b *Node[float64], mask *Mat[float64]) {
	rng := rand.New(rand.NewPCG(seed, 17))
	x = randParam(rng, c.batch, c.in.Size(), -1, 1)
	w = randParam(rng, c.cout, c.in.C*c.k*c.k, -1, 1)
	if c.bias {
		b = randParam(rng, 1, c.cout, -1, 1)
	}
	if c.mask != "" {
		mask = CausalMask[float64](c.mask == "A", c.in.C, c.cout, c.k, c.group)
	}
	return
}

func TestConv2DMatchesDefinition(t *testing.T) {
	for i, c := range convCases {
		t.Run(c.name, func(t *testing.T) {
			x, w, b, mask := c.build(uint64(i))
			var tp Tape[float64]
			tp.NoGrad = true
			got := tp.Conv2D(x, c.in, w, c.k, mask, b)
			var bv *Mat[float64]
			if b != nil {
				bv = b.Value
			}
			want := naiveConv(x.Value, w.Value, mask, bv, c.in, c.k)
			if got.Value.Rows != want.Rows || got.Value.Cols != want.Cols {
				t.Fatalf("output %s, want %s", got.Value.shape(), want.shape())
			}
			for j, v := range want.Data {
				if math.Abs(got.Value.Data[j]-v) > 1e-12 {
					t.Fatalf("output[%d] = %v, want %v", j, got.Value.Data[j], v)
				}
			}
		})
	}
}

func TestConv2DGradients(t *testing.T) {
	for i, c := range convCases {
		t.Run(c.name, func(t *testing.T) {
			x, w, b, mask := c.build(uint64(100 + i))
			wrt := []*Node[float64]{x, w}
			if b != nil {
				wrt = append(wrt, b)
			}
			f := func(tp *Tape[float64]) *Node[float64] {
				// A nonlinearity after the convolution makes the check see
				// each output through a different coefficient.
				return weighted(tp, tp.Tanh(tp.Conv2D(x, c.in, w, c.k, mask, b)))
			}
			if err := CheckGrad(f, wrt, 1e-6); err > 1e-6 {
				t.Errorf("max relative gradient error %.3g > 1e-6", err)
			}
			if mask != nil {
				for j, m := range mask.Data {
					if m == 0 && w.Grad.Data[j] != 0 {
						t.Fatalf("masked weight %d has gradient %v", j, w.Grad.Data[j])
					}
				}
			}
		})
	}
}

func TestCropImages(t *testing.T) {
	in := ImageShape{2, 4, 5}
	rng := rand.New(rand.NewPCG(9, 9))
	x := randParam(rng, 3, in.Size(), -1, 1)
	var tp Tape[float64]
	got := tp.CropImages(x, in, 1, 2, 3, 2).Value
	for n := 0; n < 3; n++ {
		for c := 0; c < 2; c++ {
			for i := 0; i < 3; i++ {
				for j := 0; j < 2; j++ {
					if g, w := got.At(n, (c*3+i)*2+j), x.Value.At(n, (c*4+1+i)*5+2+j); g != w {
						t.Fatalf("image %d, channel %d, (%d, %d): %v, want %v", n, c, i, j, g, w)
					}
				}
			}
		}
	}
	f := func(tp *Tape[float64]) *Node[float64] {
		return weighted(tp, tp.Tanh(tp.CropImages(x, in, 1, 2, 3, 2)))
	}
	if err := CheckGrad(f, []*Node[float64]{x}, 1e-6); err > 1e-6 {
		t.Errorf("max relative gradient error %.3g > 1e-6", err)
	}
}

func TestConv2DFloat32MatchesFloat64(t *testing.T) {
	c := convCases[5]
	x, w, b, mask := c.build(7)
	conv32 := func(n *Node[float64]) *Node[float32] {
		p := NewParam[float32](n.Value.Rows, n.Value.Cols)
		for i, v := range n.Value.Data {
			p.Value.Data[i] = float32(v)
		}
		return p
	}
	x32, w32, b32 := conv32(x), conv32(w), conv32(b)
	m32 := CausalMask[float32](false, c.in.C, c.cout, c.k, c.group)
	var t64 Tape[float64]
	var t32 Tape[float32]
	y64 := t64.Conv2D(x, c.in, w, c.k, mask, b)
	y32 := t32.Conv2D(x32, c.in, w32, c.k, m32, b32)
	t64.Backward(t64.Sum(t64.Square(y64)))
	t32.Backward(t32.Sum(t32.Square(y32)))
	for i, v := range y64.Value.Data {
		if math.Abs(float64(y32.Value.Data[i])-v) > 1e-5*(1+math.Abs(v)) {
			t.Fatalf("float32 output[%d] = %v, float64 %v", i, y32.Value.Data[i], v)
		}
	}
	for i, v := range w.Grad.Data {
		if math.Abs(float64(w32.Grad.Data[i])-v) > 1e-4*(1+math.Abs(v)) {
			t.Fatalf("float32 weight gradient[%d] = %v, float64 %v", i, w32.Grad.Data[i], v)
		}
	}
}

// TestCausalMaskDependencies perturbs each input value of a masked
// convolution with random weights and records which outputs move. Output
// channel o at pixel (i, j) must depend on input channel c at pixel
// (si, sj) exactly when (si, sj) is inside the kernel window and comes
// before (i, j) in raster order, or is (i, j) itself and the channel
// groups allow it (type A: group(c) < group(o); type B: ≤).
func TestCausalMaskDependencies(t *testing.T) {
	cases := []struct {
		typeA       bool
		in          ImageShape
		cout, k, gr int
	}{
		{true, ImageShape{1, 5, 6}, 2, 3, 1},
		{false, ImageShape{1, 5, 6}, 2, 3, 1},
		{true, ImageShape{1, 6, 5}, 2, 5, 1},
		{false, ImageShape{2, 4, 4}, 3, 3, 1},
		{true, ImageShape{3, 4, 4}, 6, 3, 3},
		{false, ImageShape{3, 4, 4}, 6, 3, 3},
		{true, ImageShape{2, 4, 4}, 4, 1, 2},
	}
	for n, c := range cases {
		kind := map[bool]string{true: "A", false: "B"}[c.typeA]
		t.Run(fmt.Sprintf("type%s/%s/k%d/groups%d", kind, c.in, c.k, c.gr), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(n), 3))
			w := randParam(rng, c.cout, c.in.C*c.k*c.k, 0.5, 1.5) // no zero weights
			mask := CausalMask[float64](c.typeA, c.in.C, c.cout, c.k, c.gr)
			x := randParam(rng, 1, c.in.Size(), -1, 1)
			run := func() []float64 {
				var tp Tape[float64]
				tp.NoGrad = true
				return tp.Conv2D(tp.Const(x.Value), c.in, w, c.k, mask, nil).Value.Float64s()
			}
			base := run()
			p := c.k / 2
			for ci := 0; ci < c.in.C; ci++ {
				for si := 0; si < c.in.H; si++ {
					for sj := 0; sj < c.in.W; sj++ {
						idx := (ci*c.in.H+si)*c.in.W + sj
						old := x.Value.Data[idx]
						x.Value.Data[idx] = old + 1
						moved := run()
						x.Value.Data[idx] = old
						for o := 0; o < c.cout; o++ {
							for i := 0; i < c.in.H; i++ {
								for j := 0; j < c.in.W; j++ {
									inWindow := abs(si-i) <= p && abs(sj-j) <= p
									before := si < i || (si == i && sj < j)
									same := si == i && sj == j
									gi, go_ := ci%c.gr, o%c.gr
									want := inWindow && (before || (same && (gi < go_ || (!c.typeA && gi == go_))))
									k := (o*c.in.H+i)*c.in.W + j
									got := moved[k] != base[k]
									if got != want {
										t.Fatalf("output (ch %d, %d,%d) depends on input (ch %d, %d,%d): %v, want %v",
											o, i, j, ci, si, sj, got, want)
									}
								}
							}
						}
					}
				}
			}
		})
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestConv2DReusesBuffers(t *testing.T) {
	in := ImageShape{1, 8, 8}
	rng := rand.New(rand.NewPCG(1, 1))
	x := NewMat[float32](4, in.Size())
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64())
	}
	w := NewParam[float32](4, 9)
	b := NewParam[float32](1, 4)
	Uniform(w, 1, rng)
	mask := CausalMask[float32](true, 1, 4, 3, 1)
	var tp Tape[float32]
	step := func() {
		tp.Reset()
		tp.Backward(tp.Mean(tp.Square(tp.Conv2D(tp.Const(x), in, w, 3, mask, b))))
	}
	step()
	n := len(tp.bufs)
	step()
	if len(tp.bufs) != n {
		t.Fatalf("tape buffers grew from %d to %d between identical steps", n, len(tp.bufs))
	}
}

// TestRecycledBuffersNeedNoZeroing: ops that skip zeroing their recycled
// value buffers (Conv2D and its im2col columns, Relu, Add) must write
// every element. Poisoning every buffer with NaN between two identical
// steps must not change the loss or the gradients. The feature maps are
// large enough for the elementwise ops to split across goroutines.
func TestRecycledBuffersNeedNoZeroing(t *testing.T) {
	in := ImageShape{2, 28, 28}
	rng := rand.New(rand.NewPCG(5, 6))
	x := NewMat[float32](24, in.Size())
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64())
	}
	w3, b3 := NewParam[float32](8, 2*9), NewParam[float32](1, 8)
	w1 := NewParam[float32](8, 8)
	Uniform(w3, 1, rng)
	Uniform(b3, 1, rng)
	Uniform(w1, 1, rng)
	mask := CausalMask[float32](true, 2, 8, 3, 1)
	var tp Tape[float32]
	step := func() (float64, []float32) {
		for _, p := range []*Node[float32]{w3, b3, w1} {
			clear(p.Grad.Data)
		}
		tp.Reset()
		h := tp.Relu(tp.Conv2D(tp.Const(x), in, w3, 3, mask, b3))
		f := tp.Add(h, tp.Conv2D(h, ImageShape{8, 28, 28}, w1, 1, nil, nil))
		if n := len(f.Value.Data); n < 2*elemGrain {
			t.Fatalf("feature map of %d values does not reach the parallel split at %d", n, 2*elemGrain)
		}
		loss := tp.Mean(tp.Square(f))
		tp.Backward(loss)
		var g []float32
		for _, p := range []*Node[float32]{w3, b3, w1} {
			g = append(g, p.Grad.Data...)
		}
		return Scalar(loss), g
	}
	loss, grads := step()
	nan := float32(math.NaN())
	for _, b := range tp.bufs {
		for i := range b.Data[:cap(b.Data)] {
			b.Data[:cap(b.Data)][i] = nan
		}
	}
	loss2, grads2 := step()
	if loss2 != loss {
		t.Errorf("loss %v after poisoning the recycled buffers, %v before", loss2, loss)
	}
	for i := range grads {
		if grads2[i] != grads[i] {
			t.Fatalf("gradient %d is %v after poisoning the recycled buffers, %v before", i, grads2[i], grads[i])
		}
	}
}

func BenchmarkConv2D3x3(b *testing.B) {
	in := ImageShape{16, 28, 28}
	rng := rand.New(rand.NewPCG(1, 1))
	x := NewParam[float32](64, in.Size())
	Uniform(x, 1, rng)
	w := NewParam[float32](16, 16*9)
	bias := NewParam[float32](1, 16)
	Glorot(w, rng)
	mask := CausalMask[float32](false, 16, 16, 3, 1)
	var tp Tape[float32]
	b.ResetTimer()
	for range b.N {
		tp.Reset()
		tp.Backward(tp.Mean(tp.Conv2D(x, in, w, 3, mask, bias)))
	}
}

// TestPlaneSumsInOrder checks that planeSums adds each plane up in order
// from its first value, bit for bit, for plane counts around its
// four-plane step.
func TestPlaneSumsInOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, planes := range []int{1, 3, 4, 5, 9} {
		const hw = 37
		g := make([]float32, planes*hw)
		for i := range g {
			g[i] = float32(rng.NormFloat64()) * float32(math.Pow(10, float64(rng.IntN(6)-3)))
		}
		got := make([]float32, planes)
		planeSums(got, g, hw)
		for c := range planes {
			var want float32
			for _, v := range g[c*hw : (c+1)*hw] {
				want += v
			}
			if math.Float32bits(got[c]) != math.Float32bits(want) {
				t.Errorf("%d planes: plane %d sums to %v, want %v (in order)", planes, c, got[c], want)
			}
		}
	}
}

// TestConv2DAddSameAsAdd: Conv2DAdd gives Add(res, Conv2D(…))'s values
// and every gradient (input, weights, bias, res) bit for bit, with res
// also read elsewhere so that its gradient has two contributions.
func TestConv2DAddSameAsAdd(t *testing.T) {
	for i, c := range convCases {
		t.Run(c.name, func(t *testing.T) {
			run := func(fused bool) []float64 {
				x, w, b, mask := c.build(uint64(i))
				rng := rand.New(rand.NewPCG(uint64(i), 23))
				res := randParam(rng, c.batch, c.cout*c.in.H*c.in.W, -1, 1)
				var tp Tape[float64]
				r := tp.Relu(res) // a second reader of res
				var y *Node[float64]
				if fused {
					y = tp.Conv2DAdd(r, x, c.in, w, c.k, mask, b)
				} else {
					y = tp.Add(r, tp.Conv2D(x, c.in, w, c.k, mask, b))
				}
				tp.Backward(tp.Sum(tp.Mul(tp.Square(y), r)))
				return valuesAndGrads(y, x, w, b, res)
			}
			requireSameBits(t, run(false), run(true))
		})
	}
}

// TestConv2DReluSameAsRelu: Conv2DRelu gives Relu(Conv2D(…))'s values and
// gradients bit for bit.
func TestConv2DReluSameAsRelu(t *testing.T) {
	for i, c := range convCases {
		t.Run(c.name, func(t *testing.T) {
			run := func(fused bool) []float64 {
				x, w, b, mask := c.build(uint64(i))
				var tp Tape[float64]
				var y *Node[float64]
				if fused {
					y = tp.Conv2DRelu(x, c.in, w, c.k, mask, b)
				} else {
					y = tp.Relu(tp.Conv2D(x, c.in, w, c.k, mask, b))
				}
				tp.Backward(tp.Sum(tp.Square(tp.AddScalar(y, -0.3))))
				return valuesAndGrads(y, x, w, b)
			}
			requireSameBits(t, run(false), run(true))
		})
	}
}

// valuesAndGrads returns y's values followed by the gradients of the
// given nodes (nil ones skipped), for comparing two ways of computing y.
func valuesAndGrads(y *Node[float64], nodes ...*Node[float64]) []float64 {
	out := append([]float64(nil), y.Value.Data...)
	for _, n := range nodes {
		if n != nil {
			out = append(out, n.Grad.Data...)
		}
	}
	return out
}

// requireSameBits fails unless the fused computation's numbers are the
// separate ops' bit for bit.
func requireSameBits(t *testing.T, apart, fused []float64) {
	t.Helper()
	for j := range apart {
		if !sameBits(fused[j], apart[j]) {
			t.Fatalf("value %d: %v fused, %v apart", j, fused[j], apart[j])
		}
	}
}
