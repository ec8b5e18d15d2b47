package glow

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models/flow"
	"github.com/genbench/genbench/nn"
)

// transformCase names a transform and the image shape it runs on.
type transformCase struct {
	kind  string
	shape nn.ImageShape
}

// transformCases is the property table: every Glow transform, and whole
// multi-scale flows, on tiny images.
var transformCases = []transformCase{
	{"squeeze", nn.ImageShape{C: 1, H: 4, W: 4}},
	{"squeeze", nn.ImageShape{C: 2, H: 2, W: 4}},
	{"actnorm", nn.ImageShape{C: 2, H: 4, W: 4}},
	{"invconv", nn.ImageShape{C: 4, H: 2, W: 2}},
	{"invconv", nn.ImageShape{C: 3, H: 3, W: 2}},
	{"coupling", nn.ImageShape{C: 4, H: 2, W: 2}},
	{"coupling", nn.ImageShape{C: 3, H: 3, W: 3}},
	{"coupling-floored", nn.ImageShape{C: 4, H: 2, W: 2}},
	{"split-prior", nn.ImageShape{C: 4, H: 2, W: 2}},
	{"prefix-coupling", nn.ImageShape{C: 4, H: 2, W: 2}},
	{"glow", nn.ImageShape{C: 1, H: 4, W: 4}},
	{"glow", nn.ImageShape{C: 2, H: 4, W: 4}},
	{"top-prior", nn.ImageShape{C: 2, H: 2, W: 2}},
	{"glow-full", nn.ImageShape{C: 1, H: 4, W: 4}},
}

func (c transformCase) String() string { return fmt.Sprintf("%s/%s", c.kind, c.shape) }

// buildCase builds the case's transform with every parameter random
// (uniform in ±0.4 from seed), so that no test runs on the identity that
// zero-initialised layers start as.
func buildCase[T nn.Float](tb testing.TB, c transformCase, seed uint64) (flow.Transform[T], *nn.ParamSet[T]) {
	rng := rand.New(rand.NewPCG(seed, 7))
	ps := &nn.ParamSet[T]{}
	var tr flow.Transform[T]
	switch c.kind {
	case "squeeze":
		tr = NewSqueeze[T](c.shape)
	case "actnorm":
		tr = NewActNorm(ps, "a", c.shape)
	case "invconv":
		tr = NewInvConv(ps, "i", c.shape, rng)
	case "coupling":
		tr = NewCoupling(ps, "c", c.shape, 5, 0, NetOptions{}, rng)
	case "coupling-floored":
		tr = NewCoupling(ps, "c", c.shape, 5, 0.3, NetOptions{ActNorm: true, ZeroScale: 3}, rng) // a high floor, so that it matters
	case "split-prior":
		tr = NewSplitPrior(ps, "s", c.shape, NetOptions{ZeroScale: 3}, rng)
	case "prefix-coupling":
		half := nn.ImageShape{C: c.shape.C / 2, H: c.shape.H, W: c.shape.W}
		tr = &Prefix[T]{N: half.Size(), Inner: NewCoupling(ps, "c", half, 5, 0.01, NetOptions{}, rng)}
	case "top-prior":
		tr = NewTopPrior(ps, "t", c.shape.Size())
	case "glow", "glow-full":
		cfg := Config{Shape: c.shape, Levels: 2, Steps: 2, Hidden: 4, MinScale: 1e-3, Temperature: 1, LR: 1e-3, Seed: seed}
		if c.kind == "glow-full" { // every option of Glow's code
			cfg.Net, cfg.LearnTop = NetOptions{ActNorm: true, ZeroScale: 3}, true
		}
		g, err := New[T](cfg)
		if err != nil {
			tb.Fatal(err)
		}
		tr, ps = g.Flow, &g.Params
	default:
		tb.Fatalf("unknown transform %q", c.kind)
	}
	for _, p := range ps.Nodes {
		nn.Uniform(p, 0.4, rng)
	}
	return tr, ps
}

// apply runs tr on one row without gradients.
func apply[T nn.Float](tr flow.Transform[T], x []float64, inverse bool) ([]float64, float64) {
	var t nn.Tape[T]
	t.NoGrad = true
	in := t.Input(1, len(x), x)
	var out, ld *nn.Node[T]
	if inverse {
		out, ld = tr.Inverse(&t, in)
	} else {
		out, ld = tr.Forward(&t, in)
	}
	return out.Value.Float64s(), float64(ld.Value.Data[0])
}

