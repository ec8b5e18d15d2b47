package stats

import (
	"fmt"
	"math"
)

// SignFlip is the paired permutation test of per-seed differences
// d_s = a_s − b_s (Fisher 1935; Pitman 1937): under H0 each difference is
// as likely to have either sign, so the observed sum is compared with the
// sums under all 2^S sign patterns. Because Σd_s² does not change when signs
// flip, the test is the same as the permutation test of the paired t
// statistic. For S ≤ [MaxExactSeeds] every pattern is enumerated and the
// p-value is exact; above, opt.Permutations seeded random patterns give the
// Monte Carlo p-value (1 + hits)/(1 + B) of Phipson & Smyth (2010), and the
// note states the count.
//
// The result carries the mean difference, its standard error across seeds,
// Cohen's d_z and the bootstrap interval of the mean ([BootstrapMean]) when
// S ≥ 2. With S nonzero differences the smallest attainable p-value is
// 2^(1−S) two-sided and 2^(−S) one-sided: 5 seeds cannot reach 0.05 two-sided
// (MinP = 0.0625), and the note then says so.
func SignFlip(d []float64, opt Options) (Result, error) {
	opt, err := opt.filled()
	if err != nil {
		return Result{}, err
	}
	if len(d) == 0 {
		return Result{}, fmt.Errorf("stats: sign-flip test of no seeds")
	}
	if err := checkFinite("per-seed difference", d); err != nil {
		return Result{}, err
	}
	test := TestSignFlipExact
	if len(d) > MaxExactSeeds {
		test = TestSignFlipMC
	}
	r := newResult(test, opt.Alternative, opt.Alpha)
	if err := describeSeeds(&r, d, opt); err != nil {
		return Result{}, err
	}
	r.MinP = signFlipMinP(d, opt.Alternative)
	if test == TestSignFlipExact {
		r.PValue = signFlipExact(d, opt.Alternative)
	} else {
		r.PValue = signFlipMonteCarlo(d, opt)
		r.MinP = math.Max(r.MinP, 1/float64(opt.Permutations+1))
		r.addNote(fmt.Sprintf("Monte Carlo p-value from %d random sign patterns (seed %d)", opt.Permutations, opt.Seed))
	}
	r.finish()
	return r, nil
}

// describeSeeds fills the estimate, standard error, effect size and the
// bootstrap interval of the mean of per-seed differences.
func describeSeeds(r *Result, d []float64, opt Options) error {
	mean, sd := meanSD(d)
	r.NSeeds = len(d)
	r.Difference = mean
	r.StdErr = sd / math.Sqrt(float64(len(d)))
	r.EffectSize, r.EffectName = cohenDz(mean, sd), EffectCohenDz
	if len(d) < 2 {
		r.addNote("one seed: no across-seed spread, interval or effect size")
		return nil
	}
	ci, err := BootstrapMean(d, opt)
	if err != nil {
		return err
	}
	r.CILow, r.CIHigh, r.CILevel, r.CIMethod = ci.CILow, ci.CIHigh, ci.CILevel, ci.CIMethod
	if ci.Note != "" {
		r.addNote(ci.Note)
	}
	return nil
}

// signFlipMinP is the p-value of the most extreme data: all nonzero
// differences of one sign. Zero differences do not change under a flip and
// so do not help.
func signFlipMinP(d []float64, alt Alternative) float64 {
	m := 0
	for _, v := range d {
		if v != 0 {
			m++
		}
	}
	p := math.Ldexp(1, -m)
	if alt == TwoSided {
		p *= 2
	}
	return math.Min(p, 1)
}

// flipTolerance absorbs the rounding of sums that are equal in exact
// arithmetic but added in a different order.
func flipTolerance(d []float64) float64 {
	s := 0.0
	for _, v := range d {
		s += math.Abs(v)
	}
	return 1e-12 * s
}

// signFlipExact counts, over all 2^S sign patterns, the sums at least as
// extreme as the observed one.
func signFlipExact(d []float64, alt Alternative) float64 {
	obs, tol := signedSum(d, 0), flipTolerance(d)
	n := uint64(1) << len(d)
	hits := uint64(0)
	for mask := uint64(0); mask < n; mask++ {
		if asExtreme(signedSum(d, mask), obs, tol, alt) {
			hits++
		}
	}
	return float64(hits) / float64(n)
}

// signFlipMonteCarlo draws opt.Permutations random sign patterns.
func signFlipMonteCarlo(d []float64, opt Options) float64 {
	rng := newRand(opt.Seed)
	obs, tol := signedSum(d, 0), flipTolerance(d)
	hits := 0
	for b := 0; b < opt.Permutations; b++ {
		t := 0.0
		for _, v := range d {
			if rng.Uint64()&1 == 1 {
				v = -v
			}
			t += v
		}
		if asExtreme(t, obs, tol, opt.Alternative) {
			hits++
		}
	}
	return float64(hits+1) / float64(opt.Permutations+1)
}

// signedSum adds d with the signs of the bits of mask flipped (bit i set:
// −d_i), always in index order so that equal patterns give equal bits.
func signedSum(d []float64, mask uint64) float64 {
	t := 0.0
	for i, v := range d {
		if mask>>i&1 == 1 {
			v = -v
		}
		t += v
	}
	return t
}

func asExtreme(t, obs, tol float64, alt Alternative) bool {
	switch alt {
	case Greater:
		return t >= obs-tol
	case Less:
		return t <= obs+tol
	default:
		return math.Abs(t) >= math.Abs(obs)-tol
	}
}
