package reports

import (
	"fmt"
	"sort"

	"github.com/genbench/genbench/compare"
	"github.com/genbench/genbench/metrics"
)

// The "Variance sources" section reports, per data set, model and metric,
// the three sources of a number's spread separately where the trials
// measure them (issue 17): the training seed, the evaluation seed
// (eval.eval_seeds, genbench eval -eval-seeds) and the test examples.
// compare.VarianceSources computes them, the metric registry says which
// keys depend on the evaluation seed.

// varianceSection is the report's "Variance sources" section.
func (r *Report) varianceSection() []block {
	doc := []block{heading{2, "Variance sources", "variance"}, para{txt(
		"Per model and metric (the test NLL and the metrics of the comparison tables, timings and counts left out): the mean over training seeds and evaluation seeds, " +
			"the training-seed and evaluation-seed standard deviations from a balanced one-way random-effects analysis of variance (Searle, Casella & McCulloch 1992) " +
			"of each trial's values under its evaluation seeds, and the test-example standard error of one trial's value (mean over training seeds). " +
			"A deterministic metric (an exact NLL, a bound) has no evaluation-seed spread, so its spread over training seeds is all training seed. " +
			"A stochastic metric (sample-based, an importance-sampled NLL) evaluated once per trial mixes the two: neither is measured; " +
			"eval.eval_seeds in the spec, or genbench eval -eval-seeds on kept models, measures them.")}}
	shown := false
	for _, ds := range r.Sets {
		t := varianceTable(ds)
		if len(t.rows) == 0 {
			continue
		}
		doc = append(doc, heading{3, ds.Label, "var-" + ds.Slug}, t)
		shown = true
	}
	if !shown {
		doc = append(doc, para{txt("No finished trial: nothing to split.")})
	}
	return doc
}

// varianceKeys are the keys the section splits: the test NLL, then the
// report's metric columns by rank, without timings (they spread with the
// machine) and stable keys (counts and settings, which must not spread).
func varianceKeys() []string {
	keys := []string{"test_nll"}
	var cols []metrics.Key
	for _, m := range metrics.All() {
		for _, k := range m.Keys {
			if k.Column != nil && !k.Timing && !k.Stable && k.Name != "test_nll" {
				cols = append(cols, k)
			}
		}
	}
	sort.SliceStable(cols, func(i, j int) bool { return cols[i].Column.Rank < cols[j].Column.Rank })
	for _, k := range cols {
		keys = append(keys, k.Name)
	}
	return keys
}

// varianceTable is one data set's table: a line per row with ok trials
// and key they have.
func varianceTable(ds *DataSet) table {
	t := table{header: []string{"model", "metric", "training × evaluation seeds", "mean", "training-seed sd", "evaluation-seed sd", "test-example s.e."},
		right: []bool{false, false, true, true, true, true, true}}
	keys := varianceKeys()
	for _, row := range ds.Rows {
		for _, key := range keys {
			src := compare.VarianceSources(key, row.OK, metrics.KeyStochastic)
			if src.NTrain == 0 {
				continue // no finite value of key in the row
			}
			train, eval, example := src.Texts(func(v float64) string { return fmtSig(v, 3) })
			t.rows = append(t.rows, []inline{txt(row.Label), cde(key), txt(fmt.Sprintf("%d × %d", src.NTrain, src.NEval)),
				txt(numText(src.Mean)), txt(train), txt(eval), txt(example)})
		}
	}
	return t
}
