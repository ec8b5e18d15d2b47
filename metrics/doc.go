// Package metrics holds the evaluation metrics of genbench as pure functions
// on float64 slices and gonum *mat.Dense matrices. It contains no model code:
// models produce per-example numbers (log-likelihoods, samples, latent means)
// and this package turns them into reportable statistics, following the
// protocols of docs/protocols.md, whose sections the metrics cite by
// heading.
//
// # The registry
//
// Every metric a spec may ask for under eval.metrics is declared once,
// with [Register], from the init function of its own file: its name, doc
// line, protocol section, what it needs ([Needs]), the record keys it
// writes ([Key]: unit, direction, tolerance, timing, report column) and
// how it is computed from an [Input] into an [Output]. Evaluation
// (experiments.Evaluate) prepares the declared needs and calls the
// metrics in their Order; the regression baseline's default rules,
// `genbench list`, the summary and the report's comparison columns read
// the declarations. Adding a metric is therefore one file: see the
// example of [Register].
//
// # Conventions
//
// Matrices hold one example per row. Distances are Euclidean.
//
// Nothing is dropped silently. Per-example summaries ([Summarize], [NLL],
// [BitsPerDim], [Aggregate]) compute their statistics over the finite values
// only and count NaN and ±Inf values in a NonFinite field; callers must report
// that count next to the number (docs/protocols.md, Bits per dimension). A metric that
// cannot be computed is either an error (invalid input: mismatched
// dimensions, non-finite coordinates where distances are needed, too few
// rows) or NaN where the doc comment says so (for example the mode histogram
// divergence when there are no high-quality samples). Never a zero. Note that
// encoding/json refuses NaN and ±Inf; callers that serialise results must
// check with math.IsNaN first and write null or a string.
//
// # Likelihoods
//
// [NLL] reports the test negative log-likelihood in nats per example as mean,
// standard deviation (unbiased, n−1) and standard error Std/√N. Report it as
// Mean ± 2·StdErr, the convention of the MAF tables; [Summary.Interval] gives
// that interval. The kind of the number (exact, bound, estimate, none) is the
// caller's to record.
//
// [BitsPerDim] converts per-example NLLs to bits per dimension:
//
//	bpd = (NLL_y + c)/(D·ln 2) + log2(levels)
//
// where NLL_y is the NLL of the space the model was fitted in, c is the
// per-example log|det ∂u/∂y| that maps that density back to the data on
// [0,1]^D (so −log p_u = −log p_y + c; c = 0 when the model works on [0,1]^D
// directly; [LogitCorrection] for the logit transform of RealNVP/MAF), and
// log2(levels) is the quantisation term (8 for 8-bit data dequantised to
// [0,1]^D, 0 for binary data or when levels = 0).
//
// [LogSumExp] and [LogMeanExp] are the stable reductions used for importance
// sampled (IWAE) estimates and Parzen windows.
//
// # Sample-based metrics
//
//   - [Modes]: VEEGAN/PacGAN mode coverage on 2-D mixtures (modes covered,
//     fraction of high-quality samples within 3 std of their nearest mode,
//     KL and JSD of the high-quality mode histogram to uniform).
//   - [ClassCoverage]: the same for images labelled by a classifier.
//   - [PRDC]: k-NN precision/recall (Kynkäänniemi et al. 2019) and
//     density/coverage (Naeem et al. 2020).
//   - [ParzenSigma], [ParzenLogLik]: the Parzen-window estimate of
//     Goodfellow et al. 2014. It is an estimate; never rank it with exact
//     NLLs.
//   - [ActiveUnits]: posterior-collapse diagnostic of Burda et al.
//   - [SamplingSpeed]: samples per second after warm-up, median of repeats.
//   - [Aggregate]: mean, std and Student-t 95% interval over seeds.
//
// The O(n²) functions ([PRDC], [ParzenLogLik], [ParzenSigma]) compute
// distances by brute force and split rows over at most runtime.GOMAXPROCS(0)
// goroutines.
package metrics
