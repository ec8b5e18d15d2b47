package gan

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
)

// ganBenchCases are the quick suite's 2-D GAN and WGAN-GP (registered
// defaults, batch 256) and the MNIST-sized MLP GAN.
var ganBenchCases = []struct {
	name, typ  string
	dim, batch int
	binary     bool
}{
	{"gan-2d", "gan", 2, 256, false},
	{"wgan_gp-2d", "wgan_gp", 2, 256, false},
	{"gan-784d", "gan", 784, 64, true},
}

func benchGAN(b *testing.B, typ string, dim int, binary bool) models.Model {
	b.Helper()
	m, err := models.New(typ, nil, models.Config{Dim: dim, Binary: binary, Dtype: "float32", LR: 1e-3, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func benchData(rows, cols int, binary bool) *mat.Dense {
	rng := rand.New(rand.NewPCG(1, 2))
	x := mat.NewDense(rows, cols, nil)
	for i := range x.RawMatrix().Data {
		if binary {
			if rng.Float64() < 0.13 {
				x.RawMatrix().Data[i] = 1
			}
		} else {
			x.RawMatrix().Data[i] = rng.NormFloat64()
		}
	}
	return x
}

// BenchmarkTrainStep measures one TrainStep (discriminator and generator
// updates); run with -benchmem for allocations per step.
func BenchmarkTrainStep(b *testing.B) {
	for _, c := range ganBenchCases {
		b.Run(c.name, func(b *testing.B) {
			m := benchGAN(b, c.typ, c.dim, c.binary)
			x := benchData(c.batch, c.dim, c.binary)
			if _, err := m.TrainStep(x); err != nil { // allocates the buffers
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := m.TrainStep(x); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSample measures one call drawing 1000 samples.
func BenchmarkSample(b *testing.B) {
	for _, c := range ganBenchCases {
		b.Run(c.name, func(b *testing.B) {
			m := benchGAN(b, c.typ, c.dim, c.binary)
			if _, err := m.TrainStep(benchData(c.batch, c.dim, c.binary)); err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(3, 4))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := m.Sample(1000, rng); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
