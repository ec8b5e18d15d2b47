package reports

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/genbench/genbench/results"
)

// Verdict is the outcome of checking a claim against measured numbers.
type Verdict string

// The verdicts.
const (
	Supported    Verdict = "supported"
	NotSupported Verdict = "not supported"
	NotMeasured  Verdict = "not measured in this run"
)

// Check is a claim's verdict on one data set (or on all of them, for
// claims across data sets), with the numbers behind it.
type Check struct {
	Scope    string // data set label, or "across data sets"
	Verdict  Verdict
	Evidence string
}

// Claim is a family's textbook claim, the deterministic rule that decides
// it, the overall verdict and the per-data-set checks.
type Claim struct {
	ID        string
	Family    string
	Statement string
	Rule      string
	Verdict   Verdict
	Checks    []Check
	// Figures names the figures (file names under figures/) that show the
	// evidence; only those the report actually drew are kept.
	Figures []string
}

// Thresholds of the verdict rules.
const (
	// OnePassFactor: flows sample "as fast as" one-pass decoders when their
	// median samples/s is at least this fraction of the decoders' median.
	OnePassFactor = 0.1
	// SlowFactor: autoregressive models sample "slowly" when their median
	// samples/s is at most this fraction of the one-pass models' median.
	SlowFactor = 0.5
	// ModeMargin: a model misses modes when its mean modes covered is at
	// least this many modes below the comparison.
	ModeMargin = 1.0
)

// How per-data-set checks combine into the overall verdict.
const (
	combineAll = "Overall: supported if supported on every data set where it was measured, not supported if not supported on any, not measured if measured nowhere."
	combineAny = "Overall: supported if supported on at least one data set, not supported if measured and supported on none, not measured if measured nowhere."
)

type claimDef struct {
	id, family, statement, rule string
	any                         bool
	perSet                      func(ds *DataSet) (Check, bool) // false: the claim's subject is absent
	global                      func(sets []*DataSet) []Check
	figures                     func(ds *DataSet) []string
	globalFigures               []string
	absent                      string // evidence when no data set has the subject
}

// Claims checks every family's textbook claim against the records and
// returns them in a fixed order. Records need not be sorted.
func Claims(recs []*results.Record) []Claim {
	sorted := append([]*results.Record(nil), recs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Trial < sorted[j].Trial })
	return claimsFor(group(sorted, nil))
}

func claimsFor(sets []*DataSet) []Claim {
	var out []Claim
	for _, def := range claimDefs {
		c := Claim{ID: def.id, Family: def.family, Statement: def.statement}
		c.Rule = def.rule + " " + combineAll
		if def.any {
			c.Rule = def.rule + " " + combineAny
		}
		if def.global != nil {
			c.Checks = def.global(sets)
			c.Figures = append(c.Figures, def.globalFigures...)
		}
		if def.perSet != nil {
			for _, ds := range sets {
				if ch, ok := def.perSet(ds); ok {
					ch.Scope = ds.Label
					c.Checks = append(c.Checks, ch)
					if def.figures != nil && ch.Verdict != NotMeasured {
						c.Figures = append(c.Figures, def.figures(ds)...)
					}
				}
			}
		}
		if len(c.Checks) == 0 {
			c.Checks = []Check{{Scope: "across data sets", Verdict: NotMeasured, Evidence: def.absent}}
		}
		c.Verdict = combine(c.Checks, def.any)
		out = append(out, c)
	}
	return out
}

func combine(checks []Check, any bool) Verdict {
	var sup, not int
	for _, c := range checks {
		switch c.Verdict {
		case Supported:
			sup++
		case NotSupported:
			not++
		}
	}
	switch {
	case any && sup > 0:
		return Supported
	case any && not > 0:
		return NotSupported
	case !any && not > 0:
		return NotSupported
	case !any && sup > 0:
		return Supported
	}
	return NotMeasured
}

// Row selections.

