package glow_test

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models/glow"
	"github.com/genbench/genbench/nn"
)

// A two-level Glow on 8×8 one-channel images: the first step initialises
// the ActNorms from its batch, training raises the log-density, and
// samples come from one inverse pass at a chosen temperature.
func Example() {
	g, err := glow.New[float32](glow.Config{
		Shape:  nn.ImageShape{C: 1, H: 8, W: 8},
		Levels: 2, Steps: 2, Hidden: 16, Temperature: 1, LR: 2e-3, Seed: 1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Images with one bright column each, plus noise.
	rng := rand.New(rand.NewPCG(1, 2))
	x := mat.NewDense(64, 64, nil)
	for i := 0; i < 64; i++ {
		col := rng.IntN(8)
		for p := 0; p < 64; p++ {
			v := -1.0
			if p%8 == col {
				v = 1
			}
			x.Set(i, p, v+0.1*rng.NormFloat64())
		}
	}
	first, _ := g.TrainStep(x)
	var last float64
	for i := 0; i < 100; i++ {
		last, _ = g.TrainStep(x)
	}
	fmt.Println("initialised:", g.Initialized())
	fmt.Println("NLL fell by more than 50 nats:", first-last > 50)
	s, err := g.SampleAt(10, 0.7, rand.New(rand.NewPCG(3, 4)))
	fmt.Println(s.RawMatrix().Rows, "samples, error:", err)
	// Output:
	// initialised: true
	// NLL fell by more than 50 nats: true
	// 10 samples, error: <nil>
}
