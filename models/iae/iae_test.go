package iae

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/nn"
)

// randomize gives every parameter a small random value, so that tests do
// not run on the identity that zero-initialised coupling outputs start as.
func randomize(ps *nn.ParamSet[float64], seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, p := range ps.Nodes {
		nn.Uniform(p, 0.4, rng)
	}
}

func small(dim, k int) Options {
	return Options{Dim: dim, Bottleneck: k, Layers: 3, Hidden: []int{8, 8}, Act: nn.ActTanh, ScaleBound: 3,
		ReconW: 1, MMDW: 2, L2W: 0.5, LR: 1e-3, ClipNorm: 100, Seed: 3}
}

func randMat(rng *rand.Rand, r, c int) *nn.Mat[float64] {
	m := nn.NewMat[float64](r, c)
	for i := range m.Data {
		m.Data[i] = rng.NormFloat64()
	}
	return m
}

// TestObjectiveGradient checks the full loss (reconstruction through the
// inverse, MMD, L2) against finite differences in every parameter, with
// fixed data and prior samples, for several bottlenecks.
func TestObjectiveGradient(t *testing.T) {
	cases := []struct{ dim, k int }{{4, 2}, {3, 1}, {3, 3}, {5, 4}}
	for _, c := range cases {
		t.Run(fmt.Sprintf("D%d/k%d", c.dim, c.k), func(t *testing.T) {
			m, err := Build[float64](small(c.dim, c.k))
			if err != nil {
				t.Fatal(err)
			}
			randomize(&m.Params, uint64(c.dim))
			rng := rand.New(rand.NewPCG(uint64(c.k), 2))
			x, prior := randMat(rng, 6, c.dim), randMat(rng, 6, c.k)
			var cs consts[float64]
			var parts terms[float64]
			f := func(tp *nn.Tape[float64]) *nn.Node[float64] {
				cs.reset()
				parts = m.objective(tp, tp.Const(x), prior, &cs)
				return parts.Total
			}
			if e := nn.CheckGrad(f, m.Params.Nodes, 1e-6); e > 1e-6 {
				t.Errorf("gradient error %.3g", e)
			}
			var tp nn.Tape[float64]
			f(&tp)
			mm := nn.Scalar(parts.MMD)
			if c.k < c.dim {
				if r := nn.Scalar(parts.Recon); r < 1e-3 {
					t.Errorf("reconstruction term %v: the test exercises nothing", r)
				}
				if l2 := nn.Scalar(parts.L2); l2 < 1e-3 {
					t.Errorf("L2 term %v: the test exercises nothing", l2)
				}
			} else if parts.L2 != nil || nn.Scalar(parts.Recon) > 1e-9 {
				t.Errorf("without a bottleneck: L2 %v, reconstruction %v", parts.L2, nn.Scalar(parts.Recon))
			}
			if mm == 0 {
				t.Error("MMD term is zero: the test exercises nothing")
			}
		})
	}
}

// TestMMD checks the MMD estimate: near zero for two samples of the same
// distribution, clearly positive for shifted or rescaled ones, and its
// gradient in the first sample.
func TestMMD(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	draw := func(n, d int, shift, scale float64) *nn.Mat[float64] {
		m := nn.NewMat[float64](n, d)
		for i := range m.Data {
			m.Data[i] = shift + scale*rng.NormFloat64()
		}
		return m
	}
	value := func(a, b *nn.Mat[float64]) float64 {
		var tp nn.Tape[float64]
		var c consts[float64]
		return nn.Scalar(mmd(&tp, tp.Const(a), tp.Const(b), &c))
	}
	for _, d := range []int{1, 2, 4} {
		same := value(draw(400, d, 0, 1), draw(400, d, 0, 1))
		shifted := value(draw(400, d, 0.5, 1), draw(400, d, 0, 1))
		wide := value(draw(400, d, 0, 2), draw(400, d, 0, 1))
		if math.Abs(same) > 0.02 || shifted < 0.1 || wide < 0.1 {
			t.Errorf("%d-D: MMD² same %.4g, shifted %.4g, wider %.4g", d, same, shifted, wide)
		}
	}
	x := nn.NewParam[float64](5, 2)
	copy(x.Value.Data, draw(5, 2, 0.3, 1).Data)
	y := draw(7, 2, 0, 1)
	var c consts[float64]
	f := func(tp *nn.Tape[float64]) *nn.Node[float64] { c.reset(); return mmd(tp, x, tp.Const(y), &c) }
	if e := nn.CheckGrad(f, []*nn.Node[float64]{x}, 1e-6); e > 1e-6 {
		t.Errorf("MMD gradient error %.3g", e)
	}
}

