package compare

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/genbench/genbench/internal/jsonnum"
	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/results"
	"github.com/genbench/genbench/stats"
)

// SampleKeys are the record keys of the metrics computed from generated
// samples, as the metric registry declares them (metrics.Sampled and
// metrics.NeedsSamples), leaving out the keys that qualify another, floors,
// timings, stable counts and directionless settings without a report
// column. They have no per-example values, so
// `genbench compare` gives each model a bootstrap interval over seeds
// instead of a paired test.
func SampleKeys() []string {
	var keys []string
	for _, m := range metrics.All() {
		if m.Stochastic != metrics.Sampled || m.Needs&metrics.NeedsSamples == 0 {
			continue
		}
		for _, k := range m.Keys {
			shown := k.Better != metrics.Neither || k.Column != nil // a fitted setting (parzen_sigma) is neither
			if shown && k.Qualifies == "" && k.FloorOf == "" && !k.Timing && !k.Stable && !strings.HasSuffix(k.Name, "*") {
				keys = append(keys, k.Name)
			}
		}
	}
	return keys
}

// Options tune Compare.
type Options struct {
	Alpha float64 // significance level after Holm, default 0.05
	// Only, when it names two models (or model[sweep] labels), keeps the
	// pairs of those two. Holm's correction still runs over every pair of
	// the data set, so the p-values are those of the full table.
	Only []string
	Seed uint64 // seed of the bootstrap and Monte Carlo tests, default 1
	// PairsOnly skips the sample-based intervals (a caller that shows only
	// the paired NLL comparisons).
	PairsOnly bool
}

// PairResult is the paired comparison of two configurations (a model at a
// sweep point) on one data set and NLL kind: a − b of test NLL, so a
// negative difference favours a.
type PairResult struct {
	Dataset    string        `json:"dataset"`
	DataKey    string        `json:"data_key"` // 12 hex: the data set entry with its parameters
	Kind       string        `json:"nll_kind"`
	Metric     string        `json:"metric"`
	A          string        `json:"a"`
	B          string        `json:"b"`
	Seeds      []uint64      `json:"seeds"`
	PerExample bool          `json:"per_example"` // paired on the sidecars' per-example values
	Test       string        `json:"test"`
	Difference jsonnum.Float `json:"difference"`
	CILow      jsonnum.Float `json:"ci_low"`
	CIHigh     jsonnum.Float `json:"ci_high"`
	PValue     jsonnum.Float `json:"p_value"`
	PHolm      jsonnum.Float `json:"p_holm"`
	Family     int           `json:"holm_family"` // pairs of the data set Holm corrected over
	// Significant: PHolm ≤ α.
	Significant bool             `json:"significant"`
	EffectSize  jsonnum.Float    `json:"effect_size"`
	EffectName  string           `json:"effect_name"`
	Verdict     string           `json:"verdict"`
	Note        string           `json:"note,omitempty"`
	Detail      stats.Comparison `json:"detail"`
}

// SampleInterval is a sample-based metric of one configuration over its
// seeds with a bootstrap interval.
type SampleInterval struct {
	Dataset  string         `json:"dataset"`
	DataKey  string         `json:"data_key"`
	Config   string         `json:"config"`
	Metric   string         `json:"metric"`
	Interval stats.Interval `json:"interval"`
}

// Comparisons is what `genbench compare` reports.
type Comparisons struct {
	Alpha     float64          `json:"alpha"`
	Method    string           `json:"method"`
	Pairs     []PairResult     `json:"pairs"`
	Intervals []SampleInterval `json:"sample_metrics"`
	Notes     []string         `json:"notes,omitempty"`
}

// Config is one configuration (a model at a sweep point) on one data set
// and NLL kind: its ok trials by training seed. [Group] builds them from
// records; a caller with its own grouping (the report's rows) builds them
// itself.
type Config struct {
	Label   string // names the configuration in pairs and notes
	Dataset string // the data set's name
	// DataKey identifies the data set entry with its parameters: only
	// configurations with equal keys are compared, and Holm's correction
	// runs over the pairs of one key.
	DataKey string
	Kind    string // NLL kind; "none" is never compared
	BySeed  map[uint64]*results.Record
}

// dataKeyOf identifies a record's data set entry with its parameters (two
// MNIST entries with different preprocessing differ), without the seed.
func dataKeyOf(r *results.Record) string {
	var v struct {
		Dataset json.RawMessage `json:"dataset"`
	}
	if json.Unmarshal(r.Provenance.Spec, &v) == nil && len(v.Dataset) > 0 {
		var buf bytes.Buffer
		if json.Compact(&buf, v.Dataset) == nil {
			return results.HashBytes(buf.Bytes())[:12]
		}
	}
	return results.HashBytes([]byte(r.Dataset))[:12]
}

// Method states the tests that [Configs] runs, for the notes of a table.
const Method = "paired a − b of test NLL; with per-example values the random-effects combination of per-seed paired differences " +
	"(DerSimonian & Laird 1986, Hartung & Knapp 2001), else the exact sign-flip test on per-seed differences; " +
	"Holm (1979) across all pairs of a data set; sample-based metrics: BCa bootstrap over seeds (Efron 1987)"

