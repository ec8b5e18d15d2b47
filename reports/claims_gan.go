package reports

import (
	"fmt"
	"strings"

	"github.com/genbench/genbench/models"
)

// The GAN family's claim: mode collapse.
var ganClaims = []claimDef{
	{
		id: "gan-mode-collapse", family: string(models.GAN),
		statement: "GANs suffer mode collapse: they cover fewer modes than likelihood-trained models.",
		rule:      fmt.Sprintf("On each data set with modes_covered (mixtures) or else classes_covered (digits labelled by the classifier; stacked MNIST's 1000 triples): R = the largest mean count over non-GAN models (the total when no non-GAN model was measured on that data set). A GAN model collapses if its mean count over seeds ≤ R − %g. Supported if some GAN collapses, not supported if none does, not measured without a GAN measured on modes or classes. high_quality_frac is shown, not used.", ModeMargin),
		any:       true,
		absent:    "no GAN trial measured mode or class coverage",
		perSet:    ganModeCollapse,
		figures:   func(ds *DataSet) []string { return []string{modesName(ds)} },
	},
}

// coverageKeys names a coverage metric, its total and its unit.
type coverageKeys struct{ key, totalKey, unit string }

var (
	modeCoverage  = coverageKeys{"modes_covered", "modes_total", "modes"}
	classCoverage = coverageKeys{"classes_covered", "classes_total", "classes"}
)

// ganModeCollapse compares each GAN's coverage (modes, else classes) with
// the best non-GAN model's, or with the total when there is none.
func ganModeCollapse(ds *DataSet) (Check, bool) {
	if len(okRows(ds, isGAN)) == 0 {
		return Check{}, false
	}
	cov := modeCoverage
	gans, gv := withMetric(okRows(ds, isGAN), cov.key)
	if len(gans) == 0 {
		cov = classCoverage
		gans, gv = withMetric(okRows(ds, isGAN), cov.key)
	}
	if len(gans) == 0 {
		return Check{Verdict: NotMeasured, Evidence: "the GANs here have neither modes_covered nor classes_covered (no coverage protocol for this data set)"}, true
	}
	others, ov := withMetric(okRows(ds, func(r *Row) bool { return !isGAN(r) }), cov.key)
	var R float64
	var refText string
	if len(others) > 0 {
		R = maxOf(ov)
		refText = fmt.Sprintf("R = %s (best non-GAN: %s)", fmtCount(R), listModes(others, ov))
	} else {
		R = gans[0].Stat(cov.totalKey).Mean
		refText = fmt.Sprintf("R = %s = %s (no non-GAN model measured)", cov.totalKey, fmtCount(R))
	}
	collapsed := 0
	parts := make([]string, len(gans))
	for i, g := range gans {
		parts[i] = fmt.Sprintf("%s %s %s", g.Label, fmtCount(gv[i]), cov.unit)
		if hq := g.Stat("high_quality_frac"); hq.Has() {
			parts[i] += ", " + fmtPct(hq.Mean) + " high quality"
		}
		if gv[i] <= R-ModeMargin {
			collapsed++
			parts[i] += " (collapsed)"
		}
	}
	return verdictOf(collapsed > 0, refText+"; "+strings.Join(parts, "; ")), true
}
