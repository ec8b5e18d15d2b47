package vae

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkSample measures one call drawing 1000 samples at
// binarized-MNIST sizes (the peer benchmark's sample-vae case).
func BenchmarkSample(b *testing.B) {
	m := benchVAE(b, "vae")
	rng := rand.New(rand.NewPCG(3, 4))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := m.Sample(1000, rng); err != nil {
			b.Fatal(err)
		}
	}
}
