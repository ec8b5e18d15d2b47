package flow

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/nn"
)

// The shared transform table: every transform, alone and inside whole
// flows, in float32 and float64, goes through the same property checks:
// round trips x → z → x (at random points, in the spline tails, exactly at
// ±bound and exactly at bin edges), log|det J| against a numerical
// Jacobian of the outputs in both directions, forward and inverse
// log-determinants that cancel, gradient checks in both directions, and
// 10⁵ samples that stay finite.

// tableSpline is small enough for fast checks, with a bound that random
// inputs cross, so both tails and the spline are exercised.
var tableSpline = nn.DefaultSpline(5, 2.5)

// transformCase builds one transform in d dimensions with random
// parameters; the same rng draws give the same parameters in both types.
type transformCase struct {
	name   string
	minDim int
	f64    func(d int, rng *rand.Rand) (Transform[float64], *nn.ParamSet[float64])
	f32    func(d int, rng *rand.Rand) (Transform[float32], *nn.ParamSet[float32])
}

var transformTable = []transformCase{
	{"affine-coupling", 2, affineCouplingCase[float64], affineCouplingCase[float32]},
	{"masked-affine", 1, maskedAffineCase[float64], maskedAffineCase[float32]},
	{"permutation", 1, permutationCase[float64], permutationCase[float32]},
	{"spline-coupling", 2, splineCouplingCase[float64], splineCouplingCase[float32]},
	{"masked-spline", 1, maskedSplineCase[float64], maskedSplineCase[float32]},
	{"elementwise-spline", 1, elementwiseSplineCase[float64], elementwiseSplineCase[float32]},
	{"realnvp", 2, flowCase[float64]("realnvp", nil), flowCase[float32]("realnvp", nil)},
	{"maf", 1, flowCase[float64]("maf", nil), flowCase[float32]("maf", nil)},
	{"nsf", 2, flowCase[float64]("nsf", nil), flowCase[float32]("nsf", nil)},
	{"nsf-autoregressive", 1, flowCase[float64]("nsf", map[string]any{"variant": "autoregressive", "permutation": "random"}),
		flowCase[float32]("nsf", map[string]any{"variant": "autoregressive", "permutation": "random"})},
}

var tableDims = []int{1, 2, 5}

func randomOrder(d int, rng *rand.Rand) []int {
	order := rng.Perm(d)
	for i := range order {
		order[i]++
	}
	return order
}

func affineCouplingCase[T nn.Float](d int, rng *rand.Rand) (Transform[T], *nn.ParamSet[T]) {
	var ps nn.ParamSet[T]
	return NewAffineCoupling(&ps, "c", d, d/2, []int{8, 8}, nn.ActTanh, 3, rng), &ps
}

func maskedAffineCase[T nn.Float](d int, rng *rand.Rand) (Transform[T], *nn.ParamSet[T]) {
	var ps nn.ParamSet[T]
	return NewMaskedAffine(&ps, "m", randomOrder(d, rng), []int{8, 8}, nn.ActTanh, 3, rng), &ps
}

func permutationCase[T nn.Float](d int, rng *rand.Rand) (Transform[T], *nn.ParamSet[T]) {
	return RandomPermutation[T](d, rng), &nn.ParamSet[T]{}
}

func splineCouplingCase[T nn.Float](d int, rng *rand.Rand) (Transform[T], *nn.ParamSet[T]) {
	var ps nn.ParamSet[T]
	return NewSplineCoupling(&ps, "s", d, d/2, tableSpline, []int{8, 8}, nn.ActTanh, rng), &ps
}

func maskedSplineCase[T nn.Float](d int, rng *rand.Rand) (Transform[T], *nn.ParamSet[T]) {
	var ps nn.ParamSet[T]
	return NewMaskedSpline(&ps, "s", randomOrder(d, rng), tableSpline, []int{8, 8}, nn.ActTanh, rng), &ps
}

func elementwiseSplineCase[T nn.Float](d int, _ *rand.Rand) (Transform[T], *nn.ParamSet[T]) {
	var ps nn.ParamSet[T]
	return NewElementwiseSpline(&ps, "e", d, tableSpline), &ps
}

