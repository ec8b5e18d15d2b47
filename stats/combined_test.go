package stats

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// The combined test's standard error is the modified Hartung–Knapp one
// (Röver, Knapp & Friede 2015): √(max(1, q)/Σw). The cases are worked by
// hand from the DerSimonian–Laird formulas (their values in the comments).
func TestCombineModifiedHartungKnapp(t *testing.T) {
	seeds := func(means, ses []float64) []ExampleDiff {
		d := make([]ExampleDiff, len(means))
		for i := range means {
			d[i] = ExampleDiff{Mean: means[i], StdErr: ses[i], Std: ses[i] * 20, N: 400}
		}
		return d
	}
	cases := []struct {
		name           string
		seeds          []ExampleDiff
		wantDifference float64
		wantSE         float64
	}{
		// Every seed the same nonzero difference: q = 0 and τ² = 0, so
		// plain Hartung–Knapp gave SE 0 and p 0. The floor q* = 1 gives
		// the fixed-effect SE 1/√(Σ 1/SE²) = 0.1/√3.
		{"identical differences", seeds([]float64{0.5, 0.5, 0.5}, []float64{0.1, 0.1, 0.1}), 0.5, 0.1 / math.Sqrt(3)},
		// Nearly identical: Q = 100·2·0.01² = 0.02 < S − 1, τ² = 0,
		// q = 0.01, floored to 1.
		{"q below one", seeds([]float64{0.49, 0.5, 0.51}, []float64{0.1, 0.1, 0.1}), 0.5, 0.1 / math.Sqrt(3)},
		// A spread beyond the example noise: Q = 26.633, τ² = 0.431071,
		// μ = 0.658152 and q = 1.174674 > 1, so the SE is plain
		// Hartung–Knapp's √(q/Σw) = 0.431493.
		{"q above one", seeds([]float64{0, 0.6, 1.5}, []float64{0.1, 0.2, 0.3}), 0.6581515040098028, 0.43149258267384805},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _, err := Combine(c.seeds, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !near(r.Difference, c.wantDifference, 1e-12) || !near(r.StdErr, c.wantSE, 1e-9) {
				t.Errorf("difference %.12g SE %.12g, want %.12g and %.12g", r.Difference, r.StdErr, c.wantDifference, c.wantSE)
			}
			tdist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(c.seeds) - 1)}
			wantP := 2 * tdist.Survival(math.Abs(c.wantDifference)/c.wantSE)
			if r.PValue <= 0 || !near(r.PValue, wantP, 1e-9) {
				t.Errorf("p %g, want %g (finite significance)", r.PValue, wantP)
			}
			half := tdist.Quantile(0.975) * c.wantSE
			if !near(r.CILow, c.wantDifference-half, 1e-9) || !near(r.CIHigh, c.wantDifference+half, 1e-9) {
				t.Errorf("interval [%g, %g], want %g ± %g", r.CILow, r.CIHigh, c.wantDifference, half)
			}
		})
	}
}

// With a seed of zero standard error the weights are equal and not
// inverse variances: the test stays the paired t test on the seed means,
// without the floor (whose fixed-effect variance would be 0 anyway).
func TestCombineZeroStdErrIsPairedT(t *testing.T) {
	d := []ExampleDiff{{Mean: 1, N: 10}, {Mean: 2, StdErr: 0.1, Std: 0.3, N: 10}, {Mean: 3, StdErr: 0.1, Std: 0.3, N: 10}}
	r, _, err := Combine(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := PairedT([]float64{1, 2, 3}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !near(r.StdErr, want.StdErr, 1e-12) || !near(r.PValue, want.PValue, 1e-12) {
		t.Errorf("SE %g p %g, want the paired t test's %g and %g", r.StdErr, r.PValue, want.StdErr, want.PValue)
	}
}