func config(t *testing.T, dim int, user map[string]any, dtype string) models.Config {
	ty, ok := models.Lookup("iae")
	if !ok {
		t.Fatal("iae not registered")
	}
	p, err := ty.Params.Resolve(user)
	if err != nil {
		t.Fatal(err)
	}
	return models.Config{Dim: dim, Params: p, Dtype: dtype, LR: 1e-3, Seed: 7}
}

func build(t *testing.T, dim int, user map[string]any, dtype string) models.Model {
	t.Helper()
	m, err := models.New("iae", user, config(t, dim, user, dtype))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func gaussianRows(rng *rand.Rand, n, d int) *mat.Dense {
	x := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			x.Set(i, j, rng.NormFloat64())
		}
	}
	return x
}

// TestInvertibility: with all D coordinates kept the reconstruction is
// exact up to rounding, whatever the parameters; through a bottleneck it
// is not.
func TestInvertibility(t *testing.T) {
	for _, d := range []int{2, 5} {
		m := build(t, d, map[string]any{"hidden": 8, "layers": 4}, "float64").(*IAE[float64])
		randomize(&m.Params, uint64(d))
		x := gaussianRows(rand.New(rand.NewPCG(2, 2)), 1500, d) // more than one chunk
		diag, err := m.Diagnostics(x, nil)
		if err != nil {
			t.Fatal(err)
		}
		if diag["recon_error_full"] > 1e-10 {
			t.Errorf("D=%d: recon_error_full %v, want ~0", d, diag["recon_error_full"])
		}
		if diag["recon_error"] < 0.01 || diag["tail_l2"] < 0.01 {
			t.Errorf("D=%d: recon_error %v, tail_l2 %v through a bottleneck of random codes, want clearly positive", d, diag["recon_error"], diag["tail_l2"])
		}
		if want := float64((d + 1) / 2); diag["bottleneck"] != want {
			t.Errorf("D=%d: bottleneck %v, want %v", d, diag["bottleneck"], want)
		}
	}
}

// TestDensityNormalised integrates the 2-D density of the bijection under
// the full Gaussian prior on a grid (as flow's TestFlowDensityNormalised).
func TestDensityNormalised(t *testing.T) {
	m := build(t, 2, map[string]any{"hidden": 16, "layers": 3}, "float64")
	randomize(&m.(*IAE[float64]).Params, 9)
	if k := models.Kind(m); k != models.Exact {
		t.Fatalf("likelihood kind %s, want exact", k)
	}
	const lim, n = 8.0, 400
	h := 2 * lim / n
	grid := mat.NewDense(n*n, 2, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			grid.Set(i*n+j, 0, -lim+(float64(i)+0.5)*h)
			grid.Set(i*n+j, 1, -lim+(float64(j)+0.5)*h)
		}
	}
	lp, err := m.(models.Density).LogProb(grid)
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, v := range lp {
		total += math.Exp(v) * h * h
	}
	if math.Abs(total-1) > 0.02 {
		t.Errorf("density integrates to %v", total)
	}
}

