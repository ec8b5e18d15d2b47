package autoregressive_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/models"
	_ "github.com/genbench/genbench/models/autoregressive"
	"github.com/genbench/genbench/models/internal/modeltest"
)

// A MADE built through the model registry, as a spec's `type: made`
// entry is: trained on a small binary data set, it gives an exact
// log-likelihood (Density) and samples one dimension at a time.
func Example() {
	x := modeltest.BinaryPatterns(256, 16, 3, 1)
	m, err := models.New("made", map[string]any{"hidden": 32},
		models.Config{Dim: 16, Binary: true, LR: 1e-2, Seed: 1})
	if err != nil {
		panic(err)
	}
	nll := func() float64 {
		lp, err := m.(models.Density).LogProb(x)
		if err != nil {
			panic(err)
		}
		return metrics.NLL(lp).Mean
	}
	before := nll()
	for i := 0; i < 200; i++ {
		if _, err := m.TrainStep(x); err != nil {
			panic(err)
		}
	}
	s, err := m.Sample(5, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		panic(err)
	}
	r, c := s.Dims()
	fmt.Println("likelihood:", models.Kind(m))
	fmt.Printf("NLL below half its start (%.1f nats at 16·ln 2 ≈ 11.1): %v\n", before, nll() < before/2)
	fmt.Println("samples:", r, "×", c)
	// Output:
	// likelihood: exact
	// NLL below half its start (11.1 nats at 16·ln 2 ≈ 11.1): true
	// samples: 5 × 16
}
