package nn

import (
	"math"
	"math/rand/v2"
	"unsafe"
)

// Fast approximations used only to take decisions whose exact outcome
// they can prove: a Bernoulli draw u < σ(l) is decided from an
// approximate σ when u lies farther from it than the approximation's
// error bound, and from the exact σ (SigmoidF) otherwise, so every
// decision equals the exact one.

// fastExpRelErr bounds |fastExpNonPos(a) − e^a| / e^a for a in
// [−64, 0]: the degree-7 Taylor remainder at |r| ≤ ln2/2 + 1e−13 is
// r⁸/8!·e^|r| < 7.4e−9, and the float64 roundings add under 1e−14
// (TestFastExpNonPos checks 2e−8 against math.Exp).
const fastExpRelErr = 2e-8

// fastSigmoidErr bounds |fastSigmoid(x) − SigmoidF(x)| for every
// non-NaN x. σ(x) is 1/(1+e) or e/(1+e) with e = e^−|x| ≤ 1, both with
// |dσ/de| = 1/(1+e)² ≤ 1, so an error δ·e in e moves σ by at most
// δ ≤ 2e−8; below e^−64 (< 2e−28) the clamp moves it by less than
// that; the divisions and SigmoidF's own rounding add a few ulps of 1.
// The bound used keeps a factor 5 over all of these.
const fastSigmoidErr = 1e-7

// fastExpNonPos returns e^a for a ≤ 0 within a relative error of
// fastExpRelErr (a < −64 is taken as −64; NaN gives NaN): e^a =
// 2^k·e^r with k = round(a/ln2) and |r| ≤ ln2/2, e^r by its Taylor
// polynomial of degree 7. Branch-free but for the rare clamp.
func fastExpNonPos(a float64) float64 {
	const (
		log2e = 1.4426950408889634 // 1/ln 2
		ln2   = 0.6931471805599453
		round = 0x1.8p52 // adding it rounds |y| < 2⁵¹ to an integer
	)
	if a < -64 {
		a = -64
	}
	y := a*log2e + round
	k := int64(math.Float64bits(y) - math.Float64bits(round)) // round(a/ln2), in [−93, 0]
	r := a - (y-round)*ln2
	// Estrin's scheme: three levels of dependent operations, not seven.
	r2 := r * r
	r4 := r2 * r2
	p := (1 + r) + r2*(1.0/2+r*(1.0/6)) + r4*((1.0/24+r*(1.0/120))+r2*(1.0/720+r*(1.0/5040)))
	return p * math.Float64frombits(uint64(k+1023)<<52)
}

// fastSigmoid returns σ(x) within fastSigmoidErr of SigmoidF(x) (NaN
// for NaN), choosing the numerator e or 1 without a branch, since the
// signs of logits are unpredictable.
func fastSigmoid(x float64) float64 {
	bits := math.Float64bits(x)
	e := fastExpNonPos(math.Float64frombits(bits | 1<<63)) // e^−|x|
	neg := -(bits >> 63)                                   // all ones for x < 0 (and −0, NaN with the sign set)
	num := math.Float64frombits(math.Float64bits(e)&neg | math.Float64bits(1)&^neg)
	return num / (1 + e)
}

// fastSigmoids sets ps[i] to fastSigmoid(xs[i]) or, with the AVX2
// loops, to an approximation with the same error bound.
func fastSigmoids[T Float](ps []float64, xs []T) {
	ps = ps[:len(xs)]
	if elemAsm {
		done := len(xs) &^ 3
		if done > 0 {
			if unsafe.Sizeof(xs[0]) == 4 {
				fastSigmoid32(&ps[0], &asF32(xs)[0], done)
			} else {
				fastSigmoid64(&ps[0], &asF64(xs)[0], done)
			}
		}
		ps, xs = ps[done:], xs[done:]
	}
	// Converted in a pass of their own: float32→float64 conversion
	// merges into its destination register, and inside the loop below
	// that made every element wait for the previous one's result.
	for i, x := range xs {
		ps[i] = float64(x)
	}
	for i, x := range ps {
		ps[i] = fastSigmoid(x)
	}
}

// bernoulliBlock is how many probabilities BernoulliDraws approximates
// at a time, in a pass with no random draws in it.
const bernoulliBlock = 256

