package experiments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/results"
)

// A baseline records the metrics of a results folder so that a later run
// can be checked against it (genbench baseline / genbench check). It is
// JSON meant to be edited by hand: every metric found gets a rule with a
// direction and tolerances, written out in full.

// BaselineFormat names the baseline file format.
const BaselineFormat = "genbench-baseline/1"

// Rule directions.
const (
	Lower  = "lower"  // lower is better: worse when now > base + tol
	Higher = "higher" // higher is better: worse when now < base − tol
	Equal  = "equal"  // should not move: worse when |now − base| > tol
	Report = "report" // shown when it moves beyond tol, never a failure
	Ignore = "ignore" // not compared
)

// Rule says how one metric is compared. The tolerance is
// max(AbsTol, RelTol·|base|). With Ratio > 0 (timing metrics) the value
// is worse only when it is more than Ratio times worse than the base.
// Timing rules are checked only when asked for (check -timing): CI
// machines are noisy.
type Rule struct {
	Direction string  `json:"direction"`
	RelTol    float64 `json:"rel_tol"`
	AbsTol    float64 `json:"abs_tol"`
	Ratio     float64 `json:"ratio,omitempty"`
	Timing    bool    `json:"timing,omitempty"`
}

// BaselineTrial is one trial of a baseline.
type BaselineTrial struct {
	Dataset   string             `json:"dataset"`
	Model     string             `json:"model"`
	Seed      uint64             `json:"seed"`
	Sweep     results.SweepPoint `json:"sweep,omitempty"`
	Status    string             `json:"status"`
	Stopped   string             `json:"stopped,omitempty"` // why training ended; time_budget makes the numbers clock-dependent
	Metrics   map[string]float64 `json:"metrics"`
	NonFinite []string           `json:"nonfinite_metrics,omitempty"`
	// Examples refers to the trial's per-example sidecar, for check -test
	// (under the baseline's examples_dir); absent in older baselines.
	Examples *results.ExamplesRef `json:"examples,omitempty"`
}

// Baseline is a baseline file.
type Baseline struct {
	Format  string                   `json:"format"`
	Note    string                   `json:"note"`
	Source  string                   `json:"source"`
	Created string                   `json:"created"`
	Commit  string                   `json:"commit,omitempty"`
	Default Rule                     `json:"default_rule"` // for metrics without a rule
	Rules   map[string]Rule          `json:"rules"`
	Trials  map[string]BaselineTrial `json:"trials"` // by trial id
	// ExamplesDir holds the trials' sidecars, relative to the baseline
	// file's folder (baseline -examples); "" reads them from Source.
	ExamplesDir string `json:"examples_dir,omitempty"`
}

const baselineNote = "Edit rules freely: direction lower|higher|equal|report|ignore; a metric is worse beyond max(abs_tol, rel_tol*|baseline|); " +
	"timing rules (ratio: worse only beyond that factor) are checked with genbench check -timing only. Trials are keyed by trial id."

// DefaultRule returns the rule a new baseline writes for a metric, from
// the key's declaration in the metric registry (metrics.Key): timing keys
// by a ratio of 3, checked only on request; stable keys must not move;
// others by their direction and tolerance, keys without a better
// direction shown when they move. Only keys no metric declares get the
// default rule.
func DefaultRule(name string) Rule {
	k, _, ok := metrics.KeyOf(name)
	if !ok {
		return defaultRule
	}
	dir := Report
	switch k.Better {
	case metrics.Lower:
		dir = Lower
	case metrics.Higher:
		dir = Higher
	}
	switch {
	case k.Timing:
		return Rule{Direction: dir, Ratio: 3, Timing: true}
	case k.Stable:
		return Rule{Direction: Equal, RelTol: k.RelTol, AbsTol: k.AbsTol}
	}
	return Rule{Direction: dir, RelTol: k.RelTol, AbsTol: k.AbsTol}
}

// defaultRule is the rule of metrics no rule names.
var defaultRule = Rule{Direction: Report, RelTol: 0.01, AbsTol: 0.01}

// NewBaseline records the records' metrics with the default rules.
func NewBaseline(recs []*results.Record, source string) *Baseline {
	b := &Baseline{Format: BaselineFormat, Note: baselineNote, Source: source,
		Created: time.Now().UTC().Format(time.RFC3339), Default: defaultRule,
		Rules: map[string]Rule{}, Trials: map[string]BaselineTrial{}}
	for _, r := range recs {
		t := BaselineTrial{Dataset: r.Dataset, Model: r.Model, Seed: r.Seed, Sweep: r.Sweep, Status: r.Status,
			Metrics: r.Metrics, NonFinite: r.NonFinite, Examples: r.Examples}
		if r.Training != nil {
			t.Stopped = r.Training.Stopped
		}
		b.Trials[r.Trial] = t
		for name := range r.Metrics {
			b.Rules[name] = DefaultRule(name)
		}
		for _, name := range r.NonFinite {
			b.Rules[name] = DefaultRule(name)
		}
		if b.Commit == "" {
			b.Commit = r.Provenance.Commit
		}
	}
	return b
}

