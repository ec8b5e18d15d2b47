package stats

import (
	"fmt"
	"math"
	"sort"
)

// MaxExactWilcoxon is the largest number of nonzero differences for which
// [Wilcoxon] uses the exact null distribution.
const MaxExactWilcoxon = 50

// Wilcoxon is the signed-rank test of per-seed differences d_s = a_s − b_s
// (Wilcoxon 1945). Zero differences are dropped (Wilcoxon's convention) and
// the note counts them; tied |d| get average ranks. With n ≤
// [MaxExactWilcoxon] nonzero differences the p-value comes from the exact
// null distribution of W+ given the ranks (ties included: the distribution
// is computed on doubled ranks, which are integers); above, from the normal
// approximation with the tie-corrected variance
// n(n+1)(2n+1)/24 − Σ(t³−t)/48 and a continuity correction of ½.
//
// Difference is the Hodges–Lehmann estimate (Hodges & Lehmann 1963), the
// median of the Walsh averages (d_i + d_j)/2, i ≤ j, and the interval is the
// matching distribution-free one, read off the ordered Walsh averages at the
// signed-rank critical value (exact for n ≤ MaxExactWilcoxon, normal
// above). When n is too small for that level (n ≤ 5 at 95%) the interval is
// NaN and the note says so. EffectSize is Cohen's d_z of the differences.
func Wilcoxon(d []float64, opt Options) (Result, error) {
	opt, err := opt.filled()
	if err != nil {
		return Result{}, err
	}
	if len(d) == 0 {
		return Result{}, fmt.Errorf("stats: Wilcoxon test of no seeds")
	}
	if err := checkFinite("per-seed difference", d); err != nil {
		return Result{}, err
	}
	nonzero := make([]float64, 0, len(d))
	for _, v := range d {
		if v != 0 {
			nonzero = append(nonzero, v)
		}
	}
	n := len(nonzero)
	test := TestWilcoxonExact
	if n > MaxExactWilcoxon {
		test = TestWilcoxonNorm
	}
	r := newResult(test, opt.Alternative, opt.Alpha)
	mean, sd := meanSD(d)
	r.NSeeds, r.StdErr = len(d), sd/math.Sqrt(float64(len(d)))
	r.EffectSize, r.EffectName = cohenDz(mean, sd), EffectCohenDz
	if zeros := len(d) - n; zeros > 0 {
		r.addNote(fmt.Sprintf("%d zero differences dropped", zeros))
	}
	hodgesLehmann(&r, d, opt.CILevel)
	r.PValue, r.MinP = signedRankP(nonzero, opt.Alternative)
	r.finish()
	return r, nil
}

// signedRankP returns the p-value of the signed-rank statistic of the
// nonzero differences x and the smallest p-value attainable with len(x)
// of them.
func signedRankP(x []float64, alt Alternative) (p, minP float64) {
	n := len(x)
	if n == 0 {
		return 1, 1
	}
	minP = math.Ldexp(1, -n)
	if alt == TwoSided {
		minP = math.Min(1, 2*minP)
	}
	r2, ties := doubledRanks(x)
	w2 := 0 // twice W+, an integer
	for i, v := range x {
		if v > 0 {
			w2 += r2[i]
		}
	}
	if n > MaxExactWilcoxon {
		return signedRankNormal(float64(w2)/2, n, ties, alt), 0
	}
	null := signedRankNull(r2)
	var le, ge float64
	for s, q := range null {
		if s <= w2 {
			le += q
		}
		if s >= w2 {
			ge += q
		}
	}
	switch alt {
	case Greater:
		return math.Min(1, ge), minP
	case Less:
		return math.Min(1, le), minP
	default:
		return math.Min(1, 2*math.Min(le, ge)), minP
	}
}

// doubledRanks returns twice the average ranks of |x| (integers) and the
// sizes of the tie groups.
func doubledRanks(x []float64) (r2 []int, ties []int) {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return math.Abs(x[idx[a]]) < math.Abs(x[idx[b]]) })
	r2 = make([]int, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && math.Abs(x[idx[j+1]]) == math.Abs(x[idx[i]]) {
			j++
		}
		for k := i; k <= j; k++ {
			r2[idx[k]] = (i + 1) + (j + 1) // twice the average of ranks i+1..j+1
		}
		ties = append(ties, j-i+1)
		i = j + 1
	}
	return r2, ties
}

// signedRankNull is the null distribution of twice W+ when each doubled
// rank in r2 enters with probability ½: element s is P(2W+ = s).
func signedRankNull(r2 []int) []float64 {
	total := 0
	for _, r := range r2 {
		total += r
	}
	p := make([]float64, total+1)
	p[0] = 1
	for _, r := range r2 {
		for s := total; s >= 0; s-- {
			if s >= r {
				p[s] = 0.5*p[s] + 0.5*p[s-r]
			} else {
				p[s] *= 0.5
			}
		}
	}
	return p
}

// signedRankNormal is the normal approximation with tie and continuity
// correction (Lehmann 1975; the convention of R's wilcox.test).
func signedRankNormal(w float64, n int, ties []int, alt Alternative) float64 {
	nf := float64(n)
	mu := nf * (nf + 1) / 4
	v := nf * (nf + 1) * (2*nf + 1) / 24
	for _, t := range ties {
		tf := float64(t)
		v -= (tf*tf*tf - tf) / 48
	}
	sd := math.Sqrt(v)
	switch alt {
	case Greater:
		return stdNormal.Survival((w - mu - 0.5) / sd)
	case Less:
		return stdNormal.CDF((w - mu + 0.5) / sd)
	default:
		c := 0.5 * sign(w-mu)
		return math.Min(1, 2*stdNormal.Survival(math.Abs((w-mu-c)/sd)))
	}
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// hodgesLehmann sets the Hodges–Lehmann estimate and its signed-rank
// interval on r.
func hodgesLehmann(r *Result, d []float64, level float64) {
	n := len(d)
	walsh := make([]float64, 0, n*(n+1)/2)
	for i := range d {
		for j := i; j < n; j++ {
			walsh = append(walsh, (d[i]+d[j])/2)
		}
	}
	walsh = sortedCopy(walsh)
	r.Difference = quantileSorted(walsh, 0.5)
	k, method := walshRank(n, level)
	r.CILevel, r.CIMethod = level, method
	if k < 1 {
		r.addNote(fmt.Sprintf("%d seeds are too few for a %g signed-rank interval", n, level))
		return
	}
	r.CILow, r.CIHigh = walsh[k-1], walsh[len(walsh)-k]
}

// walshRank returns k such that the k-th smallest and k-th largest Walsh
// averages bound the interval: the largest k with P(W+ ≤ k−1) ≤ (1−level)/2
// under the untied null distribution.
func walshRank(n int, level float64) (int, string) {
	tail := (1 - level) / 2
	if n > MaxExactWilcoxon {
		nf := float64(n)
		z := stdNormal.Quantile(1 - tail)
		k := nf*(nf+1)/4 - z*math.Sqrt(nf*(nf+1)*(2*nf+1)/24) + 0.5 // continuity
		return int(math.Floor(k)), "walsh-normal"
	}
	r2 := make([]int, n)
	for i := range r2 {
		r2[i] = 2 * (i + 1)
	}
	null := signedRankNull(r2)
	cum, k := 0.0, 0
	for w := 0; 2*w < len(null); w++ {
		cum += null[2*w] // P(W+ ≤ w)
		if cum > tail {
			break
		}
		k = w + 1
	}
	return k, "walsh-exact"
}
