package vae

// Training, samples, configuration errors and the Bernoulli likelihood.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/models/internal/modeltest"
	"github.com/genbench/genbench/nn"
)

func TestTrainingReducesLossAndRoundTrips(t *testing.T) {
	x := modeltest.BinaryPatterns(128, 12, 4, 1)
	user := map[string]any{"latent": 3, "hidden": 16, "hidden_layers": 1}
	bound := func(m models.Model, x *mat.Dense) ([]float64, error) { return m.(models.Bounded).LowerBound(x) }
	for _, typ := range []string{"vae", "beta_vae", "iwae"} {
		for _, dtype := range []string{"float32", "float64"} {
			t.Run(typ+"/"+dtype, func(t *testing.T) {
				cfg := models.Config{Dim: 12, Binary: true, Dtype: dtype, LR: 1e-2, Seed: 5}
				modeltest.TrainsAndRoundTrips(t, func() models.Model { return modeltest.Build(t, typ, user, cfg) }, x,
					modeltest.TrainCheck{Steps: 150, MinDrop: 1.5, Score: bound})
			})
		}
	}
}

func TestGaussianDecoderTrains(t *testing.T) {
	x := gaussianData(128, 6, 4)
	for _, dv := range []string{"learned", "fixed"} {
		m := modeltest.Build(t, "vae", map[string]any{"latent": 2, "hidden": 16, "hidden_layers": 1, "decoder_variance": dv, "decoder_std": 0.8},
			models.Config{Dim: 6, LR: 1e-2, Seed: 1})
		first, _ := m.TrainStep(x)
		last := first
		for i := 0; i < 150; i++ {
			var err error
			if last, err = m.TrainStep(x); err != nil {
				t.Fatal(err)
			}
		}
		if !(last < first-0.5) {
			t.Errorf("%s variance: loss %v → %v", dv, first, last)
		}
		s, err := m.Sample(5, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if r, c := s.Dims(); r != 5 || c != 6 {
			t.Errorf("samples %d×%d", r, c)
		}
	}
}

func TestSamplesAreBinaryAndSeeded(t *testing.T) {
	m := modeltest.Build(t, "iwae", map[string]any{"latent": 2, "hidden": 8}, models.Config{Dim: 7, Binary: true, Seed: 1})
	a, err := m.Sample(50, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.Sample(50, rand.New(rand.NewPCG(3, 3)))
	if !mat.Equal(a, b) {
		t.Error("same rng, different samples")
	}
	for _, v := range a.RawMatrix().Data {
		if v != 0 && v != 1 {
			t.Fatalf("non-binary sample value %v", v)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		typ  string
		user map[string]any
		cfg  models.Config
		want string
	}{
		{"beta with iwae_k", "iwae", map[string]any{"beta": 2.0}, models.Config{Dim: 3, Binary: true}, "beta"},
		{"no latent", "vae", map[string]any{"latent": 0}, models.Config{Dim: 3, Binary: true}, "latent"},
		{"bad variance mode", "vae", map[string]any{"decoder_variance": "guess"}, models.Config{Dim: 3}, "decoder_variance"},
		{"bad dtype", "vae", nil, models.Config{Dim: 3, Binary: true, Dtype: "int8"}, "dtype"},
		{"no data", "vae", nil, models.Config{Dim: 0, Binary: true}, "dimension"},
	}
	for _, c := range cases {
		_, err := models.New(c.typ, c.user, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	m := modeltest.Build(t, "vae", nil, models.Config{Dim: 3, Binary: true})
	if _, err := m.(models.Estimator).LogProbEstimate(mat.NewDense(2, 3, nil), 0, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("k = 0 accepted")
	}
	if _, err := m.TrainStep(mat.NewDense(2, 4, nil)); err == nil {
		t.Error("batch of the wrong width accepted")
	}
	if got := models.Kind(m); got != models.Estimate {
		t.Errorf("kind %s, want estimate", got)
	}
}

func Example() {
	m, err := models.New("vae", map[string]any{"latent": 2, "hidden": 16},
		models.Config{Dim: 8, Binary: true, LR: 1e-3, Seed: 1})
	if err != nil {
		panic(err)
	}
	x := modeltest.BinaryPatterns(64, 8, 4, 1)
	for i := 0; i < 10; i++ {
		if _, err := m.TrainStep(x); err != nil {
			panic(err)
		}
	}
	diag, err := m.(models.Diagnoser).Diagnostics(x, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		panic(err)
	}
	keys := make([]string, 0, len(diag))
	for k := range diag {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Println(strings.Join(keys, " "))
	fmt.Println("kind:", models.Kind(m))
	// Output:
	// active_units elbo kl_dim_0 kl_dim_1 kl_total
	// kind: estimate
}

// Benchmarks at binarized-MNIST sizes with the default architecture.
func benchVAE(b *testing.B, typ string) models.Model {
	return modeltest.Build(b, typ, nil, models.Config{Dim: 784, Binary: true, Dtype: "float32", Seed: 1})
}

func BenchmarkVAETrainStep(b *testing.B) {
	m := benchVAE(b, "vae")
	x := modeltest.BinaryPatterns(100, 784, 4, 1)
	m.TrainStep(x)
	b.ResetTimer()
	for range b.N {
		m.TrainStep(x)
	}
}

func BenchmarkIWAETrainStep(b *testing.B) {
	m := benchVAE(b, "iwae")
	x := modeltest.BinaryPatterns(100, 784, 4, 1)
	m.TrainStep(x)
	b.ResetTimer()
	for range b.N {
		m.TrainStep(x)
	}
}

// BenchmarkLogProbEstimate: k = 1000 on 100 rows (the cost is linear in
// rows; multiply by 10 for the 1000-row figure).
func BenchmarkLogProbEstimate(b *testing.B) {
	m := benchVAE(b, "vae").(models.Estimator)
	x := modeltest.BinaryPatterns(100, 784, 4, 1)
	rng := rand.New(rand.NewPCG(1, 1))
	b.ResetTimer()
	for range b.N {
		if _, err := m.LogProbEstimate(x, 1000, rng); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBernoulliLogLik(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1, 7, 512, 513, 2000} {
		l, x := make([]float64, n), make([]float64, n)
		var want float64
		for j := range l {
			l[j] = 30 * rng.NormFloat64()
			if j%5 == 0 {
				l[j] = 800 * rng.NormFloat64() // far in the tails
			}
			x[j] = float64(rng.IntN(2))
			want += x[j]*l[j] - nn.SoftplusF(l[j])
		}
		if got := bernoulliLogLik(l, x); math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("n=%d: %v, want %v", n, got, want)
		}
	}
}