// flowCase builds a whole registered flow (3 layers of 8 hidden units,
// splines as tableSpline) as one chained transform.
func flowCase[T nn.Float](typ string, user map[string]any) func(int, *rand.Rand) (Transform[T], *nn.ParamSet[T]) {
	return func(d int, rng *rand.Rand) (Transform[T], *nn.ParamSet[T]) {
		ty, _ := models.Lookup(typ)
		all := map[string]any{"hidden": 8, "layers": 3}
		if typ == "nsf" {
			all["bins"], all["bound"] = tableSpline.Bins, tableSpline.Bound
		}
		for k, v := range user {
			all[k] = v
		}
		p, err := ty.Params.Resolve(all)
		if err != nil {
			panic(err)
		}
		cfg := models.Config{Dim: d, Params: p, LR: 1e-3, Seed: rng.Uint64()}
		var f *Flow[T]
		switch typ {
		case "realnvp":
			f = BuildRealNVP[T](cfg)
		case "maf":
			f = BuildMAF[T](cfg)
		default:
			if f, err = BuildNSF[T](cfg); err != nil {
				panic(err)
			}
		}
		return chain[T](f.Transforms), &f.Params
	}
}

// build returns the case's transform in both types with identical
// random parameters (so float32 results can be compared with float64's).
func (c transformCase) build(d int) (Transform[float64], *nn.ParamSet[float64], Transform[float32], *nn.ParamSet[float32]) {
	t64, p64 := c.f64(d, rand.New(rand.NewPCG(uint64(d), 3)))
	t32, p32 := c.f32(d, rand.New(rand.NewPCG(uint64(d), 3)))
	randomize(p64, uint64(d))
	randomize(p32, uint64(d))
	return t64, p64, t32, p32
}

// chain composes transforms, to test whole flows with the same checks.
type chain[T nn.Float] []Transform[T]

func (c chain[T]) Forward(t *nn.Tape[T], x *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	total := zeros(t, x.Value.Rows)
	for _, tr := range c {
		var ld *nn.Node[T]
		x, ld = tr.Forward(t, x)
		total = t.Add(total, ld)
	}
	return x, total
}

func (c chain[T]) Inverse(t *nn.Tape[T], z *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	total := zeros(t, z.Value.Rows)
	for k := len(c) - 1; k >= 0; k-- {
		var ld *nn.Node[T]
		z, ld = c[k].Inverse(t, z)
		total = t.Add(total, ld)
	}
	return z, total
}

// apply maps rows of x (n×d, row-major) in one direction without
// gradients and returns the outputs and log-determinants as float64.
func apply[T nn.Float](tr Transform[T], x []float64, d int, inverse bool) ([]float64, []float64) {
	var t nn.Tape[T]
	t.NoGrad = true
	in := t.Input(len(x)/d, d, x)
	var out, ld *nn.Node[T]
	if inverse {
		out, ld = tr.Inverse(&t, in)
	} else {
		out, ld = tr.Forward(&t, in)
	}
	return out.Value.Float64s(), ld.Value.Float64s()
}

// numericLogDet is log|det J| of x ↦ tr(x) by central differences of
// the outputs (never of the transform's own log-determinant).
func numericLogDet[T nn.Float](tr Transform[T], x []float64, inverse bool, h float64) float64 {
	d := len(x)
	j := mat.NewDense(d, d, nil)
	for c := 0; c < d; c++ {
		xp := append([]float64(nil), x...)
		xm := append([]float64(nil), x...)
		xp[c] += h
		xm[c] -= h
		yp, _ := apply(tr, xp, d, inverse)
		ym, _ := apply(tr, xm, d, inverse)
		for r := 0; r < d; r++ {
			j.Set(r, c, (yp[r]-ym[r])/(2*h))
		}
	}
	var lu mat.LU
	lu.Factorize(j)
	ld, _ := lu.LogDet()
	return ld
}

// knotter is implemented by the spline transforms: the bin edges of each
// coordinate of x (nil for coordinates passed unchanged), so the table
// can place inputs exactly on them.
type knotter interface {
	binEdges(x []float64) [][]float64
}

func edgesFromRaw(raw []float64, s nn.Spline, coords int) [][]float64 {
	out := make([][]float64, coords)
	p := s.ParamsPer()
	for j := range out {
		out[j], _ = s.Knots(raw[j*p : (j+1)*p])
	}
	return out
}

