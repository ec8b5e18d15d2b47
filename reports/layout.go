package reports

import (
	"fmt"
	"sort"
	"strings"

	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/results"
)

// document lays out the report as blocks, rendered by both writers.
func (r *Report) document() []block {
	var doc []block
	doc = append(doc, heading{1, r.Title, "top"})
	doc = append(doc, para{r.summary()})
	if r.Generated != "" {
		doc = append(doc, para{txt("Generated " + r.Generated + ".")})
	}
	doc = append(doc, para{cat(txt("Sections: comparison tables and figures per data set, sample quality across data forms (where a data set comes in several), which differences are real, equal tuning budget (random sweeps), variance sources, claims under test, provenance. "),
		txt("NLL is in nats per example on the test split, lower is better, always with its kind: "),
		bld("exact"), txt(" (flows, autoregressive models, invertible models), "), bld("bound"),
		txt(" (negative ELBO, an upper bound on NLL), "), bld("estimate"), txt(" (importance-sampled or kernel estimate) or "),
		bld("none"), txt(" (no likelihood). NLLs of different kinds are never ranked together."))})

	doc = append(doc, r.summarySection()...)
	doc = append(doc, heading{2, "Comparison tables", "tables"})
	if len(r.Sets) == 0 {
		doc = append(doc, para{txt("No trial records could be read.")})
	}
	for _, ds := range r.Sets {
		doc = append(doc, r.setSection(ds)...)
	}
	doc = append(doc, r.qualitySection()...)
	doc = append(doc, r.differencesSection()...)
	doc = append(doc, r.budgetSection()...)
	doc = append(doc, r.varianceSection()...)
	if len(r.global) > 0 {
		doc = append(doc, heading{2, "Across data sets", "across"})
		for _, f := range r.global {
			doc = append(doc, figureRef{f})
		}
	}
	doc = append(doc, r.claimsSection()...)
	doc = append(doc, r.provenanceSection()...)
	return doc
}

func (r *Report) summary() inline {
	var ok, div, fail int
	for _, rec := range r.Records {
		switch rec.Status {
		case results.StatusOK:
			ok++
		case results.StatusDiverged:
			div++
		default:
			fail++
		}
	}
	s := fmt.Sprintf("%s read: %d ok, %d diverged, %d failed.", plural(len(r.Records), "trial record"), ok, div, fail)
	switch {
	case r.Spec.Present && !r.Spec.Listed:
		s += fmt.Sprintf(" spec.json defines %s × %s × %s%s but does not list its trials (written by an older genbench): the expected trials are unknown.",
			plural(r.Spec.Sets, "data set"), plural(r.Spec.Models, "model"), plural(len(r.Spec.Seeds), "seed"), sweepNote(r.Spec))
	case r.Spec.Present:
		s += fmt.Sprintf(" spec.json defines %s (%s × %s × %s%s); %d missing.",
			plural(len(r.Spec.Trials), "trial"), plural(r.Spec.Sets, "data set"), plural(r.Spec.Models, "model"), plural(len(r.Spec.Seeds), "seed"), sweepNote(r.Spec), len(r.Missing))
	default:
		s += " No readable spec.json: the expected set of trials is unknown."
	}
	if len(r.Problems) > 0 {
		s += fmt.Sprintf(" %s (see Provenance).", plural(len(r.Problems), "file problem"))
	}
	if len(r.Missing) > 0 || div+fail > 0 || len(r.Problems) > 0 {
		return cat(bld("Partial results."), txt(" "+s))
	}
	return txt(s)
}

// column describes one comparison-table column.
type column struct {
	header string
	right  bool
	always bool
	cell   func(row *Row) inline
	// value returns the number compared for "best", its comparison group
	// (only rows of one group compete) and whether the row has it.
	value         func(row *Row) (float64, string, bool)
	lowerIsBetter bool
}

func rankable(kind string) bool { return kind == "exact" || kind == "bound" || kind == "estimate" }

func statCell(key string, f func(Stat) string) func(*Row) inline {
	return func(row *Row) inline {
		s := row.Stat(key)
		if !s.Has() {
			if s.NonFinite > 0 {
				return txt("non-finite")
			}
			return nil
		}
		return txt(f(s))
	}
}

func pmText(s Stat) string {
	pm, _ := s.Spread()
	return fmtPM(s.Mean, pm)
}

