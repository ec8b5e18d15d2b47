package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPCGLayout: pcgOf finds a Rand's PCG (else BernoulliDraws silently
// takes its slower path) and nothing else.
func TestPCGLayout(t *testing.T) {
	p := rand.NewPCG(3, 4)
	if pcgOf(rand.New(p)) != p {
		t.Fatal("pcgOf does not find a Rand's PCG")
	}
	if pcgOf(rand.New(rand.NewChaCha8([32]byte{}))) != nil {
		t.Fatal("pcgOf took a ChaCha8 source for a PCG")
	}
}

// TestPCGFloat64 steps the inline generator from states read with
// pcgState and compares with rand.Rand.Float64, then sets the state back.
func TestPCGFloat64(t *testing.T) {
	for _, seed := range [][2]uint64{{0, 0}, {11, 12}, {math.MaxUint64, math.MaxUint64 - 5}} {
		p := rand.NewPCG(seed[0], seed[1])
		ref := rand.New(rand.NewPCG(seed[0], seed[1]))
		hi, lo, ok := pcgState(p)
		if !ok {
			t.Fatal("pcgState cannot read a PCG's state")
		}
		for i := range 1000 {
			var u float64
			u, hi, lo = pcgFloat64(hi, lo)
			if want := ref.Float64(); math.Float64bits(u) != math.Float64bits(want) {
				t.Fatalf("seed %v draw %d: %v, want %v", seed, i, u, want)
			}
		}
		p.Seed(hi, lo)
		if a, b := p.Uint64(), ref.Uint64(); a != b {
			t.Fatalf("seed %v: state set back differs", seed)
		}
	}
}

// TestBernoulliDrawsOtherSource: a source that is not a PCG takes the
// Rand.Float64 path, with the same results as the reference loop.
func TestBernoulliDrawsOtherSource(t *testing.T) {
	logits := nearThresholdLogits(777, 1)
	want, got := make([]float64, len(logits)), make([]float64, len(logits))
	ref, rng := rand.New(rand.NewChaCha8([32]byte{1})), rand.New(rand.NewChaCha8([32]byte{1}))
	bernoulliReference(want, logits, ref)
	BernoulliDraws(got, logits, rng)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("draw %d = %v, want %v", i, got[i], want[i])
		}
	}
	if rng.Uint64() != ref.Uint64() {
		t.Fatal("source left in another state")
	}
}

// TestPCGJump: the jump map for n steps equals n single steps.
func TestPCGJump(t *testing.T) {
	for _, n := range []uint64{0, 1, 2, 5, 256, 1001} {
		hi, lo := uint64(0x0123456789abcdef), uint64(0xfedcba9876543210)
		aHi, aLo, cHi, cLo := pcgJump(n)
		jHi, jLo := mul128(aHi, aLo, hi, lo)
		jHi, jLo = add128(jHi, jLo, cHi, cLo)
		for range n {
			_, hi, lo = pcgFloat64(hi, lo)
		}
		if jHi != hi || jLo != lo {
			t.Fatalf("jump by %d: state %x %x, want %x %x", n, jHi, jLo, hi, lo)
		}
	}
}
