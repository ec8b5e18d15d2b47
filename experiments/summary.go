package experiments

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/genbench/genbench/internal/texttable"
	"math"
	"sort"
	"strings"

	"github.com/genbench/genbench/compare"
	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/results"
)

// IsTimingMetric reports whether a metric measures time (and so differs
// between runs of the same trial), as its declaration says.
func IsTimingMetric(name string) bool {
	k, _, ok := metrics.KeyOf(name)
	return ok && k.Timing
}

// MetricSummary aggregates one metric over the seeds of a configuration
// (metrics.Aggregate): mean, unbiased std and Student-t 95% confidence
// interval over the N finite values; NonFinite counts the others. NaN
// fields (N = 0) are written as null in JSON.
type MetricSummary struct {
	Mean, Std, CI95Lo, CI95Hi float64
	N, NonFinite              int
	// ExampleSE is, with one seed (where Std and the interval are NaN),
	// the per-example standard error of the metric (its _stderr
	// companion); NaN when it has none. See singleSeed.
	ExampleSE float64
	// Variance splits the spread into training seed, evaluation seed and
	// test examples, where measured (nil for helper metrics).
	Variance *compare.Sources
}

// MarshalJSON writes NaN as null.
func (m MetricSummary) MarshalJSON() ([]byte, error) {
	f := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	return json.Marshal(struct {
		Mean      *float64         `json:"mean"`
		Std       *float64         `json:"std"`
		CI95Lo    *float64         `json:"ci95_lo"`
		CI95Hi    *float64         `json:"ci95_hi"`
		N         int              `json:"n"`
		NonFinite int              `json:"nonfinite"`
		ExampleSE *float64         `json:"example_se,omitempty"`
		Variance  *compare.Sources `json:"variance,omitempty"`
	}{f(m.Mean), f(m.Std), f(m.CI95Lo), f(m.CI95Hi), m.N, m.NonFinite, m.exampleSE(), m.Variance})
}

// SummaryGroup is one configuration (data set, model, sweep point: the
// trial without its seed) aggregated over its seeds. Only trials with
// status ok enter the metrics.
type SummaryGroup struct {
	Dataset  string                   `json:"dataset"`
	Model    string                   `json:"model"`
	Sweep    results.SweepPoint       `json:"sweep,omitempty"`
	Config   string                   `json:"config"` // 12 hex of the hash of the trial without its seed
	Seeds    []uint64                 `json:"seeds"`
	Trials   int                      `json:"trials"`
	OK       int                      `json:"ok"`
	Diverged int                      `json:"diverged"`
	Failed   int                      `json:"failed"`
	Metrics  map[string]MetricSummary `json:"metrics"`
}

// configKey identifies a record's configuration without its seed: the
// hash of its resolved trial (results.Provenance.Spec) less the seed, or its
// names and sweep point when the record has no resolved trial.
func configKey(r *results.Record) string {
	var v map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.Provenance.Spec))
	dec.UseNumber()
	if len(r.Provenance.Spec) > 0 && dec.Decode(&v) == nil {
		delete(v, "seed")
		if b, err := results.CanonicalJSON(v); err == nil {
			sum := sha256.Sum256(b)
			return hex.EncodeToString(sum[:])[:12]
		}
	}
	sum := sha256.Sum256([]byte(r.Dataset + "\x00" + r.Model + "\x00" + r.Sweep.String()))
	return hex.EncodeToString(sum[:])[:12]
}