func meanValue(key string, byKind bool) func(*Row) (float64, string, bool) {
	return func(row *Row) (float64, string, bool) {
		s := row.Stat(key)
		if !s.Has() {
			return 0, "", false
		}
		if byKind {
			if !rankable(row.Kind) {
				return 0, "", false
			}
			return s.Mean, row.Kind, true
		}
		return s.Mean, "", true
	}
}

func seedsCell(row *Row) inline {
	s := fmt.Sprintf("%d/%d", len(row.OK), len(row.Trials)+row.Missing)
	counts := map[string]int{}
	if row.Missing > 0 {
		counts["missing"] = row.Missing
	}
	for _, t := range row.Trials {
		if t.Status != results.StatusOK {
			counts[t.Status]++
		}
	}
	var bad []string
	for _, k := range sortedKeys(counts) {
		bad = append(bad, fmt.Sprintf("%d %s", counts[k], k))
	}
	if len(bad) > 0 {
		s += " (" + strings.Join(bad, ", ") + ")"
	}
	return txt(s)
}

func nllCell(row *Row) inline {
	if len(row.OK) == 0 {
		return txt("—")
	}
	if row.Kind == "none" {
		return txt("— (no likelihood)")
	}
	s := row.Stat("test_nll")
	if !s.Has() {
		if s.NonFinite > 0 {
			return txt("non-finite")
		}
		return txt("not measured")
	}
	out := pmText(s)
	if nf := row.Stat("test_nll_nonfinite"); nf.Has() && nf.Max > 0 {
		out += fmt.Sprintf(" (%s non-finite examples)", fmtInt(nf.Max))
	}
	return txt(out)
}

// countOfCell shows a count out of a total (modes, classes): the mean over
// seeds ± their standard deviation when several seeds differ.
func countOfCell(key, totalKey string) func(*Row) inline {
	return func(row *Row) inline {
		s := row.Stat(key)
		if !s.Has() {
			return nil
		}
		total := fmtCount(row.Stat(totalKey).Max)
		if s.N > 1 && s.SD > 0 {
			return txt(fmt.Sprintf("%s ± %s / %s", fmtCount(s.Mean), fmtSig(s.SD, 2), total))
		}
		return txt(fmtCount(s.Mean) + " / " + total)
	}
}

// sdText writes a mean with n significant digits, ± the standard deviation
// over seeds when there are several.
func sdText(n int) func(Stat) string {
	return func(s Stat) string {
		if s.N > 1 {
			return fmtSig(s.Mean, n) + " ± " + fmtSig(s.SD, 2)
		}
		return fmtSig(s.Mean, n)
	}
}

func hqText(s Stat) string {
	if s.N > 1 {
		return fmt.Sprintf("%s ± %s", strings.TrimSuffix(fmtPct(s.Mean), "%"), fmtPct(s.SD))
	}
	return fmtPct(s.Mean)
}

func (r *Report) columns(refs map[*Row]inline, rk map[*Row]string) []column {
	cols := []column{
		{header: "model", always: true, cell: func(row *Row) inline { return txt(row.Label) }},
		{header: "type / family", always: true, cell: func(row *Row) inline { return txt(row.Type + " / " + row.Family) }},
		{header: "seeds ok", always: true, right: true, cell: seedsCell},
		{header: "test NLL (nats)", always: true, right: true, lowerIsBetter: true, value: meanValue("test_nll", true), cell: nllCell},
		{header: "NLL kind (rank)", always: true, cell: func(row *Row) inline {
			if len(row.OK) == 0 {
				return nil
			}
			if s, ok := rk[row]; ok {
				return txt(row.Kind + " (" + s + ")")
			}
			return txt(row.Kind)
		}},
	}
	cols = append(cols, metricColumns()...)
	return append(cols, column{header: "reference", cell: func(row *Row) inline { return refs[row] }})
}

// metricColumns are the columns the metric registry declares (metrics.Key
// Column), by rank: a key with a better direction competes for "best"
// (within one NLL kind when the column says so), others are shown only.
func metricColumns() []column {
	var keys []metrics.Key
	for _, m := range metrics.All() {
		for _, k := range m.Keys {
			if k.Column != nil {
				keys = append(keys, k)
			}
		}
	}
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].Column.Rank < keys[j].Column.Rank })
	cols := make([]column, len(keys))
	for i, k := range keys {
		cols[i] = column{header: k.Column.Header, right: true, cell: metricCell(k), lowerIsBetter: k.Better == metrics.Lower}
		if k.Better != metrics.Neither {
			cols[i].value = meanValue(k.Name, k.Column.ByNLLKind)
		}
	}
	return cols
}

