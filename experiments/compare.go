package experiments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/genbench/genbench/stats"

	"github.com/genbench/genbench/results"
)

// SampleMetrics are the metrics computed from generated samples: they have
// no per-example values, and `genbench compare` gives each model a
// bootstrap interval over seeds instead of a paired test.
var SampleMetrics = []string{
	"modes_covered", "high_quality_frac", "mode_kl", "mode_jsd",
	"classes_covered", "class_kl", "precision", "recall", "density", "coverage",
	"fd", "kid",
}

// CompareOptions tune Compare.
type CompareOptions struct {
	Alpha float64 // significance level after Holm, default 0.05
	// Only, when it names two models (or model[sweep] labels), keeps the
	// pairs of those two. Holm's correction still runs over every pair of
	// the data set, so the p-values are those of the full table.
	Only []string
	Seed uint64 // seed of the bootstrap and Monte Carlo tests, default 1
}

// PairResult is the paired comparison of two configurations (a model at a
// sweep point) on one data set and NLL kind: a − b of test NLL, so a
// negative difference favours a.
type PairResult struct {
	Dataset    string   `json:"dataset"`
	DataKey    string   `json:"data_key"` // 12 hex: the data set entry with its parameters
	Kind       string   `json:"nll_kind"`
	Metric     string   `json:"metric"`
	A          string   `json:"a"`
	B          string   `json:"b"`
	Seeds      []uint64 `json:"seeds"`
	PerExample bool     `json:"per_example"` // paired on the sidecars' per-example values
	Test       string   `json:"test"`
	Difference jsonNum  `json:"difference"`
	CILow      jsonNum  `json:"ci_low"`
	CIHigh     jsonNum  `json:"ci_high"`
	PValue     jsonNum  `json:"p_value"`
	PHolm      jsonNum  `json:"p_holm"`
	Family     int      `json:"holm_family"` // pairs of the data set Holm corrected over
	// Significant: PHolm ≤ α.
	Significant bool             `json:"significant"`
	EffectSize  jsonNum          `json:"effect_size"`
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

// jsonNum is a float64 written as null when NaN or infinite.
type jsonNum float64

func (f jsonNum) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

// compareConfig is one configuration's ok trials, by seed.
type compareConfig struct {
	label, dataset, dataKey, kind string
	bySeed                        map[uint64]*results.Record
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
			return hashBytes(buf.Bytes())[:12]
		}
	}
	return hashBytes([]byte(r.Dataset))[:12]
}

// configLabel names a configuration: the model, with its sweep point.
func configLabel(r *results.Record) string {
	if len(r.Sweep) == 0 {
		return r.Model
	}
	return r.Model + "[" + r.Sweep.String() + "]"
}

