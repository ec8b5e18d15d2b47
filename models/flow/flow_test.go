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
func randomize[T nn.Float](ps *nn.ParamSet[T], seed uint64) {
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
