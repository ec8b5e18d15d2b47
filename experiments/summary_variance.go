package experiments

import (
	"fmt"
	"math"

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

// notMeasured fills a variance cell the trials do not measure.
const notMeasured = "not measured"

// splitVariance sets the variance sources of every metric of a group
// but helper metrics, from the group's ok trials.
func splitVariance(ms map[string]MetricSummary, oks []*results.Record) {
	for name, m := range ms {
		if helperMetric(name) {
			continue
		}
		src := compare.VarianceSources(name, oks, keyStochastic(name, oks))
		m.Variance = &src
		ms[name] = m
	}
}

// keyStochastic reports whether a key depends on the evaluation seed in
// any of the trials (their NLL kinds may differ), as the metric registry
// declares; an undeclared key counts as stochastic, so that its spread is
// never called training-seed spread without evidence.
func keyStochastic(name string, recs []*results.Record) bool {
	kinds := map[string]bool{}
	for _, r := range recs {
		kinds[r.NLLKind] = true
	}
	for kind := range kinds {
		if s, known := metrics.KeyStochastic(name, kind); s || !known {
			return true
		}
	}
	return len(kinds) == 0
}

// varianceCells are a row's train-seed SD, eval-seed SD and example SE.
func varianceCells(v *compare.Sources) []string {
	if v == nil {
		return []string{"", "", ""}
	}
	cell := func(x float64) string {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return notMeasured
		}
		return fmt.Sprintf("%.3g", x)
	}
	eval := cell(v.EvalSD)
	if v.Deterministic {
		eval = "0 (deterministic)"
	}
	return []string{cell(v.TrainSD), eval, cell(v.ExampleSE)}
}