func okRows(ds *DataSet, keep func(*Row) bool) []*Row {
	var out []*Row
	for _, r := range ds.Rows {
		if len(r.OK) > 0 && keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func isFlow(r *Row) bool        { return r.Family == "flow" && !r.baseline() }
func isOnePassFlow(r *Row) bool { return isFlow(r) && !r.sequentialSampler() }
func isDecoder(r *Row) bool     { return r.Family == "vae" || r.Family == "gan" || r.Family == "iae" }
func isOnePass(r *Row) bool     { return isOnePassFlow(r) || isDecoder(r) }
func isAR(r *Row) bool          { return r.Family == "autoregressive" }

// withMetric keeps the rows having the metric and returns their means.
func withMetric(rows []*Row, key string) ([]*Row, []float64) {
	var rs []*Row
	var vs []float64
	for _, r := range rows {
		if s := r.Stat(key); s.Has() {
			rs = append(rs, r)
			vs = append(vs, s.Mean)
		}
	}
	return rs, vs
}

func listValues(rows []*Row, vals []float64, f func(float64) string) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = r.Label + " " + f(vals[i])
	}
	return strings.Join(parts, ", ")
}

func speed(v float64) string   { return fmtSig(v, 3) + "/s" }
func seconds(v float64) string { return fmtSig(v, 3) + " s" }