// metricCell shows a key's statistics over seeds in its declared format.
func metricCell(k metrics.Key) func(*Row) inline {
	switch k.Column.Format {
	case metrics.CountOf:
		return countOfCell(k.Name, k.Column.Total)
	case metrics.Percent:
		return statCell(k.Name, hqText)
	case metrics.Sig3:
		return statCell(k.Name, sdText(3))
	case metrics.Plain3:
		return statCell(k.Name, func(s Stat) string { return fmtSig(s.Mean, 3) })
	case metrics.Integer:
		return statCell(k.Name, func(s Stat) string { return fmtInt(s.Mean) })
	}
	return statCell(k.Name, pmText)
}

// bestRows marks, per column, the rows holding the best value of their
// comparison group; groups with one member, or whose members all tie
// (every model covering 10 of 10 classes), get no mark.
func bestRows(rows []*Row, c column) map[*Row]bool {
	if c.value == nil {
		return nil
	}
	type entry struct {
		row *Row
		v   float64
	}
	groups := map[string][]entry{}
	for _, row := range rows {
		if v, g, ok := c.value(row); ok && finite(v) {
			groups[g] = append(groups[g], entry{row, v})
		}
	}
	out := map[*Row]bool{}
	for _, es := range groups {
		if len(es) < 2 {
			continue
		}
		best := es[0].v
		for _, e := range es[1:] {
			if (c.lowerIsBetter && e.v < best) || (!c.lowerIsBetter && e.v > best) {
				best = e.v
			}
		}
		var tied []*Row
		for _, e := range es {
			if e.v == best {
				tied = append(tied, e.row)
			}
		}
		if len(tied) == len(es) {
			continue
		}
		for _, row := range tied {
			out[row] = true
		}
	}
	return out
}

// referenceColumn builds the reference cells and their numbered notes.
func referenceColumn(ds *DataSet) (map[*Row]inline, []inline) {
	refs := map[*Row]inline{}
	var notes []inline
	for _, row := range ds.Rows {
		var cell []string
		for _, ref := range referencesFor(row) {
			n := len(notes) + 1
			cell = append(cell, fmt.Sprintf("%s [r%d]", ref.value, n))
			devs := deviations(row, ref)
			note := fmt.Sprintf("[r%d] %s: %s.", n, row.Label, ref.source)
			if len(devs) > 0 {
				note += " Deviations: " + strings.Join(devs, "; ") + "."
			} else {
				note += " No deviation from the published protocol is visible in the records."
			}
			notes = append(notes, txt(note))
		}
		if len(cell) > 0 {
			refs[row] = txt(strings.Join(cell, "; "))
		}
	}
	return refs, notes
}

func (r *Report) setSection(ds *DataSet) []block {
	var doc []block
	doc = append(doc, heading{3, ds.Label, "set-" + ds.Slug})
	desc := "Data set " + ds.Name
	if ds.Params != "" {
		desc += " with " + ds.Params
	}
	if ds.Dim > 0 {
		desc += fmt.Sprintf("; dimension %d, %s", ds.Dim, ds.Kind)
	}
	doc = append(doc, para{txt(desc + ".")})
	if len(ds.Protocol) > 0 {
		items := make([]inline, len(ds.Protocol))
		for i, p := range ds.Protocol {
			items[i] = txt(p)
		}
		doc = append(doc, para{bld("Data protocol")}, list{items})
	}

	refs, notes := referenceColumn(ds)
	t := r.setTable(ds, refs)
	doc = append(doc, t)
	doc = append(doc, list{[]inline{
		txt("Values are means over a model's ok seeds. ± is 2 standard errors over test examples when one seed finished ok, and the standard deviation over seeds when several did (see seeds ok)."),
		txt("Bold: the best value of a column (lowest test NLL, bits/dim, gap, train seconds and params; highest modes covered, high-quality fraction and samples/s); none where every row ties. Test NLL, bits/dim and the gap (model NLL − the data's true NLL on the same test examples, nats) are compared and ranked only among rows of the same NLL kind: the rank “exact (2 of 5)” counts exact NLLs only; a kind with a single row gets no bold."),
		r.rankNote(ds),
	}})
	doc = append(doc, classSection(ds)...)
	if len(notes) > 0 {
		doc = append(doc, para{bld("Published references")}, list{notes})
	}
	if pr := protocolNotes(ds.Rows, func(key string) bool { return key != "test_rows" }); len(pr) > 0 {
		doc = append(doc, para{bld("Measurement protocols (from the records)")}, list{pr})
	}
	figs := r.setFigures[ds]
	if len(figs) > 0 || len(r.noSamples[ds]) > 0 {
		doc = append(doc, heading{4, "Figures: " + ds.Label, "figs-" + ds.Slug})
	}
	if ns := r.noSamples[ds]; len(ns) > 0 {
		doc = append(doc, para{txt("No samples stored for " + strings.Join(ns, ", ") +
			" (the runner writes them to samples/<trial-id>.json; see the reports package documentation).")})
	}
	for _, f := range figs {
		doc = append(doc, figureRef{f})
	}
	return doc
}

