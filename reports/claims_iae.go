package reports

import (
	"fmt"
	"strings"

	"github.com/genbench/genbench/models"
)

// The invertible autoencoders' claim: trouble with multi-modal data.
var iaeClaims = []claimDef{
	{
		id: "iae-multimodal-trouble", family: string(models.IAE),
		statement: "Invertible autoencoders have trouble with multi-modal data.",
		rule:      fmt.Sprintf("On each mixture data set (modes_total ≥ 2): C = flow models (gaussian baseline left out), or all non-IAE models when no flow was measured. An IAE model is in trouble if its mean modes_covered ≤ (largest mean modes_covered in C) − %g, or its mean nll_gap exceeds the largest mean nll_gap among C models of the same NLL kind. Supported if some IAE is in trouble, not supported if none is and at least one comparison was possible, not measured otherwise.", ModeMargin),
		any:       true,
		absent:    "no IAE trial finished ok on a mixture data set",
		perSet:    iaeMultimodalTrouble,
		figures: func(ds *DataSet) []string {
			names := []string{modesName(ds)}
			for _, r := range okRows(ds, isIAE) {
				names = append(names, samplesName(ds, r))
			}
			return names
		},
	},
}

// iaeComparison returns the models the IAEs are compared with: the flows
// when one measured modes_covered or nll_gap, else every non-IAE model.
func iaeComparison(ds *DataSet) ([]*Row, string) {
	comp := okRows(ds, isFlow)
	if c, _ := withMetric(comp, "modes_covered"); len(c) > 0 {
		return comp, "flows"
	}
	if c, _ := withMetric(comp, "nll_gap"); len(c) > 0 {
		return comp, "flows"
	}
	return okRows(ds, func(r *Row) bool { return !isIAE(r) }), "non-IAE models"
}

// iaeMultimodalTrouble checks each IAE's modes covered and NLL gap
// against the comparison models on a mixture data set.
func iaeMultimodalTrouble(ds *DataSet) (Check, bool) {
	iaes := okRows(ds, isIAE)
	if len(iaes) == 0 || !isMixture(ds) {
		return Check{}, false
	}
	comp, compName := iaeComparison(ds)
	compared, trouble := 0, 0
	var parts []string
	for _, r := range iaes {
		n, p, why := iaeTrouble(r, comp, compName)
		compared += n
		parts = append(parts, p...)
		if len(why) > 0 {
			trouble++
			parts[len(parts)-1] += " (trouble: " + strings.Join(why, ", ") + ")"
		}
	}
	ev := strings.Join(parts, "; ")
	switch {
	case trouble > 0:
		return Check{Verdict: Supported, Evidence: ev}, true
	case compared > 0:
		return Check{Verdict: NotSupported, Evidence: ev}, true
	}
	return Check{Verdict: NotMeasured, Evidence: "no IAE with modes_covered or nll_gap and a comparison model with the same metric"}, true
}

// iaeTrouble compares one IAE with the comparison models: the number of
// comparisons made, their evidence, and the reasons it is in trouble.
func iaeTrouble(r *Row, comp []*Row, compName string) (int, []string, []string) {
	compared := 0
	var parts, why []string
	if m, cm := r.Stat("modes_covered"), maxMetric(comp, "modes_covered"); m.Has() && finite(cm) {
		compared++
		parts = append(parts, fmt.Sprintf("%s %s modes vs best of %s %s", r.Label, fmtCount(m.Mean), compName, fmtCount(cm)))
		if m.Mean <= cm-ModeMargin {
			why = append(why, "misses modes")
		}
	}
	var sameKind []*Row
	for _, c := range comp {
		if c.Kind == r.Kind {
			sameKind = append(sameKind, c)
		}
	}
	if g, worst := r.Stat("nll_gap"), maxMetric(sameKind, "nll_gap"); g.Has() && finite(worst) {
		compared++
		parts = append(parts, fmt.Sprintf("%s NLL gap %s nats vs largest of %s (%s) %s", r.Label, fmtSig(g.Mean, 3), compName, r.Kind, fmtSig(worst, 3)))
		if g.Mean > worst {
			why = append(why, "larger NLL gap")
		}
	}
	return compared, parts, why
}

// maxMetric is the largest mean of key over the rows having it, -Inf when
// none has it.
func maxMetric(rows []*Row, key string) float64 {
	_, vals := withMetric(rows, key)
	return maxOf(vals)
}
