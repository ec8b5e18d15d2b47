package reports

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/genbench/genbench/compare"
	"github.com/genbench/genbench/results"
	"github.com/genbench/genbench/stats"
)

// reportAlpha is the significance level of the report's comparisons,
// after Holm's correction across the pairs of a data set.
const reportAlpha = 0.05

// setComparison is the paired comparison of a data set's rows: the pairs
// as `genbench compare` computes them (rows as configurations, labelled as
// in the table), the pairs that could not be compared, and the ranks.
type setComparison struct {
	pairs []compare.PairResult
	notes []string
	ranks map[*Row]nllRank
}

// compareSet compares every two rows of ds with a likelihood of the same
// kind on their common seeds, reading per-example sidecars under dir.
func compareSet(dir string, ds *DataSet) *setComparison {
	var configs []*compare.Config
	sc := &setComparison{}
	seen := map[string]bool{}
	for _, row := range ds.Rows {
		if !rankable(row.Kind) || len(row.OK) == 0 {
			continue
		}
		if seen[row.Label] { // pairs name rows by label: never mix two up
			sc.notes = append(sc.notes, "two rows labelled "+row.Label)
			continue
		}
		seen[row.Label] = true
		c := &compare.Config{Label: row.Label, Dataset: ds.Name, DataKey: ds.key, Kind: row.Kind, BySeed: map[uint64]*results.Record{}}
		for _, rec := range row.OK {
			c.BySeed[rec.Seed] = rec
		}
		configs = append(configs, c)
	}
	c, err := compare.Configs(dir, configs, compare.Options{Alpha: reportAlpha, PairsOnly: true})
	if err != nil {
		sc.notes = append(sc.notes, rel(dir, err.Error()))
	} else {
		sc.pairs = c.Pairs
		for _, n := range c.Notes {
			sc.notes = append(sc.notes, rel(dir, n))
		}
		for i := range sc.pairs {
			sc.pairs[i].Note = rel(dir, sc.pairs[i].Note)
		}
	}
	sc.ranks = rankRows(ds.Rows, sc.pairs)
	return sc
}

// rankOf is a row's rank on test NLL within its kind ("best", "tied with
// best", "2 of 5"), as the data set's table and the summary print it; false
// when the row has no rankable NLL.
func (r *Report) rankOf(row *Row) (nllRank, bool) {
	sc := r.comparisons[row.Set]
	if sc == nil {
		return nllRank{}, false
	}
	k, ok := sc.ranks[row]
	return k, ok
}

// rankStrings are the rank cells of a data set's rows.
func (r *Report) rankStrings(ds *DataSet) map[*Row]string {
	out := map[*Row]string{}
	for _, row := range ds.Rows {
		if k, ok := r.rankOf(row); ok {
			out[row] = k.String()
		}
	}
	return out
}

// rankNote explains the rank cells of a data set's table: α, the tests
// its pairs used, and what "untested" means there.
func (r *Report) rankNote(ds *DataSet) inline {
	sc := r.comparisons[ds]
	s := fmt.Sprintf("Rank within an NLL kind: “best” is the lowest mean test NLL; “tied with best”: its paired difference from the best is not significant at α = %g after Holm's correction across the pairs of this data set; a number (“2 of 5”, by mean) where the difference is significant; “untested” where no test could decide (see Which differences are real).", reportAlpha)
	if sc != nil && len(sc.pairs) > 0 {
		s += " Tests used here: " + strings.Join(testsUsed(sc.pairs), ", ") + "."
	}
	return txt(s)
}

// testsUsed lists the distinct primary tests of the pairs, described.
func testsUsed(pairs []compare.PairResult) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range pairs {
		if !seen[p.Test] {
			seen[p.Test] = true
			out = append(out, testName(p.Test))
		}
	}
	sort.Strings(out)
	return out
}

// testName describes a test of package stats in the report's words.
func testName(test string) string {
	switch test {
	case stats.TestRandomEffects:
		return "random-effects combination of per-seed paired per-example differences, modified Hartung–Knapp t (" + test + ")"
	case stats.TestPairedZ:
		return "paired z test over test examples of one seed (" + test + ")"
	case stats.TestSignFlipExact, stats.TestSignFlipMC:
		return "sign-flip permutation test on per-seed differences (" + test + ")"
	}
	return test
}

