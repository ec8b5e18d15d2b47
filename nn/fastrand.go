package nn

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"unsafe"
)

// PCG-DXSM constants of math/rand/v2's PCG: the 128-bit LCG multiplier
// and increment, and the output permutation's multiplier.
const (
	pcgMulHi    = 2549297995355413924
	pcgMulLo    = 4865540595714422341
	pcgIncHi    = 6364136223846793005
	pcgIncLo    = 1442695040888963407
	pcgCheapMul = 0xda942042e4dd58b5
)

// pcgOf returns rng's source if it is a *rand.PCG, and nil otherwise,
// so that loops drawing millions of values can step the generator
// inline (pcgStep) instead of through the Source interface, whose call
// and register spills cost as much as the generator. rand.Rand holds
// nothing but its Source; pcgLayoutChecked confirms that at start-up,
// and without it pcgOf always returns nil (the callers' slow path).
func pcgOf(rng *rand.Rand) *rand.PCG {
	if !pcgLayoutChecked {
		return nil
	}
	p, _ := (*(*rand.Source)(unsafe.Pointer(rng))).(*rand.PCG)
	return p
}

var pcgLayoutChecked = func() bool {
	if unsafe.Sizeof(rand.Rand{}) != unsafe.Sizeof(rand.Source(nil)) {
		return false
	}
	p := rand.NewPCG(1, 2)
	q, _ := (*(*rand.Source)(unsafe.Pointer(rand.New(p)))).(*rand.PCG)
	return q == p
}()

// pcgState returns p's 128-bit state from its documented binary form
// ("pcg:", then the high and low words big-endian); p.Seed(hi, lo) sets
// it back.
func pcgState(p *rand.PCG) (hi, lo uint64, ok bool) {
	var buf [20]byte
	b, err := p.AppendBinary(buf[:0])
	if err != nil || len(b) != 20 || string(b[:4]) != "pcg:" {
		return 0, 0, false
	}
	return binary.BigEndian.Uint64(b[4:]), binary.BigEndian.Uint64(b[12:]), true
}

// pcgFloat64 advances the state (hi, lo) as rand.PCG.Uint64 does and
// returns the value rand.Rand.Float64 makes of its output.
func pcgFloat64(hi, lo uint64) (u float64, nhi, nlo uint64) {
	// state = state·mul + inc (mod 2¹²⁸)
	h, l := bits.Mul64(lo, pcgMulLo)
	h += hi*pcgMulLo + lo*pcgMulHi
	l, c := bits.Add64(l, pcgIncLo, 0)
	h, _ = bits.Add64(h, pcgIncHi, c)
	nhi, nlo = h, l
	// DXSM output permutation
	h ^= h >> 32
	h *= pcgCheapMul
	h ^= h >> 48
	h *= l | 1
	// Float64: the low 53 bits over 2⁵³, exact (int64 converts faster).
	return float64(int64(h<<11>>11)) / (1 << 53), nhi, nlo
}

// mul128 returns the low 128 bits of (ah, al)·(bh, bl).
func mul128(ah, al, bh, bl uint64) (hi, lo uint64) {
	hi, lo = bits.Mul64(al, bl)
	return hi + ah*bl + al*bh, lo
}

// add128 returns (ah, al) + (bh, bl) mod 2¹²⁸.
func add128(ah, al, bh, bl uint64) (hi, lo uint64) {
	lo, c := bits.Add64(al, bl, 0)
	hi, _ = bits.Add64(ah, bh, c)
	return hi, lo
}

// pcgJump returns the map state → a·state + c (mod 2¹²⁸) that is n steps
// of the PCG's LCG, high words first, by binary powering.
func pcgJump(n uint64) (aHi, aLo, cHi, cLo uint64) {
	aHi, aLo = 0, 1 // identity
	bHi, bLo, dHi, dLo := uint64(pcgMulHi), uint64(pcgMulLo), uint64(pcgIncHi), uint64(pcgIncLo)
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			// apply the result, then the power: b·(a·x + c) + d
			aHi, aLo = mul128(bHi, bLo, aHi, aLo)
			cHi, cLo = mul128(bHi, bLo, cHi, cLo)
			cHi, cLo = add128(cHi, cLo, dHi, dLo)
		}
		// square the power: b·(b·x + d) + d = b²·x + (b·d + d)
		bdHi, bdLo := mul128(bHi, bLo, dHi, dLo)
		dHi, dLo = add128(bdHi, bdLo, dHi, dLo)
		bHi, bLo = mul128(bHi, bLo, bHi, bLo)
	}
	return aHi, aLo, cHi, cLo
}

// pcgJump2 is two steps of the generator, as bernoulliPCGDecide2 takes it.
var pcgJump2 = func() [4]uint64 {
	aHi, aLo, cHi, cLo := pcgJump(2)
	return [4]uint64{aHi, aLo, cHi, cLo}
}()