// WriteBaseline writes b as indented JSON, atomically.
func WriteBaseline(path string, b *Baseline) error {
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding baseline: %w", err)
	}
	if err := WriteFileAtomic(path, append(data, '\n')); err != nil {
		return fmt.Errorf("writing baseline: %w", err)
	}
	return nil
}

// ReadBaseline reads and checks a baseline file.
func ReadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	var b Baseline
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("baseline %s: %w", path, err)
	}
	if b.Format != BaselineFormat {
		return nil, fmt.Errorf("baseline %s: format %q, want %q", path, b.Format, BaselineFormat)
	}
	if b.Default.Direction == "" {
		b.Default = defaultRule
	}
	for name, r := range b.Rules {
		switch r.Direction {
		case Lower, Higher, Equal, Report, Ignore:
		default:
			return nil, fmt.Errorf("baseline %s: rule %s: direction %q is not one of lower, higher, equal, report, ignore", path, name, r.Direction)
		}
		if r.RelTol < 0 || r.AbsTol < 0 || r.Ratio < 0 {
			return nil, fmt.Errorf("baseline %s: rule %s: negative tolerance", path, name)
		}
	}
	return &b, nil
}

// Verdicts of a comparison.
const (
	VerdictWorse   = "WORSE"
	VerdictBetter  = "better"
	VerdictWithin  = "within tolerance"
	VerdictChanged = "changed"
	VerdictMissing = "MISSING"
	VerdictNew     = "new"
	VerdictSkipped = "not checked"
)

// CheckRow is one compared metric of one trial.
type CheckRow struct {
	Trial, Metric string
	Base, Now     float64 // NaN when absent or non-finite
	Tol           float64
	Verdict       string
	Fail          bool
}

// CheckReport is the outcome of comparing results with a baseline.
type CheckReport struct {
	Rows          []CheckRow // every compared metric, by trial and metric
	MissingTrials []string   // in the baseline, not in the results
	BadTrials     []string   // status not ok where the baseline's was ok, as "id: status: reason"
	NewTrials     []string   // in the results only
	Warnings      []string
	Compared      int // metric comparisons made
	Failures      int // failing rows + missing trials + bad trials
}

// OK reports whether the check passed.
func (c *CheckReport) OK() bool { return c.Failures == 0 }

// CheckOptions tune Check.
type CheckOptions struct {
	Timing bool // also check timing rules (ratios)
}

func (b *Baseline) rule(name string) Rule {
	if r, ok := b.Rules[name]; ok {
		return r
	}
	return b.Default
}

// Check compares records with the baseline. A trial fails when it is
// missing, when its status is not ok while the baseline's was, or when a
// metric is worse than its rule allows.
func (b *Baseline) Check(recs []*results.Record, opt CheckOptions) *CheckReport {
	rep := &CheckReport{}
	byID := map[string]*results.Record{}
	for _, r := range recs {
		byID[r.Trial] = r
	}
	ids := make([]string, 0, len(b.Trials))
	for id := range b.Trials {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		base := b.Trials[id]
		r, ok := byID[id]
		if !ok {
			rep.MissingTrials = append(rep.MissingTrials, id)
			rep.Failures++
			continue
		}
		if r.Status != results.StatusOK && base.Status == results.StatusOK {
			rep.BadTrials = append(rep.BadTrials, fmt.Sprintf("%s: %s: %s", id, r.Status, r.Reason))
			rep.Failures++
			continue
		}
		clocked := base.Stopped == "time_budget" || (r.Training != nil && r.Training.Stopped == "time_budget")
		if clocked {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: training stopped on its time_budget: its numbers depend on the machine's speed and are reported, not failed", id))
		}
		names := map[string]bool{}
		for name := range base.Metrics {
			names[name] = true
		}
		for _, name := range base.NonFinite {
			names[name] = true
		}
		for name := range r.Metrics {
			names[name] = true
		}
		sorted := make([]string, 0, len(names))
		for name := range names {
			sorted = append(sorted, name)
		}
		sort.Strings(sorted)
		for _, name := range sorted {
			row := b.compare(id, name, base, r, opt)
			if row.Verdict == "" {
				continue
			}
			if clocked && row.Fail {
				row.Fail, row.Verdict = false, VerdictChanged
			}
			if row.Verdict != VerdictSkipped {
				rep.Compared++
			}
			if row.Fail {
				rep.Failures++
			}
			rep.Rows = append(rep.Rows, row)
		}
	}
	for _, r := range recs {
		if _, ok := b.Trials[r.Trial]; !ok {
			rep.NewTrials = append(rep.NewTrials, r.Trial)
		}
	}
	sort.Strings(rep.NewTrials)
	return rep
}

