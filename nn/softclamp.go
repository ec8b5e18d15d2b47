package nn

import "math"

// SoftClamp returns bound·tanh(a/bound): values stay in (−bound, bound),
// small ones pass almost unchanged (the slope at 0 is 1) and the gradient
// never vanishes abruptly as with a hard clip. Flows' log-scales and
// the log-stds and log-variances of autoregressive models and VAEs go
// through it so that exp never overflows in float32. A bound ≤ 0 or +Inf
// means no clamp: a is returned as is.
func (t *Tape[T]) SoftClamp(a *Node[T], bound float64) *Node[T] {
	if bound <= 0 || math.IsInf(bound, 1) {
		return a
	}
	return t.Scale(t.Tanh(t.Scale(a, 1/bound)), bound)
}

// SoftClampF is SoftClamp of one value, for inference code outside tapes.
func SoftClampF(x, bound float64) float64 {
	if bound <= 0 || math.IsInf(bound, 1) {
		return x
	}
	return bound * math.Tanh(x/bound)
}
