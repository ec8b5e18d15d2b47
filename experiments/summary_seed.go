package experiments

import (
	"fmt"
	"math"
	"strings"
)

// With one seed there is no spread across seeds: metrics.Aggregate's
// std 0 and 95% interval [x, x] would claim a certainty the run does not
// have. A summary of one seed therefore leaves the across-seed std and
// interval undefined (NaN, JSON null) and shows the per-example standard
// error of the metric instead, where evaluation measured one: it covers
// the sampling of test examples only, not the training seed.

// oneSeedNote is printed under a summary table with single-seed rows.
const oneSeedNote = "1 seed: no across-seed std or interval; ± is the per-example standard error over test examples (training-seed variance not measured)\n"

// singleSeed rewrites the one-seed summaries of a group's metrics: std and
// interval NaN, ExampleSE from the metric's _stderr companion.
func singleSeed(ms map[string]MetricSummary) {
	for name, m := range ms {
		m.ExampleSE = math.NaN()
		if m.N == 1 {
			m.Std, m.CI95Lo, m.CI95Hi = math.NaN(), math.NaN(), math.NaN()
			if se, ok := ms[name+"_stderr"]; ok && se.N == 1 && !strings.HasSuffix(name, "_stderr") {
				m.ExampleSE = se.Mean
			}
		}
		ms[name] = m
	}
}

// exampleSE is ExampleSE for JSON: nil unless defined.
func (m MetricSummary) exampleSE() *float64 {
	if m.N != 1 || math.IsNaN(m.ExampleSE) || math.IsInf(m.ExampleSE, 0) {
		return nil
	}
	v := m.ExampleSE
	return &v
}

// oneSeedCell is the interval cell of a one-seed row.
func oneSeedCell(m MetricSummary) string {
	if se := m.exampleSE(); se != nil {
		return fmt.Sprintf("± %.3g (per-example s.e.)", *se)
	}
	return "- (1 seed)"
}