// subspaceData lies on a 2-D linear subspace of R^4.
func subspaceData(rng *rand.Rand, n int) *mat.Dense {
	a := [2][4]float64{{1, 0.5, -0.3, 0.8}, {-0.4, 1, 0.6, 0.2}}
	x := mat.NewDense(n, 4, nil)
	for i := 0; i < n; i++ {
		u, v := rng.NormFloat64(), rng.NormFloat64()
		for j := 0; j < 4; j++ {
			x.Set(i, j, u*a[0][j]+v*a[1][j])
		}
	}
	return x
}

// TestTrainingReducesReconstruction trains with k = 2 on 4-D data lying
// on a 2-D subspace: the reconstruction error through the bottleneck must
// fall well below its starting value (the identity map drops the two last
// coordinates).
func TestTrainingReducesReconstruction(t *testing.T) {
	for _, dtype := range []string{"float32"} { // the training dtype; float64 runs in the gradient checks
		t.Run(dtype, func(t *testing.T) {
			m := build(t, 4, map[string]any{"bottleneck": 2, "hidden": 32, "layers": 4}, dtype)
			rng := rand.New(rand.NewPCG(3, 3))
			held := subspaceData(rand.New(rand.NewPCG(4, 4)), 1000)
			before, _ := m.(models.Diagnoser).Diagnostics(held, nil)
			v0, _ := m.(models.Validator).ValidationLoss(held)
			for i := 0; i < 250; i++ {
				if _, err := m.TrainStep(subspaceData(rng, 128)); err != nil {
					t.Fatal(err)
				}
			}
			after, _ := m.(models.Diagnoser).Diagnostics(held, nil)
			v1, _ := m.(models.Validator).ValidationLoss(held)
			t.Logf("recon %.4f → %.4f, tail %.4f → %.4f, validation %.4f → %.4f, full %.2g",
				before["recon_error"], after["recon_error"], before["tail_l2"], after["tail_l2"], v0, v1, after["recon_error_full"])
			if !(after["recon_error"] < 0.25*before["recon_error"]) {
				t.Errorf("recon_error %v → %v, want below a quarter", before["recon_error"], after["recon_error"])
			}
			if !(v1 < 0.5*v0) {
				t.Errorf("validation loss %v → %v, want halved", v0, v1)
			}
			if after["recon_error_full"] > 1e-3 {
				t.Errorf("recon_error_full %v after training", after["recon_error_full"])
			}
		})
	}
}

// TestSamplesHaveZeroTail: samples are f⁻¹ of codes with z[k:] = 0, so
// encoding them gives a vanishing tail and reconstructs them exactly.
func TestSamplesHaveZeroTail(t *testing.T) {
	m := build(t, 4, map[string]any{"hidden": 8, "layers": 3, "bottleneck": 3}, "float64").(*IAE[float64])
	randomize(&m.Params, 4)
	s, err := m.Sample(300, rand.New(rand.NewPCG(5, 5)))
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := m.Sample(300, rand.New(rand.NewPCG(5, 5)))
	if !mat.Equal(s, s2) {
		t.Error("samples not repeatable from the same source")
	}
	d, err := m.Diagnostics(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d["tail_l2"] > 1e-18 || d["recon_error"] > 1e-9 {
		t.Errorf("samples: tail_l2 %v, recon_error %v; want ~0", d["tail_l2"], d["recon_error"])
	}
	if _, err := m.Sample(0, rand.New(rand.NewPCG(5, 5))); err == nil {
		t.Error("zero samples accepted")
	}
}

func TestSaveLoadResumesExactly(t *testing.T) {
	user := map[string]any{"hidden": 16, "layers": 3}
	for _, dtype := range []string{"float32", "float64"} {
		rng := rand.New(rand.NewPCG(8, 8))
		m := build(t, 4, user, dtype)
		for i := 0; i < 5; i++ {
			if _, err := m.TrainStep(subspaceData(rng, 64)); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := m.Save(&buf); err != nil {
			t.Fatal(err)
		}
		m2 := build(t, 4, user, dtype)
		if err := m2.Load(&buf); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			x := subspaceData(rng, 64)
			l1, _ := m.TrainStep(x)
			l2, _ := m2.TrainStep(x)
			if l1 != l2 {
				t.Fatalf("%s: step %d after load: loss %v, original %v", dtype, i, l2, l1)
			}
		}
		x := subspaceData(rng, 20)
		a, _ := m.(models.Density).LogProb(x)
		b, _ := m2.(models.Density).LogProb(x)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s: log-density after load %v, original %v", dtype, b[i], a[i])
			}
		}
	}
}