func value(m map[string]float64, nonFinite []string, name string) (float64, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	if contains(nonFinite, name) {
		return math.NaN(), true
	}
	return math.NaN(), false
}

func (b *Baseline) compare(id, name string, base BaselineTrial, r *results.Record, opt CheckOptions) CheckRow {
	rule := b.rule(name)
	bv, inBase := value(base.Metrics, base.NonFinite, name)
	nv, inNow := value(r.Metrics, r.NonFinite, name)
	row := CheckRow{Trial: id, Metric: name, Base: bv, Now: nv}
	switch {
	case rule.Direction == Ignore:
		return CheckRow{}
	case rule.Timing && !opt.Timing:
		row.Verdict = VerdictSkipped
		return row
	case !inBase:
		row.Verdict = VerdictNew
		return row
	case !inNow:
		row.Verdict, row.Fail = VerdictMissing, rule.Direction != Report
		return row
	}
	bNaN, nNaN := math.IsNaN(bv), math.IsNaN(nv)
	switch {
	case bNaN && nNaN:
		row.Verdict = VerdictWithin
		return row
	case nNaN:
		row.Verdict, row.Fail = VerdictWorse, rule.Direction != Report
		return row
	case bNaN:
		row.Verdict = VerdictBetter
		return row
	}
	var worse, better bool
	if rule.Ratio > 0 {
		switch rule.Direction {
		case Lower:
			worse, better = nv > bv*rule.Ratio, nv < bv
		case Higher:
			worse, better = nv*rule.Ratio < bv, nv > bv
		default:
			worse = nv > bv*rule.Ratio || nv*rule.Ratio < bv
		}
		row.Tol = rule.Ratio
	} else {
		tol := math.Max(rule.AbsTol, rule.RelTol*math.Abs(bv))
		row.Tol = tol
		d := nv - bv
		switch rule.Direction {
		case Lower:
			worse, better = d > tol, d < 0
		case Higher:
			worse, better = -d > tol, d > 0
		default:
			worse = math.Abs(d) > tol
		}
	}
	switch {
	case worse && rule.Direction == Report:
		row.Verdict = VerdictChanged
	case worse:
		row.Verdict, row.Fail = VerdictWorse, true
	case better && nv != bv:
		row.Verdict = VerdictBetter
	default:
		row.Verdict = VerdictWithin
	}
	return row
}

// Table formats the rows that moved (all rows with all) and the trial
// problems as text.
func (c *CheckReport) Table(all bool) string {
	num := func(v float64) string {
		if math.IsNaN(v) {
			return "-"
		}
		return fmt.Sprintf("%.6g", v)
	}
	rows := [][]string{{"TRIAL", "METRIC", "BASELINE", "NOW", "CHANGE", "TOLERANCE", "VERDICT"}}
	for _, r := range c.Rows {
		moved := r.Fail || (r.Verdict != VerdictSkipped && !(r.Base == r.Now || (math.IsNaN(r.Base) && math.IsNaN(r.Now))))
		if !all && !moved {
			continue
		}
		change := "-"
		if !math.IsNaN(r.Base) && !math.IsNaN(r.Now) {
			change = fmt.Sprintf("%+.3g", r.Now-r.Base)
			if r.Base != 0 {
				change += fmt.Sprintf(" (%+.2f%%)", 100*(r.Now-r.Base)/math.Abs(r.Base))
			}
		}
		tol := num(r.Tol)
		if r.Verdict == VerdictSkipped || r.Verdict == VerdictNew || r.Verdict == VerdictMissing {
			tol = "-"
		}
		rows = append(rows, []string{r.Trial, r.Metric, num(r.Base), num(r.Now), change, tol, r.Verdict})
	}
	var b strings.Builder
	if len(rows) > 1 {
		b.WriteString(formatTable(rows))
	}
	writeTrialProblems(&b, c.MissingTrials, c.BadTrials)
	for _, id := range c.NewTrials {
		fmt.Fprintf(&b, "new trial %s: not in the baseline (not checked)\n", id)
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}

// writeTrialProblems lists the baseline's trials that the results lack and
// the trials that did not end ok, as both check modes report them.
func writeTrialProblems(b *strings.Builder, missing, bad []string) {
	for _, id := range missing {
		fmt.Fprintf(b, "MISSING trial %s: in the baseline, not in the results\n", id)
	}
	for _, s := range bad {
		fmt.Fprintf(b, "FAILED trial %s\n", s)
	}
}
