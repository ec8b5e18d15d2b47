package reports

// summarySection is the report's opening summary, laid out as blocks that
// both writers render.
func (r *Report) summarySection() []block {
	return summaryBlocks(summarize(r.Sets), r.Claims)
}

// summaryBlocks lays out the summary lines and the claims' verdicts: one
// table of best models, one of verdicts, each with the rule it follows.
func summaryBlocks(lines []summaryLine, claims []Claim) []block {
	doc := []block{heading{2, "Summary", "summary"}}
	if len(lines) == 0 {
		doc = append(doc, para{txt("No model finished ok on any data set: there is no best model to show.")})
	} else {
		doc = append(doc, bestModelsTable(lines), para{txt("Per data set and family, the model with the lowest mean test NLL among the family's ok models of the same NLL kind " +
			"(a family with models of two kinds gets a line per kind); without a likelihood, the model covering the most modes or classes, then the fastest sampler. " +
			"Closed-form baselines are left out. Values are means over ok seeds; the tables below give the spread and every model.")})
	}
	doc = append(doc, para{bld("Claims under test: verdicts (rules and numbers in the section of that name)")})
	t := table{header: []string{"family", "claim", "verdict", "checks"}}
	for _, c := range claims {
		t.rows = append(t.rows, []inline{txt(c.Family), txt(c.Statement), badge(c.Verdict), txt(claimTally(c))})
	}
	return append(doc, t)
}

// bestModelsTable has one row per summary line, the data set named on the
// first line of its group only.
func bestModelsTable(lines []summaryLine) table {
	t := table{header: []string{"data set", "family", "best model", "test NLL (nats, kind)", "bits/dim", "modes / classes covered", "samples/s"},
		right: []bool{false, false, false, true, true, true, true}}
	for i, l := range lines {
		set := l.set.Label
		if i > 0 && lines[i-1].set == l.set {
			set = ""
		}
		t.rows = append(t.rows, []inline{txt(set), txt(l.family), txt(summaryModel(l)), txt(summaryNLL(l)),
			txt(orDash(statText(l.best, "bits_per_dim", meanText))), txt(orDash(summaryCoverage(l.best))),
			txt(orDash(statText(l.best, "samples_per_sec", func(s Stat) string { return fmtSig(s.Mean, 3) })))})
	}
	return t
}