// numericLogDet is log|det J| of x ↦ tr(x) (or its inverse) from a
// Jacobian by central differences, computed afresh for every x.
func numericLogDet(tr flow.Transform[float64], x []float64, inverse bool) float64 {
	d := len(x)
	j := mat.NewDense(d, d, nil)
	const h = 1e-5
	for c := 0; c < d; c++ {
		xp := append([]float64(nil), x...)
		xm := append([]float64(nil), x...)
		xp[c] += h
		xm[c] -= h
		yp, _ := apply(tr, xp, inverse)
		ym, _ := apply(tr, xm, inverse)
		for r := 0; r < d; r++ {
			j.Set(r, c, (yp[r]-ym[r])/(2*h))
		}
	}
	var lu mat.LU
	lu.Factorize(j)
	ld, _ := lu.LogDet()
	return ld
}

// testInputs are rows to push through a transform: typical values and
// values far in the tails.
func testInputs(d int, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 9))
	var rows [][]float64
	for _, scale := range []float64{0.5, 1.5, 4} {
		x := make([]float64, d)
		for i := range x {
			x[i] = scale * rng.NormFloat64()
		}
		rows = append(rows, x)
	}
	return rows
}

func TestTransformsInvertAndLogDet(t *testing.T) {
	for i, c := range transformCases {
		t.Run(c.String(), func(t *testing.T) {
			tr, _ := buildCase[float64](t, c, uint64(i))
			for _, x := range testInputs(c.shape.Size(), uint64(i)) {
				z, ldf := apply(tr, x, false)
				back, ldi := apply(tr, z, true)
				for k := range x {
					if math.Abs(back[k]-x[k]) > 1e-9*(1+math.Abs(x[k])) {
						t.Fatalf("inverse(forward(x))[%d] = %v, want %v", k, back[k], x[k])
					}
				}
				if math.Abs(ldf+ldi) > 1e-9*(1+math.Abs(ldf)) {
					t.Errorf("forward logdet %v + inverse logdet %v ≠ 0", ldf, ldi)
				}
				if num := numericLogDet(tr, x, false); math.Abs(num-ldf) > 1e-6*(1+math.Abs(ldf)) {
					t.Errorf("forward logdet %v, numerical Jacobian gives %v", ldf, num)
				}
				if num := numericLogDet(tr, z, true); math.Abs(num-ldi) > 1e-6*(1+math.Abs(ldi)) {
					t.Errorf("inverse logdet %v, numerical Jacobian gives %v", ldi, num)
				}
				// and the other way round: z → x → z. The inverse of a tail
				// input can be large, and rounding in the forward pass then
				// grows with it: the tolerance does too.
				x2, _ := apply(tr, x, true)
				z2, _ := apply(tr, x2, false)
				var big float64
				for _, v := range x2 {
					big = math.Max(big, math.Abs(v))
				}
				for k := range x {
					if math.Abs(z2[k]-x[k]) > 1e-9*(1+math.Abs(x[k]))+1e-12*big {
						t.Fatalf("forward(inverse(z))[%d] = %v, want %v (inverse's largest value %v)", k, z2[k], x[k], big)
					}
				}
			}
		})
	}
}

func TestTransformGradients(t *testing.T) {
	for i, c := range transformCases {
		t.Run(c.String(), func(t *testing.T) {
			tr, ps := buildCase[float64](t, c, uint64(100+i))
			rng := rand.New(rand.NewPCG(5, uint64(i)))
			x := nn.NewParam[float64](3, c.shape.Size())
			for k := range x.Value.Data {
				x.Value.Data[k] = rng.NormFloat64()
			}
			weights := nn.NewMat[float64](3, c.shape.Size())
			for k := range weights.Data {
				weights.Data[k] = rng.Float64()*2 - 1
			}
			for _, inverse := range []bool{false, true} {
				f := func(tp *nn.Tape[float64]) *nn.Node[float64] {
					var y, ld *nn.Node[float64]
					if inverse {
						y, ld = tr.Inverse(tp, x)
					} else {
						y, ld = tr.Forward(tp, x)
					}
					// random weights see every output through a different coefficient
					return tp.Add(tp.Sum(tp.MulConst(tp.Tanh(y), weights)), tp.Mean(ld))
				}
				wrt := append([]*nn.Node[float64]{x}, ps.Nodes...)
				if err := nn.CheckGrad(f, wrt, 1e-6); err > 1e-6 {
					t.Errorf("inverse=%v: max relative gradient error %.3g > 1e-6", inverse, err)
				}
			}
		})
	}
}

