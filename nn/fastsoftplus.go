package nn

import "unsafe"

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

// logLikErr bounds the error of the fast log1p(e) relative to the exact
// one (both approximations, with margin); logLikUlps is two ulps,
// relative, for the roundings of sp and v; sigmoidErr bounds the error
// of σ from the fast e relative to the exact σ, with margin.
const (
	logLikErr  = 2*(softplusExpErr+softplusLog1pErr) + 1e-15
	logLikUlps = 4.5e-16
	sigmoidErr = 2*softplusExpErr + 1e-15
)

// bernoulliLogLikFast32 sets o[i] to float32(xs[i]·ls[i] − softplus(ls[i]))
// computed in float64, bit for bit as BernoulliLogLik's exact loop, and
// ex[i] to e^−|ls[i]| within softplusExpErr (exactly where the exact
// path ran). okm is scratch of at least len(ls)/4 bytes.
func bernoulliLogLikFast32(o, ls, xs []float32, ex []float64, okm []uint8) {
	n := len(ls)
	o, xs, ex = o[:n], xs[:n], ex[:n]
	groups := n / 4
	if groups > 0 {
		bernoulliLogLik32(&o[0], &ex[0], &okm[0], &ls[0], &xs[0], 4*groups, logLikErr, logLikUlps)
	}
	exact := func(i int) {
		x := float64(ls[i])
		e := expNegAbs(x)
		ex[i] = e
		o[i] = float32(float64(xs[i])*x - softplusFrom(x, e))
	}
	for g, m := range okm[:groups] {
		if m != 0xf {
			for i := 4 * g; i < 4*g+4; i++ {
				if m&(1<<(i-4*g)) == 0 {
					exact(i)
				}
			}
		}
	}
	for i := 4 * groups; i < n; i++ {
		exact(i)
	}
}

// sigmoidGradFast32 adds g[i]·(xs[i] − float32(σ(ls[i]))) to ga[i] in
// float32, bit for bit as BernoulliLogLik's exact backward loop, given
// ex from bernoulliLogLikFast32. okm is scratch as there.
func sigmoidGradFast32(ga, g, ls, xs []float32, ex []float64, okm []uint8) {
	n := len(ls)
	ga, g, xs, ex = ga[:n], g[:n], xs[:n], ex[:n]
	groups := n / 4
	if groups > 0 {
		sigmoidGrad32(&ga[0], &g[0], &ls[0], &xs[0], &ex[0], &okm[0], 4*groups, sigmoidErr)
	}
	exact := func(i int) {
		x := float64(ls[i])
		ga[i] += g[i] * (xs[i] - float32(sigmoidFrom(x, expNegAbs(x))))
	}
	for gr, m := range okm[:groups] {
		if m != 0xf {
			for i := 4 * gr; i < 4*gr+4; i++ {
				if m&(1<<(i-4*gr)) == 0 {
					exact(i)
				}
			}
		}
	}
	for i := 4 * groups; i < n; i++ {
		exact(i)
	}
}
