package reports

import (
	"fmt"
	"strings"

	"github.com/genbench/genbench/models"
)

// The flow family's claims: exact likelihood, one-pass sampling, and a
// high training cost.
var flowClaims = []claimDef{
	{
		id: "flow-exact-likelihood", family: string(models.Flow),
		statement: "Normalizing flows give an exact likelihood.",
		rule:      "On each data set with ok flow trials (the closed-form gaussian baseline left out): supported if every such trial records nll_kind = exact and a finite test_nll, not supported otherwise.",
		absent:    "no flow trial (other than the gaussian baseline) finished ok",
		perSet:    flowExactLikelihood,
		figures:   func(ds *DataSet) []string { return []string{frontName(ds)} },
	},
	{
		id: "flow-one-pass-sampling", family: string(models.Flow),
		statement: "Normalizing flows sample in one network pass, as fast as the one-pass decoders of VAEs, GANs and invertible autoencoders (MAF is the exception: it samples in D sequential passes).",
		rule:      fmt.Sprintf("On each data set: F = median samples_per_sec over one-pass flow models (flow family except maf and the gaussian baseline; each model's mean over seeds), O = the same median over VAE, GAN and IAE models. Supported if F ≥ %g·O, not supported if F < %g·O, not measured if either group is empty. MAF models are shown with their ratio to O but not counted.", OnePassFactor, OnePassFactor),
		absent:    "no one-pass flow and one-pass decoder measured samples/s on the same data set",
		perSet:    flowOnePassSampling,
		figures:   func(ds *DataSet) []string { return []string{frontName(ds), costName(ds)} },
	},
	{
		id: "flow-training-cost", family: string(models.Flow),
		statement: "Normalizing flows are expensive to train.",
		rule:      "On each data set: F = median seconds_per_epoch over flow models (gaussian baseline left out; each model's mean over seeds), O = the same median over the models of every other family. Supported if F > O, not supported if F ≤ O, not measured if either group is empty. (An epoch is one pass over the same training split; batch sizes and parameter counts are shown, not corrected for.)",
		absent:    "no flow and no other family measured seconds per epoch on the same data set",
		perSet:    flowTrainingCost,
		figures:   func(ds *DataSet) []string { return []string{costName(ds)} },
	},
}

// flowExactLikelihood checks that every ok flow trial has an exact, finite
// test NLL.
func flowExactLikelihood(ds *DataSet) (Check, bool) {
	rows := okRows(ds, isFlow)
	if len(rows) == 0 {
		return Check{}, false
	}
	var bad, good []string
	for _, r := range rows {
		for _, rec := range r.OK {
			v, ok := rec.Metrics["test_nll"]
			switch {
			case rec.NLLKind != "exact":
				bad = append(bad, fmt.Sprintf("%s seed %d has nll_kind %s", r.Label, rec.Seed, rec.NLLKind))
			case !ok || !finite(v):
				bad = append(bad, fmt.Sprintf("%s seed %d has no finite test_nll", r.Label, rec.Seed))
			}
		}
		if s := r.Stat("test_nll"); s.Has() && r.Kind == "exact" {
			good = append(good, fmt.Sprintf("%s %s nats (exact)", r.Label, fmtSig(s.Mean, 4)))
		}
	}
	if len(bad) > 0 {
		return Check{Verdict: NotSupported, Evidence: strings.Join(bad, "; ")}, true
	}
	return Check{Verdict: Supported, Evidence: "every flow trial has an exact, finite test NLL: " + strings.Join(good, ", ")}, true
}

// flowOnePassSampling compares the one-pass flows' median samples/s with
// the one-pass decoders'; sequential flows are shown, not counted.
func flowOnePassSampling(ds *DataSet) (Check, bool) {
	flows, fv := withMetric(okRows(ds, isOnePassFlow), "samples_per_sec")
	decs, dv := withMetric(okRows(ds, isDecoder), "samples_per_sec")
	seqs, sv := withMetric(okRows(ds, isSequentialFlow), "samples_per_sec")
	if len(flows)+len(seqs) == 0 {
		return Check{}, false
	}
	if len(flows) == 0 || len(decs) == 0 {
		what := "no VAE, GAN or IAE model measured samples/s here"
		if len(flows) == 0 {
			what = "no one-pass flow measured samples/s here"
		}
		return Check{Verdict: NotMeasured, Evidence: what}, true
	}
	f, o := median(fv), median(dv)
	ev := fmt.Sprintf("F = %s (%s); O = %s (%s); F/O = %s", speed(f), listValues(flows, fv, speed), speed(o), listValues(decs, dv, speed), fmtRatio(f/o))
	for i, r := range seqs {
		ev += fmt.Sprintf("; %s (D = %d sequential passes) %s, %s of O", r.Label, ds.Dim, speed(sv[i]), fmtRatio(sv[i]/o))
	}
	return verdictOf(f >= OnePassFactor*o, ev), true
}

// flowTrainingCost compares the flows' median seconds per epoch with the
// other families'.
func flowTrainingCost(ds *DataSet) (Check, bool) {
	flows, fv := withMetric(okRows(ds, isFlow), "seconds_per_epoch")
	others, ov := withMetric(okRows(ds, func(r *Row) bool { return !r.inFamily(models.Flow) }), "seconds_per_epoch")
	if len(flows) == 0 {
		return Check{}, false
	}
	if len(others) == 0 {
		return Check{Verdict: NotMeasured, Evidence: "no model of another family measured seconds per epoch here"}, true
	}
	f, o := median(fv), median(ov)
	ev := fmt.Sprintf("F = %s/epoch (%s); O = %s/epoch (%s); F/O = %s", seconds(f), describeCost(flows, fv), seconds(o), describeCost(others, ov), fmtRatio(f/o))
	return verdictOf(f > o, ev), true
}
