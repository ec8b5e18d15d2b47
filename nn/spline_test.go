package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// splineInputs returns random points in [−B, B] and some in the tails;
// not ±B, where the log-derivative has a kink that finite differences
// straddle (the closed-form test covers ±B).
func splineInputs(rng *rand.Rand, rows, m int, b float64) *Node[float64] {
	x := NewParam[float64](rows, m)
	special := []float64{-3 * b, 2.5 * b, 0}
	for i := range x.Value.Data {
		if i < len(special) {
			x.Value.Data[i] = special[i]
			continue
		}
		x.Value.Data[i] = b * (2*rng.Float64() - 1)
	}
	return x
}

func TestRQSplineGradients(t *testing.T) {
	s := DefaultSpline(5, 2.5)
	for _, c := range []struct {
		name     string
		rawRows  int
		inverse  bool
		rawScale float64
	}{
		{"forward/per-row", 4, false, 1.5},
		{"inverse/per-row", 4, true, 1.5},
		{"forward/shared", 1, false, 1.5},
		{"inverse/shared", 1, true, 1.5},
		{"inverse/steep", 4, true, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 1))
			x := splineInputs(rng, 4, 3, s.Bound)
			raw := randParam(rng, c.rawRows, 3*s.ParamsPer(), -c.rawScale, c.rawScale)
			f := func(tp *Tape[float64]) *Node[float64] {
				y, ld := tp.RQSpline(x, raw, s, c.inverse)
				return tp.Add(weighted(tp, y), tp.Sum(tp.Scale(ld, 0.7)))
			}
			if err := CheckGrad(f, []*Node[float64]{x, raw}, 1e-6); err > 1e-6 {
				t.Errorf("gradient error %.3g", err)
			}
		})
	}
}

// knotsOf returns the knots of the spline with parameters raw.
func knotsOf(raw []float64, s Spline) *rqKnots[float64] {
	kn := newRQKnots[float64](s)
	kn.fill(raw, s)
	return kn
}

func applySpline[T Float](x []float64, raw []float64, s Spline, inverse bool) ([]float64, float64) {
	var tp Tape[T]
	tp.NoGrad = true
	y, ld := tp.RQSpline(tp.Input(1, len(x), x), tp.Input(1, len(raw), raw), s, inverse)
	return y.Value.Float64s(), ld.Value.Float64s()[0]
}

// TestRQSplineClosedForm checks values that follow from the definition:
// the spline passes through its knots with the knots' derivatives, zero
// parameters are the identity, and the tails are the identity.
func TestRQSplineClosedForm(t *testing.T) {
	s := DefaultSpline(6, 3)
	rng := rand.New(rand.NewPCG(3, 3))
	raw := make([]float64, s.ParamsPer())
	for i := range raw {
		raw[i] = 2 * rng.NormFloat64()
	}
	kn := knotsOf(raw, s)
	for k := 0; k <= s.Bins; k++ {
		y, ld := applySpline[float64]([]float64{kn.xs[k]}, raw, s, false)
		if math.Abs(y[0]-kn.ys[k]) > 1e-12 || math.Abs(ld-math.Log(kn.ds[k])) > 1e-12 {
			t.Errorf("knot %d: f(%v) = %v, log f' = %v; want %v, %v", k, kn.xs[k], y[0], ld, kn.ys[k], math.Log(kn.ds[k]))
		}
		x, ldi := applySpline[float64]([]float64{kn.ys[k]}, raw, s, true)
		if math.Abs(x[0]-kn.xs[k]) > 1e-10 || math.Abs(ldi+math.Log(kn.ds[k])) > 1e-10 {
			t.Errorf("knot %d: f⁻¹(%v) = %v, log |f⁻¹'| = %v; want %v, %v", k, kn.ys[k], x[0], ldi, kn.xs[k], -math.Log(kn.ds[k]))
		}
	}
	for _, v := range []float64{-100, -3.0001, 3.0001, 7} {
		for _, inv := range []bool{false, true} {
			if y, ld := applySpline[float64]([]float64{v}, raw, s, inv); y[0] != v || ld != 0 {
				t.Errorf("tail %v (inverse %v): %v, logdet %v", v, inv, y[0], ld)
			}
		}
	}
	zero := make([]float64, s.ParamsPer())
	for _, v := range []float64{-2.9, -1, 0.3, 2.2} {
		if y, ld := applySpline[float64]([]float64{v}, zero, s, false); math.Abs(y[0]-v) > 1e-12 || math.Abs(ld) > 1e-12 {
			t.Errorf("zero parameters map %v to %v with logdet %v, want the identity", v, y[0], ld)
		}
	}
}

