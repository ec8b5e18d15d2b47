package cireport

import (
	"fmt"
	"math"

	"github.com/genbench/genbench/stats"
)

// FromRegression turns the one-sided paired test of `genbench check -test`
// into an outcome: it fails when the test rejected (the current values are
// worse at α, after Holm if [stats.AdjustRegressions] was applied) and is
// skipped when no test was possible (one seed and no per-example values).
func FromRegression(trial, metric string, g stats.Regression) Outcome {
	r := g.Result
	return Outcome{
		Trial: trial, Metric: metric,
		Baseline: g.BaselineMean, Current: g.CurrentMean,
		Check:   fmt.Sprintf("%s one-sided, α=%g, %d seeds", r.Test, r.Alpha, r.NSeeds),
		PValue:  r.PHolm,
		Pass:    !g.Worse,
		Skipped: math.IsNaN(r.PValue),
		Message: g.Message,
	}
}