// differencesSection is "Which differences are real": per data set, every
// pair of rows of one NLL kind with its paired difference, interval, test,
// Holm-corrected p-value, effect size and verdict, and what cannot be
// tested.
func (r *Report) differencesSection() []block {
	doc := []block{heading{2, "Which differences are real", "differences"}, para{txt(fmt.Sprintf(
		"Every pair of models of one NLL kind on a data set, compared on their common training seeds as genbench compare does: a − b of test NLL in nats (negative favours a) with its 95%% interval, "+
			"significant when the p-value after Holm's (1979) correction across all pairs of the data set is at most α = %g. "+
			"With per-example values (examples/<trial-id>.bin, the same test examples and evaluation seed for every model) the per-seed paired differences are combined as a random-effects meta-analysis "+
			"(DerSimonian & Laird 1986) and tested with the modified Hartung–Knapp t (Hartung & Knapp 2001; its variance is never below the fixed-effect one, Röver, Knapp & Friede 2015, so the test is conservative when the seeds agree); with one seed this is the paired z test over test examples, which says whether two trained networks differ, not whether two training procedures do. "+
			"Without them, the exact sign-flip test on the per-seed differences, which cannot reach α below six seeds (smallest p-value 2^(1−S) for S seeds). "+
			"Effect size: Cohen's d_z of the per-seed differences (Cohen 1988). "+
			"Variance sources, where measured: seed sd is the between-training-seed standard deviation of the difference, example s.e. the test-example standard error of one seed's difference; "+
			"evaluation-seed variance is in Variance sources, where several evaluation seeds measure it.", reportAlpha))}}
	for _, ds := range r.Sets {
		doc = append(doc, r.setDifferences(ds)...)
	}
	return doc
}

// setDifferences is one data set's part of differencesSection.
func (r *Report) setDifferences(ds *DataSet) []block {
	doc := []block{heading{3, ds.Label, "diff-" + ds.Slug}}
	sc := r.comparisons[ds]
	if sc == nil {
		sc = &setComparison{}
	}
	if len(sc.pairs) > 0 {
		doc = append(doc, pairTable(sc.pairs))
	}
	var items []inline
	for _, s := range untestable(ds, sc) {
		items = append(items, txt(s))
	}
	for _, s := range pairNotes(sc.pairs) {
		items = append(items, txt(s))
	}
	for _, n := range sc.notes {
		items = append(items, txt("Not compared: "+n+"."))
	}
	if len(sc.pairs) == 0 && len(items) == 0 {
		items = append(items, txt("No model with a test NLL finished on this data set: nothing to compare."))
	}
	if len(items) > 0 {
		doc = append(doc, para{bld("What cannot be tested, and notes")}, list{items})
	}
	return doc
}

// pairTable is the table of a data set's pairs.
func pairTable(pairs []compare.PairResult) table {
	t := table{header: []string{"kind", "a", "b", "seeds", "paired on", "a − b (nats)", "95% interval", "seed sd", "example s.e.", "test", "p", "p (Holm)", "effect size", "verdict"},
		right: []bool{false, false, false, true, false, true, true, true, true, false, true, true, true}}
	for i := range pairs {
		p := &pairs[i]
		on, seedSD, exSE := "per-seed NLLs", "—", "—"
		if p.PerExample {
			on = fmt.Sprintf("%s examples/seed", fmtInt(float64(p.Detail.Primary.NExamples)))
		}
		if v := p.Detail.Variance; v != nil {
			seedSD, exSE = numText(v.SeedSD), numText(v.ExampleSE)
		}
		verdict := txt("untested")
		if canReject(p) {
			verdict = txt(p.Verdict)
			if p.Significant {
				verdict = bld(p.Verdict)
			}
		}
		t.rows = append(t.rows, []inline{txt(p.Kind), txt(p.A), txt(p.B), txt(fmt.Sprint(len(p.Seeds))), txt(on),
			txt(numText(float64(p.Difference))), txt(intervalText(float64(p.CILow), float64(p.CIHigh))),
			txt(seedSD), txt(exSE), cde(p.Test), txt(pText(float64(p.PValue))), txt(pText(float64(p.PHolm))),
			txt(effectText(p.EffectName, float64(p.EffectSize))), verdict})
	}
	return t
}

