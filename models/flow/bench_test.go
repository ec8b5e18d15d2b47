package flow

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
)

func benchFlow(b *testing.B, typ string, dim, batch int, user map[string]any) models.Model {
	ty, _ := models.Lookup(typ)
	p, err := ty.Params.Resolve(user)
	if err != nil {
		b.Fatal(err)
	}
	m, err := ty.New(models.Config{Dim: dim, Params: p, Dtype: "float32", LR: 1e-3, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func randomBatch(rows, cols int) *mat.Dense {
	rng := rand.New(rand.NewPCG(1, 2))
	x := mat.NewDense(rows, cols, nil)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			x.Set(i, j, rng.NormFloat64())
		}
	}
	return x
}

// BenchmarkTrainStep measures one Adam step at the quick suite's sizes.
func BenchmarkTrainStep(b *testing.B) {
	cases := []struct {
		name       string
		typ        string
		dim, batch int
		user       map[string]any
	}{
		{"realnvp-2d-8x64", "realnvp", 2, 512, map[string]any{"layers": 8, "hidden": 64}},
		{"maf-2d-5x64", "maf", 2, 512, map[string]any{"layers": 5, "hidden": 64}},
		{"nsf-2d-6x64", "nsf", 2, 512, map[string]any{"layers": 6, "hidden": 64}},
		{"nsf-ar-2d-6x64", "nsf", 2, 512, map[string]any{"layers": 6, "hidden": 64, "variant": "autoregressive"}},
		{"maf-10d-5x128", "maf", 10, 256, map[string]any{"layers": 5, "hidden": 128}},
		{"realnvp-784d-5x256", "realnvp", 784, 100, map[string]any{"layers": 5, "hidden": 256}},
		{"nsf-784d-5x256", "nsf", 784, 100, map[string]any{"layers": 5, "hidden": 256, "bins": 8}},
		{"maf-784d-5x512", "maf", 784, 100, map[string]any{"layers": 5, "hidden": 512, "hidden_layers": 1}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			m := benchFlow(b, c.typ, c.dim, c.batch, c.user)
			x := randomBatch(c.batch, c.dim)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.TrainStep(x); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSample measures sampling throughput; MAF's D sequential passes show here.
func BenchmarkSample(b *testing.B) {
	for _, c := range []struct {
		name string
		typ  string
		dim  int
	}{{"realnvp-2d", "realnvp", 2}, {"maf-2d", "maf", 2}, {"nsf-2d", "nsf", 2}, {"realnvp-10d", "realnvp", 10}, {"maf-10d", "maf", 10}, {"nsf-10d", "nsf", 10}} {
		b.Run(c.name, func(b *testing.B) {
			m := benchFlow(b, c.typ, c.dim, 0, map[string]any{"hidden": 64})
			rng := rand.New(rand.NewPCG(3, 4))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := m.Sample(1000, rng); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
