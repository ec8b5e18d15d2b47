package reports

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/results"
)

// The report's equal-budget view (bestofk.go has the law): each model
// swept over several configurations of a data set, its best-of-k curve
// per metric, and at which budgets one model's expected best beats
// another's.

// budgetGroup is one model swept over several configurations (rows) of a
// data set.
type budgetGroup struct {
	model string
	rows  []*Row
	// seeds have a record at every configuration; partial are the seeds
	// left out because some configuration has none (not run yet).
	seeds, partial []uint64
}

// budgetGroups lists the models of ds with at least two configurations,
// in table order.
func budgetGroups(ds *DataSet) []*budgetGroup {
	var out []*budgetGroup
	byModel := map[string]*budgetGroup{}
	for _, row := range ds.Rows {
		g := byModel[row.Model]
		if g == nil {
			g = &budgetGroup{model: row.Model}
			byModel[row.Model] = g
			out = append(out, g)
		}
		g.rows = append(g.rows, row)
	}
	keep := out[:0]
	for _, g := range out {
		if len(g.rows) < 2 {
			continue
		}
		count := map[uint64]int{}
		for _, row := range g.rows {
			for _, rec := range row.Trials {
				count[rec.Seed]++
			}
		}
		for seed, n := range count {
			if n == len(g.rows) {
				g.seeds = append(g.seeds, seed)
			} else {
				g.partial = append(g.partial, seed)
			}
		}
		slices.Sort(g.seeds)
		slices.Sort(g.partial)
		keep = append(keep, g)
	}
	return keep
}

// budgetKeys are the keys a best-of-k curve is drawn for: test NLL and the
// registry's table columns with a better direction, leaving out timings
// (a tuning score is not a speed) and keys that must not move.
func budgetKeys() []metrics.Key {
	var out []metrics.Key
	if k, _, ok := metrics.KeyOf("test_nll"); ok {
		out = append(out, k)
	}
	var cols []metrics.Key
	for _, m := range metrics.All() {
		for _, k := range m.Keys {
			if k.Column != nil && (k.Better == metrics.Lower || k.Better == metrics.Higher) && !k.Timing && !k.Stable && k.Qualifies == "" {
				cols = append(cols, k)
			}
		}
	}
	sort.SliceStable(cols, func(i, j int) bool { return cols[i].Column.Rank < cols[j].Column.Rank })
	return append(out, cols...)
}

// budgetCurve is a group's best-of-k curve for one key.
type budgetCurve struct {
	group  *budgetGroup
	key    metrics.Key
	kind   string // the NLL kind, for test_nll: compared within a kind only
	failed int    // trials (configuration × seed) without a finite score
	points []bestOfK
}

func (c *budgetCurve) lower() bool { return c.key.Better == metrics.Lower }

// curveOf computes g's curve for key k; false when no configuration has
// the key, or for test_nll when configurations disagree on the NLL kind.
// A configuration whose trial failed, diverged or gave no finite value
// counts as failed: it ranks below every score.
func curveOf(g *budgetGroup, k metrics.Key) (*budgetCurve, bool) {
	c := &budgetCurve{group: g, key: k}
	scored := false
	var pools [][]float64
	for _, seed := range g.seeds {
		pool := make([]float64, len(g.rows))
		for i, row := range g.rows {
			pool[i] = math.NaN()
			rec := recordOfSeed(row, seed)
			if v, ok := rec.Metrics[k.Name]; ok && rec.Status == results.StatusOK && finite(v) {
				pool[i], scored = v, true
				if k.Name == "test_nll" {
					if c.kind != "" && c.kind != rec.NLLKind || !rankable(rec.NLLKind) {
						return nil, false
					}
					c.kind = rec.NLLKind
				}
			} else {
				c.failed++
			}
		}
		pools = append(pools, pool)
	}
	if !scored {
		return nil, false
	}
	c.points = bestOfKCurve(pools, c.lower())
	return c, true
}

// recordOfSeed is row's trial of the seed (budgetGroups keeps seeds every
// row has).
func recordOfSeed(row *Row, seed uint64) *results.Record {
	for _, rec := range row.Trials {
		if rec.Seed == seed {
			return rec
		}
	}
	return &results.Record{}
}