// TestRQSplineMonotoneAndInvertible sweeps a fine grid through every bin
// and both tails, with steep random splines, in both precisions.
func TestRQSplineMonotoneAndInvertible(t *testing.T) {
	s := DefaultSpline(8, 4)
	rng := rand.New(rand.NewPCG(5, 9))
	for trial := 0; trial < 20; trial++ {
		raw := make([]float64, s.ParamsPer())
		for i := range raw {
			raw[i] = 5 * rng.NormFloat64()
		}
		xs := make([]float64, 0, 2001)
		for i := 0; i <= 2000; i++ {
			xs = append(xs, -5+10*float64(i)/2000)
		}
		xs = append(xs, knotsOf(raw, s).xs...)
		checkRoundTrip[float64](t, xs, raw, s, 1e-9, 1e-7)
		// Such steep splines (slopes from 0.01 to 100 in adjacent bins)
		// are ill-conditioned at float32's precision; milder ones are not.
		mild := make([]float64, len(raw))
		for i, v := range raw {
			mild[i] = 0.3 * v
		}
		checkRoundTrip[float32](t, append(xs[:2001:2001], knotsOf(mild, s).xs...), mild, s, 1e-4, 0.03)
		prev := math.Inf(-1)
		for _, x := range xs[:2001] {
			y, _ := applySpline[float64]([]float64{x}, raw, s, false)
			if !(y[0] > prev) {
				t.Fatalf("trial %d: f(%v) = %v not above %v", trial, x, y[0], prev)
			}
			prev = y[0]
		}
	}
}

func checkRoundTrip[T Float](t *testing.T, xs, raw []float64, s Spline, tol, tolLogDet float64) {
	t.Helper()
	for _, x := range xs {
		z, ldf := applySpline[T]([]float64{x}, raw, s, false)
		back, ldi := applySpline[T](z, raw, s, true)
		// Rounding z to T's precision moves the inverse by up to
		// ulp(z)/f'(x): flat stretches of the spline magnify it.
		cond := eps[T]() * (1 + math.Abs(z[0])) / math.Exp(ldf)
		if math.IsNaN(back[0]) || math.Abs(back[0]-x) > tol*(1+math.Abs(x))+4*cond {
			t.Fatalf("%T: f⁻¹(f(%v)) = %v", T(0), x, back[0])
		}
		if math.IsNaN(ldf) || math.Abs(ldf+ldi) > tolLogDet {
			t.Fatalf("%T at %v: logdet %v forward, %v inverse", T(0), x, ldf, ldi)
		}
	}
}

// TestRQSplineLogDetNumeric compares log dy/dx with central differences
// of the output, in both directions.
func TestRQSplineLogDetNumeric(t *testing.T) {
	s := DefaultSpline(7, 3)
	rng := rand.New(rand.NewPCG(8, 8))
	raw := make([]float64, s.ParamsPer())
	for i := range raw {
		raw[i] = 2 * rng.NormFloat64()
	}
	const h = 1e-7
	for i := 0; i < 200; i++ {
		v := 3.5 * (2*rng.Float64() - 1)
		for _, inv := range []bool{false, true} {
			_, ld := applySpline[float64]([]float64{v}, raw, s, inv)
			up, _ := applySpline[float64]([]float64{v + h}, raw, s, inv)
			down, _ := applySpline[float64]([]float64{v - h}, raw, s, inv)
			if num := math.Log((up[0] - down[0]) / (2 * h)); math.Abs(num-ld) > 1e-5 {
				t.Errorf("at %v (inverse %v): logdet %v, numerical %v", v, inv, ld, num)
			}
		}
	}
}