// TestValidationIsDeterministicAndHarmless: ValidationLoss uses its own
// fixed prior samples, so it repeats exactly and does not change training.
func TestValidationIsDeterministicAndHarmless(t *testing.T) {
	user := map[string]any{"hidden": 8, "layers": 2}
	a, b := build(t, 4, user, "float64"), build(t, 4, user, "float64")
	held := subspaceData(rand.New(rand.NewPCG(1, 1)), 513) // a 1-row remainder of 512-row batches
	rng := rand.New(rand.NewPCG(2, 2))
	for i := 0; i < 3; i++ {
		v1, err := a.(models.Validator).ValidationLoss(held)
		if err != nil {
			t.Fatal(err)
		}
		v2, _ := a.(models.Validator).ValidationLoss(held)
		if v1 != v2 || !finite(v1) {
			t.Fatalf("validation loss %v then %v", v1, v2)
		}
		x := subspaceData(rng, 32)
		la, _ := a.TrainStep(x)
		lb, _ := b.TrainStep(x)
		if la != lb {
			t.Fatalf("step %d: loss %v with validation between steps, %v without", i, la, lb)
		}
	}
}

func TestConfigurationAndErrors(t *testing.T) {
	cases := []struct {
		name string
		dim  int
		user map[string]any
		k    int // expected bottleneck; 0: construction must fail
		cfg  func(*models.Config)
	}{
		{"auto bottleneck 2-D", 2, nil, 1, nil},
		{"auto bottleneck 5-D", 5, nil, 3, nil},
		{"no bottleneck", 3, map[string]any{"bottleneck": 3}, 3, nil},
		{"bottleneck too large", 3, map[string]any{"bottleneck": 4}, 0, nil},
		{"one dimension", 1, nil, 0, nil},
		{"binary data", 4, nil, 0, func(c *models.Config) { c.Binary = true }},
		{"bad dtype", 4, nil, 0, func(c *models.Config) { c.Dtype = "int8" }},
	}
	for _, c := range cases {
		cfg := config(t, c.dim, c.user, "float32")
		if c.cfg != nil {
			c.cfg(&cfg)
		}
		m, err := models.New("iae", c.user, cfg)
		if c.k == 0 {
			if err == nil {
				t.Errorf("%s: accepted", c.name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := m.(*IAE[float32]).K; got != c.k {
			t.Errorf("%s: bottleneck %d, want %d", c.name, got, c.k)
		}
	}
	m := build(t, 4, nil, "float32")
	if _, err := m.(models.Diagnoser).Diagnostics(nil, nil); err == nil {
		t.Error("diagnostics without data accepted")
	}
	for _, x := range []*mat.Dense{mat.NewDense(1, 4, nil), mat.NewDense(8, 3, nil)} {
		if _, err := m.TrainStep(x); err == nil {
			r, c := x.Dims()
			t.Errorf("TrainStep accepted a %d×%d batch", r, c)
		}
	}
	for _, name := range []string{"Validator", "Diagnoser", "LRSetter"} {
		var ok bool
		switch name {
		case "Validator":
			_, ok = m.(models.Validator)
		case "Diagnoser":
			_, ok = m.(models.Diagnoser)
		case "LRSetter":
			_, ok = m.(models.LRSetter)
		}
		if !ok {
			t.Errorf("iae does not implement %s", name)
		}
	}
}