// BernoulliDraws sets dst[i] to 1 if rng.Float64() < SigmoidF(logits[i])
// and to 0 otherwise, drawing once per element in order: the values and
// the state rng is left in are those of that loop, bit for bit. Most
// decisions come from fastSigmoid; those within fastSigmoidErr of the
// threshold, and NaN logits, are taken from SigmoidF.
func BernoulliDraws[T Float](dst []float64, logits []T, rng *rand.Rand) {
	dst = dst[:len(logits)]
	if p := pcgOf(rng); p != nil {
		if hi, lo, ok := pcgState(p); ok {
			hi, lo = bernoulliPCG(dst, logits, hi, lo)
			p.Seed(hi, lo)
			return
		}
	}
	var uniforms [bernoulliBlock]float64
	for lo := 0; lo < len(logits); lo += bernoulliBlock {
		hi := min(lo+bernoulliBlock, len(logits))
		ls, ps, us := logits[lo:hi], dst[lo:hi], uniforms[:hi-lo]
		fastSigmoids(ps, ls)
		for i := range us {
			us[i] = rng.Float64()
		}
		for i, p := range ps {
			ps[i] = decide(us[i], p)
			if ps[i] < 0 {
				ps[i] = exactBernoulli(us[i], float64(ls[i]))
			}
		}
	}
}

// bernoulliPCG is BernoulliDraws for a PCG source in state (hi, lo),
// stepped inline; it returns the state after the last draw. The
// generator's serial dependency chain then overlaps the decisions.
func bernoulliPCG[T Float](dst []float64, logits []T, hi, lo uint64) (uint64, uint64) {
	state := [2]uint64{hi, lo}
	for start := 0; start < len(logits); start += bernoulliBlock {
		end := min(start+bernoulliBlock, len(logits))
		ls, ps := logits[start:end], dst[start:end]
		fastSigmoids(ps, ls)
		if elemAsm && len(ps) >= 2 {
			bernoulliBlockAsm(ps, ls, &state)
			continue
		}
		for i, p := range ps {
			var u float64
			u, state[0], state[1] = pcgFloat64(state[0], state[1])
			ps[i] = decide(u, p)
			if ps[i] < 0 {
				ps[i] = exactBernoulli(u, float64(ls[i]))
			}
		}
	}
	return state[0], state[1]
}

// bernoulliBlockAsm replaces the approximate probabilities ps of the
// logits ls by draws from the PCG state, as bernoulliPCG's Go loop: in
// assembly, on two interleaved lanes of the generator (draws 1, 3, …
// and 2, 4, …) whose serial chains overlap, then the last draw if
// len(ps) is odd, then the exact path for the undecided (−1) ones.
func bernoulliBlockAsm[T Float](ps []float64, ls []T, state *[2]uint64) {
	var uniforms [bernoulliBlock]float64
	even, us := len(ps)&^1, uniforms[:len(ps)]
	var lanes [4]uint64
	_, lanes[0], lanes[1] = pcgFloat64(state[0], state[1])
	_, lanes[2], lanes[3] = pcgFloat64(lanes[0], lanes[1])
	undecided := bernoulliPCGDecide2(&ps[0], &us[0], even, &lanes, fastSigmoidErr, &pcgJump2)
	state[0], state[1] = lanes[2], lanes[3]
	if even < len(ps) {
		us[even], state[0], state[1] = pcgFloat64(state[0], state[1])
		ps[even] = decide(us[even], ps[even])
	}
	if undecided == 0 && even == len(ps) {
		return
	}
	for i, p := range ps {
		if p < 0 {
			ps[i] = exactBernoulli(us[i], float64(ls[i]))
		}
	}
}

// decide returns 1 if u < p' and 0 otherwise for every p' within
// fastSigmoidErr of p, and −1 when there is no such answer (u too close
// to p, or p NaN).
func decide(u, p float64) float64 {
	const one = 0x3ff0000000000000 // 1.0's bits
	d := u - p
	if !(math.Abs(d) > fastSigmoidErr) {
		return -1
	}
	// d < 0 is d's sign bit: u ≥ +0 and p ≥ 0 make d = −0 impossible.
	return math.Float64frombits(one & -(math.Float64bits(d) >> 63))
}

// exactBernoulli returns 1 if u < SigmoidF(l) and 0 otherwise.
func exactBernoulli(u, l float64) float64 {
	if u < SigmoidF(l) {
		return 1
	}
	return 0
}
