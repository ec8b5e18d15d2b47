package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPackRowsTransposeMatchesGo checks packRows with its 8×8 register
// transposes against the element-by-element interleaving, for both
// sliver widths, block counts with and without a remainder, and rows
// longer than kc.
func TestPackRowsTransposeMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, nr := range []int{8, 16} {
		for _, kc := range []int{1, 7, 8, 13, 64, 201} {
			ld, base := kc+5, 3
			x := make([]float32, base+nr*ld)
			for i := range x {
				x[i] = rng.Float32()
			}
			got := make([]float32, kc*nr)
			packRows(got, x, base, ld, kc, nr)
			for p := 0; p < kc; p++ {
				for j := 0; j < nr; j++ {
					if want := x[base+j*ld+p]; got[p*nr+j] != want {
						t.Fatalf("nr %d kc %d: d[%d·%d+%d] = %v, want %v", nr, kc, p, nr, j, got[p*nr+j], want)
					}
				}
			}
		}
	}
}

// TestPackASixRowsMatchesGo checks packA's six-row slivers (register
// transposes for float32) against their definition, with a partial
// last sliver and the values around each sliver left intact.
func TestPackASixRowsMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, kc := range []int{1, 8, 9, 16, 17, 64, 203} {
		for _, mc := range []int{6, 12, 13} {
			lda, i0, p0 := kc+7, 2, 3
			a := make([]float32, (i0+mc)*lda+p0+kc)
			for i := range a {
				a[i] = rng.Float32()
			}
			slivers := (mc + gemmMR - 1) / gemmMR
			dst := make([]float32, slivers*gemmMR*kc+5)
			for i := range dst {
				dst[i] = -1
			}
			packA(dst, a, lda, false, i0, mc, p0, kc)
			for s := 0; s < slivers; s++ {
				for p := 0; p < kc; p++ {
					for r := 0; r < gemmMR; r++ {
						var want float32
						if row := s*gemmMR + r; row < mc {
							want = a[(i0+row)*lda+p0+p]
						}
						if got := dst[s*gemmMR*kc+p*gemmMR+r]; got != want {
							t.Fatalf("kc %d mc %d: sliver %d step %d row %d: %v, want %v", kc, mc, s, p, r, got, want)
						}
					}
				}
			}
			for _, v := range dst[slivers*gemmMR*kc:] {
				if v != -1 {
					t.Fatalf("kc %d mc %d: packA wrote past its slivers", kc, mc)
				}
			}
		}
	}
}

// TestAffinePlaneMatchesGo checks affinePlane's vector loop against the
// unfused Go expression and ReLU's selection, bit for bit, including
// values that land on 0, −0 and NaN.
func TestAffinePlaneMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	nan := float32(math.NaN())
	for n := 0; n < 40; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		if n > 3 {
			x[0], x[1], x[2] = 0, float32(math.Copysign(0, -1)), nan
		}
		s, b := float32(rng.NormFloat64()), float32(rng.NormFloat64())
		for _, relu := range []bool{false, true} {
			got := make([]float32, n)
			affinePlane(got, x, s, b, relu)
			for i, v := range x {
				want := v*s + b
				if relu && !(want > 0) {
					want = 0
				}
				if math.Float32bits(got[i]) != math.Float32bits(want) && !(math.IsNaN(float64(want)) && math.IsNaN(float64(got[i]))) {
					t.Fatalf("n %d relu %v: %v·%v + %v = %v (%#x), want %v (%#x)", n, relu, v, s, b, got[i], math.Float32bits(got[i]), want, math.Float32bits(want))
				}
			}
		}
	}
}