// budgetCurves lists, per key with at least one curve, the curves of
// ds's groups, keys in budgetKeys order.
func budgetCurves(ds *DataSet) [][]*budgetCurve {
	groups := budgetGroups(ds)
	var out [][]*budgetCurve
	for _, k := range budgetKeys() {
		var curves []*budgetCurve
		for _, g := range groups {
			if c, ok := curveOf(g, k); ok {
				curves = append(curves, c)
			}
		}
		if len(curves) > 0 {
			out = append(out, curves)
		}
	}
	return out
}

// budgetComparison says at which budgets a's expected best beats b's.
type budgetComparison struct {
	a, b         *budgetCurve
	aWins, bWins []int // budgets k where a's (b's) expected best is better
	apart        []int // budgets k where the 5–95% bands do not overlap
	ks           int   // budgets compared: 1..ks
}

// compareBudgets compares two curves of one key at every common budget.
func compareBudgets(a, b *budgetCurve) budgetComparison {
	c := budgetComparison{a: a, b: b, ks: min(len(a.points), len(b.points))}
	for k := 1; k <= c.ks; k++ {
		pa, pb := a.points[k-1], b.points[k-1]
		switch {
		case better(pa.Expected, pb.Expected, a.lower()):
			c.aWins = append(c.aWins, k)
		case better(pb.Expected, pa.Expected, a.lower()):
			c.bWins = append(c.bWins, k)
		}
		if pa.High < pb.Low || pb.High < pa.Low {
			c.apart = append(c.apart, k)
		}
	}
	return c
}

// sentence states the comparison in words.
func (c budgetComparison) sentence() string {
	a, b := c.a.group.model, c.b.group.model
	head := fmt.Sprintf("%s (%s): ", c.a.key.Name, c.a.key.Better)
	var s string
	switch {
	case len(c.aWins) == 0 && len(c.bWins) == 0:
		s = fmt.Sprintf("%s and %s have the same expected best at every budget k = 1–%d", a, b, c.ks)
	case len(c.bWins) == 0:
		s = fmt.Sprintf("%s's expected best beats %s's at %s", a, b, kText(c.aWins, c.ks))
	case len(c.aWins) == 0:
		s = fmt.Sprintf("%s's expected best beats %s's at %s", b, a, kText(c.bWins, c.ks))
	default:
		s = fmt.Sprintf("%s's expected best is better at k = %s, %s's at k = %s", a, kRanges(c.aWins), b, kRanges(c.bWins))
	}
	if len(c.apart) == 0 {
		return head + s + "; their 5–95% bands overlap at every k."
	}
	return head + s + "; their 5–95% bands are apart at k = " + kRanges(c.apart) + "."
}

// kText writes the budgets won: "every budget k = 1–8" or "k = 1–3, 6".
func kText(ks []int, n int) string {
	if len(ks) == n {
		return fmt.Sprintf("every budget k = 1–%d", n)
	}
	return "k = " + kRanges(ks) + fmt.Sprintf(" (of 1–%d; equal elsewhere)", n)
}