func (c *SplineCoupling[T]) binEdges(x []float64) [][]float64 {
	var t nn.Tape[T]
	t.NoGrad = true
	raw := c.Net.Forward(&t, t.Input(1, c.Split, x[:c.Split])).Value.Float64s()
	return append(make([][]float64, c.Split), edgesFromRaw(raw, c.Spline, c.Dim-c.Split)...)
}

func (m *MaskedSpline[T]) binEdges(x []float64) [][]float64 {
	var t nn.Tape[T]
	t.NoGrad = true
	return edgesFromRaw(m.Net.Forward(&t, t.Input(1, m.Dim, x)).Value.Float64s(), m.Spline, m.Dim)
}

func (e *ElementwiseSpline[T]) binEdges(x []float64) [][]float64 {
	return edgesFromRaw(e.Raw.Value.Float64s(), e.Spline, len(x))
}

// onEdges moves every spline coordinate of x onto a bin edge (edge
// (i+shift) mod K+1 for coordinate i). The edges of a coordinate depend
// only on coordinates before it in the conditioner's order, so D rounds
// settle all of them.
func onEdges(k knotter, x []float64, shift int) []float64 {
	x = append([]float64(nil), x...)
	for range x {
		for i, edges := range k.binEdges(x) {
			if edges != nil {
				x[i] = edges[(i+shift)%len(edges)]
			}
		}
	}
	return x
}

// tablePoints returns the inputs the round-trip checks use, by label.
func tablePoints(tr Transform[float64], d int) map[string][]float64 {
	b := tableSpline.Bound
	rng := rand.New(rand.NewPCG(42, uint64(d)))
	pts := map[string][]float64{}
	for trial := 0; trial < 5; trial++ {
		x := make([]float64, d)
		for i := range x {
			x[i] = 1.5 * rng.NormFloat64()
		}
		pts[fmt.Sprintf("random%d", trial)] = x
	}
	tails, bound, mixed := make([]float64, d), make([]float64, d), make([]float64, d)
	for i := range tails {
		sign := float64(1 - 2*(i%2))
		tails[i] = sign * (b + 1.5 + float64(i))
		bound[i] = sign * b
		mixed[i] = []float64{b, -b - 4, 0.3, -b, 9}[i%5]
	}
	pts["tails"], pts["bound"], pts["mixed"] = tails, bound, mixed
	if k, ok := tr.(knotter); ok {
		for shift := 0; shift <= tableSpline.Bins; shift++ {
			pts[fmt.Sprintf("edges%d", shift)] = onEdges(k, pts["random0"], shift)
		}
	}
	return pts
}

// precision holds the tolerances of one float type.
type precision struct {
	roundTrip, logDetSum, numeric, step float64
}

var (
	prec64 = precision{roundTrip: 1e-9, logDetSum: 1e-9, numeric: 1e-5, step: 1e-7}
	prec32 = precision{roundTrip: 1e-4, logDetSum: 1e-4, numeric: 2e-2, step: 1e-3}
)

// checkPoint runs the round-trip and log-determinant checks at x.
func checkPoint[T nn.Float](t *testing.T, tr Transform[T], x []float64, p precision) {
	t.Helper()
	d := len(x)
	z, ldf := apply(tr, x, d, false)
	back, ldi := apply(tr, z, d, true)
	for i := range x {
		if !(math.Abs(back[i]-x[i]) <= p.roundTrip*(1+math.Abs(x[i]))) {
			t.Fatalf("inverse(forward(%v)) = %v", x, back)
		}
	}
	if !(math.Abs(ldf[0]+ldi[0]) <= p.logDetSum*(1+math.Abs(ldf[0]))) {
		t.Errorf("at %v: forward logdet %v + inverse logdet %v ≠ 0", x, ldf[0], ldi[0])
	}
	if num := numericLogDet(tr, x, false, p.step); !(math.Abs(num-ldf[0]) <= p.numeric) {
		t.Errorf("at %v: forward logdet %v, numerical Jacobian gives %v", x, ldf[0], num)
	}
	if num := numericLogDet(tr, z, true, p.step); !(math.Abs(num-ldi[0]) <= p.numeric) {
		t.Errorf("at z = %v: inverse logdet %v, numerical Jacobian gives %v", z, ldi[0], num)
	}
}

