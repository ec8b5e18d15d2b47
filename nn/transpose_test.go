package nn

import (
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
