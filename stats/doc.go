// Package stats decides which differences between models are real. It
// holds the paired tests, intervals and multiple-comparison correction used
// by `genbench compare`, the report's rankings and `genbench check`, as
// pure functions on float64 slices. It imports only the standard library
// and gonum.
//
// # Three variance sources
//
// A number such as a test NLL moves with the training seed, with the
// evaluation seed of a stochastic metric, and with the test examples drawn.
// When every model of a spec scores the same test examples with the same
// dequantization noise and evaluation seed (common random numbers), the
// examples pair across models and the test-example noise largely cancels
// in a paired difference. The package therefore works on differences:
//
//   - within one seed, per example: [PairExamples] (checked by ID with
//     [PairExamplesByID]) gives the mean difference and its standard error,
//     [ExamplesTest] the paired z test;
//   - across seeds, on the per-seed differences d_s (seed s of a against
//     seed s of b): [SignFlip], the exact permutation test (all 2^S sign
//     patterns for S ≤ 20, seeded Monte Carlo above), [Wilcoxon], the
//     signed-rank test with the Hodges–Lehmann estimate, [PairedT], and the
//     bootstrap interval of the mean, [BootstrapMean] / [Bootstrap];
//   - both at once: [Combine], a random-effects combination of the per-seed
//     per-example differences (DerSimonian & Laird 1986) tested with the
//     modified Hartung–Knapp t (Hartung & Knapp 2001; Röver et al. 2015), which accounts for the
//     training-seed variance that a per-example test ignores and reports
//     it separately ([Variance]);
//   - for stochastic metrics repeated under several evaluation seeds,
//     [SplitSeedVariance] separates training-seed from evaluation-seed
//     variance.
//
// [Compare] runs all of these on a [Pair] of models; [CheckRegression] is
// the one-sided test of `genbench check`; [AdjustHolm] and
// [AdjustRegressions] apply Holm's (1979) step-down correction across a
// family (the pairs of a data set, or the checks of a run).
//
// # Choices
//
// The combined test is the primary result when per-example values exist:
// the sign-flip test is exact but discrete, and with S nonzero differences
// it cannot go below 2^(1−S) two-sided, so five seeds can never reach 0.05.
// Results carry MinP, the smallest p-value the test could give, and a note
// when MinP > α, rather than a silent p = 1. With one seed the combined test
// is the per-example z test, which says whether these two trained networks
// differ, not whether the two models (training procedures) do; its note
// says so. The Wilcoxon test has an exact distribution for up to 50 nonzero
// differences, ties included (computed on doubled ranks), and the normal
// approximation with tie and continuity correction above.
//
// Bootstrap intervals over few seeds undercover (Efron & Tibshirani 1993);
// the note says so below 10 values. BCa (Efron 1987) is the default.
//
// Effect sizes accompany every p-value: Cohen's d_z, the mean paired
// difference over its standard deviation (Cohen 1988; Lakens 2013), and the
// difference itself with its interval.
//
// # Conventions
//
// Differences are a − b. Every float that cannot be computed is NaN (JSON
// null), never 0, and the result's Note says why. Resampling is seeded
// (Options.Seed, a PCG stream): the same seed gives the same bits. Inputs
// with NaN or ±Inf are refused with an error naming the first one.
//
// The calibration of the tests is itself tested: 500 simulated comparisons
// of identical models with a training-seed effect reject at α within
// binomial error, and the power against a planted difference is logged.
package stats