var claimDefs = []claimDef{
	{
		id: "flow-exact-likelihood", family: "flow",
		statement: "Normalizing flows give an exact likelihood.",
		rule:      "On each data set with ok flow trials (the closed-form gaussian baseline left out): supported if every such trial records nll_kind = exact and a finite test_nll, not supported otherwise.",
		absent:    "no flow trial (other than the gaussian baseline) finished ok",
		perSet: func(ds *DataSet) (Check, bool) {
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
		},
		figures: func(ds *DataSet) []string { return []string{"front-" + ds.Slug + ".png"} },
	},
	{
		id: "flow-one-pass-sampling", family: "flow",
		statement: "Normalizing flows sample in one network pass, as fast as the one-pass decoders of VAEs, GANs and invertible autoencoders (MAF is the exception: it samples in D sequential passes).",
		rule:      fmt.Sprintf("On each data set: F = median samples_per_sec over one-pass flow models (flow family except maf and the gaussian baseline; each model's mean over seeds), O = the same median over VAE, GAN and IAE models. Supported if F ≥ %g·O, not supported if F < %g·O, not measured if either group is empty. MAF models are shown with their ratio to O but not counted.", OnePassFactor, OnePassFactor),
		absent:    "no one-pass flow and one-pass decoder measured samples/s on the same data set",
		perSet: func(ds *DataSet) (Check, bool) {
			flows, fv := withMetric(okRows(ds, isOnePassFlow), "samples_per_sec")
			decs, dv := withMetric(okRows(ds, isDecoder), "samples_per_sec")
			mafs, mv := withMetric(okRows(ds, func(r *Row) bool { return isFlow(r) && r.sequentialSampler() }), "samples_per_sec")
			if len(flows)+len(mafs) == 0 {
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
			for i, r := range mafs {
				ev += fmt.Sprintf("; %s (D = %d sequential passes) %s, %s of O", r.Label, ds.Dim, speed(mv[i]), fmtRatio(mv[i]/o))
			}
			if f >= OnePassFactor*o {
				return Check{Verdict: Supported, Evidence: ev}, true
			}
			return Check{Verdict: NotSupported, Evidence: ev}, true
		},
		figures: func(ds *DataSet) []string { return []string{"front-" + ds.Slug + ".png", "cost-" + ds.Slug + ".png"} },
	},
	{
		id: "flow-training-cost", family: "flow",
		statement: "Normalizing flows are expensive to train.",
		rule:      "On each data set: F = median seconds_per_epoch over flow models (gaussian baseline left out; each model's mean over seeds), O = the same median over the models of every other family. Supported if F > O, not supported if F ≤ O, not measured if either group is empty. (An epoch is one pass over the same training split; batch sizes and parameter counts are shown, not corrected for.)",
		absent:    "no flow and no other family measured seconds per epoch on the same data set",
		perSet: func(ds *DataSet) (Check, bool) {
			flows, fv := withMetric(okRows(ds, isFlow), "seconds_per_epoch")
			others, ov := withMetric(okRows(ds, func(r *Row) bool { return r.Family != "flow" }), "seconds_per_epoch")
			if len(flows) == 0 {
				return Check{}, false
			}
			if len(others) == 0 {
				return Check{Verdict: NotMeasured, Evidence: "no model of another family measured seconds per epoch here"}, true
			}
			f, o := median(fv), median(ov)
			ev := fmt.Sprintf("F = %s/epoch (%s); O = %s/epoch (%s); F/O = %s", seconds(f), describeCost(flows, fv), seconds(o), describeCost(others, ov), fmtRatio(f/o))
			if f > o {
				return Check{Verdict: Supported, Evidence: ev}, true
			}
			return Check{Verdict: NotSupported, Evidence: ev}, true
		},
		figures: func(ds *DataSet) []string { return []string{"cost-" + ds.Slug + ".png"} },
	},
	{
		id: "vae-posterior-collapse", family: "vae",
		statement: "VAEs suffer posterior collapse: some latent units stay inactive and carry no KL.",
		rule:      fmt.Sprintf("For each VAE-family model with active_units and a known latent size L (metric latent_dim, else the number of kl_dim_<u> metrics, else the model parameter latent): inactive = L − mean active_units over seeds (a unit is active if Cov_x E_q[u] > 0.01, Burda et al.). On a data set: supported if some VAE has inactive ≥ %g, not supported if every VAE has inactive < %g, not measured if no VAE has both numbers. Latent dimensions with KL < 0.01 nats are counted as evidence, not used.", ModeMargin, ModeMargin),
		any:       true,
		absent:    "no VAE trial finished ok",
		perSet: func(ds *DataSet) (Check, bool) {
			rows := okRows(ds, func(r *Row) bool { return r.Family == "vae" })
			if len(rows) == 0 {
				return Check{}, false
			}
			var parts []string
			measured, collapsed := 0, 0
			for _, r := range rows {
				au := r.Stat("active_units")
				L := r.latentSize()
				if !au.Has() || L == 0 {
					parts = append(parts, r.Label+": active_units or latent size not recorded")
					continue
				}
				measured++
				inactive := float64(L) - au.Mean
				if inactive >= ModeMargin {
					collapsed++
				}
				p := fmt.Sprintf("%s: %s of %d units active (%s inactive)", r.Label, fmtCount(au.Mean), L, fmtCount(inactive))
				if kl := r.klPerDim(); len(kl) > 0 {
					low := 0
					for _, v := range kl {
						if v < 0.01 {
							low++
						}
					}
					p += fmt.Sprintf(", %d of %d dimensions with KL < 0.01 nats", low, len(kl))
				}
				if kt := r.Stat("kl_total"); kt.Has() {
					p += fmt.Sprintf(", total KL %s nats", fmtSig(kt.Mean, 3))
				}
				parts = append(parts, p)
			}
			ev := strings.Join(parts, "; ")
			switch {
			case measured == 0:
				return Check{Verdict: NotMeasured, Evidence: ev}, true
			case collapsed > 0:
				return Check{Verdict: Supported, Evidence: ev}, true
			}
			return Check{Verdict: NotSupported, Evidence: ev}, true
		},
		figures: func(ds *DataSet) []string {
			var names []string
			for _, r := range okRows(ds, func(r *Row) bool { return r.Family == "vae" }) {
				names = append(names, "kl-"+ds.Slug+"-"+slugify(r.Label)+".png")
			}
			return names
		},
	},
	{
		id: "ar-slow-sampling", family: "autoregressive",
		statement: "Autoregressive models sample slowly: one sample needs D sequential network passes.",
		rule:      fmt.Sprintf("On each data set: A = median samples_per_sec over autoregressive-family models (each model's mean over seeds), O = the same median over one-pass models (flows except maf and the gaussian baseline, VAE, GAN, IAE). Supported if A ≤ %g·O, not supported if A > %g·O, not measured if either group is empty.", SlowFactor, SlowFactor),
		absent:    "no autoregressive trial measured samples/s",
		perSet: func(ds *DataSet) (Check, bool) {
			ars, av := withMetric(okRows(ds, isAR), "samples_per_sec")
			if len(ars) == 0 {
				return Check{}, false
			}
			ones, ov := withMetric(okRows(ds, isOnePass), "samples_per_sec")
			if len(ones) == 0 {
				return Check{Verdict: NotMeasured, Evidence: "no one-pass model measured samples/s here"}, true
			}
			a, o := median(av), median(ov)
			ev := fmt.Sprintf("D = %d; A = %s (%s); O = %s (%s); A/O = %s", ds.Dim, speed(a), listValues(ars, av, speed), speed(o), listValues(ones, ov, speed), fmtRatio(a/o))
			if a <= SlowFactor*o {
				return Check{Verdict: Supported, Evidence: ev}, true
			}
			return Check{Verdict: NotSupported, Evidence: ev}, true
		},
		figures: func(ds *DataSet) []string { return []string{"front-" + ds.Slug + ".png", "cost-" + ds.Slug + ".png"} },
	},
	{
		id: "ar-sampling-growth-with-dim", family: "autoregressive",
		statement: "Autoregressive sampling cost grows faster with the dimension D than one-pass sampling.",
		rule:      "Across data sets: for each model type, b = the least-squares slope of ln(samples_per_sec) on ln D over the data sets where it was measured (each model's mean over seeds; needs two distinct D). a = mean b over autoregressive types, o = mean b over one-pass types (flows except maf and the gaussian baseline, VAE, GAN, IAE). Supported if a < o, not supported if a ≥ o, not measured if either group has no type measured at two distinct D.",
		global: func(sets []*DataSet) []Check {
			arSlopes, arText := typeSlopes(sets, isAR)
			opSlopes, opText := typeSlopes(sets, isOnePass)
			if len(arSlopes) == 0 && len(arText) == 0 {
				return nil
			}
			ev := fmt.Sprintf("autoregressive: %s; one-pass: %s", orNone(arText), orNone(opText))
			if len(arSlopes) == 0 || len(opSlopes) == 0 {
				return []Check{{Scope: "across data sets", Verdict: NotMeasured, Evidence: ev}}
			}
			a, o := mean(arSlopes), mean(opSlopes)
			ev = fmt.Sprintf("a = %s, o = %s; %s", fmtSig(a, 3), fmtSig(o, 3), ev)
			if a < o {
				return []Check{{Scope: "across data sets", Verdict: Supported, Evidence: ev}}
			}
			return []Check{{Scope: "across data sets", Verdict: NotSupported, Evidence: ev}}
		},
		absent:        "no autoregressive model measured samples/s",
		globalFigures: []string{"speed-vs-dim.png"},
	},
	{
		id: "gan-mode-collapse", family: "gan",
		statement: "GANs suffer mode collapse: they cover fewer modes than likelihood-trained models.",
		rule:      fmt.Sprintf("On each data set with modes_covered (mixtures) or else classes_covered (digits labelled by the classifier; stacked MNIST's 1000 triples): R = the largest mean count over non-GAN models (the total when no non-GAN model was measured on that data set). A GAN model collapses if its mean count over seeds ≤ R − %g. Supported if some GAN collapses, not supported if none does, not measured without a GAN measured on modes or classes. high_quality_frac is shown, not used.", ModeMargin),
		any:       true,
		absent:    "no GAN trial measured mode or class coverage",
		perSet: func(ds *DataSet) (Check, bool) {
			isGAN := func(r *Row) bool { return r.Family == "gan" }
			if len(okRows(ds, isGAN)) == 0 {
				return Check{}, false
			}
			key, totalKey, unit := "modes_covered", "modes_total", "modes"
			gans, gv := withMetric(okRows(ds, isGAN), key)
			if len(gans) == 0 {
				key, totalKey, unit = "classes_covered", "classes_total", "classes"
				gans, gv = withMetric(okRows(ds, isGAN), key)
			}
			if len(gans) == 0 {
				return Check{Verdict: NotMeasured, Evidence: "the GANs here have neither modes_covered nor classes_covered (no coverage protocol for this data set)"}, true
			}
			others, ov := withMetric(okRows(ds, func(r *Row) bool { return !isGAN(r) }), key)
			var R float64
			refText := ""
			if len(others) > 0 {
				R = maxOf(ov)
				refText = fmt.Sprintf("R = %s (best non-GAN: %s)", fmtCount(R), listModes(others, ov))
			} else {
				R = gans[0].Stat(totalKey).Mean
				refText = fmt.Sprintf("R = %s = %s (no non-GAN model measured)", totalKey, fmtCount(R))
			}
			collapsed := 0
			var parts []string
			for i, g := range gans {
				p := fmt.Sprintf("%s %s %s", g.Label, fmtCount(gv[i]), unit)
				if hq := g.Stat("high_quality_frac"); hq.Has() {
					p += ", " + fmtPct(hq.Mean) + " high quality"
				}
				if gv[i] <= R-ModeMargin {
					collapsed++
					p += " (collapsed)"
				}
				parts = append(parts, p)
			}
			ev := refText + "; " + strings.Join(parts, "; ")
			if collapsed > 0 {
				return Check{Verdict: Supported, Evidence: ev}, true
			}
			return Check{Verdict: NotSupported, Evidence: ev}, true
		},
		figures: func(ds *DataSet) []string { return []string{"modes-" + ds.Slug + ".png"} },
	},
	{
		id: "iae-multimodal-trouble", family: "iae",
		statement: "Invertible autoencoders have trouble with multi-modal data.",
		rule:      fmt.Sprintf("On each mixture data set (modes_total ≥ 2): C = flow models (gaussian baseline left out), or all non-IAE models when no flow was measured. An IAE model is in trouble if its mean modes_covered ≤ (largest mean modes_covered in C) − %g, or its mean nll_gap exceeds the largest mean nll_gap among C models of the same NLL kind. Supported if some IAE is in trouble, not supported if none is and at least one comparison was possible, not measured otherwise.", ModeMargin),
		any:       true,
		absent:    "no IAE trial finished ok on a mixture data set",
		perSet: func(ds *DataSet) (Check, bool) {
			iaes := okRows(ds, func(r *Row) bool { return r.Family == "iae" })
			if len(iaes) == 0 || !isMixture(ds) {
				return Check{}, false
			}
			comp := okRows(ds, isFlow)
			compName := "flows"
			if c, _ := withMetric(comp, "modes_covered"); len(c) == 0 {
				if c, _ := withMetric(comp, "nll_gap"); len(c) == 0 {
					comp = okRows(ds, func(r *Row) bool { return r.Family != "iae" })
					compName = "non-IAE models"
				}
			}
			compared, trouble := 0, 0
			var parts []string
			cm, cmv := withMetric(comp, "modes_covered")
			for _, r := range iaes {
				var why []string
				m := r.Stat("modes_covered")
				if m.Has() && len(cm) > 0 {
					compared++
					best := maxOf(cmv)
					p := fmt.Sprintf("%s %s modes vs best of %s %s", r.Label, fmtCount(m.Mean), compName, fmtCount(best))
					if m.Mean <= best-ModeMargin {
						why = append(why, "misses modes")
					}
					parts = append(parts, p)
				}
				g := r.Stat("nll_gap")
				var sameKind []*Row
				for _, c := range comp {
					if c.Kind == r.Kind {
						sameKind = append(sameKind, c)
					}
				}
				cg, cgv := withMetric(sameKind, "nll_gap")
				if g.Has() && len(cg) > 0 {
					compared++
					worst := maxOf(cgv)
					parts = append(parts, fmt.Sprintf("%s NLL gap %s nats vs largest of %s (%s) %s", r.Label, fmtSig(g.Mean, 3), compName, r.Kind, fmtSig(worst, 3)))
					if g.Mean > worst {
						why = append(why, "larger NLL gap")
					}
				}
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
		},
		figures: func(ds *DataSet) []string {
			names := []string{"modes-" + ds.Slug + ".png"}
			for _, r := range okRows(ds, func(r *Row) bool { return r.Family == "iae" }) {
				names = append(names, "samples-"+ds.Slug+"-"+slugify(r.Label)+".png")
			}
			return names
		},
	},
}

func isMixture(ds *DataSet) bool {
	for _, r := range ds.Rows {
		if s := r.Stat("modes_total"); s.Has() && s.Max >= 2 {
			return true
		}
	}
	return false
}

func describeCost(rows []*Row, vals []float64) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		p := r.Label + " " + seconds(vals[i])
		if s := r.Stat("params"); s.Has() {
			p += ", " + fmtInt(s.Mean) + " params"
		}
		if r.spec.train != nil {
			p += fmt.Sprintf(", batch %d", r.spec.train.BatchSize)
		}
		parts[i] = p
	}
	return strings.Join(parts, "; ")
}

