package reports

import (
	"fmt"
	"strconv"
	"strings"
)

// The report opens with a one-screen summary: per data set, the best
// model of each family on the main metrics, then every claim's verdict.
// summarize selects the lines from the rows (pure, tested without
// rendering); summaryBlocks lays them out for both writers.

// summaryLine is one line of the summary: the best of a family's models
// of one NLL kind on one data set.
type summaryLine struct {
	set    *DataSet
	family string
	kind   string // the NLL kind the models competed within ("none" without a likelihood)
	best   *Row
	of     int // how many models competed
}

// criterion is one key of the ordering that picks a group's best row.
type criterion struct {
	key   string
	lower bool // lower is better
}

// The orderings that pick the best model: by test NLL where the kind has
// one, then by coverage, then by sampling speed; models lacking a key rank
// after those having it, and ties keep table order.
var (
	likelihoodOrder   = []criterion{{"test_nll", true}, {"modes_covered", false}, {"classes_covered", false}, {"samples_per_sec", false}}
	noLikelihoodOrder = likelihoodOrder[1:]
)

// summaryKind is the NLL kind a row competes within in the summary: its
// kind when NLLs of that kind can be ranked, "none" otherwise (no
// likelihood, or seeds of mixed kinds).
func summaryKind(r *Row) string {
	if rankable(r.Kind) {
		return r.Kind
	}
	return "none"
}

// summarize picks, per data set, family and NLL kind, the best model among
// the ok rows, leaving closed-form baselines out. Lines follow the data
// sets' order, then the table order of each group's first row (family
// first): NLLs of different kinds are never ranked together, so a family
// with models of two kinds gets a line per kind.
func summarize(sets []*DataSet) []summaryLine {
	var out []summaryLine
	for _, ds := range sets {
		index := map[[2]string]int{}
		var groups [][]*Row
		for _, r := range okRows(ds, func(r *Row) bool { return !r.baseline() }) {
			key := [2]string{r.Family, summaryKind(r)}
			i, ok := index[key]
			if !ok {
				i = len(groups)
				index[key] = i
				groups = append(groups, nil)
			}
			groups[i] = append(groups[i], r)
		}
		for _, rows := range groups {
			kind := summaryKind(rows[0])
			order := likelihoodOrder
			if kind == "none" {
				order = noLikelihoodOrder
			}
			out = append(out, summaryLine{set: ds, family: rows[0].Family, kind: kind, best: bestOf(rows, order), of: len(rows)})
		}
	}
	return out
}

// bestOf returns the first row that no later row beats under the order.
func bestOf(rows []*Row, order []criterion) *Row {
	best := rows[0]
	for _, r := range rows[1:] {
		if beats(r, best, order) {
			best = r
		}
	}
	return best
}

// beats reports whether a ranks strictly before b: the first key that
// tells them apart decides, a row having the key ranking before one
// without it.
func beats(a, b *Row, order []criterion) bool {
	for _, c := range order {
		sa, sb := a.Stat(c.key), b.Stat(c.key)
		switch {
		case sa.Has() != sb.Has():
			return sa.Has()
		case !sa.Has() || sa.Mean == sb.Mean:
			continue
		case c.lower:
			return sa.Mean < sb.Mean
		default:
			return sa.Mean > sb.Mean
		}
	}
	return false
}

// meanText writes a metric's mean over seeds with the decimals the detail
// tables give it (set by its ±), without the ±.
func meanText(s Stat) string {
	pm, _ := s.Spread()
	if d := decimalsFor(pm); d >= 0 {
		return strconv.FormatFloat(s.Mean, 'f', d, 64)
	}
	return fmtSig(s.Mean, 4)
}

// summaryNLL is the test NLL with its kind, or why there is none.
func summaryNLL(l summaryLine) string {
	s := l.best.Stat("test_nll")
	switch {
	case l.kind == "none" && l.best.Kind == "mixed":
		return "mixed kinds"
	case l.kind == "none":
		return "no likelihood"
	case !s.Has():
		return "not measured"
	}
	return meanText(s) + " " + l.kind
}

// summaryCoverage is modes covered out of the total, else classes.
func summaryCoverage(r *Row) string {
	for _, c := range []coverageKeys{modeCoverage, classCoverage} {
		if s := r.Stat(c.key); s.Has() {
			return fmt.Sprintf("%s / %s %s", fmtCount(s.Mean), fmtCount(r.Stat(c.totalKey).Max), c.unit)
		}
	}
	return ""
}

// summaryModel names the chosen model and how many it was chosen from.
func summaryModel(l summaryLine) string {
	if l.of == 1 {
		return l.best.Label
	}
	return fmt.Sprintf("%s (best of %d)", l.best.Label, l.of)
}

// statText writes a key's mean with f, "" when the row lacks it.
func statText(r *Row, key string, f func(Stat) string) string {
	if s := r.Stat(key); s.Has() {
		return f(s)
	}
	return ""
}

// claimTally counts a claim's checks by verdict, in the order supported,
// not supported, not measured: "2 supported, 1 not measured".
func claimTally(c Claim) string {
	counts := map[Verdict]int{}
	for _, ch := range c.Checks {
		counts[ch.Verdict]++
	}
	var parts []string
	for _, v := range []Verdict{Supported, NotSupported, NotMeasured} {
		if n := counts[v]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, v))
		}
	}
	return strings.Join(parts, ", ")
}
