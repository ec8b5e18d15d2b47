package nn

import (
	"math"
	"unsafe"
)

// BernoulliLogLik returns the elementwise log-likelihood of binary targets
// under Bernoulli(σ(logits)): x·l − softplus(l), stable for any logit.
//
// softplus(l) and the backward pass's σ(l) both need e^−|l| (the same
// float64 value: exp(−l) for l > 0, exp(l) otherwise, and exp(±0) = 1),
// so when gradients are recorded the forward pass keeps it, in float64,
// and the backward pass divides instead of calling exp again. Values and
// gradients are those of softplus and sigmoid, bit for bit.
func (t *Tape[T]) BernoulliLogLik(logits *Node[T], targets *Mat[T]) *Node[T] {
	sameShape("BernoulliLogLik", logits.Value, targets)
	out := t.rawNode(logits.Value.Rows, logits.Value.Cols, logits)
	ls, xs, o := logits.Value.Data, targets.Data, out.Value.Data
	if fastLogLikOK[T]() {
		return t.bernoulliLogLikFast(out, logits, targets)
	}
	if out.Grad == nil {
		for i, l := range ls {
			o[i] = T(float64(xs[i])*float64(l) - softplus(float64(l)))
		}
		return out
	}
	ex := t.f64Buf(len(ls))
	for i, l := range ls {
		x := float64(l)
		e := expNegAbs(x)
		ex[i] = e
		o[i] = T(float64(xs[i])*x - softplusFrom(x, e))
	}
	return t.record(out, func() {
		g, ga := out.Grad.Data, logits.Grad.Data
		for i, gi := range g {
			ga[i] += gi * (xs[i] - T(sigmoidFrom(float64(ls[i]), ex[i])))
		}
	})
}

// bernoulliLogLikFast is BernoulliLogLik for float32 with the AVX2
// loops: the same values and gradients, bit for bit
// (bernoulliLogLikFast32, sigmoidFast32).
func (t *Tape[T]) bernoulliLogLikFast(out, logits *Node[T], targets *Mat[T]) *Node[T] {
	ls, xs, o := asF32(logits.Value.Data), asF32(targets.Data), asF32(out.Value.Data)
	ex := t.f64Buf(len(ls))
	// One bit per element, a byte per four, in a tape-owned buffer.
	okb := t.f64Buf(len(ls)/32 + 1)
	okm := unsafe.Slice((*uint8)(unsafe.Pointer(&okb[0])), 8*len(okb))
	bernoulliLogLikFast32(o, ls, xs, ex, okm)
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		sigmoidGradFast32(asF32(logits.Grad.Data), asF32(out.Grad.Data), ls, xs, ex, okm)
	})
}

// expNegAbs returns the exponential that softplus(x) and sigmoid(x)
// compute: exp(−x) for x > 0, exp(x) otherwise (NaN included).
func expNegAbs(x float64) float64 {
	if x > 0 {
		return math.Exp(-x)
	}
	return math.Exp(x)
}

// softplusFrom is softplus(x) given e = expNegAbs(x).
func softplusFrom(x, e float64) float64 {
	if x > 0 {
		return x + math.Log1p(e)
	}
	return math.Log1p(e)
}

// sigmoidFrom is sigmoid(x) given e = expNegAbs(x): sigmoid's two
// branches differ from expNegAbs's only at x = ±0, where both
// exponentials are exp(±0) = 1.
func sigmoidFrom(x, e float64) float64 {
	if x >= 0 {
		return 1 / (1 + e)
	}
	return e / (1 + e)
}
