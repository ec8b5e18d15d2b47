package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// ExampleDiff summarises the per-example paired differences a_i − b_i of
// two models scored on the same test examples within one seed.
type ExampleDiff struct {
	Mean   float64 `json:"mean"`
	Std    float64 `json:"std"`     // unbiased (n−1) standard deviation of the differences
	StdErr float64 `json:"std_err"` // Std/√N: the test-example sampling error of Mean
	N      int     `json:"n"`
}

// PairExamples returns the mean paired difference of a and b (a − b) and its
// standard error. a[i] and b[i] must be the same test example; use
// [PairExamplesByID] to check that. It refuses unequal lengths, fewer than
// two examples and non-finite values: a −Inf log-density makes the
// difference infinite, and dropping the example would bias the mean.
func PairExamples(a, b []float64) (ExampleDiff, error) {
	if len(a) != len(b) {
		return ExampleDiff{}, fmt.Errorf("stats: pairing %d examples with %d", len(a), len(b))
	}
	if len(a) < 2 {
		return ExampleDiff{}, fmt.Errorf("stats: %d paired examples: need at least 2 for a standard error", len(a))
	}
	if err := checkFinite("a", a); err != nil {
		return ExampleDiff{}, err
	}
	if err := checkFinite("b", b); err != nil {
		return ExampleDiff{}, err
	}
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	mean, sd := meanSD(d)
	return ExampleDiff{Mean: mean, Std: sd, StdErr: sd / math.Sqrt(float64(len(d))), N: len(d)}, nil
}

// CheckIDs returns an error unless idsA and idsB list the same examples in
// the same order. IDs can be indices, content hashes or names.
func CheckIDs[K comparable](idsA, idsB []K) error {
	if len(idsA) != len(idsB) {
		return fmt.Errorf("stats: example ids: %d against %d", len(idsA), len(idsB))
	}
	for i := range idsA {
		if idsA[i] != idsB[i] {
			return fmt.Errorf("stats: example %d differs: %v against %v (the models did not score the same examples in the same order)", i, idsA[i], idsB[i])
		}
	}
	return nil
}

// PairExamplesByID is [PairExamples] after checking that idsA and idsB
// (one per value) name the same examples in the same order.
func PairExamplesByID[K comparable](a, b []float64, idsA, idsB []K) (ExampleDiff, error) {
	if len(idsA) != len(a) || len(idsB) != len(b) {
		return ExampleDiff{}, fmt.Errorf("stats: %d ids for %d values and %d ids for %d values", len(idsA), len(a), len(idsB), len(b))
	}
	if err := CheckIDs(idsA, idsB); err != nil {
		return ExampleDiff{}, err
	}
	return PairExamples(a, b)
}

// ExamplesTest is the paired z test of one seed's per-example differences:
// z = Mean/StdErr against the standard normal, with the normal interval
// Mean ± z_{(1+level)/2}·StdErr and Cohen's d_z over examples. It answers
// whether these two trained models differ on the distribution the test set
// was drawn from; it says nothing about training-seed variance, and the
// note says so.
func ExamplesTest(d ExampleDiff, opt Options) (Result, error) {
	opt, err := opt.filled()
	if err != nil {
		return Result{}, err
	}
	if d.N < 2 {
		return Result{}, fmt.Errorf("stats: paired z test on %d examples", d.N)
	}
	r := newResult(TestPairedZ, opt.Alternative, opt.Alpha)
	r.NSeeds, r.NExamples = 1, d.N
	r.Difference, r.StdErr = d.Mean, d.StdErr
	r.EffectSize, r.EffectName = cohenDz(d.Mean, d.Std), EffectCohenDz
	r.MinP = 0
	r.PValue = zPValue(d.Mean, d.StdErr, opt.Alternative)
	h := stdNormal.Quantile((1+opt.CILevel)/2) * d.StdErr
	r.CILow, r.CIHigh, r.CILevel, r.CIMethod = d.Mean-h, d.Mean+h, opt.CILevel, "normal"
	r.addNote("one seed: test-example sampling only, training-seed variance not measured")
	if d.StdErr == 0 {
		r.addNote("every per-example difference is equal")
	}
	r.finish()
	return r, nil
}

var stdNormal = distuv.UnitNormal

// zPValue is the p-value of mean/se against N(0, 1). A zero standard error
// gives p = 1 for a zero mean and p = 0 (in the direction of the
// alternative) otherwise, never a division by zero.
func zPValue(mean, se float64, alt Alternative) float64 {
	switch {
	case se > 0:
		return tailP(mean/se, alt, stdNormal.CDF, stdNormal.Survival)
	case mean == 0:
		return 1 // every difference is zero: no evidence in any direction
	default:
		return tailP(math.Inf(int(math.Copysign(1, mean))), alt, stdNormal.CDF, stdNormal.Survival)
	}
}

// tailP turns a statistic with a symmetric null distribution into a
// p-value for the alternative.
func tailP(s float64, alt Alternative, cdf, survival func(float64) float64) float64 {
	switch alt {
	case Greater:
		return survival(s)
	case Less:
		return cdf(s)
	default:
		return math.Min(1, 2*survival(math.Abs(s)))
	}
}
