package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sameBits reports whether a and b are the same bits, or both NaN.
func sameBits[T Float](a, b T) bool {
	return math.Float64bits(float64(a)) == math.Float64bits(float64(b)) || (a != a && b != b)
}

// specialValues are mixed into the random inputs of the elementwise tests.
var specialValues = []float64{0, math.Copysign(0, -1), 1e-40, -1e-40, 1e-310, math.Inf(1), math.Inf(-1), math.NaN(), 3e38, -3e38}

func randomSlice[T Float](rng *rand.Rand, n int, specials bool) []T {
	x := make([]T, n)
	for i := range x {
		x[i] = T(rng.NormFloat64() * math.Exp(4*rng.NormFloat64()))
		if specials && rng.IntN(4) == 0 {
			x[i] = T(specialValues[rng.IntN(len(specialValues))])
		}
	}
	return x
}

// testAdamUpdate checks adamUpdate (AVX2 where available) against the
// straightforward loop bit for bit, for every length up to 40 (whole
// vectors and remainders).
func testAdamUpdate[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	lr, eps, b1, b2, scale := T(1.3e-3), T(1e-8), T(0.9), T(0.999), T(0.37)
	for n := 0; n <= 40; n++ {
		w, g, m := randomSlice[T](rng, n, false), randomSlice[T](rng, n, false), randomSlice[T](rng, n, false)
		v := randomSlice[T](rng, n, false)
		for i := range v {
			v[i] = T(math.Abs(float64(v[i])))
			if i%5 == 0 {
				g[i], m[i], v[i] = 0, 0, 0
			}
		}
		ww, wg, wm, wv := append([]T(nil), w...), append([]T(nil), g...), append([]T(nil), m...), append([]T(nil), v...)
		c1, c2 := 1-b1, 1-b2
		for i := range ww {
			gi := wg[i] * scale
			mi := b1*wm[i] + c1*gi
			vi := b2*wv[i] + c2*gi*gi
			wm[i], wv[i] = mi, vi
			ww[i] -= lr * mi / (T(math.Sqrt(float64(vi))) + eps)
			wg[i] = 0
		}
		adamUpdate(w, g, m, v, lr, eps, b1, b2, scale)
		for i := range w {
			if !sameBits(w[i], ww[i]) || !sameBits(m[i], wm[i]) || !sameBits(v[i], wv[i]) || !sameBits(g[i], wg[i]) {
				t.Fatalf("n %d, element %d: w %v m %v v %v g %v, want %v %v %v %v", n, i, w[i], m[i], v[i], g[i], ww[i], wm[i], wv[i], wg[i])
			}
		}
	}
}

func TestAdamUpdateBitIdentical(t *testing.T) {
	testAdamUpdate[float32](t)
	testAdamUpdate[float64](t)
}

// testAddBiasRelu checks the fused bias add and ReLU against x + b then
// the branchy ReLU, bit for bit (signed zeros, infinities and NaN
// included), for every row length up to 40.
func testAddBiasRelu[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for n := 0; n <= 40; n++ {
		for _, relu := range []bool{false, true} {
			row, bias := randomSlice[T](rng, n, true), randomSlice[T](rng, n, true)
			want := make([]T, n)
			for j := range want {
				want[j] = row[j] + bias[j]
				if relu && !(want[j] > 0) {
					want[j] = 0
				}
			}
			addBiasRelu(row, bias, relu)
			for j := range row {
				if !sameBits(row[j], want[j]) {
					t.Fatalf("n %d relu %v element %d: %v, want %v", n, relu, j, row[j], want[j])
				}
			}
		}
	}
}

func TestAddBiasReluBitIdentical(t *testing.T) {
	testAddBiasRelu[float32](t)
	testAddBiasRelu[float64](t)
}

// testMul checks mulInto, mulAddTo and addTo against the Go loops bit
// for bit.
func testMul[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for n := 0; n <= 40; n++ {
		a, b, acc := randomSlice[T](rng, n, true), randomSlice[T](rng, n, true), randomSlice[T](rng, n, true)
		prod, sum, plain := make([]T, n), append([]T(nil), acc...), append([]T(nil), acc...)
		mulInto(prod, a, b)
		mulAddTo(sum, a, b)
		addTo(plain, a)
		for i := range a {
			if want := a[i] * b[i]; !sameBits(prod[i], want) {
				t.Fatalf("n %d: %v·%v = %v, want %v", n, a[i], b[i], prod[i], want)
			}
			if want := acc[i] + a[i]; !sameBits(plain[i], want) {
				t.Fatalf("n %d: %v + %v = %v, want %v", n, acc[i], a[i], plain[i], want)
			}
			if want := acc[i] + a[i]*b[i]; !sameBits(sum[i], want) {
				t.Fatalf("n %d: %v + %v·%v = %v, want %v", n, acc[i], a[i], b[i], sum[i], want)
			}
		}
	}
}

func TestMulBitIdentical(t *testing.T) {
	testMul[float32](t)
	testMul[float64](t)
}
