package stats

import (
	"fmt"
	"math"
)

// Pair holds two models' results on one data set and metric, paired by
// training seed: index s of every slice is seed s of both models.
//
// A and B are per-seed values (for example the mean test NLL of each
// trial). ExamplesA and ExamplesB are optional per-seed, per-example values
// (for example log-densities of the same test examples, in the same order);
// when they are given A and B may be nil, and the per-seed differences are
// the means of the per-example ones. IDsA and IDsB optionally name the
// examples of each seed (indices, hashes) and are checked with [CheckIDs].
type Pair struct {
	A, B                 []float64
	ExamplesA, ExamplesB [][]float64
	IDsA, IDsB           [][]string
}

// Comparison is everything [Compare] measured on a pair. Primary is the
// result to report and to adjust with [AdjustHolm] across the pairs of a
// data set: Combined when per-example values exist, else SignFlip.
type Comparison struct {
	Primary  Result        `json:"primary"`
	SignFlip Result        `json:"sign_flip"`
	Wilcoxon Result        `json:"wilcoxon"`
	Combined *Result       `json:"combined,omitempty"`
	PerSeed  []ExampleDiff `json:"per_seed,omitempty"`
	Variance *Variance     `json:"variance,omitempty"`
}

// Compare runs the paired tests of a − b on p: per seed the per-example
// paired difference with its standard error (when examples exist), across
// seeds the exact sign-flip test with the bootstrap interval of the mean
// difference, the Wilcoxon signed-rank test with the Hodges–Lehmann
// estimate, and the random-effects combination of [Combine].
func Compare(p Pair, opt Options) (Comparison, error) {
	var c Comparison
	d, err := p.seedDiffs()
	if err != nil {
		return c, err
	}
	if c.PerSeed, err = p.exampleDiffs(); err != nil {
		return c, err
	}
	if d == nil {
		for _, e := range c.PerSeed {
			d = append(d, e.Mean)
		}
	}
	if c.SignFlip, err = SignFlip(d, opt); err != nil {
		return c, fmt.Errorf("sign-flip test: %w", err)
	}
	if c.Wilcoxon, err = Wilcoxon(d, opt); err != nil {
		return c, fmt.Errorf("Wilcoxon test: %w", err)
	}
	c.Primary = c.SignFlip
	if c.PerSeed == nil {
		return c, nil
	}
	comb, v, err := Combine(c.PerSeed, opt)
	if err != nil {
		return c, fmt.Errorf("combined test: %w", err)
	}
	c.Combined, c.Variance, c.Primary = &comb, &v, comb
	c.SignFlip.NExamples, c.Wilcoxon.NExamples = comb.NExamples, comb.NExamples
	return c, nil
}

// seedDiffs returns A − B, or nil when neither is given.
func (p Pair) seedDiffs() ([]float64, error) {
	if len(p.A) != len(p.B) {
		return nil, fmt.Errorf("stats: %d seeds of a against %d of b", len(p.A), len(p.B))
	}
	if len(p.A) == 0 {
		if len(p.ExamplesA) == 0 {
			return nil, fmt.Errorf("stats: a pair with neither per-seed nor per-example values")
		}
		return nil, nil
	}
	if p.ExamplesA != nil && len(p.ExamplesA) != len(p.A) {
		return nil, fmt.Errorf("stats: %d per-seed values but per-example values for %d seeds", len(p.A), len(p.ExamplesA))
	}
	d := make([]float64, len(p.A))
	for i := range d {
		d[i] = p.A[i] - p.B[i]
	}
	return d, checkFinite("per-seed difference", d)
}

// exampleDiffs pairs the examples of each seed, nil when there are none.
func (p Pair) exampleDiffs() ([]ExampleDiff, error) {
	if len(p.ExamplesA) != len(p.ExamplesB) {
		return nil, fmt.Errorf("stats: per-example values for %d seeds of a and %d of b", len(p.ExamplesA), len(p.ExamplesB))
	}
	if len(p.ExamplesA) == 0 {
		return nil, nil
	}
	if (p.IDsA != nil || p.IDsB != nil) && (len(p.IDsA) != len(p.ExamplesA) || len(p.IDsB) != len(p.ExamplesB)) {
		return nil, fmt.Errorf("stats: example ids for %d and %d seeds, values for %d", len(p.IDsA), len(p.IDsB), len(p.ExamplesA))
	}
	out := make([]ExampleDiff, len(p.ExamplesA))
	for s := range out {
		var err error
		if p.IDsA != nil {
			out[s], err = PairExamplesByID(p.ExamplesA[s], p.ExamplesB[s], p.IDsA[s], p.IDsB[s])
		} else {
			out[s], err = PairExamples(p.ExamplesA[s], p.ExamplesB[s])
		}
		if err != nil {
			return nil, fmt.Errorf("seed %d: %w", s, err)
		}
	}
	return out, nil
}

// Direction says which way a metric improves.
type Direction string

const (
	LowerIsBetter  Direction = "lower"  // NLL, bits/dim, FD, KID
	HigherIsBetter Direction = "higher" // log-likelihood, modes, precision, recall
)

func (d Direction) valid() bool { return d == LowerIsBetter || d == HigherIsBetter }

// Verdict reads a two-sided comparison of a − b under the metric's
// direction: "a better", "b better", or "not significant" when r is not
// significant after adjustment (or the difference is NaN).
func Verdict(r Result, dir Direction) string {
	if !r.Significant || math.IsNaN(r.Difference) || r.Difference == 0 {
		return "not significant"
	}
	if (r.Difference < 0) == (dir == LowerIsBetter) {
		return "a better"
	}
	return "b better"
}