// TestTransformsFloat32 runs every transform in float32 with the same
// parameters and compares both directions with float64.
func TestTransformsFloat32(t *testing.T) {
	for i, c := range transformCases {
		t.Run(c.String(), func(t *testing.T) {
			tr64, _ := buildCase[float64](t, c, uint64(200+i))
			tr32, _ := buildCase[float32](t, c, uint64(200+i))
			for _, x := range testInputs(c.shape.Size(), uint64(i)) {
				for _, inverse := range []bool{false, true} {
					y64, ld64 := apply(tr64, x, inverse)
					y32, ld32 := apply(tr32, x, inverse)
					for k := range y64 {
						if math.Abs(y32[k]-y64[k]) > 1e-4*(1+math.Abs(y64[k])) {
							t.Fatalf("inverse=%v: float32 output[%d] = %v, float64 %v", inverse, k, y32[k], y64[k])
						}
					}
					if math.Abs(ld32-ld64) > 1e-4*(1+math.Abs(ld64)) {
						t.Errorf("inverse=%v: float32 logdet %v, float64 %v", inverse, ld32, ld64)
					}
				}
			}
		})
	}
}

// TestInvConvFactorsStartAtRotation checks that the LU parameterisation
// reproduces the random rotation it starts from: W·Wᵀ = I, |det W| = 1.
func TestInvConvFactorsStartAtRotation(t *testing.T) {
	for _, c := range []int{1, 3, 8} {
		var ps nn.ParamSet[float64]
		ic := NewInvConv(&ps, "i", nn.ImageShape{C: c, H: 1, W: 1}, rand.New(rand.NewPCG(uint64(c), 1)))
		var tp nn.Tape[float64]
		w := ic.Weight(&tp).Value.ToDense()
		var wwt mat.Dense
		wwt.Mul(w, w.T())
		if !mat.EqualApprox(&wwt, eye(c), 1e-12) {
			t.Errorf("%d channels: W·Wᵀ = %v, want I", c, mat.Formatted(&wwt))
		}
		var sum float64
		for _, v := range ic.LogS.Value.Data {
			sum += v
		}
		if math.Abs(sum) > 1e-12 {
			t.Errorf("%d channels: Σ log|s| = %v, want 0 for a rotation", c, sum)
		}
		for i, v := range ic.perm.Data {
			if v != 0 && v != 1 {
				t.Fatalf("permutation entry %d is %v", i, v)
			}
		}
	}
}

func eye(n int) *mat.Dense {
	m := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		m.Set(i, i, 1)
	}
	return m
}

// TestCouplingFloorBoundsInverseGain drives a float32 coupling's network
// to a very negative raw scale (bias −200 on the scale channels), as noise
// off the data's support did in a trained MNIST model: without a floor
// the inverse divides by sigmoid(−198) and overflows; with MinScale it
// multiplies by at most 1/MinScale.
func TestCouplingFloorBoundsInverseGain(t *testing.T) {
	shape := nn.ImageShape{C: 4, H: 2, W: 2}
	for _, minScale := range []float64{0, 1e-3} {
		var ps nn.ParamSet[float32]
		c := NewCoupling(&ps, "c", shape, 4, minScale, NetOptions{}, rand.New(rand.NewPCG(1, 1)))
		last := c.net[2]
		for o := 2; o < 4; o++ { // output channels 2, 3: the raw scales
			last.B.Value.Data[o] = -200
		}
		z := make([]float64, shape.Size())
		for i := range z {
			z[i] = 1
		}
		x, _ := apply[float32](c, z, true)
		var big float64
		for _, v := range x {
			big = math.Max(big, math.Abs(v))
		}
		finite := !math.IsInf(big, 0) && !math.IsNaN(big)
		switch {
		case minScale == 0 && finite:
			t.Errorf("without a floor the inverse stayed finite (largest value %v): the test no longer reaches overflow", big)
		case minScale > 0 && !(finite && big <= 1/minScale*1.001):
			t.Errorf("min scale %v: the inverse's largest value is %v, want at most %v", minScale, big, 1/minScale)
		}
	}
}
