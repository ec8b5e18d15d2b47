package flow

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/models/internal/modeltest"
	"github.com/genbench/genbench/nn"
)

// randomize gives every parameter a small random value, so that tests do
// not run on the identity that zero-initialised output layers start as.
func randomize(ps *nn.ParamSet[float64], seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, p := range ps.Nodes {
		nn.Uniform(p, 0.4, rng)
	}
}

func testConfig(t *testing.T, typ string, dim int, dtype string) models.Config {
	ty, ok := models.Lookup(typ)
	if !ok {
		t.Fatalf("model type %s not registered", typ)
	}
	p, err := ty.Params.Resolve(map[string]any{"hidden": 16, "layers": 3})
	if err != nil {
		t.Fatal(err)
	}
	return models.Config{Dim: dim, Params: p, Dtype: dtype, LR: 1e-3, Seed: 11}
}

// transformsUnderTest builds each transform, and whole flows, in d dimensions.
func transformsUnderTest(t *testing.T, d int) map[string]struct {
	tr Transform[float64]
	ps *nn.ParamSet[float64]
} {
	out := map[string]struct {
		tr Transform[float64]
		ps *nn.ParamSet[float64]
	}{}
	rng := rand.New(rand.NewPCG(uint64(d), 3))
	var cps nn.ParamSet[float64]
	out["coupling"] = struct {
		tr Transform[float64]
		ps *nn.ParamSet[float64]
	}{NewAffineCoupling(&cps, "c", d, d/2, []int{8, 8}, nn.ActTanh, 3, rng), &cps}
	var mps nn.ParamSet[float64]
	order := rng.Perm(d)
	for i := range order {
		order[i]++
	}
	out["masked-affine"] = struct {
		tr Transform[float64]
		ps *nn.ParamSet[float64]
	}{NewMaskedAffine(&mps, "m", order, []int{8, 8}, nn.ActTanh, 3, rng), &mps}
	out["permutation"] = struct {
		tr Transform[float64]
		ps *nn.ParamSet[float64]
	}{RandomPermutation[float64](d, rng), &nn.ParamSet[float64]{}}
	for _, typ := range []string{"realnvp", "maf"} {
		cfg := testConfig(t, typ, d, "float64")
		var f *Flow[float64]
		if typ == "realnvp" {
			f = BuildRealNVP[float64](cfg)
		} else {
			f = BuildMAF[float64](cfg)
		}
		out[typ] = struct {
			tr Transform[float64]
			ps *nn.ParamSet[float64]
		}{chain[float64](f.Transforms), &f.Params}
	}
	for _, v := range out {
		randomize(v.ps, uint64(d))
	}
	return out
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

func apply1(tr Transform[float64], x []float64, inverse bool) ([]float64, float64) {
	var t nn.Tape[float64]
	t.NoGrad = true
	in := t.Input(1, len(x), x)
	var out, ld *nn.Node[float64]
	if inverse {
		out, ld = tr.Inverse(&t, in)
	} else {
		out, ld = tr.Forward(&t, in)
	}
	return append([]float64(nil), out.Value.Data...), ld.Value.Data[0]
}

// numericLogDet is log|det J| of x ↦ tr(x) by central differences.
func numericLogDet(tr Transform[float64], x []float64, inverse bool) float64 {
	d := len(x)
	j := mat.NewDense(d, d, nil)
	const h = 1e-5
	for c := 0; c < d; c++ {
		xp := append([]float64(nil), x...)
		xm := append([]float64(nil), x...)
		xp[c] += h
		xm[c] -= h
		yp, _ := apply1(tr, xp, inverse)
		ym, _ := apply1(tr, xm, inverse)
		for r := 0; r < d; r++ {
			j.Set(r, c, (yp[r]-ym[r])/(2*h))
		}
	}
	var lu mat.LU
	lu.Factorize(j)
	ld, _ := lu.LogDet()
	return ld
}

func TestTransformsInvertAndLogDet(t *testing.T) {
	for _, d := range []int{2, 5} {
		for name, c := range transformsUnderTest(t, d) {
			t.Run(name+"/"+string(rune('0'+d))+"d", func(t *testing.T) {
				rng := rand.New(rand.NewPCG(42, uint64(d)))
				for trial := 0; trial < 5; trial++ {
					x := make([]float64, d)
					for i := range x {
						x[i] = 1.5 * rng.NormFloat64()
					}
					z, ldf := apply1(c.tr, x, false)
					back, ldi := apply1(c.tr, z, true)
					for i := range x {
						if math.Abs(back[i]-x[i]) > 1e-9*(1+math.Abs(x[i])) {
							t.Fatalf("inverse(forward(x))[%d] = %v, want %v", i, back[i], x[i])
						}
					}
					if math.Abs(ldf+ldi) > 1e-9 {
						t.Errorf("forward logdet %v + inverse logdet %v ≠ 0", ldf, ldi)
					}
					if num := numericLogDet(c.tr, x, false); math.Abs(num-ldf) > 1e-6 {
						t.Errorf("forward logdet %v, numerical Jacobian gives %v", ldf, num)
					}
					if num := numericLogDet(c.tr, z, true); math.Abs(num-ldi) > 1e-6 {
						t.Errorf("inverse logdet %v, numerical Jacobian gives %v", ldi, num)
					}
				}
			})
		}
	}
}

func TestTransformGradients(t *testing.T) {
	for name, c := range transformsUnderTest(t, 3) {
		if len(c.ps.Nodes) == 0 {
			continue
		}
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 5))
			x := nn.NewParam[float64](4, 3)
			for i := range x.Value.Data {
				x.Value.Data[i] = rng.NormFloat64()
			}
			for _, dir := range []bool{false, true} {
				f := func(tp *nn.Tape[float64]) *nn.Node[float64] {
					var y, ld *nn.Node[float64]
					if dir {
						y, ld = c.tr.Inverse(tp, x)
					} else {
						y, ld = c.tr.Forward(tp, x)
					}
					return tp.Add(tp.Mean(tp.Square(y)), tp.Mean(ld))
				}
				wrt := append([]*nn.Node[float64]{x}, c.ps.Nodes...)
				if err := nn.CheckGrad(f, wrt, 1e-6); err > 1e-6 {
					t.Errorf("inverse=%v: gradient error %.3g", dir, err)
				}
			}
		})
	}
}