func forEachCase(t *testing.T, run func(t *testing.T, c transformCase, d int)) {
	for _, c := range transformTable {
		for _, d := range tableDims {
			if d < c.minDim {
				continue
			}
			t.Run(fmt.Sprintf("%s/%dd", c.name, d), func(t *testing.T) { run(t, c, d) })
		}
	}
}

func TestTransformTableInvertAndLogDet(t *testing.T) {
	forEachCase(t, func(t *testing.T, c transformCase, d int) {
		t64, _, t32, _ := c.build(d)
		for label, x := range tablePoints(t64, d) {
			t.Run(label, func(t *testing.T) {
				checkPoint(t, t64, x, prec64)
				checkPoint(t, t32, x, prec32)
			})
		}
	})
}

// TestTransformTableGradients checks tape gradients with respect to the
// inputs and every parameter, in both directions, against finite
// differences in float64, and float32's gradients against float64's.
func TestTransformTableGradients(t *testing.T) {
	forEachCase(t, func(t *testing.T, c transformCase, d int) {
		t64, p64, t32, p32 := c.build(d)
		rng := rand.New(rand.NewPCG(5, uint64(d)))
		x64, x32 := nn.NewParam[float64](4, d), nn.NewParam[float32](4, d)
		for i := range x64.Value.Data {
			x64.Value.Data[i] = 1.5 * rng.NormFloat64()
			x32.Value.Data[i] = float32(x64.Value.Data[i])
		}
		for _, inverse := range []bool{false, true} {
			f := gradObjective(t64, x64, inverse)
			wrt := append([]*nn.Node[float64]{x64}, p64.Nodes...)
			if err := nn.CheckGrad(f, wrt, 1e-6); err > 1e-6 {
				t.Errorf("inverse=%v: gradient error %.3g", inverse, err)
			}
			g64 := gradients(t64, x64, p64, inverse)
			g32 := gradients(t32, x32, p32, inverse)
			for i := range g64 {
				if math.Abs(g64[i]-g32[i]) > 1e-3*(1+math.Abs(g64[i])) {
					t.Fatalf("inverse=%v: gradient %d is %v in float32, %v in float64", inverse, i, g32[i], g64[i])
				}
			}
		}
	})
}

// gradObjective mixes the outputs and the log-determinant, so errors in
// either one's gradient show.
func gradObjective[T nn.Float](tr Transform[T], x *nn.Node[T], inverse bool) func(*nn.Tape[T]) *nn.Node[T] {
	return func(tp *nn.Tape[T]) *nn.Node[T] {
		var y, ld *nn.Node[T]
		if inverse {
			y, ld = tr.Inverse(tp, x)
		} else {
			y, ld = tr.Forward(tp, x)
		}
		return tp.Add(tp.Mean(tp.Square(y)), tp.Mean(ld))
	}
}

func gradients[T nn.Float](tr Transform[T], x *nn.Node[T], ps *nn.ParamSet[T], inverse bool) []float64 {
	clear(x.Grad.Data)
	ps.ZeroGrad()
	var tp nn.Tape[T]
	tp.Backward(gradObjective(tr, x, inverse)(&tp))
	out := x.Grad.Float64s()
	for _, p := range ps.Nodes {
		out = append(out, p.Grad.Float64s()...)
	}
	return out
}

// TestTransformTableSamplesFinite maps 10⁵ wide Gaussian draws (many in
// the tails) through every inverse, as sampling does, and back.
func TestTransformTableSamplesFinite(t *testing.T) {
	const n = 100000
	forEachCase(t, func(t *testing.T, c transformCase, d int) {
		t64, _, t32, _ := c.build(d)
		rng := rand.New(rand.NewPCG(77, uint64(d)))
		z := make([]float64, n*d)
		for i := range z {
			z[i] = 2 * rng.NormFloat64()
		}
		allFinite(t, "float64", t64, z, d)
		allFinite(t, "float32", t32, z, d)
	})
}

func allFinite[T nn.Float](t *testing.T, dtype string, tr Transform[T], z []float64, d int) {
	t.Helper()
	x, ldi := apply(tr, z, d, true)
	back, ldf := apply(tr, x, d, false)
	for _, vs := range [][]float64{x, ldi, back, ldf} {
		for i, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s: non-finite value %v at %d", dtype, v, i)
			}
		}
	}
}