// kRanges writes sorted integers as ranges: 1–3, 5, 7–8.
func kRanges(ks []int) string {
	var parts []string
	for i := 0; i < len(ks); {
		j := i
		for j+1 < len(ks) && ks[j+1] == ks[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(ks[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d–%d", ks[i], ks[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// budgetNum writes a score; a failed one (±Inf) as "failed".
func budgetNum(v float64) string {
	if math.IsInf(v, 0) {
		return "failed"
	}
	return numText(v)
}

// bandText writes "E [lo, hi]".
func bandText(p bestOfK) string {
	return budgetNum(p.Expected) + " [" + budgetNum(p.Low) + ", " + budgetNum(p.High) + "]"
}

// budgetSection is "Equal tuning budget": for every data set where a
// model has several configurations, the best-of-k curves and the budgets
// at which one model's expected best beats another's. Nil when no model
// has several configurations.
func (r *Report) budgetSection() []block {
	var body []block
	for _, ds := range r.Sets {
		body = append(body, r.setBudget(ds)...)
	}
	if len(body) == 0 {
		return nil
	}
	doc := []block{heading{2, "Equal tuning budget", "budget"}, para{txt(budgetProtocol(r.Spec))}}
	return append(doc, body...)
}

// budgetProtocol states how the curves are computed and where the
// configurations come from.
func budgetProtocol(spec SpecInfo) string {
	s := "A model swept over N configurations of a data set (its rows above) is judged by the best score among k of them drawn at random without replacement, for every budget k = 1..N, " +
		"so that “a beats b” is said at an equal tuning budget (Lucic et al. 2018). The law is exact, from the sorted scores of one training seed: the best of k is the i-th best of the N with probability C(N−i, k−1)/C(N, k); " +
		"shown are its expectation and its 5–95% band (exact quantiles), training seeds mixed with equal weight (a seed at random, then k of its configurations), so no resampling and no seed of its own. " +
		"Only seeds with a record at every configuration count. A configuration that failed, diverged or has no finite value ranks below every score: the expectation is “failed” while all k draws can fail. " +
		"The band is over the draw of configurations only: the training noise of each trial is not in it (with one training seed the best of all N is a single trial; see Which differences are real for tests over seeds). " +
		"Better is as the metric registry declares it; test NLL is compared within one NLL kind."
	switch {
	case spec.SweepMode == "random":
		s += fmt.Sprintf(" The configurations are the points of the spec's random sweep (drawn with sweep seed %s from the ranges spec.json lists).", spec.SweepSeed)
	case spec.SweepMode != "":
		s += fmt.Sprintf(" The configurations are the points of the spec's %s sweep, a fixed set rather than random draws from ranges: the budget view draws from that set.", spec.SweepMode)
	}
	return s
}

// setBudget is one data set's part of budgetSection.
func (r *Report) setBudget(ds *DataSet) []block {
	groups := budgetGroups(ds)
	if len(groups) == 0 {
		return nil
	}
	doc := []block{heading{3, ds.Label, "budget-" + ds.Slug}, para{txt(groupsText(groups))}}
	curves := budgetCurves(ds)
	if len(curves) == 0 {
		return append(doc, para{txt("No configuration has a score on a complete seed: no curve.")})
	}
	doc = append(doc, curveTable(curves))
	if f := r.budgetFigures[ds]; f != nil {
		doc = append(doc, figureRef{f})
	}
	var items []inline
	for _, byKey := range curves {
		for i := range byKey {
			for j := i + 1; j < len(byKey); j++ {
				a, b := byKey[i], byKey[j]
				if a.kind != b.kind {
					items = append(items, txt(fmt.Sprintf("%s: %s (%s) and %s (%s) are of different NLL kinds, not compared.", a.key.Name, a.group.model, a.kind, b.group.model, b.kind)))
					continue
				}
				items = append(items, txt(compareBudgets(a, b).sentence()))
			}
		}
	}
	if len(items) > 0 {
		doc = append(doc, para{bld("At which budget each model is ahead")}, list{items})
	}
	return doc
}

// groupsText lists the swept models with their N and seeds.
func groupsText(groups []*budgetGroup) string {
	var parts []string
	for _, g := range groups {
		s := fmt.Sprintf("%s: N = %d configurations × %s", g.model, len(g.rows), plural(len(g.seeds), "complete seed"))
		if len(g.partial) > 0 {
			s += fmt.Sprintf(" (left out, some configuration not run: seed %s)", seedList(g.partial))
		}
		parts = append(parts, s)
	}
	return "Swept models: " + strings.Join(parts, "; ") + "."
}

func seedList(seeds []uint64) string {
	parts := make([]string, len(seeds))
	for i, s := range seeds {
		parts[i] = strconv.FormatUint(s, 10)
	}
	return strings.Join(parts, ", ")
}

// curveTable shows each curve's expected best and band at budgets 1, 2,
// 4, ... and the largest N.
func curveTable(curves [][]*budgetCurve) table {
	maxN := 0
	for _, byKey := range curves {
		for _, c := range byKey {
			maxN = max(maxN, len(c.points))
		}
	}
	ks := budgetColumns(maxN)
	t := table{header: []string{"metric", "model", "N", "failed"}, right: []bool{false, false, true, true}}
	for _, k := range ks {
		t.header = append(t.header, fmt.Sprintf("best of %d", k))
		t.right = append(t.right, true)
	}
	for _, byKey := range curves {
		for _, c := range byKey {
			row := []inline{txt(c.key.Name + " (" + c.key.Better.String() + ")"), txt(c.group.model),
				txt(strconv.Itoa(len(c.points))), txt(strconv.Itoa(c.failed))}
			for _, k := range ks {
				cell := "—"
				if k <= len(c.points) {
					cell = bandText(c.points[k-1])
				}
				row = append(row, txt(cell))
			}
			t.rows = append(t.rows, row)
		}
	}
	return t
}

// budgetColumns are the budgets the table shows: powers of two below n,
// and n.
func budgetColumns(n int) []int {
	var ks []int
	for k := 1; k < n; k *= 2 {
		ks = append(ks, k)
	}
	return append(ks, n)
}