// Summarize groups records by configuration and aggregates every metric
// over seeds with metrics.Aggregate. Groups are sorted by data set, model
// and sweep point.
func Summarize(recs []*results.Record) []SummaryGroup {
	byKey := map[string]*SummaryGroup{}
	values := map[string]map[string][]float64{}
	oks := map[string][]*results.Record{}
	var order []string
	for _, r := range recs {
		key := configKey(r)
		g, ok := byKey[key]
		if !ok {
			g = &SummaryGroup{Dataset: r.Dataset, Model: r.Model, Sweep: r.Sweep, Config: key, Metrics: map[string]MetricSummary{}}
			byKey[key] = g
			values[key] = map[string][]float64{}
			order = append(order, key)
		}
		g.Trials++
		g.Seeds = append(g.Seeds, r.Seed)
		switch r.Status {
		case results.StatusOK:
			g.OK++
		case results.StatusDiverged:
			g.Diverged++
			continue
		default:
			g.Failed++
			continue
		}
		oks[key] = append(oks[key], r)
		for name, v := range r.Metrics {
			values[key][name] = append(values[key][name], v)
		}
		for _, name := range r.NonFinite {
			values[key][name] = append(values[key][name], math.NaN())
		}
	}
	out := make([]SummaryGroup, 0, len(order))
	for _, key := range order {
		g := byKey[key]
		sort.Slice(g.Seeds, func(i, j int) bool { return g.Seeds[i] < g.Seeds[j] })
		for name, vs := range values[key] {
			a := metrics.Aggregate(vs)
			g.Metrics[name] = MetricSummary{Mean: a.Mean, Std: a.Std, CI95Lo: a.CI95Lo, CI95Hi: a.CI95Hi, N: a.N, NonFinite: a.NonFinite}
		}
		singleSeed(g.Metrics)
		splitVariance(g.Metrics, oks[key])
		out = append(out, *g)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Dataset != b.Dataset {
			return a.Dataset < b.Dataset
		}
		if a.Model != b.Model {
			return a.Model < b.Model
		}
		return a.Sweep.String() < b.Sweep.String()
	})
	return out
}

// helperMetric reports metrics that only qualify another one (its
// standard error, count, non-finite count), as declared; keys no metric
// declares are judged by their suffix.
func helperMetric(name string) bool {
	if k, _, ok := metrics.KeyOf(name); ok && k.Name == name {
		return k.Qualifies != ""
	}
	return strings.HasSuffix(name, "_stderr") || strings.HasSuffix(name, "_n") || strings.HasSuffix(name, "_nonfinite")
}

// SummaryTable formats groups as a text table, one row per group and
// metric. only, when not empty, lists the metrics to show; otherwise
// helper metrics (*_stderr, *_n, *_nonfinite) are left out unless all.
func SummaryTable(groups []SummaryGroup, only []string, all bool) string {
	sweeps := false
	for _, g := range groups {
		sweeps = sweeps || len(g.Sweep) > 0
	}
	var rows [][]string
	head := []string{"DATASET", "MODEL"}
	if sweeps {
		head = append(head, "SWEEP")
	}
	head = append(head, "TRIALS", "METRIC", "N", "MEAN", "STD", "95% CI", "TRAIN-SEED SD", "EVAL-SEED SD", "EXAMPLE SE")
	rows = append(rows, head)
	single := false // a row with one seed, whose CI cell holds the per-example s.e.
	num := func(v float64) string {
		if math.IsNaN(v) {
			return "-"
		}
		return fmt.Sprintf("%.6g", v)
	}
	for _, g := range groups {
		var names []string
		for name := range g.Metrics {
			if len(only) > 0 {
				if !contains(only, name) {
					continue
				}
			} else if !all && helperMetric(name) {
				continue
			}
			names = append(names, name)
		}
		sort.Strings(names)
		trials := fmt.Sprintf("%d ok", g.OK)
		if g.Diverged > 0 {
			trials += fmt.Sprintf(", %d diverged", g.Diverged)
		}
		if g.Failed > 0 {
			trials += fmt.Sprintf(", %d failed", g.Failed)
		}
		lead := []string{g.Dataset, g.Model}
		if sweeps {
			lead = append(lead, g.Sweep.String())
		}
		if len(names) == 0 {
			rows = append(rows, append(append([]string(nil), lead...), trials, "-", "", "", "", "", "", "", ""))
		}
		for _, name := range names {
			a := g.Metrics[name]
			n := fmt.Sprint(a.N)
			if a.NonFinite > 0 {
				n += fmt.Sprintf(" (+%d non-finite)", a.NonFinite)
			}
			ci := "-"
			if !math.IsNaN(a.CI95Lo) {
				ci = fmt.Sprintf("[%s, %s]", num(a.CI95Lo), num(a.CI95Hi))
			}
			if a.N == 1 {
				ci, single = oneSeedCell(a), true
			}
			rows = append(rows, append(append(append([]string(nil), lead...), trials, name, n, num(a.Mean), num(a.Std), ci), varianceCells(a.Variance)...))
		}
	}
	if single {
		return formatTable(rows) + oneSeedNote + varianceNote
	}
	return formatTable(rows) + varianceNote
}

// formatTable aligns columns with two spaces between them.
func formatTable(rows [][]string) string { return texttable.Format(rows) }
