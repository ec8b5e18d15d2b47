package nn

import (
	"math"
	"unsafe"
)

// Fast float32 Bernoulli log-likelihoods, equal bit for bit to the exact
// ones: softplusParts32 approximates e = e^−|l| and log1p(e) in float64
// far more closely than float32 resolves, and each float32 result is
// taken from the approximation only when every float64 value within the
// approximation's error bound rounds to the same float32 (rounding is
// monotonic, so the exact value does too); otherwise it is computed
// exactly, as before.

// softplusExpErr bounds the relative error of softplusParts32's e for
// |l| < softplusFastMax: the degree-11 Taylor remainder at |r| ≤ ln2/2
// is under 1e−14, roundings add a few 1e−16 (TestSoftplusParts checks
// 2e−14). softplusLog1pErr bounds that of its log1p(e) given e: the
// atanh series stopped after s²⁷ with s ≤ 1/3 leaves under 2e−15.
const (
	softplusExpErr   = 1e-13
	softplusLog1pErr = 1e-13
	softplusFastMax  = 700 // beyond, e^−|l| nears the subnormals and is clamped
)

// fastLogLikOK reports whether the fast Bernoulli log-likelihood runs
// for element type T: only float32 results can be certified this way,
// and only the AVX2 loop is fast enough to pay.
func fastLogLikOK[T Float]() bool {
	var z T
	return elemAsm && unsafe.Sizeof(z) == 4
}

// sameFloat32 returns float32(v) and whether every real within delta of
// v rounds to it (v finite and not NaN). v ± delta are rounded too, but
// callers' deltas keep a margin of several ulps of v for that.
func sameFloat32(v, delta float64) (float32, bool) {
	lo, hi := float32(v-delta), float32(v+delta)
	return float32(v), math.Float32bits(lo) == math.Float32bits(hi) && math.Abs(v) <= math.MaxFloat64
}

// reluBits returns x for x with the sign bit clear (NaN included) and +0
// otherwise, without a branch: fl(relu(x) + L) is softplus's sum for
// x > 0 and L itself for x ≤ 0, as softplusFrom's two branches.
func reluBits(x float64) float64 {
	b := math.Float64bits(x)
	return math.Float64frombits(b &^ uint64(int64(b)>>63))
}

// bernoulliLogLikFast32 sets o[i] to float32(xs[i]·ls[i] − softplus(ls[i]))
// computed in float64, bit for bit as BernoulliLogLik's exact loop, and
// ex[i] to e^−|ls[i]| within softplusExpErr (exactly where the exact
// path ran). lp is scratch of the same length.
func bernoulliLogLikFast32(o, ls, xs []float32, ex, lp []float64) {
	n := len(ls)
	o, xs, ex, lp = o[:n], xs[:n], ex[:n], lp[:n]
	done := n &^ 3
	if done > 0 {
		softplusParts32(&ex[0], &lp[0], &ls[0], done)
	}
	for i := done; i < n; i++ {
		ex[i] = expNegAbs(float64(ls[i]))
		lp[i] = math.Log1p(ex[i])
	}
	const errL = 2*(softplusExpErr+softplusLog1pErr) + 1e-15 // relative, on log1p(e), with margin
	const ulp2 = 4.5e-16                                     // two ulps, relative
	for i, l := range ls {
		x, L := float64(l), lp[i]
		sp := reluBits(x) + L
		v := float64(xs[i])*x - sp
		r, ok := sameFloat32(v, errL*L+ulp2*(math.Abs(sp)+math.Abs(v)))
		if ok && math.Abs(x) < softplusFastMax {
			o[i] = r
			continue
		}
		e := expNegAbs(x)
		ex[i] = e
		o[i] = float32(float64(xs[i])*x - softplusFrom(x, e))
	}
}

// sigmoidFast32 returns float32(sigmoidFrom(x, e)) for the exact
// e = e^−|x|, given e within softplusExpErr of it (or exact).
func sigmoidFast32(x, e float64) float32 {
	const errS = 2*softplusExpErr + 1e-15 // relative, on σ, with margin
	bits := math.Float64bits(x)
	neg := -(bits >> 63) // x's sign bit: e/(1+e); at x = −0, e = 1 and both forms give ½
	num := math.Float64frombits(math.Float64bits(e)&neg | math.Float64bits(1)&^neg)
	s := num / (1 + e)
	if r, ok := sameFloat32(s, errS*s); ok {
		return r
	}
	return float32(sigmoidFrom(x, expNegAbs(x)))
}
