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
