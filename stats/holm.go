package stats

import (
	"math"
	"sort"
)

// Holm returns Holm's step-down adjusted p-values (Holm 1979) in the order
// of p: with the m p-values sorted p_(1) ≤ … ≤ p_(m), the adjusted value of
// p_(i) is max over j ≤ i of min(1, (m − j + 1)·p_(j)). They are monotone in
// p, capped at 1, and p_holm ≤ α rejects with family-wise error at most α.
// NaN p-values (no test possible) stay NaN and do not count in m.
func Holm(p []float64) []float64 {
	idx := make([]int, 0, len(p))
	adj := make([]float64, len(p))
	for i, v := range p {
		if math.IsNaN(v) {
			adj[i] = math.NaN()
			continue
		}
		idx = append(idx, i)
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	m := len(idx)
	running := 0.0
	for rank, i := range idx {
		running = math.Max(running, math.Min(1, float64(m-rank)*p[i]))
		adj[i] = running
	}
	return adj
}

// AdjustHolm treats rs as one family (for example every pair of models on a
// data set and NLL kind), sets each PHolm to its Holm-adjusted p-value and
// Alpha to alpha, and Significant to PHolm ≤ alpha.
func AdjustHolm(rs []Result, alpha float64) {
	p := make([]float64, len(rs))
	for i := range rs {
		p[i] = rs[i].PValue
	}
	for i, a := range Holm(p) {
		rs[i].PHolm = a
		rs[i].Alpha = alpha
		rs[i].Significant = !math.IsNaN(a) && a <= alpha
	}
}
