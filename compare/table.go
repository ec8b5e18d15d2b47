package compare

import (
	"fmt"
	"math"
	"strings"

	"github.com/genbench/genbench/internal/jsonnum"
	"github.com/genbench/genbench/internal/texttable"
)

// Table formats the pairs and the sample-based intervals as text.
func Table(c *Comparisons) string {
	num := func(v jsonnum.Float) string {
		if math.IsNaN(float64(v)) {
			return "-"
		}
		return fmt.Sprintf("%.4g", float64(v))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Paired comparisons of test NLL (a − b, nats; negative favours a), α = %g after Holm across the pairs of each data set.\n", c.Alpha)
	b.WriteString("SEED SD: between-training-seed sd of the difference; EXAMPLE SE: its test-example standard error per seed.\n")
	rows := [][]string{{"DATASET", "KIND", "A", "B", "SEEDS", "PAIRED ON", "A − B", "95% CI", "SEED SD", "EXAMPLE SE", "TEST", "P", "P (HOLM)", "EFFECT", "VERDICT"}}
	pval := func(v jsonnum.Float) string {
		if float64(v) < 1e-16 {
			return "<1e-16"
		}
		return num(v)
	}
	for _, p := range c.Pairs {
		on, seedSD, exSE := "seeds", "-", "-"
		if p.PerExample {
			on = fmt.Sprintf("%d examples/seed", p.Detail.Primary.NExamples)
		}
		if v := p.Detail.Variance; v != nil {
			seedSD, exSE = num(jsonnum.Float(v.SeedSD)), num(jsonnum.Float(v.ExampleSE))
		}
		rows = append(rows, []string{p.Dataset + "#" + p.DataKey[:6], p.Kind, p.A, p.B, fmt.Sprint(len(p.Seeds)), on,
			num(p.Difference), "[" + num(p.CILow) + ", " + num(p.CIHigh) + "]", seedSD, exSE, p.Test, pval(p.PValue), pval(p.PHolm),
			p.EffectName + " " + num(p.EffectSize), p.Verdict})
	}
	if len(c.Pairs) > 0 {
		b.WriteString(texttable.Format(rows))
	} else {
		b.WriteString("no pairs: fewer than two models with a test NLL of the same kind on a data set\n")
	}
	for _, p := range c.Pairs {
		if p.Note != "" {
			fmt.Fprintf(&b, "note: %s vs %s: %s\n", p.A, p.B, p.Note)
		}
	}
	if len(c.Intervals) > 0 {
		b.WriteString("\nSample-based metrics: mean over seeds with a bootstrap 95% interval.\n")
		rows = [][]string{{"DATASET", "CONFIG", "METRIC", "SEEDS", "MEAN", "95% CI", "NOTE"}}
		for _, s := range c.Intervals {
			iv := s.Interval
			rows = append(rows, []string{s.Dataset + "#" + s.DataKey[:6], s.Config, s.Metric, fmt.Sprint(iv.NSeeds),
				num(jsonnum.Float(iv.Estimate)), "[" + num(jsonnum.Float(iv.CILow)) + ", " + num(jsonnum.Float(iv.CIHigh)) + "]", iv.Note})
		}
		b.WriteString(texttable.Format(rows))
	}
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}