// TestFlowDensityNormalised integrates a 2-D flow's density on a grid.
func TestFlowDensityNormalised(t *testing.T) {
	for _, typ := range []string{"realnvp", "maf"} {
		cfg := testConfig(t, typ, 2, "float64")
		m, err := models.New(typ, map[string]any{"hidden": 16, "layers": 3}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		f := m.(*Flow[float64])
		randomize(&f.Params, 9)
		const lim, n = 8.0, 400
		h := 2 * lim / n
		grid := mat.NewDense(n*n, 2, nil)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				grid.Set(i*n+j, 0, -lim+(float64(i)+0.5)*h)
				grid.Set(i*n+j, 1, -lim+(float64(j)+0.5)*h)
			}
		}
		lp, err := f.LogProb(grid)
		if err != nil {
			t.Fatal(err)
		}
		var total float64
		for _, v := range lp {
			total += math.Exp(v) * h * h
		}
		if math.Abs(total-1) > 0.02 {
			t.Errorf("%s: density integrates to %v", typ, total)
		}
	}
}

func TestFlowTrainsAndRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := mat.NewDense(256, 2, nil)
	for i := 0; i < 256; i++ {
		x.Set(i, 0, rng.NormFloat64())
		x.Set(i, 1, x.At(i, 0)*x.At(i, 0)+0.2*rng.NormFloat64())
	}
	for _, typ := range []string{"realnvp", "maf"} {
		for _, dtype := range []string{"float32", "float64"} {
			t.Run(typ+"/"+dtype, func(t *testing.T) {
				cfg := testConfig(t, typ, 2, dtype)
				modeltest.TrainsAndRoundTrips(t, func() models.Model {
					return modeltest.Build(t, typ, map[string]any{"hidden": 16, "layers": 3}, cfg)
				}, x, modeltest.TrainCheck{Steps: 300, MinDrop: 0.3, Score: modeltest.LogProb})
			})
		}
	}
}

func TestGaussianMatchesClosedForm(t *testing.T) {
	mu := []float64{1, -2, 0.5}
	sd := []float64{0.5, 2, 1}
	draw := func(n int, seed uint64) *mat.Dense {
		rng := rand.New(rand.NewPCG(seed, 2))
		x := mat.NewDense(n, 3, nil)
		for i := 0; i < n; i++ {
			for j := range mu {
				x.Set(i, j, mu[j]+sd[j]*rng.NormFloat64())
			}
		}
		return x
	}
	ty, _ := models.Lookup("gaussian")
	p, _ := ty.Params.Resolve(nil)
	m, err := ty.New(models.Config{Dim: 3, Params: p})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.(models.Fitter).Fit(draw(50000, 1)); err != nil {
		t.Fatal(err)
	}
	lp, _ := m.(models.Density).LogProb(draw(20000, 2))
	var mean, sq float64
	for _, v := range lp {
		mean -= v
		sq += v * v
	}
	n := float64(len(lp))
	mean /= n
	se := math.Sqrt((sq/n - mean*mean) / n)
	want := 0.0
	for _, s := range sd {
		want += 0.5 * math.Log(2*math.Pi*math.E*s*s)
	}
	if math.Abs(mean-want) > 3*se {
		t.Errorf("test NLL %v ± %v, closed form %v", mean, se, want)
	}
}

func TestBinaryDataRefused(t *testing.T) {
	for _, typ := range []string{"gaussian", "realnvp", "maf"} {
		ty, _ := models.Lookup(typ)
		p, _ := ty.Params.Resolve(nil)
		if _, err := ty.New(models.Config{Dim: 4, Binary: true, Params: p}); err == nil {
			t.Errorf("%s accepted binary data", typ)
		}
	}
}
