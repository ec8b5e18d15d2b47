package flow

import (
	"math"
	"math/rand/v2"
	"strings"
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

// trainedFlows are the flow types (and variants) the model-level tests
// build: small versions of each.
var trainedFlows = []struct {
	name, typ string
	user      map[string]any
}{
	{"realnvp", "realnvp", map[string]any{"hidden": 16, "layers": 3}},
	{"maf", "maf", map[string]any{"hidden": 16, "layers": 3}},
	{"nsf", "nsf", map[string]any{"hidden": 16, "layers": 3, "bins": 8}},
	{"nsf-autoregressive", "nsf", map[string]any{"hidden": 16, "layers": 3, "bins": 8, "variant": "autoregressive", "elementwise": false}},
}

// TestFlowDensityNormalised integrates a 2-D flow's density on a grid.
func TestFlowDensityNormalised(t *testing.T) {
	for _, c := range trainedFlows {
		typ := c.typ
		cfg := testConfig(t, typ, 2, "float64")
		m, err := models.New(typ, c.user, cfg)
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
			t.Errorf("%s: density integrates to %v", c.name, total)
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
	for _, c := range trainedFlows {
		for _, dtype := range []string{"float32", "float64"} {
			t.Run(c.name+"/"+dtype, func(t *testing.T) {
				cfg := testConfig(t, c.typ, 2, dtype)
				modeltest.TrainsAndRoundTrips(t, func() models.Model {
					return modeltest.Build(t, c.typ, c.user, cfg)
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
	for _, typ := range []string{"gaussian", "realnvp", "maf", "nsf"} {
		ty, _ := models.Lookup(typ)
		p, _ := ty.Params.Resolve(nil)
		if _, err := ty.New(models.Config{Dim: 4, Binary: true, Params: p}); err == nil {
			t.Errorf("%s accepted binary data", typ)
		}
	}
}

// TestNSFDimensions builds nsf for one and for odd dimensions: the
// autoregressive variant works for D = 1, the coupling variant refuses it
// with a message naming the alternative.
func TestNSFDimensions(t *testing.T) {
	for _, c := range []struct {
		variant string
		dim     int
		ok      bool
	}{
		{"coupling", 1, false},
		{"autoregressive", 1, true},
		{"coupling", 3, true},
		{"autoregressive", 3, true},
	} {
		ty, _ := models.Lookup("nsf")
		p, err := ty.Params.Resolve(map[string]any{"variant": c.variant, "hidden": 8, "layers": 2})
		if err != nil {
			t.Fatal(err)
		}
		m, err := ty.New(models.Config{Dim: c.dim, Params: p, Dtype: "float64", LR: 1e-3, Seed: 1})
		switch {
		case c.ok && err != nil:
			t.Errorf("%s in %d-d: %v", c.variant, c.dim, err)
		case !c.ok && (err == nil || !strings.Contains(err.Error(), "autoregressive")):
			t.Errorf("%s in %d-d: error %v, want one that suggests the autoregressive variant", c.variant, c.dim, err)
		case c.ok:
			x := randomBatch(64, c.dim)
			if _, err := m.TrainStep(x); err != nil {
				t.Errorf("%s in %d-d: %v", c.variant, c.dim, err)
			}
		}
	}
}

// TestNSFStartsAsIdentity: zero output layers give the identity spline,
// so a new nsf's density is the standard normal's.
func TestNSFStartsAsIdentity(t *testing.T) {
	for _, variant := range []string{"coupling", "autoregressive"} {
		cfg := testConfig(t, "nsf", 3, "float64")
		m, err := models.New("nsf", map[string]any{"variant": variant, "hidden": 8, "layers": 2}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		x := randomBatch(50, 3)
		lp, err := m.(models.Density).LogProb(x)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range lp {
			want := -3 * halfLog2Pi
			for j := 0; j < 3; j++ {
				want -= 0.5 * x.At(i, j) * x.At(i, j)
			}
			if math.Abs(v-want) > 1e-12 {
				t.Fatalf("%s: log p(row %d) = %v, standard normal %v", variant, i, v, want)
			}
		}
	}
}