func listModes(rows []*Row, vals []float64) string {
	best := maxOf(vals)
	var names []string
	for i, r := range rows {
		if vals[i] == best {
			names = append(names, r.Label)
		}
	}
	return strings.Join(names, ", ")
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// typeSlopes fits, per model type among the selected rows, the slope of
// ln(samples/s) against ln D over data sets; types measured at fewer than
// two distinct D are described but get no slope.
func typeSlopes(sets []*DataSet, keep func(*Row) bool) ([]float64, string) {
	type pt struct{ lnD, lnS float64 }
	pts := map[string][]pt{}
	dims := map[string]map[int]bool{}
	for _, ds := range sets {
		if ds.Dim <= 0 {
			continue
		}
		rows, vals := withMetric(okRows(ds, keep), "samples_per_sec")
		for i, r := range rows {
			if vals[i] <= 0 {
				continue
			}
			pts[r.Type] = append(pts[r.Type], pt{math.Log(float64(ds.Dim)), math.Log(vals[i])})
			if dims[r.Type] == nil {
				dims[r.Type] = map[int]bool{}
			}
			dims[r.Type][ds.Dim] = true
		}
	}
	types := make([]string, 0, len(pts))
	for t := range pts {
		types = append(types, t)
	}
	sort.Strings(types)
	var slopes []float64
	var parts []string
	for _, t := range types {
		ds := make([]int, 0, len(dims[t]))
		for d := range dims[t] {
			ds = append(ds, d)
		}
		sort.Ints(ds)
		dl := make([]string, len(ds))
		for i, d := range ds {
			dl[i] = fmt.Sprint(d)
		}
		if len(ds) < 2 {
			parts = append(parts, fmt.Sprintf("%s only at D = %s", t, strings.Join(dl, ", ")))
			continue
		}
		var mx, my float64
		for _, p := range pts[t] {
			mx += p.lnD
			my += p.lnS
		}
		n := float64(len(pts[t]))
		mx, my = mx/n, my/n
		var sxy, sxx float64
		for _, p := range pts[t] {
			sxy += (p.lnD - mx) * (p.lnS - my)
			sxx += (p.lnD - mx) * (p.lnD - mx)
		}
		b := sxy / sxx
		slopes = append(slopes, b)
		parts = append(parts, fmt.Sprintf("%s slope %s over D = %s", t, fmtSig(b, 3), strings.Join(dl, ", ")))
	}
	return slopes, strings.Join(parts, ", ")
}