// Records runs [Configs] on the configurations of recs as [Group] forms
// them: what `genbench compare` prints.
func Records(dir string, recs []*results.Record, opt Options) (*Comparisons, error) {
	return Configs(dir, Group(recs), opt)
}

// Configs runs the paired comparisons of every pair of configurations on
// each data set and NLL kind (stats.Compare: per-example differences from
// the sidecars in dir when both sides have them for every common seed,
// per-seed test NLLs otherwise), applies Holm's correction across the
// pairs of each data set, and gives every configuration's sample-based
// metrics a bootstrap interval over seeds. Pairs come in the order of
// configs (a before b); a pair that cannot be compared is a note.
func Configs(dir string, configs []*Config, opt Options) (*Comparisons, error) {
	if opt.Alpha == 0 {
		opt.Alpha = 0.05
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	so := stats.Options{Alpha: opt.Alpha, Seed: opt.Seed}
	out := &Comparisons{Alpha: opt.Alpha, Pairs: []PairResult{}, Intervals: []SampleInterval{}, Method: Method}
	cache := map[string][]float64{}
	for i, a := range configs {
		for _, b := range configs[i+1:] {
			if a.DataKey != b.DataKey || a.Kind != b.Kind || a.Kind == "none" {
				continue
			}
			p, err := comparePair(dir, a, b, cache, so)
			if err != nil {
				out.Notes = append(out.Notes, fmt.Sprintf("%s: %s vs %s: %v", a.Dataset, a.Label, b.Label, err))
				continue
			}
			out.Pairs = append(out.Pairs, p)
		}
	}
	adjustPerDataSet(out.Pairs, opt.Alpha)
	if len(opt.Only) == 2 {
		out.Pairs = slices.DeleteFunc(out.Pairs, func(p PairResult) bool { return !p.matches(opt.Only) })
	}
	for _, c := range configs {
		if opt.PairsOnly {
			break
		}
		if len(opt.Only) == 2 && !slices.ContainsFunc(opt.Only, func(s string) bool { return s == c.Label || s == modelOfLabel(c.Label) }) {
			continue
		}
		ivs, err := sampleIntervals(c, so)
		if err != nil {
			return nil, err
		}
		out.Intervals = append(out.Intervals, ivs...)
	}
	return out, nil
}

// adjustPerDataSet applies Holm's correction to the primary results of
// the pairs of each data set (all NLL kinds together: one family).
func adjustPerDataSet(pairs []PairResult, alpha float64) {
	families := map[string][]int{}
	for i, p := range pairs {
		families[p.DataKey] = append(families[p.DataKey], i)
	}
	for _, idx := range families {
		rs := make([]stats.Result, len(idx))
		for k, i := range idx {
			rs[k] = pairs[i].Detail.Primary
		}
		stats.AdjustHolm(rs, alpha)
		for k, i := range idx {
			pairs[i].setPrimary(rs[k], len(idx))
		}
	}
}

func modelOfLabel(label string) string {
	m, _, _ := strings.Cut(label, "[")
	return m
}

func (p PairResult) matches(only []string) bool {
	is := func(label, want string) bool { return label == want || modelOfLabel(label) == want }
	return (is(p.A, only[0]) && is(p.B, only[1])) || (is(p.A, only[1]) && is(p.B, only[0]))
}

// Group collects the ok records with a finite test NLL or a
// sample-based metric by configuration, sorted by data set and label.
func Group(recs []*results.Record) []*Config {
	byKey := map[string]*Config{}
	var list []*Config
	for _, r := range recs {
		if r.Status != results.StatusOK {
			continue
		}
		dk := dataKeyOf(r)
		key := dk + "\x00" + r.ConfigLabel() + "\x00" + r.NLLKind
		c, ok := byKey[key]
		if !ok {
			c = &Config{Label: r.ConfigLabel(), Dataset: r.Dataset, DataKey: dk, Kind: r.NLLKind, BySeed: map[uint64]*results.Record{}}
			byKey[key] = c
			list = append(list, c)
		}
		c.BySeed[r.Seed] = r
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.Dataset != b.Dataset {
			return a.Dataset < b.Dataset
		}
		if a.DataKey != b.DataKey {
			return a.DataKey < b.DataKey
		}
		return a.Label < b.Label
	})
	return list
}

