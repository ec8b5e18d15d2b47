package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// logLikLogits returns float32 logits: normal and wide ones, values
// near softplusFastMax and the clamp, and IEEE special cases.
func logLikLogits(n int) []float32 {
	rng := rand.New(rand.NewPCG(8, 8))
	ls := []float32{0, float32(math.Copysign(0, -1)), 1e-45, -1e-45, 1e-38, 0.5, -0.5, 17, -17, 25, -25, 88, -88,
		699.9, -699.9, 700, -700, 708.5, -708.5, 750, -750, 1e30, -1e30, math.MaxFloat32, -math.MaxFloat32,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for len(ls) < n {
		ls = append(ls, float32(3*rng.NormFloat64()), float32(15*rng.NormFloat64()), float32(400*(rng.Float64()-0.5)))
	}
	return ls[:n]
}

// TestSoftplusParts checks the AVX2 loop's e^−|x| and log1p(e) against
// math within 2e−14 relative, five times inside the bounds used.
func TestSoftplusParts(t *testing.T) {
	if !elemAsm {
		t.Skip("no AVX2 loops")
	}
	ls := logLikLogits(60000)
	n := len(ls) &^ 3
	e, lp := make([]float64, n), make([]float64, n)
	softplusParts32(&e[0], &lp[0], &ls[0], n)
	worstE, worstL := 0.0, 0.0
	for i, l := range ls[:n] {
		x := float64(l)
		if math.IsNaN(x) {
			if !math.IsNaN(e[i]) || !math.IsNaN(lp[i]) {
				t.Fatalf("NaN logit gave e %v, log1p %v", e[i], lp[i])
			}
			continue
		}
		if math.Abs(x) >= softplusFastMax {
			continue
		}
		wantE := math.Exp(-math.Abs(x))
		relE := math.Abs(e[i]-wantE) / wantE
		relL := math.Abs(lp[i]-math.Log1p(e[i])) / math.Log1p(e[i])
		if !(relE <= softplusExpErr/5) || !(relL <= softplusLog1pErr/5) {
			t.Fatalf("x = %v: e %v (math %v, rel %.3g), log1p %v (rel %.3g)", x, e[i], wantE, relE, lp[i], relL)
		}
		worstE, worstL = max(worstE, relE), max(worstL, relL)
	}
	t.Logf("worst relative error: e %.3g, log1p %.3g", worstE, worstL)
}

// TestBernoulliLogLikFastBitIdentical runs BernoulliLogLik on float32
// against the exact loops it replaced, values and gradients bit for bit,
// with and without gradients, targets 0, 1 and in between.
func TestBernoulliLogLikFastBitIdentical(t *testing.T) {
	const rows, cols = 97, 311
	ls := logLikLogits(rows * cols)
	rng := rand.New(rand.NewPCG(9, 9))
	cases := []struct {
		name   string
		target func() float32
	}{
		{"binary", func() float32 { return float32(rng.IntN(2)) }},
		{"ones", func() float32 { return 1 }},
		{"fractional", func() float32 { return rng.Float32() }},
	}
	for _, c := range cases {
		targets, weights := NewMat[float32](rows, cols), NewMat[float32](rows, cols)
		for i := range targets.Data {
			targets.Data[i] = c.target()
			weights.Data[i] = float32(rng.NormFloat64())
		}
		logits := NewParam[float32](rows, cols)
		copy(logits.Value.Data, ls)
		var tp Tape[float32]
		out := tp.BernoulliLogLik(logits, targets)
		tp.Backward(tp.Sum(tp.Mul(out, tp.Const(weights))))
		var nograd Tape[float32]
		nograd.NoGrad = true
		outNoGrad := nograd.BernoulliLogLik(logits, targets)
		for i, l := range ls {
			x, xt := float64(l), targets.Data[i]
			want := float32(float64(xt)*x - softplus(x))
			var zero float32 // gradients accumulate into +0
			wantGrad := zero + weights.Data[i]*(xt-float32(sigmoid(x)))
			for _, got := range []float32{out.Value.Data[i], outNoGrad.Value.Data[i]} {
				if math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("%s: logit %v target %v: %v, want %v", c.name, l, xt, got, want)
				}
			}
			if g := logits.Grad.Data[i]; math.Float32bits(g) != math.Float32bits(wantGrad) {
				t.Fatalf("%s: logit %v target %v: gradient %v, want %v", c.name, l, xt, g, wantGrad)
			}
		}
	}
}

func BenchmarkBernoulliLogLik(b *testing.B) {
	targets := NewMat[float32](100, 784)
	logits := NewParam[float32](100, 784)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range targets.Data {
		targets.Data[i] = float32(rng.IntN(2))
		logits.Value.Data[i] = float32(2 * rng.NormFloat64())
	}
	var tp Tape[float32]
	b.ReportAllocs()
	for b.Loop() {
		tp.Reset()
		clear(logits.Grad.Data)
		tp.Backward(tp.Sum(tp.BernoulliLogLik(logits, targets)))
	}
}

// TestBernoulliLogLik32Paths: on the test logits with binary targets,
// the AVX2 loop certifies most elements (89%: a third of these logits
// are wide) and leaves some (specials,
// cancellations at large positive logits with target 1) to the exact
// path, so both paths of the bit-identical test above run.
func TestBernoulliLogLik32Paths(t *testing.T) {
	if !elemAsm {
		t.Skip("no AVX2 loops")
	}
	ls := logLikLogits(40000)
	xs := make([]float32, len(ls))
	for i := range xs {
		xs[i] = float32(i % 2)
	}
	o, ex, okm := make([]float32, len(ls)), make([]float64, len(ls)), make([]uint8, len(ls)/4)
	bernoulliLogLik32(&o[0], &ex[0], &okm[0], &ls[0], &xs[0], len(ls), logLikErr, logLikUlps)
	certified := 0
	for _, m := range okm {
		for b := range 4 {
			certified += int(m >> b & 1)
		}
	}
	if certified < len(ls)*8/10 || certified == len(ls) {
		t.Errorf("%d of %d elements certified, want most but not all", certified, len(ls))
	}
	t.Logf("%d of %d certified", certified, len(ls))
}
