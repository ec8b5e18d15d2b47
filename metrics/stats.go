package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Summary describes a set of per-example values (NLLs, ELBOs, bits/dim).
//
// Mean, Std and StdErr are computed over the N finite values only; NonFinite
// counts the NaN and ±Inf values that were left out, and callers must report
// it with the number. Std is the unbiased sample standard deviation (divisor
// N−1) and StdErr = Std/√N. Conventions for small N:
//   - N = 0: Mean, Std and StdErr are NaN (nothing to summarise).
//   - N = 1: Std and StdErr are 0 (no spread can be estimated); check N.
type Summary struct {
	Mean, StdErr, Std float64
	N, NonFinite      int
}

// Interval returns Mean ± 2·StdErr, the interval reported in the MAF tables
// (Papamakarios et al. 2017) and used throughout genbench
// (docs/protocols.md, "Importance-sampled NLL").
func (s Summary) Interval() (lo, hi float64) {
	return s.Mean - 2*s.StdErr, s.Mean + 2*s.StdErr
}

// String formats the summary as "mean ± 2·s.e. (n=N, non-finite=K)".
func (s Summary) String() string {
	return fmt.Sprintf("%.4f ± %.4f (n=%d, non-finite=%d)", s.Mean, 2*s.StdErr, s.N, s.NonFinite)
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Summarize summarises any per-example values, for example ELBOs or
// importance-sampled log-likelihoods. See [Summary] for the conventions.
func Summarize(x []float64) Summary {
	var s Summary
	sum := 0.0
	for _, v := range x {
		if isFinite(v) {
			sum += v
			s.N++
		} else {
			s.NonFinite++
		}
	}
	if s.N == 0 {
		s.Mean, s.Std, s.StdErr = math.NaN(), math.NaN(), math.NaN()
		return s
	}
	n := float64(s.N)
	s.Mean = sum / n
	if s.N == 1 {
		return s
	}
	// Corrected two-pass algorithm (Chan, Golub & LeVeque): exact for
	// values with a large common offset.
	var ss, comp float64
	for _, v := range x {
		if isFinite(v) {
			d := v - s.Mean
			ss += d * d
			comp += d
		}
	}
	ss -= comp * comp / n
	if ss < 0 {
		ss = 0
	}
	s.Std = math.Sqrt(ss / (n - 1))
	s.StdErr = s.Std / math.Sqrt(n)
	return s
}

// NLL summarises per-example log-likelihoods logp (nats) as negative
// log-likelihoods −logp. Report Mean ± 2·StdErr together with N and
// NonFinite (examples whose log-likelihood was NaN or ±Inf; they are
// excluded from the statistics but never silently dropped).
func NLL(logp []float64) Summary {
	nll := make([]float64, len(logp))
	for i, v := range logp {
		nll[i] = -v
	}
	return Summarize(nll)
}

// Agg summarises one metric across independent runs (seeds).
//
// Mean and Std (unbiased, N−1) are over the N finite values; NonFinite counts
// the runs whose value was NaN or ±Inf. [CI95Lo, CI95Hi] is the Student-t 95%
// confidence interval Mean ± t(0.975, N−1)·Std/√N. With N = 1 the output has
// no NaN: Std is 0 and the interval collapses to the mean (a single run has no
// spread estimate; check N). With N = 0 every float field is NaN.
type Agg struct {
	Mean, Std, CI95Lo, CI95Hi float64
	N, NonFinite              int
}

// Aggregate summarises the values of one metric over seeds. See [Agg].
func Aggregate(values []float64) Agg {
	s := Summarize(values)
	a := Agg{Mean: s.Mean, Std: s.Std, N: s.N, NonFinite: s.NonFinite}
	switch {
	case s.N == 0:
		a.CI95Lo, a.CI95Hi = math.NaN(), math.NaN()
	case s.N == 1:
		a.CI95Lo, a.CI95Hi = s.Mean, s.Mean
	default:
		t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(s.N - 1)}.Quantile(0.975)
		h := t * s.StdErr
		a.CI95Lo, a.CI95Hi = s.Mean-h, s.Mean+h
	}
	return a
}

// LogSumExp returns log Σ exp(x_i) without overflow or underflow.
// It returns −Inf for an empty slice or when every x_i is −Inf, +Inf if any
// x_i is +Inf, and NaN if any x_i is NaN.
func LogSumExp(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		if math.IsNaN(v) {
			return math.NaN()
		}
		if v > m {
			m = v
		}
	}
	if math.IsInf(m, 0) {
		return m
	}
	s := 0.0
	for _, v := range x {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

// LogMeanExp returns log((1/n) Σ exp(x_i)) = LogSumExp(x) − log n, the
// importance-sampling estimate log p(x) ≈ logmeanexp_k[log p(x,z_k) −
// log q(z_k|x)]. It returns NaN for an empty slice (the mean of nothing is
// undefined); otherwise it follows [LogSumExp].
func LogMeanExp(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	return LogSumExp(x) - math.Log(float64(len(x)))
}
