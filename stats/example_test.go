package stats_test

import (
	"fmt"

	"github.com/genbench/genbench/stats"
)

// Per-seed differences of test NLL (model a − model b) over six training
// seeds: every seed favours a, and the exact sign-flip test says so.
func ExampleSignFlip() {
	d := []float64{-0.31, -0.12, -0.45, -0.08, -0.22, -0.19}
	r, err := stats.SignFlip(d, stats.Options{Seed: 1})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: difference %.3f, p = %.5f (smallest attainable %.5f), d_z = %.2f, significant %v\n",
		r.Test, r.Difference, r.PValue, r.MinP, r.EffectSize, r.Significant)
	// Output:
	// sign-flip-exact: difference -0.228, p = 0.03125 (smallest attainable 0.03125), d_z = -1.69, significant true
}

// Holm's correction across the pairs of a data set.
func ExampleHolm() {
	fmt.Println(stats.Holm([]float64{0.01, 0.04, 0.03, 0.005}))
	// Output:
	// [0.03 0.06 0.06 0.02]
}

// Two models scored on the same four test examples in each of three seeds:
// the random-effects combination of the per-example paired differences.
func ExampleCompare() {
	p := stats.Pair{
		ExamplesA: [][]float64{{-90.1, -85.2, -88.0, -91.3}, {-89.9, -85.0, -88.4, -91.0}, {-90.3, -85.1, -87.9, -91.6}},
		ExamplesB: [][]float64{{-90.5, -85.9, -88.1, -91.9}, {-90.2, -85.6, -88.9, -91.2}, {-90.9, -85.4, -88.3, -92.0}},
	}
	c, err := stats.Compare(p, stats.Options{})
	if err != nil {
		panic(err)
	}
	r := c.Primary
	fmt.Printf("%s: a − b = %.3f [%.3f, %.3f], p = %.4f, seed sd %.3f, example se %.3f\n",
		r.Test, r.Difference, r.CILow, r.CIHigh, r.PValue, c.Variance.SeedSD, c.Variance.ExampleSE)
	fmt.Println("sign-flip note:", c.SignFlip.Note)
	// Output:
	// random-effects-hksj: a − b = 0.421 [0.214, 0.629], p = 0.0129, seed sd 0.000, example se 0.100
	// sign-flip note: bootstrap over 3 values: intervals tend to be too narrow below 10; the smallest attainable p-value is 0.25 > α = 0.05: this test cannot reject with 3 seeds
}

// The test mode of `genbench check`: four seeds of a baseline and of a new
// run of a lower-is-better metric.
func ExampleCheckRegression() {
	g, err := stats.CheckRegression(stats.RegressionInput{
		Baseline:  []float64{88.1, 88.5, 87.9, 88.3},
		Current:   []float64{88.6, 88.9, 88.4, 88.7},
		Direction: stats.LowerIsBetter,
	}, stats.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(g.Worse)
	fmt.Println(g.Message)
	// Output:
	// true
	// current 88.65 vs baseline 88.2 (+0.51%, lower is better): worse by 0.45 [0.3581, 0.5419], one-sided paired-t p = 0.000287 (Holm 0.000287) vs α = 0.05: REGRESSION
}

// A sample-based metric over five seeds: the mean with a seeded BCa
// bootstrap interval.
func ExampleBootstrapMean() {
	modes := []float64{23, 25, 24, 25, 22}
	iv, err := stats.BootstrapMean(modes, stats.Options{Seed: 7})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.1f [%.1f, %.1f] %s\n", iv.Estimate, iv.CILow, iv.CIHigh, iv.CIMethod)
	// Output:
	// 23.8 [22.6, 24.8] bca
}