// numText writes a number with 3 significant digits, "—" when NaN.
func numText(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmtSig(v, 3)
}

// intervalText writes "[lo, hi]", "—" when the interval is unknown (one
// seed without per-example values).
func intervalText(lo, hi float64) string {
	if math.IsNaN(lo) && math.IsNaN(hi) {
		return "—"
	}
	return "[" + numText(lo) + ", " + numText(hi) + "]"
}

// effectText writes an effect size with its name ("cohen_dz 0.41").
func effectText(name string, v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return name + " " + numText(v)
}

// pText writes a p-value with 2 significant digits, "< 0.0001" below.
func pText(p float64) string {
	switch {
	case math.IsNaN(p):
		return "—"
	case p < 1e-4:
		return "< 0.0001"
	}
	return fmtSig(p, 2)
}

// untestable says what the data set's records do not let the report
// test: rows without a likelihood, kinds with a single model, and pairs
// whose test cannot reject whatever the data.
func untestable(ds *DataSet, sc *setComparison) []string {
	var out []string
	var none []string
	byKind := map[string][]string{}
	for _, row := range ds.Rows {
		switch {
		case len(row.OK) == 0:
		case rankable(row.Kind) && row.Stat("test_nll").Has():
			byKind[row.Kind] = append(byKind[row.Kind], row.Label)
		case row.Kind == "mixed":
			out = append(out, row.Label+": seeds of different NLL kinds, not compared.")
		default:
			none = append(none, row.Label)
		}
	}
	if len(none) > 0 {
		out = append(out, "No test NLL to compare: "+strings.Join(none, ", ")+" (genbench compare gives sample-based metrics a bootstrap interval over seeds).")
	}
	for _, k := range sortedKeys(byKind) {
		if len(byKind[k]) == 1 {
			out = append(out, fmt.Sprintf("%s is the only model whose NLL is of kind %s: NLLs of different kinds are never compared.", byKind[k][0], k))
		}
	}
	counts := map[string]int{}
	for i := range sc.pairs {
		if p := &sc.pairs[i]; !canReject(p) {
			counts[whyUntestable(p)]++
		}
	}
	for _, why := range sortedKeys(counts) {
		out = append(out, fmt.Sprintf("%s of %d untested: %s.", plural(counts[why], "pair"), len(sc.pairs), why))
	}
	return out
}

// whyUntestable says why a pair's test cannot reject.
func whyUntestable(p *compare.PairResult) string {
	r := p.Detail.Primary
	switch {
	case len(p.Seeds) == 1 && !p.PerExample:
		return "one common seed and no per-example values, so no test is possible; run more seeds or keep the per-example sidecars"
	case !p.PerExample:
		return fmt.Sprintf("%d common seeds and no per-example values: the sign-flip test's smallest p-value is %.4g > α = %g; run at least 6 seeds or keep the per-example sidecars",
			len(p.Seeds), r.MinP, reportAlpha)
	}
	return "the test gave no p-value"
}

// pairNotes lists the distinct notes of the pairs, each with the pairs it
// concerns (or "all pairs"); notes on unattainable levels are left to
// untestable.
func pairNotes(pairs []compare.PairResult) []string {
	byNote := map[string][]string{}
	var order []string
	for _, p := range pairs {
		for _, n := range strings.Split(p.Note, "; ") {
			if n == "" || strings.Contains(n, "smallest attainable p-value") {
				continue
			}
			if byNote[n] == nil {
				order = append(order, n)
			}
			byNote[n] = append(byNote[n], p.A+" vs "+p.B)
		}
	}
	var out []string
	for _, n := range order {
		who := strings.Join(byNote[n], ", ")
		if len(byNote[n]) == len(pairs) && len(pairs) > 1 {
			who = fmt.Sprintf("all %d pairs", len(pairs))
		}
		out = append(out, upperFirst(n)+" ("+who+").")
	}
	return out
}

// upperFirst capitalises the first letter of s.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