// Compare runs the paired comparisons of every pair of configurations on
// each data set and NLL kind (stats.Compare: per-example differences from
// the sidecars in dir when both sides have them for every common seed,
// per-seed test NLLs otherwise), applies Holm's correction across the
// pairs of each data set, and gives every configuration's sample-based
// metrics a bootstrap interval over seeds.
func Compare(dir string, recs []*results.Record, opt CompareOptions) (*Comparisons, error) {
	if opt.Alpha == 0 {
		opt.Alpha = 0.05
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	so := stats.Options{Alpha: opt.Alpha, Seed: opt.Seed}
	out := &Comparisons{Alpha: opt.Alpha, Pairs: []PairResult{}, Intervals: []SampleInterval{},
		Method: "paired a − b of test NLL; with per-example values the random-effects combination of per-seed paired differences " +
			"(DerSimonian & Laird 1986, Hartung & Knapp 2001), else the exact sign-flip test on per-seed differences; " +
			"Holm (1979) across all pairs of a data set; sample-based metrics: BCa bootstrap over seeds (Efron 1987)"}
	configs := groupConfigs(recs)
	cache := map[string][]float64{}
	families := map[string][]int{}
	for i, a := range configs {
		for _, b := range configs[i+1:] {
			if a.dataKey != b.dataKey || a.kind != b.kind || a.kind == "none" {
				continue
			}
			p, err := comparePair(dir, a, b, cache, so)
			if err != nil {
				out.Notes = append(out.Notes, fmt.Sprintf("%s: %s vs %s: %v", a.dataset, a.label, b.label, err))
				continue
			}
			families[a.dataKey] = append(families[a.dataKey], len(out.Pairs))
			out.Pairs = append(out.Pairs, p)
		}
	}
	for _, idx := range families {
		rs := make([]stats.Result, len(idx))
		for k, i := range idx {
			rs[k] = out.Pairs[i].Detail.Primary
		}
		stats.AdjustHolm(rs, opt.Alpha)
		for k, i := range idx {
			out.Pairs[i].setPrimary(rs[k], len(idx))
		}
	}
	if len(opt.Only) == 2 {
		out.Pairs = slices.DeleteFunc(out.Pairs, func(p PairResult) bool { return !p.matches(opt.Only) })
	}
	for _, c := range configs {
		if len(opt.Only) == 2 && !slices.ContainsFunc(opt.Only, func(s string) bool { return s == c.label || s == modelOfLabel(c.label) }) {
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

func modelOfLabel(label string) string {
	m, _, _ := strings.Cut(label, "[")
	return m
}

func (p PairResult) matches(only []string) bool {
	is := func(label, want string) bool { return label == want || modelOfLabel(label) == want }
	return (is(p.A, only[0]) && is(p.B, only[1])) || (is(p.A, only[1]) && is(p.B, only[0]))
}

// groupConfigs collects the ok records with a finite test NLL or a
// sample-based metric by configuration, sorted by data set and label.
func groupConfigs(recs []*results.Record) []*compareConfig {
	byKey := map[string]*compareConfig{}
	var list []*compareConfig
	for _, r := range recs {
		if r.Status != results.StatusOK {
			continue
		}
		dk := dataKeyOf(r)
		key := dk + "\x00" + configLabel(r) + "\x00" + r.NLLKind
		c, ok := byKey[key]
		if !ok {
			c = &compareConfig{label: configLabel(r), dataset: r.Dataset, dataKey: dk, kind: r.NLLKind, bySeed: map[uint64]*results.Record{}}
			byKey[key] = c
			list = append(list, c)
		}
		c.bySeed[r.Seed] = r
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.dataset != b.dataset {
			return a.dataset < b.dataset
		}
		if a.dataKey != b.dataKey {
			return a.dataKey < b.dataKey
		}
		return a.label < b.label
	})
	return list
}

// comparePair runs stats.Compare on the common seeds of a and b.
func comparePair(dir string, a, b *compareConfig, cache map[string][]float64, so stats.Options) (PairResult, error) {
	p := PairResult{Dataset: a.dataset, DataKey: a.dataKey, Kind: a.kind, Metric: "test_nll", A: a.label, B: b.label}
	for s, ra := range a.bySeed {
		if rb, ok := b.bySeed[s]; ok && finiteMetric(ra, "test_nll") && finiteMetric(rb, "test_nll") {
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
	} else {
		p.Note = "per-seed test NLLs only: " + why
		for _, s := range p.Seeds {
			pair.A = append(pair.A, a.bySeed[s].Metrics["test_nll"])
			pair.B = append(pair.B, b.bySeed[s].Metrics["test_nll"])
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

func finiteMetric(r *results.Record, name string) bool {
	v, ok := r.Metrics[name]
	return ok && !math.IsNaN(v) && !math.IsInf(v, 0)
}

// pairedExamples reads the per-example NLLs of a and b at the seeds, or
// says why they cannot be paired.
func pairedExamples(dir string, a, b *compareConfig, seeds []uint64, cache map[string][]float64) ([][]float64, [][]float64, string) {
	var exA, exB [][]float64
	for _, s := range seeds {
		ra, rb := a.bySeed[s], b.bySeed[s]
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

// exampleNLLs returns the per-example NLLs (−log p) of a record's sidecar,
// refusing non-finite values, which no paired mean can hold.
func exampleNLLs(dir string, r *results.Record, cache map[string][]float64) ([]float64, error) {
	if v, ok := cache[r.Trial]; ok {
		return v, nil
	}
	logp, err := ReadExamples(dir, r.Examples)
	if err != nil {
		return nil, err
	}
	nll := make([]float64, len(logp))
	for i, v := range logp {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("trial %s: example %d has log-likelihood %v", r.Trial, i, v)
		}
		nll[i] = -v
	}
	cache[r.Trial] = nll
	return nll, nil
}

// setPrimary copies the headline numbers of r into p.
func (p *PairResult) setPrimary(r stats.Result, family int) {
	p.Detail.Primary = r
	p.Test, p.Family = r.Test, family
	p.Difference, p.CILow, p.CIHigh = jsonNum(r.Difference), jsonNum(r.CILow), jsonNum(r.CIHigh)
	p.PValue, p.PHolm, p.Significant = jsonNum(r.PValue), jsonNum(r.PHolm), r.Significant
	p.EffectSize, p.EffectName = jsonNum(r.EffectSize), r.EffectName
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
func sampleIntervals(c *compareConfig, so stats.Options) ([]SampleInterval, error) {
	seeds := make([]uint64, 0, len(c.bySeed))
	for s := range c.bySeed {
		seeds = append(seeds, s)
	}
	slices.Sort(seeds)
	var out []SampleInterval
	for _, name := range SampleMetrics {
		var xs []float64
		for _, s := range seeds {
			if finiteMetric(c.bySeed[s], name) {
				xs = append(xs, c.bySeed[s].Metrics[name])
			}
		}
		if len(xs) == 0 {
			continue
		}
		iv, err := stats.BootstrapMean(xs, so)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", c.label, name, err)
		}
		out = append(out, SampleInterval{Dataset: c.dataset, DataKey: c.dataKey, Config: c.label, Metric: name, Interval: iv})
	}
	return out, nil
}

// ComparisonTable formats the pairs and the sample-based intervals as text.
func ComparisonTable(c *Comparisons) string {
	num := func(v jsonNum) string {
		if math.IsNaN(float64(v)) {
			return "-"
		}
		return fmt.Sprintf("%.4g", float64(v))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Paired comparisons of test NLL (a − b, nats; negative favours a), α = %g after Holm across the pairs of each data set.\n", c.Alpha)
	b.WriteString("SEED SD: between-training-seed sd of the difference; EXAMPLE SE: its test-example standard error per seed.\n")
	rows := [][]string{{"DATASET", "KIND", "A", "B", "SEEDS", "PAIRED ON", "A − B", "95% CI", "SEED SD", "EXAMPLE SE", "TEST", "P", "P (HOLM)", "EFFECT", "VERDICT"}}
	pval := func(v jsonNum) string {
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
			seedSD, exSE = num(jsonNum(v.SeedSD)), num(jsonNum(v.ExampleSE))
		}
		rows = append(rows, []string{p.Dataset + "#" + p.DataKey[:6], p.Kind, p.A, p.B, fmt.Sprint(len(p.Seeds)), on,
			num(p.Difference), "[" + num(p.CILow) + ", " + num(p.CIHigh) + "]", seedSD, exSE, p.Test, pval(p.PValue), pval(p.PHolm),
			p.EffectName + " " + num(p.EffectSize), p.Verdict})
	}
	if len(c.Pairs) > 0 {
		b.WriteString(formatTable(rows))
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
				num(jsonNum(iv.Estimate)), "[" + num(jsonNum(iv.CILow)) + ", " + num(jsonNum(iv.CIHigh)) + "]", iv.Note})
		}
		b.WriteString(formatTable(rows))
	}
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}
