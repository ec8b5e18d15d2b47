package reports

import (
	"fmt"

	"github.com/genbench/genbench/compare"
)

// rankMark says what the paired comparisons let the report say about a
// row's test NLL against the best row of its kind.
type rankMark int

const (
	// alone: the only row of its kind, nothing to compare.
	alone rankMark = iota
	// best: the lowest mean test NLL of its kind, and at least one of its
	// comparisons could have rejected.
	best
	// tiedBest: its paired difference from the best is not significant at
	// α after Holm, by a test that could have rejected.
	tiedBest
	// worse: significantly different from the best at α after Holm.
	worse
	// untested: no pair with the best, or one whose test cannot reject
	// whatever the data (one seed without per-example values, two sign-flip
	// seeds): only the rank by mean is known.
	untested
)

// nllRank is a row's standing on test NLL within its NLL kind.
type nllRank struct {
	position int // 1 + the rows of the kind with a lower mean (ties share)
	of       int // rows of the kind with a finite mean test NLL
	mark     rankMark
}

// String is the rank as the tables print it after the kind: "best",
// "tied with best", "2 of 5" or "2 of 5, untested".
func (k nllRank) String() string {
	switch k.mark {
	case best:
		return "best"
	case tiedBest:
		return "tied with best"
	case untested:
		return fmt.Sprintf("%d of %d, untested", k.position, k.of)
	}
	return fmt.Sprintf("%d of %d", k.position, k.of)
}

// rankRows ranks rows by mean test NLL within their kind and marks each
// against the best row of its kind using the Holm-adjusted pairs of the
// data set (a and b are row labels, as compareSet builds them). It is a
// pure function of the rows' records and the pairs.
func rankRows(rows []*Row, pairs []compare.PairResult) map[*Row]nllRank {
	byKind := map[string][]*Row{}
	for _, row := range rows {
		if rankable(row.Kind) && row.Stat("test_nll").Has() {
			byKind[row.Kind] = append(byKind[row.Kind], row)
		}
	}
	byLabels := map[[2]string]*compare.PairResult{}
	for i := range pairs {
		p := &pairs[i]
		byLabels[[2]string{p.A, p.B}], byLabels[[2]string{p.B, p.A}] = p, p
	}
	out := map[*Row]nllRank{}
	for _, rs := range byKind {
		var bests []*Row
		for _, a := range rs {
			k := nllRank{position: 1, of: len(rs)}
			for _, b := range rs {
				if b.Stat("test_nll").Mean < a.Stat("test_nll").Mean {
					k.position++
				}
			}
			if k.position == 1 {
				bests = append(bests, a)
			}
			out[a] = k
		}
		if len(rs) < 2 {
			continue
		}
		for _, a := range rs {
			k := out[a]
			k.mark = markAgainstBest(a, rs, bests, byLabels)
			out[a] = k
		}
	}
	return out
}

// markAgainstBest marks row a of a kind: a best row is "best" when one of
// its pairs could reject, another row by its pair with a best row.
func markAgainstBest(a *Row, kind, bests []*Row, pairs map[[2]string]*compare.PairResult) rankMark {
	isBest := false
	for _, b := range bests {
		isBest = isBest || a == b
	}
	if isBest {
		for _, b := range kind {
			if p := pairs[[2]string{a.Label, b.Label}]; b != a && p != nil && canReject(p) {
				return best
			}
		}
		return untested
	}
	mark := untested
	for _, b := range bests {
		p := pairs[[2]string{a.Label, b.Label}]
		switch {
		case p == nil || !canReject(p):
		case p.Significant:
			return worse
		default:
			mark = tiedBest
		}
	}
	return mark
}

// canReject says whether the pair's test could reach α at all: the
// sign-flip test on two seeds cannot (its smallest p-value is 0.5), nor
// any test on one seed without per-example values.
func canReject(p *compare.PairResult) bool {
	r := p.Detail.Primary
	return finite(float64(p.PValue)) && finite(r.MinP) && r.MinP <= r.Alpha
}