func TestRQSplineFloat32GradientsMatch(t *testing.T) {
	s := DefaultSpline(4, 3)
	rng := rand.New(rand.NewPCG(2, 2))
	x64 := splineInputs(rng, 6, 2, s.Bound)
	raw64 := randParam(rng, 6, 2*s.ParamsPer(), -1, 1)
	for _, inv := range []bool{false, true} {
		g64 := splineGrads(x64, raw64, s, inv)
		x32, raw32 := NewParam[float32](6, 2), NewParam[float32](6, 2*s.ParamsPer())
		fromF64(x32.Value.Data, x64.Value.Data)
		fromF64(raw32.Value.Data, raw64.Value.Data)
		g32 := splineGrads(x32, raw32, s, inv)
		for i := range g64 {
			if math.Abs(g64[i]-g32[i]) > 1e-3*(1+math.Abs(g64[i])) {
				t.Errorf("inverse %v: gradient %d is %v in float32, %v in float64", inv, i, g32[i], g64[i])
			}
		}
	}
}

func splineGrads[T Float](x, raw *Node[T], s Spline, inverse bool) []float64 {
	clear(x.Grad.Data)
	clear(raw.Grad.Data)
	var tp Tape[T]
	y, ld := tp.RQSpline(x, raw, s, inverse)
	tp.Backward(tp.Add(tp.Sum(tp.Square(y)), tp.Sum(ld)))
	return append(x.Grad.Float64s(), raw.Grad.Float64s()...)
}

func TestSplineCheck(t *testing.T) {
	for _, s := range []Spline{
		{Bins: 0, Bound: 1},
		{Bins: 4, Bound: 0},
		{Bins: 4, Bound: 1, MinWidth: 0.25},
		{Bins: 4, Bound: 1, MinHeight: 0.3},
		{Bins: 4, Bound: 1, MinDeriv: 1},
	} {
		if s.Check() == nil {
			t.Errorf("%+v accepted", s)
		}
	}
	if err := DefaultSpline(64, 4).Check(); err != nil {
		t.Error(err)
	}
}

// eps is the unit roundoff of T.
func eps[T Float]() float64 {
	if _, ok := any(T(0)).(float32); ok {
		return 0x1p-24
	}
	return 0x1p-53
}

// TestRQSplineSameOnAnyCores runs a pass large enough to be split over
// the cores on one core and on two, with parameters per row and shared by
// all rows, in both directions: outputs and log-determinants bit for bit.
func TestRQSplineSameOnAnyCores(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	s := DefaultSpline(8, 3)
	rng := rand.New(rand.NewPCG(11, 11))
	rows, cols := 3001, 3
	x := make([]float64, rows*cols)
	for i := range x {
		x[i] = rng.NormFloat64() * 2
	}
	perRow := make([]float64, rows*cols*s.ParamsPer())
	for i := range perRow {
		perRow[i] = rng.NormFloat64()
	}
	run := func(procs int, rawRows int, inverse bool) ([]float32, []float32) {
		runtime.GOMAXPROCS(procs)
		var tp Tape[float32]
		tp.NoGrad = true
		y, ld := tp.RQSpline(tp.Input(rows, cols, x), tp.Input(rawRows, cols*s.ParamsPer(), perRow[:rawRows*cols*s.ParamsPer()]), s, inverse)
		return append([]float32(nil), y.Value.Data...), append([]float32(nil), ld.Value.Data...)
	}
	for _, rawRows := range []int{rows, 1} {
		for _, inverse := range []bool{false, true} {
			y1, l1 := run(1, rawRows, inverse)
			y2, l2 := run(2, rawRows, inverse)
			for i := range y1 {
				if math.Float32bits(y1[i]) != math.Float32bits(y2[i]) {
					t.Fatalf("raw rows %d inverse %v: y[%d] %v on one core, %v on two", rawRows, inverse, i, y1[i], y2[i])
				}
			}
			for i := range l1 {
				if math.Float32bits(l1[i]) != math.Float32bits(l2[i]) {
					t.Fatalf("raw rows %d inverse %v: logdet[%d] %v on one core, %v on two", rawRows, inverse, i, l1[i], l2[i])
				}
			}
		}
	}
}

