package iae

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
)

// benchCase is a model size of the quick suite (ring8: 2-D, batch 256,
// the registered defaults) or of the MNIST runs (784-D, bottleneck 4).
type benchCase struct {
	name       string
	dim, batch int
	user       map[string]any
}

var benchCases = []benchCase{
	{"2d-8x64", 2, 256, nil},
	{"784d-k4-4x256", 784, 100, map[string]any{"bottleneck": 4, "layers": 4, "hidden": 256}},
}

func benchModel(b *testing.B, c benchCase) models.Model {
	b.Helper()
	ty, _ := models.Lookup("iae")
	p, err := ty.Params.Resolve(c.user)
	if err != nil {
		b.Fatal(err)
	}
	m, err := ty.New(models.Config{Dim: c.dim, Params: p, Dtype: "float32", LR: 1e-3, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func benchBatch(rows, cols int) *mat.Dense {
	rng := rand.New(rand.NewPCG(1, 2))
	x := mat.NewDense(rows, cols, nil)
	for i := range x.RawMatrix().Data {
		x.RawMatrix().Data[i] = rng.NormFloat64()
	}
	return x
}

// BenchmarkTrainStep measures one Adam step on the combined objective.
func BenchmarkTrainStep(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			m := benchModel(b, c)
			x := benchBatch(c.batch, c.dim)
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

// BenchmarkLogProb measures the exact log-density of a batch (one pass
// through the bijection and its log-determinant).
func BenchmarkLogProb(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			d := benchModel(b, c).(models.Density)
			x := benchBatch(c.batch, c.dim)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := d.LogProb(x); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSample measures drawing a batch (one inverse pass).
func BenchmarkSample(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			m := benchModel(b, c)
			rng := rand.New(rand.NewPCG(3, 4))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.Sample(c.batch, rng); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
