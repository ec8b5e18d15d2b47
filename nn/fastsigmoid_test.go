package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// specialLogits are values where sigmoid's branches, the exponential's
// clamp and range, and IEEE special cases meet.
var specialLogits = []float64{0, math.Copysign(0, -1), 1e-300, -1e-300, 5e-324, -5e-324,
	0.5, -0.5, 1, -1, 36, -36, 37.5, -37.5, 63.9, -63.9, 64, -64, 64.1, -64.1, 700, -700,
	744.5, -744.5, 746, -746, 1e300, -1e300, math.MaxFloat32, -math.MaxFloat32,
	math.Inf(1), math.Inf(-1)}

func TestFastExpNonPos(t *testing.T) {
	check := func(a float64) {
		got, want := fastExpNonPos(a), math.Exp(a)
		if rel := math.Abs(got-want) / want; !(rel <= fastExpRelErr) {
			t.Fatalf("fastExpNonPos(%v) = %v, math.Exp %v: relative error %.3g > %g", a, got, want, rel, fastExpRelErr)
		}
	}
	for a := -64.0; a <= 0; a += 1.0 / 4096 {
		check(a)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 100000 {
		check(-64 * rng.Float64())
	}
	for _, a := range []float64{0, math.Copysign(0, -1), -5e-324, -math.Ln2 / 2, -math.Ln2, -63.99999999} {
		check(a)
	}
	if v := fastExpNonPos(math.NaN()); !math.IsNaN(v) {
		t.Errorf("fastExpNonPos(NaN) = %v", v)
	}
	if v := fastExpNonPos(math.Inf(-1)); v != math.Exp(-64) && !(v < 2e-28) {
		t.Errorf("fastExpNonPos(−Inf) = %v, want e^−64 or less", v)
	}
}

// testSigmoidInputs returns normal, wide and special logits.
func testSigmoidInputs() []float64 {
	rng := rand.New(rand.NewPCG(2, 2))
	xs := append([]float64(nil), specialLogits...)
	for range 50000 {
		xs = append(xs, rng.NormFloat64(), 20*rng.NormFloat64(), 200*(rng.Float64()-0.5))
	}
	return xs
}

// TestFastSigmoidBound checks the scalar Go fastSigmoid and fastSigmoids
// (the AVX2 loops where they run) on float32 and float64 logits against
// SigmoidF: within fastSigmoidErr/5, the margin the bound's comment
// claims, and NaN for NaN.
func TestFastSigmoidBound(t *testing.T) {
	xs := testSigmoidInputs()
	xs32 := make([]float32, len(xs))
	for i, x := range xs {
		xs32[i] = float32(x)
	}
	p64 := make([]float64, len(xs))
	p32 := make([]float64, len(xs))
	fastSigmoids(p64, xs)
	fastSigmoids(p32, xs32)
	cases := []struct {
		name string
		x    func(i int) float64
		got  func(i int) float64
	}{
		{"scalar", func(i int) float64 { return xs[i] }, func(i int) float64 { return fastSigmoid(xs[i]) }},
		{"slice64", func(i int) float64 { return xs[i] }, func(i int) float64 { return p64[i] }},
		{"slice32", func(i int) float64 { return float64(xs32[i]) }, func(i int) float64 { return p32[i] }},
	}
	for _, c := range cases {
		worst := 0.0
		for i := range xs {
			x, got := c.x(i), c.got(i)
			want := SigmoidF(x)
			if err := math.Abs(got - want); !(err <= fastSigmoidErr/5) {
				t.Fatalf("%s: fastSigmoid(%v) = %v, SigmoidF %v: error %.3g > %g", c.name, x, got, want, err, fastSigmoidErr/5)
			} else {
				worst = max(worst, err)
			}
		}
		t.Logf("%s: worst absolute error %.3g", c.name, worst)
	}
	nan := []float64{math.NaN(), -math.NaN(), 1, 2, 3}
	out := make([]float64, len(nan))
	fastSigmoids(out, nan)
	if !math.IsNaN(out[0]) || !math.IsNaN(out[1]) || !math.IsNaN(fastSigmoid(math.NaN())) {
		t.Errorf("NaN logits gave %v, %v, %v", out[0], out[1], fastSigmoid(math.NaN()))
	}
}

// bernoulliReference is the loop BernoulliDraws stands in for.
func bernoulliReference[T Float](dst []float64, logits []T, rng *rand.Rand) {
	for i, l := range logits {
		dst[i] = 0
		if rng.Float64() < SigmoidF(float64(l)) {
			dst[i] = 1
		}
	}
}

// nearThresholdLogits returns logits whose σ lies within a few float32
// ulps of the uniforms a copy of the source will draw, so that many
// draws are too close for fastSigmoid to call and take the exact path.
func nearThresholdLogits(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 9))
	ls := make([]float64, n)
	for i := range ls {
		u := rng.Float64()
		ls[i] = math.Log(u / (1 - u))
	}
	return ls
}

func TestBernoulliDrawsBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	normal := make([]float64, 3001)
	for i := range normal {
		normal[i] = 3 * rng.NormFloat64()
	}
	special := append(append([]float64(nil), specialLogits...), math.NaN(), -math.NaN())
	cases := []struct {
		name   string
		logits []float64
		seed   uint64
	}{
		{"normal", normal, 1},
		{"special", special, 2},
		{"near-threshold", nearThresholdLogits(1023, 3), 3},
		{"one", []float64{0.25}, 4},
		{"empty", nil, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l32 := make([]float32, len(c.logits))
			for i, l := range c.logits {
				l32[i] = float32(l)
			}
			checkDraws(t, "float64", c.logits, c.seed)
			checkDraws(t, "float32", l32, c.seed)
		})
	}
	// The near-threshold case must reach the exact path, or it tests
	// nothing more than the others.
	near, close := nearThresholdLogits(1023, 3), 0
	u := rand.New(rand.NewPCG(3, 9))
	for _, l := range near {
		if math.Abs(u.Float64()-fastSigmoid(l)) <= fastSigmoidErr {
			close++
		}
	}
	if close < 100 {
		t.Errorf("only %d of %d near-threshold draws take the exact path", close, len(near))
	}
}

func checkDraws[T Float](t *testing.T, name string, logits []T, seed uint64) {
	t.Helper()
	want, got := make([]float64, len(logits)), make([]float64, len(logits))
	refRNG, rng := rand.New(rand.NewPCG(seed, 9)), rand.New(rand.NewPCG(seed, 9))
	bernoulliReference(want, logits, refRNG)
	BernoulliDraws(got, logits, rng)
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s: draw %d (logit %v) = %v, want %v", name, i, logits[i], got[i], want[i])
		}
	}
	if a, b := rng.Uint64(), refRNG.Uint64(); a != b {
		t.Fatalf("%s: source left in another state", name)
	}
}

func BenchmarkBernoulliDraws(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	logits := make([]float32, 784*100)
	for i := range logits {
		logits[i] = float32(rng.NormFloat64())
	}
	dst := make([]float64, len(logits))
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"fast", func() { BernoulliDraws(dst, logits, rng) }},
		{"reference", func() { bernoulliReference(dst, logits, rng) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.f()
			}
		})
	}
}