// TestRQSplineValuesOnly: with ValuesOnly the values are the same bits
// and every log-determinant is NaN (never a plausible number).
func TestRQSplineValuesOnly(t *testing.T) {
	s := DefaultSpline(8, 3)
	rng := rand.New(rand.NewPCG(12, 12))
	rows, cols := 200, 2
	x := make([]float64, rows*cols)
	for i := range x {
		x[i] = rng.NormFloat64() * 2
	}
	raw := make([]float64, rows*cols*s.ParamsPer())
	for i := range raw {
		raw[i] = rng.NormFloat64()
	}
	for _, inverse := range []bool{false, true} {
		var full, vals Tape[float64]
		full.NoGrad, vals.NoGrad, vals.ValuesOnly = true, true, true
		y1, _ := full.RQSpline(full.Input(rows, cols, x), full.Input(rows, cols*s.ParamsPer(), raw), s, inverse)
		y2, ld := vals.RQSpline(vals.Input(rows, cols, x), vals.Input(rows, cols*s.ParamsPer(), raw), s, inverse)
		for i := range y1.Value.Data {
			if math.Float64bits(y1.Value.Data[i]) != math.Float64bits(y2.Value.Data[i]) {
				t.Fatalf("inverse %v: y[%d] %v, values only %v", inverse, i, y1.Value.Data[i], y2.Value.Data[i])
			}
		}
		for i, v := range ld.Value.Data {
			if !math.IsNaN(v) {
				t.Fatalf("inverse %v: logdet[%d] = %v with ValuesOnly, want NaN", inverse, i, v)
			}
		}
	}
}

// TestRQLanesMatchScalar: knots normalised four at a time have the bits
// of the one-at-a-time code, for ordinary parameters and for some whose
// differences leave exp64x4's range (the lanes then take expInto).
func TestRQLanesMatchScalar(t *testing.T) {
	if !rqLanesOK {
		t.Skip("no lanes in this build")
	}
	for _, bins := range []int{1, 4, 16} {
		s := DefaultSpline(bins, 5)
		rng := rand.New(rand.NewPCG(uint64(bins), 9))
		for trial := 0; trial < 50; trial++ {
			var raws [4][]float32
			for l := range raws {
				raws[l] = make([]float32, s.ParamsPer())
				for i := range raws[l] {
					raws[l][i] = float32(rng.NormFloat64() * 3)
				}
			}
			if trial%10 == 9 {
				raws[trial%4][0] = -900 // e^−900 is a denormal: math.Exp's own branch
			}
			ln := getRQLanes[float32](s)
			ln.fill(&raws)
			for l := range raws {
				want := newRQKnots[float32](s)
				want.fillLazy(raws[l], s)
				for j := 0; j <= bins; j++ {
					if math.Float64bits(ln.kn[l].xs[j]) != math.Float64bits(want.xs[j]) || math.Float64bits(ln.kn[l].ys[j]) != math.Float64bits(want.ys[j]) {
						t.Fatalf("bins %d trial %d lane %d knot %d: (%v, %v), scalar (%v, %v)", bins, trial, l, j, ln.kn[l].xs[j], ln.kn[l].ys[j], want.xs[j], want.ys[j])
					}
				}
			}
		}
	}
}

// TestRQSplineLogDetAlone: with only the log-determinant in the loss,
// y's gradient is never written; its (fresh, in tests NaN-filled) buffer
// must read as zeros, as when y enters the loss with weight zero.
func TestRQSplineLogDetAlone(t *testing.T) {
	s := DefaultSpline(6, 3)
	rng := rand.New(rand.NewPCG(13, 13))
	rows, cols := 7, 2
	xs := make([]float64, rows*cols)
	for i := range xs {
		xs[i] = rng.NormFloat64()
	}
	raws := make([]float64, rows*cols*s.ParamsPer())
	for i := range raws {
		raws[i] = rng.NormFloat64()
	}
	for _, inverse := range []bool{false, true} {
		grads := func(withY bool) []float64 {
			var tp Tape[float64]
			x := tp.Var(&Mat[float64]{Rows: rows, Cols: cols, Data: append([]float64(nil), xs...)})
			raw := tp.Var(&Mat[float64]{Rows: rows, Cols: cols * s.ParamsPer(), Data: append([]float64(nil), raws...)})
			y, ld := tp.RQSpline(x, raw, s, inverse)
			loss := tp.Sum(ld)
			if withY {
				loss = tp.Add(loss, tp.Scale(tp.Sum(y), 0))
			}
			tp.Backward(loss)
			return append(append([]float64(nil), x.Grad.Data...), raw.Grad.Data...)
		}
		alone, weighted := grads(false), grads(true)
		for i := range alone {
			if math.Float64bits(alone[i]) != math.Float64bits(weighted[i]) {
				t.Fatalf("inverse %v: gradient %d = %v alone, %v with y weighted 0", inverse, i, alone[i], weighted[i])
			}
		}
	}
}
