package experiments

import (
	"fmt"

	"github.com/genbench/genbench/compare"
	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/results"
)

// The summary reports three sources of a metric's spread separately,
// where the trials measure them (issue 17): the training seed, the
// evaluation seed (eval.eval_seeds, or genbench eval -eval-seeds) and the
// test examples. compare.VarianceSources computes them; the metric
// registry says which keys depend on the evaluation seed.

// varianceNote is printed under every summary table.
const varianceNote = "TRAIN-SEED SD and EVAL-SEED SD: one-way random-effects split of the spread (Searle, Casella & McCulloch 1992), measured with >= 2 training seeds and, for a stochastic metric, >= 2 evaluation seeds (eval.eval_seeds); a deterministic metric has no evaluation-seed spread. EXAMPLE SE: the test-example standard error of one trial's value, mean over seeds.\n"

// splitVariance sets the variance sources of every metric of a group
// but helper metrics and timings, from the group's ok trials.
func splitVariance(ms map[string]MetricSummary, oks []*results.Record) {
	for name, m := range ms {
		if helperMetric(name) || IsTimingMetric(name) {
			continue // timings spread with the machine, not with seeds
		}
		src := compare.VarianceSources(name, oks, metrics.KeyStochastic)
		m.Variance = &src
		ms[name] = m
	}
}

// varianceCells are a row's train-seed SD, eval-seed SD and example SE.
func varianceCells(v *compare.Sources) []string {
	if v == nil {
		return []string{"", "", ""}
	}
	train, eval, example := v.Texts(func(x float64) string { return fmt.Sprintf("%.3g", x) })
	return []string{train, eval, example}
}
