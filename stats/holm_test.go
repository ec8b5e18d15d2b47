package stats

import (
	"math"
	"testing"
)

// Hand example: sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06,
// 0.04·1 = 0.04 raised to the running maximum 0.06.
func TestHolm(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name string
		p    []float64
		want []float64
		sig  []bool // at α = 0.05
	}{
		{"hand example", []float64{0.01, 0.04, 0.03, 0.005}, []float64{0.03, 0.06, 0.06, 0.02}, []bool{true, false, false, true}},
		{"capped at 1", []float64{0.5, 0.6}, []float64{1, 1}, []bool{false, false}},
		{"family of one", []float64{0.04}, []float64{0.04}, []bool{true}},
		{"ties", []float64{0.02, 0.02}, []float64{0.04, 0.04}, []bool{true, true}},
		{"NaN left out of the family", []float64{nan, 0.01, 0.02}, []float64{nan, 0.02, 0.02}, []bool{false, true, true}},
		{"empty", nil, []float64{}, []bool{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Holm(c.p)
			rs := make([]Result, len(c.p))
			for i, p := range c.p {
				rs[i] = Result{PValue: p}
			}
			AdjustHolm(rs, 0.05)
			for i := range c.want {
				if !sameFloat(got[i], c.want[i]) && !near(got[i], c.want[i], 1e-15) {
					t.Errorf("adjusted[%d] = %g, want %g", i, got[i], c.want[i])
				}
				if rs[i].Significant != c.sig[i] || !sameFloat(rs[i].PHolm, got[i]) || rs[i].Alpha != 0.05 {
					t.Errorf("result %d: p_holm %g significant %v, want %g %v", i, rs[i].PHolm, rs[i].Significant, got[i], c.sig[i])
				}
			}
		})
	}
}

// Adjusted p-values are never below the raw ones and keep their order.
func TestHolmMonotone(t *testing.T) {
	p := []float64{0.3, 0.001, 0.04, 0.2, 0.0101, 0.01}
	adj := Holm(p)
	for i := range p {
		if adj[i] < p[i] || adj[i] > 1 {
			t.Errorf("adjusted %g for raw %g", adj[i], p[i])
		}
		for j := range p {
			if p[i] < p[j] && adj[i] > adj[j] {
				t.Errorf("order broken: raw %g < %g but adjusted %g > %g", p[i], p[j], adj[i], adj[j])
			}
		}
	}
}