// setTable is a data set's results table: the columns some row fills,
// a row per model, the best value of each column in bold.
func (r *Report) setTable(ds *DataSet, refs map[*Row]inline) table {
	cols := r.columns(refs, r.rankStrings(ds))
	var keep []column
	for _, c := range cols {
		if c.always {
			keep = append(keep, c)
			continue
		}
		for _, row := range ds.Rows {
			if len(c.cell(row)) > 0 {
				keep = append(keep, c)
				break
			}
		}
	}
	t := table{}
	best := make([]map[*Row]bool, len(keep))
	for i, c := range keep {
		t.header = append(t.header, c.header)
		t.right = append(t.right, c.right)
		best[i] = bestRows(ds.Rows, c)
	}
	for _, row := range ds.Rows {
		var cells []inline
		for i, c := range keep {
			v := c.cell(row)
			if len(v) == 0 {
				v = txt("—")
			}
			if best[i][row] {
				v = emphasized(v)
			}
			cells = append(cells, v)
		}
		t.rows = append(t.rows, cells)
	}
	return t
}

// protocolNotes lists the distinct measurement protocols of the rows' ok
// records whose key keep accepts, naming the models when they differ.
func protocolNotes(rows []*Row, keep func(key string) bool) []inline {
	byKey := map[string]map[string][]string{}
	for _, row := range rows {
		seen := map[string]bool{}
		for _, rec := range row.OK {
			for k, v := range rec.Protocol {
				if !keep(k) || seen[k+"\x00"+v] {
					continue
				}
				seen[k+"\x00"+v] = true
				if byKey[k] == nil {
					byKey[k] = map[string][]string{}
				}
				byKey[k][v] = append(byKey[k][v], row.Label)
			}
		}
	}
	var out []inline
	for _, k := range sortedKeys(byKey) {
		vals := sortedKeys(byKey[k])
		for _, v := range vals {
			line := cat(cde(k), txt(": "+v))
			if len(vals) > 1 {
				line = append(line, txt(" ("+strings.Join(byKey[k][v], ", ")+")")...)
			}
			out = append(out, line)
		}
	}
	return out
}

func (r *Report) claimsSection() []block {
	doc := []block{heading{2, "Claims under test", "claims"},
		para{txt("Each family's textbook claim, checked against this run's numbers by a fixed rule printed beside it. Verdicts: supported, not supported, or not measured in this run. Numbers are means over ok seeds.")}}
	t := table{header: []string{"family", "claim", "verdict", "figures"}}
	for _, c := range r.Claims {
		t.rows = append(t.rows, []inline{txt(c.Family), txt(c.Statement), badge(c.Verdict), txt(strings.Join(c.Figures, ", "))})
	}
	doc = append(doc, t)
	for _, c := range r.Claims {
		doc = append(doc, heading{3, c.Family + ": " + c.Statement, "claim-" + c.ID})
		doc = append(doc, para{cat(bld("Verdict:"), txt(" "), badge(c.Verdict), txt(" (claim "), cde(c.ID), txt(")."))})
		doc = append(doc, para{cat(bld("Rule:"), txt(" "), ital(c.Rule))})
		ct := table{header: []string{"scope", "verdict", "numbers"}}
		for _, ch := range c.Checks {
			ct.rows = append(ct.rows, []inline{txt(ch.Scope), badge(ch.Verdict), txt(ch.Evidence)})
		}
		doc = append(doc, ct)
		if len(c.Figures) > 0 {
			doc = append(doc, para{cat(txt("Figures: "), cde(strings.Join(c.Figures, ", ")), txt(" (shown with their data set above)."))})
		}
	}
	return doc
}

// sweepNote mentions a spec's sweep in the trial count.
func sweepNote(s SpecInfo) string {
	if s.Sweep {
		return " and a sweep"
	}
	return ""
}