// comparePair runs stats.Compare on the common seeds of a and b.
func comparePair(dir string, a, b *Config, cache map[string][]float64, so stats.Options) (PairResult, error) {
	p := PairResult{Dataset: a.Dataset, DataKey: a.DataKey, Kind: a.Kind, Metric: "test_nll", A: a.Label, B: b.Label}
	for s, ra := range a.BySeed {
		if rb, ok := b.BySeed[s]; ok && finiteMetric(ra, "test_nll") && finiteMetric(rb, "test_nll") {
			p.Seeds = append(p.Seeds, s)
		}
	}
	if len(p.Seeds) == 0 {
		return p, fmt.Errorf("no common seed with a finite test NLL")
	}
	slices.Sort(p.Seeds)
	var pair stats.Pair
	exA, exB, why := pairedExamples(dir, a, b, p.Seeds, cache)
	if why == "" {
		pair.ExamplesA, pair.ExamplesB, p.PerExample = exA, exB, true
		if identicalRows(exA, exB) {
			// Training streams derive from the seed, not the model's name,
			// so two entries of one configuration train to the same bits:
			// "not significant" then says nothing about the test's calibration.
			p.Note = "identical per-example values at every seed: the two entries trained to the same bits (same type, parameters, training settings and seeds)"
		}
	} else {
		p.Note = "per-seed test NLLs only: " + why
		for _, s := range p.Seeds {
			pair.A = append(pair.A, a.BySeed[s].Metrics["test_nll"])
			pair.B = append(pair.B, b.BySeed[s].Metrics["test_nll"])
		}
	}
	c, err := stats.Compare(pair, so)
	if err != nil {
		return p, err
	}
	p.Detail = c
	p.setPrimary(c.Primary, 1)
	return p, nil
}

// identicalRows reports whether a and b hold the same values, row by row.
func identicalRows(a, b [][]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func finiteMetric(r *results.Record, name string) bool {
	v, ok := r.Metrics[name]
	return ok && !math.IsNaN(v) && !math.IsInf(v, 0)
}

// pairedExamples reads the per-example NLLs of a and b at the seeds, or
// says why they cannot be paired.
func pairedExamples(dir string, a, b *Config, seeds []uint64, cache map[string][]float64) ([][]float64, [][]float64, string) {
	var exA, exB [][]float64
	for _, s := range seeds {
		ra, rb := a.BySeed[s], b.BySeed[s]
		if ra.Examples == nil || rb.Examples == nil {
			return nil, nil, fmt.Sprintf("seed %d has no per-example sidecar on both sides", s)
		}
		if ra.Examples.TestHash != rb.Examples.TestHash || ra.Examples.EvalSeed != rb.Examples.EvalSeed {
			return nil, nil, fmt.Sprintf("seed %d: the two trials scored different test sets or evaluation seeds (max_test overrides?)", s)
		}
		va, err := exampleNLLs(dir, ra, cache)
		if err != nil {
			return nil, nil, err.Error()
		}
		vb, err := exampleNLLs(dir, rb, cache)
		if err != nil {
			return nil, nil, err.Error()
		}
		exA, exB = append(exA, va), append(exB, vb)
	}
	return exA, exB, ""
}

// exampleNLLs returns the per-example NLLs of a record's sidecar, read
// once per trial.
func exampleNLLs(dir string, r *results.Record, cache map[string][]float64) ([]float64, error) {
	if v, ok := cache[r.Trial]; ok {
		return v, nil
	}
	nll, err := results.ExampleNLLs(dir, r.Examples)
	if err != nil {
		return nil, fmt.Errorf("trial %s: %w", r.Trial, err)
	}
	cache[r.Trial] = nll
	return nll, nil
}

// setPrimary copies the headline numbers of r into p.
func (p *PairResult) setPrimary(r stats.Result, family int) {
	p.Detail.Primary = r
	p.Test, p.Family = r.Test, family
	p.Difference, p.CILow, p.CIHigh = jsonnum.Float(r.Difference), jsonnum.Float(r.CILow), jsonnum.Float(r.CIHigh)
	p.PValue, p.PHolm, p.Significant = jsonnum.Float(r.PValue), jsonnum.Float(r.PHolm), r.Significant
	p.EffectSize, p.EffectName = jsonnum.Float(r.EffectSize), r.EffectName
	switch stats.Verdict(r, stats.LowerIsBetter) {
	case "a better":
		p.Verdict = p.A + " better"
	case "b better":
		p.Verdict = p.B + " better"
	default:
		p.Verdict = "not significant"
	}
	if r.Note != "" && !strings.Contains(p.Note, r.Note) {
		if p.Note != "" {
			p.Note += "; "
		}
		p.Note += r.Note
	}
}

// sampleIntervals bootstraps each sample-based metric of c over its seeds.
func sampleIntervals(c *Config, so stats.Options) ([]SampleInterval, error) {
	seeds := make([]uint64, 0, len(c.BySeed))
	for s := range c.BySeed {
		seeds = append(seeds, s)
	}
	slices.Sort(seeds)
	var out []SampleInterval
	for _, name := range SampleKeys() {
		var xs []float64
		for _, s := range seeds {
			if finiteMetric(c.BySeed[s], name) {
				xs = append(xs, c.BySeed[s].Metrics[name])
			}
		}
		if len(xs) == 0 {
			continue
		}
		iv, err := stats.BootstrapMean(xs, so)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", c.Label, name, err)
		}
		out = append(out, SampleInterval{Dataset: c.Dataset, DataKey: c.DataKey, Config: c.Label, Metric: name, Interval: iv})
	}
	return out, nil
}
