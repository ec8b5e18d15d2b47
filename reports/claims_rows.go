package reports

import (
	"fmt"
	"math"
	"strings"

	"github.com/genbench/genbench/models"
)

// Row selections and numeric helpers shared by the claims. Families are
// compared through the models.Family constants, and "sequential" and
// "baseline" come from the records' model facts (factsOf), never from a
// type name.

// inFamily reports whether the row's model belongs to family f.
func (r *Row) inFamily(f models.Family) bool { return r.Family == string(f) }

// okRows keeps the rows of ds with at least one ok trial that keep accepts.
func okRows(ds *DataSet, keep func(*Row) bool) []*Row {
	var out []*Row
	for _, r := range ds.Rows {
		if len(r.OK) > 0 && keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// isFlow: a flow other than a closed-form baseline.
func isFlow(r *Row) bool { return r.inFamily(models.Flow) && !r.baseline() }

// isOnePassFlow: a flow sampling in one network pass.
func isOnePassFlow(r *Row) bool { return isFlow(r) && !r.sequentialSampler() }

// isSequentialFlow: a flow sampling with one pass per dimension (MAF).
func isSequentialFlow(r *Row) bool { return isFlow(r) && r.sequentialSampler() }

// isDecoder: a model sampling through a one-pass decoder (VAE, GAN, IAE).
func isDecoder(r *Row) bool {
	return r.inFamily(models.VAE) || r.inFamily(models.GAN) || r.inFamily(models.IAE)
}

// isOnePass: a one-pass flow or a decoder.
func isOnePass(r *Row) bool { return isOnePassFlow(r) || isDecoder(r) }

func isAR(r *Row) bool  { return r.inFamily(models.Autoregressive) }
func isVAE(r *Row) bool { return r.inFamily(models.VAE) }
func isGAN(r *Row) bool { return r.inFamily(models.GAN) }
func isIAE(r *Row) bool { return r.inFamily(models.IAE) }

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

// isMixture reports whether ds has at least two modes (modes_total).
func isMixture(ds *DataSet) bool {
	for _, r := range ds.Rows {
		if s := r.Stat("modes_total"); s.Has() && s.Max >= 2 {
			return true
		}
	}
	return false
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

// describeCost lists each row's seconds per epoch with its parameter count
// and batch size, which the cost comparison shows but does not correct for.
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

// listModes names the rows holding the largest value.
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
