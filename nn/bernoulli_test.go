package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSharedExpBitIdentical checks that softplus and sigmoid computed
// from BernoulliLogLik's shared exponential equal the direct functions
// bit for bit, signed zeros, subnormals, infinities, overflow and NaN
// included.
func TestSharedExpBitIdentical(t *testing.T) {
	xs := []float64{0, math.Copysign(0, -1), 1e-320, -1e-320, 1, -1, 36.7, -36.7, 709.8, -745.2, 800, -800,
		math.Inf(1), math.Inf(-1), math.NaN(), math.Float64frombits(0xfff8000000000123)}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		xs = append(xs, rng.NormFloat64()*8, math.Float64frombits(rng.Uint64()))
	}
	for _, x := range xs {
		e := expNegAbs(x)
		if got, want := softplusFrom(x, e), softplus(x); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("softplus(%v): %x, want %x", x, math.Float64bits(got), math.Float64bits(want))
		}
		if got, want := sigmoidFrom(x, e), sigmoid(x); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("sigmoid(%v): %x, want %x", x, math.Float64bits(got), math.Float64bits(want))
		}
	}
}

// TestBernoulliLogLikGradient checks the op's gradient numerically, in
// float64, with targets 0 and 1 and logits of both signs.
func TestBernoulliLogLikGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	targets := NewMat[float64](3, 4)
	for i := range targets.Data {
		targets.Data[i] = float64(rng.IntN(2))
	}
	logits := NewParam[float64](3, 4)
	for i := range logits.Value.Data {
		logits.Value.Data[i] = 3 * rng.NormFloat64()
	}
	loss := func(tp *Tape[float64]) *Node[float64] {
		return tp.Sum(tp.BernoulliLogLik(logits, targets))
	}
	if worst := CheckGrad(loss, []*Node[float64]{logits}, 1e-6); worst > 1e-7 {
		t.Errorf("gradient error %g", worst)
	}
}
