package metrics_test

import (
	"fmt"
	"math"

	"github.com/genbench/genbench/metrics"
	"gonum.org/v1/gonum/mat"
)

// Test log-likelihoods of a model of 8-bit images dequantised to [0,1]^D,
// one per test example; one example overflowed. Report NLL as mean ± 2 s.e.
// with the non-finite count, and convert to bits/dim (+8 for 256 levels).
func ExampleBitsPerDim() {
	const dim = 784
	logp := []float64{-1000, -1100, -1200, math.Inf(-1)}
	nll := metrics.NLL(logp)
	fmt.Println("NLL (nats):", nll)

	perExample := make([]float64, len(logp))
	for i, v := range logp {
		perExample[i] = -v
	}
	bpd, err := metrics.BitsPerDim(perExample, nil, dim, 256)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("bits/dim:", bpd)
	// Output:
	// NLL (nats): 1100.0000 ± 115.4701 (n=3, non-finite=1)
	// bits/dim: 10.0242 ± 0.2125 (n=3, non-finite=1)
}

// Eight generated points on the 8-Gaussian ring (std 0.01): two samples on
// mode 0, one on modes 2 and 4 each, one slightly off mode 6 (within 3 std),
// and two stray points far from every mode.
func ExampleModes() {
	modes := make([][]float64, 8)
	for i := range modes {
		a := 2 * math.Pi * float64(i) / 8 // not linspace(0, 2π, 8): that gives 7 modes
		modes[i] = []float64{math.Cos(a), math.Sin(a)}
	}
	samples := mat.NewDense(7, 2, []float64{
		1, 0,
		1, 0,
		0, 1,
		-1, 0,
		0.02, -1.01,
		0, 0,
		0.7, 0.3,
	})
	r, err := metrics.Modes(samples, modes, 0.01)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("modes covered: %d/%d\n", r.ModesCovered, r.NumModes)
	fmt.Printf("high quality: %d/%d = %.3f\n", r.HighQuality, r.Samples, r.HighQualityFrac)
	// KL = 0.4·log(8·0.4) + 3·0.2·log(8·0.2).
	fmt.Printf("KL(hq histogram ‖ uniform) = %.4f nats\n", r.KL)
	fmt.Println("counts:", r.Counts)

	// Output:
	// modes covered: 4/8
	// high quality: 5/7 = 0.714
	// KL(hq histogram ‖ uniform) = 0.7473 nats
	// counts: [2 0 1 0 1 0 1 0]
}
