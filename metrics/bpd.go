package metrics

import (
	"errors"
	"fmt"
	"math"
)

// BitsPerDim converts per-example negative log-likelihoods to bits per
// dimension and summarises them (see [Summary]).
//
// nll holds −log p_y(y) per example in nats, where y is the space the model
// was fitted in. correction holds the per-example log|det ∂u/∂y| that maps
// the density back to the data u on [0,1]^D, so that
//
//	−log p_u(u) = −log p_y(y) + log|det ∂u/∂y|;
//
// pass nil when the model's density already is on [0,1]^D (use
// [LogitCorrection] for the logit transform). dim is D, the number of data
// dimensions, and levels the number of quantisation levels per dimension the
// data were dequantised from:
//
//	bpd = (nll + correction)/(D·ln 2) + log2(levels)
//
// levels = 256 adds 8 (8-bit images dequantised to [0,1]^D); levels = 0 adds
// nothing (binary data, or densities reported without quantisation). An
// example whose nll or correction is NaN or ±Inf gives a non-finite bpd and
// is counted in Summary.NonFinite.
//
// Errors: dim < 1, levels < 0 or levels = 1, or a correction slice whose
// length differs from nll.
func BitsPerDim(nll, correction []float64, dim, levels int) (Summary, error) {
	if dim < 1 {
		return Summary{}, fmt.Errorf("metrics: bits/dim: dim must be ≥ 1, got %d", dim)
	}
	if levels < 0 || levels == 1 {
		return Summary{}, fmt.Errorf("metrics: bits/dim: levels must be 0 (no quantisation) or ≥ 2, got %d", levels)
	}
	if correction != nil && len(correction) != len(nll) {
		return Summary{}, fmt.Errorf("metrics: bits/dim: %d corrections for %d examples", len(correction), len(nll))
	}
	q := 0.0
	if levels > 0 {
		q = math.Log2(float64(levels))
	}
	den := float64(dim) * math.Ln2
	bpd := make([]float64, len(nll))
	for i, v := range nll {
		if correction != nil {
			v += correction[i]
		}
		bpd[i] = v/den + q
	}
	return Summarize(bpd), nil
}

// LogitCorrection returns, for one example, log|det ∂u/∂y| of the logit
// preprocessing y = logit(λ + (1−2λ)u) used by RealNVP and MAF (λ = 1e-6 for
// MNIST, 0.05 for CIFAR-10):
//
//	Σ_i [log σ(y_i) + log(1−σ(y_i))] − D·log(1−2λ)
//
// where y is the example in logit space and D = len(y). Passed to
// [BitsPerDim] as the correction it reproduces the formula of Papamakarios
// et al. (2017) (docs/protocols.md, Bits per dimension)
//
//	bpd = NLL_y/(D ln2) − log2(1−2λ) + 8 + (1/D)·Σ[log2 σ(y_i) + log2(1−σ(y_i))].
//
// It is computed stably for large |y_i|. It returns an error if λ is not in
// [0, 0.5) or y is empty; a non-finite y_i gives a non-finite result.
func LogitCorrection(y []float64, lambda float64) (float64, error) {
	if !(lambda >= 0 && lambda < 0.5) {
		return math.NaN(), fmt.Errorf("metrics: logit correction: λ must be in [0, 0.5), got %v", lambda)
	}
	if len(y) == 0 {
		return math.NaN(), errors.New("metrics: logit correction: empty example")
	}
	s := 0.0
	for _, v := range y {
		// log σ(v) + log(1−σ(v)) = −|v| − 2·log(1 + e^{−|v|}), even in v.
		a := math.Abs(v)
		s += -a - 2*math.Log1p(math.Exp(-a))
	}
	return s - float64(len(y))*math.Log1p(-2*lambda), nil
}

func init() {
	Register(Metric{
		Name:       "bits_per_dim",
		Doc:        "test NLL in bits per dimension, with dequantization and logit corrections",
		Protocol:   "Bits per dimension",
		Order:      20,
		Stochastic: IfEstimated,
		Needs:      NeedsLikelihood,
		Also:       []string{"nll"},
		Keys: SummaryKeys("bits_per_dim", "test NLL in bits per dimension of the original data", "bits/dim", Lower, 0.01, 0.01,
			&Column{Header: "bits/dim", Rank: 110, Format: MeanPM, ByNLLKind: true}),
		Compute: computeBitsPerDim,
	})
}

// computeBitsPerDim converts the test log-likelihoods to bits per
// dimension of quantised or binary data; it writes nothing for models
// without a likelihood or for continuous data without quantisation.
func computeBitsPerDim(in *Input, out *Output) error {
	if in.LogLik == nil || (in.Data.Levels <= 0 && !in.Data.Binary) {
		return nil
	}
	nTest, dim := in.Test.Dims()
	perExample := make([]float64, len(in.LogLik))
	for i, v := range in.LogLik {
		perExample[i] = -v
	}
	var corr []float64
	if in.Data.UnitLogDet != nil {
		corr = make([]float64, nTest)
		for i := range corr {
			corr[i] = in.Data.UnitLogDet(in.Test.RawRowView(i))
		}
	}
	bpd, err := BitsPerDim(perExample, corr, dim, in.Data.Levels)
	if err != nil {
		return err
	}
	out.Summary("bits_per_dim", bpd)
	if in.Data.Levels == 0 {
		out.Note("bits_per_dim", "NLL/(D ln2) on binary data")
	} else {
		out.Note("bits_per_dim", fmt.Sprintf("NLL/(D ln2) + log2(%d) with the preprocessing's Jacobian (docs/protocols.md, Bits per dimension)", in.Data.Levels))
	}
	return nil
}
