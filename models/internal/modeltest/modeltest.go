// Package modeltest holds helpers shared by the model families' tests:
// building a registered model type and small seeded data sets.
package modeltest

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
)

// Build makes a model of a registered type through models.New, with Adam
// step 1e-3 unless cfg sets one; it fails the test on an error.
func Build(t testing.TB, typ string, user map[string]any, cfg models.Config) models.Model {
	t.Helper()
	if cfg.LR == 0 {
		cfg.LR = 1e-3
	}
	m, err := models.New(typ, user, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// BinaryPatterns is a tiny structured binary data set of n rows and d
// columns: noisy copies (5% of bits flipped) of `prototypes` random binary
// prototypes, so that a model has correlations to learn.
func BinaryPatterns(n, d, prototypes int, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 1))
	protos := make([][]float64, prototypes)
	for p := range protos {
		protos[p] = make([]float64, d)
		for j := range protos[p] {
			protos[p][j] = float64(rng.IntN(2))
		}
	}
	x := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		p := protos[rng.IntN(len(protos))]
		for j, v := range p {
			if rng.Float64() < 0.05 {
				v = 1 - v
			}
			x.Set(i, j, v)
		}
	}
	return x
}
