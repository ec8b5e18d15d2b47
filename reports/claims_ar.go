package reports

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/genbench/genbench/models"
)

// The autoregressive family's claims: slow sampling, and a sampling cost
// that grows faster with the dimension than one-pass sampling.
var arClaims = []claimDef{
	{
		id: "ar-slow-sampling", family: string(models.Autoregressive),
		statement: "Autoregressive models sample slowly: one sample needs D sequential network passes.",
		rule:      fmt.Sprintf("On each data set: A = median samples_per_sec over autoregressive-family models (each model's mean over seeds), O = the same median over one-pass models (flows except maf and the gaussian baseline, VAE, GAN, IAE). Supported if A ≤ %g·O, not supported if A > %g·O, not measured if either group is empty.", SlowFactor, SlowFactor),
		absent:    "no autoregressive trial measured samples/s",
		perSet:    arSlowSampling,
		figures:   func(ds *DataSet) []string { return []string{frontName(ds), costName(ds)} },
	},
	{
		id: "ar-sampling-growth-with-dim", family: string(models.Autoregressive),
		statement:     "Autoregressive sampling cost grows faster with the dimension D than one-pass sampling.",
		rule:          "Across data sets: for each model type, b = the least-squares slope of ln(samples_per_sec) on ln D over the data sets where it was measured (each model's mean over seeds; needs two distinct D). a = mean b over autoregressive types, o = mean b over one-pass types (flows except maf and the gaussian baseline, VAE, GAN, IAE). Supported if a < o, not supported if a ≥ o, not measured if either group has no type measured at two distinct D.",
		global:        arSamplingGrowth,
		absent:        "no autoregressive model measured samples/s",
		globalFigures: []string{speedDimName},
	},
}

// arSlowSampling compares the autoregressive models' median samples/s
// with the one-pass models'.
func arSlowSampling(ds *DataSet) (Check, bool) {
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
	return verdictOf(a <= SlowFactor*o, ev), true
}

// arSamplingGrowth compares the mean log-log slope of samples/s against D
// of the autoregressive types with that of the one-pass types.
func arSamplingGrowth(sets []*DataSet) []Check {
	const scope = "across data sets"
	arSlopes, arText := typeSlopes(sets, isAR)
	opSlopes, opText := typeSlopes(sets, isOnePass)
	if len(arSlopes) == 0 && len(arText) == 0 {
		return nil
	}
	ev := fmt.Sprintf("autoregressive: %s; one-pass: %s", orNone(arText), orNone(opText))
	if len(arSlopes) == 0 || len(opSlopes) == 0 {
		return []Check{{Scope: scope, Verdict: NotMeasured, Evidence: ev}}
	}
	a, o := mean(arSlopes), mean(opSlopes)
	ch := verdictOf(a < o, fmt.Sprintf("a = %s, o = %s; %s", fmtSig(a, 3), fmtSig(o, 3), ev))
	ch.Scope = scope
	return []Check{ch}
}

// logPoint is one (ln D, ln samples/s) point of a model type.
type logPoint struct{ lnD, lnS float64 }

// typeSlopes fits, per model type among the selected rows, the slope of
// ln(samples/s) against ln D over data sets; types measured at fewer than
// two distinct D are described but get no slope.
func typeSlopes(sets []*DataSet, keep func(*Row) bool) ([]float64, string) {
	pts, dims := speedByType(sets, keep)
	var slopes []float64
	var parts []string
	for _, t := range sortedKeys(pts) {
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
		b := slope(pts[t])
		slopes = append(slopes, b)
		parts = append(parts, fmt.Sprintf("%s slope %s over D = %s", t, fmtSig(b, 3), strings.Join(dl, ", ")))
	}
	return slopes, strings.Join(parts, ", ")
}

// speedByType collects, per model type among the selected rows, the
// (ln D, ln samples/s) points and the distinct dimensions measured.
func speedByType(sets []*DataSet, keep func(*Row) bool) (map[string][]logPoint, map[string]map[int]bool) {
	pts := map[string][]logPoint{}
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
			pts[r.Type] = append(pts[r.Type], logPoint{math.Log(float64(ds.Dim)), math.Log(vals[i])})
			if dims[r.Type] == nil {
				dims[r.Type] = map[int]bool{}
			}
			dims[r.Type][ds.Dim] = true
		}
	}
	return pts, dims
}

// slope is the least-squares slope of lnS on lnD.
func slope(pts []logPoint) float64 {
	var mx, my float64
	for _, p := range pts {
		mx += p.lnD
		my += p.lnS
	}
	n := float64(len(pts))
	mx, my = mx/n, my/n
	var sxy, sxx float64
	for _, p := range pts {
		sxy += (p.lnD - mx) * (p.lnS - my)
		sxx += (p.lnD - mx) * (p.lnD - mx)
	}
	return sxy / sxx
}
