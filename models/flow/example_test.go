package flow_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models/flow"
	"github.com/genbench/genbench/nn"
)

// A flow composed by hand: a standard-normal base and a chain of
// transforms, here two affine couplings with an order reversal between
// them. Every transform returns its output and log|det J| both ways, so
// the flow's density is exact and Invert undoes it.
func Example() {
	f := flow.New[float64](2, 1)
	rng := f.Rand()
	f.Transforms = []flow.Transform[float64]{
		flow.NewAffineCoupling(&f.Params, "c0", 2, 1, []int{16}, nn.ActRelu, 3, rng),
		flow.Reverse[float64](2),
		flow.NewAffineCoupling(&f.Params, "c1", 2, 1, []int{16}, nn.ActRelu, 3, rng),
	}
	f.Init(1e-2, 100)

	// Data: x2 = x1² + noise, which no Gaussian fits.
	data := rand.New(rand.NewPCG(2, 3))
	x := mat.NewDense(512, 2, nil)
	for i := 0; i < 512; i++ {
		a := data.NormFloat64()
		x.Set(i, 0, a)
		x.Set(i, 1, a*a+0.2*data.NormFloat64())
	}
	first, _ := f.TrainStep(x)
	var last float64
	for i := 0; i < 300; i++ {
		last, _ = f.TrainStep(x)
	}
	fmt.Println("NLL fell by more than 0.5 nats:", last < first-0.5)

	// The density integrates to 1 over a grid that holds the data.
	const h = 0.05
	grid := mat.NewDense(160*240, 2, nil)
	for i := 0; i < 160; i++ {
		for j := 0; j < 240; j++ {
			grid.Set(i*240+j, 0, -4+h*float64(i))
			grid.Set(i*240+j, 1, -3+h*float64(j))
		}
	}
	lp, _ := f.LogProb(grid)
	var mass float64
	for _, v := range lp {
		mass += math.Exp(v) * h * h
	}
	fmt.Println("probability mass on the grid within 0.03 of 1:", math.Abs(mass-1) < 0.03)
	// Output:
	// NLL fell by more than 0.5 nats: true
	// probability mass on the grid within 0.03 of 1: true
}
