package metrics

import (
	"fmt"
	"sort"
	"strings"
)

// A Metric is declared once, in its own file, with Register: its name, its
// documentation, what it needs, the record keys it writes and how it is
// computed. Evaluation, the regression baseline's default rules,
// `genbench list`, the summary and the report's comparison columns all
// derive from these declarations.
type Metric struct {
	// Name is what a spec lists under eval.metrics.
	Name string
	// Doc is one line for `genbench list`.
	Doc string
	// Protocol is the heading of the docs/protocols.md section that
	// defines the metric ("" when the doc line says everything).
	Protocol string
	// Order fixes when the metric is computed. Metrics that draw samples
	// consume the evaluation's random stream in this order, so changing a
	// metric's order changes the numbers of the metrics after it.
	Order int
	// Needs lists what evaluation prepares in the Input. A metric whose
	// data needs (NeedsModes, NeedsImages, NeedsTrueDensity,
	// NeedsDiagnostics) are not met by a trial is skipped: it writes
	// nothing.
	Needs Needs
	// Also names metrics computed whenever this one is asked for
	// (bits/dim also reports the NLL; class coverage and precision/recall
	// judge the same samples). Not transitive.
	Also []string
	// Always marks metrics computed for every trial, asked for or not.
	Always bool
	// Stochastic says whether the metric's values depend on the
	// evaluation's random stream, and so whether evaluation repeats it
	// under every evaluation seed of eval.eval_seeds; deterministic
	// metrics are computed once. A metric that needs samples must be
	// stochastic unless all its keys are timings (Register checks).
	Stochastic Stochastic
	// Keys declares every record key the metric writes. A key name
	// ending in "*" covers every key with that prefix (model diagnostics).
	Keys []Key
	// Compute writes the metric's keys and protocol notes to out. Nil for
	// keys that the harness records itself (training time): they are
	// declared for the baseline and the report, and a spec cannot ask
	// for them.
	Compute func(in *Input, out *Output) error
}

// Direction says which way a number is better. The zero value is not a
// direction: every key must choose, so that no number escapes the
// regression check by omission.
type Direction int

// Directions.
const (
	Lower   Direction = iota + 1 // lower is better (NLL, KL, time)
	Higher                       // higher is better (modes covered, speed)
	Neither                      // neither: counts, settings, diagnostics
)

func (d Direction) String() string {
	switch d {
	case Lower:
		return "lower is better"
	case Higher:
		return "higher is better"
	case Neither:
		return "no better direction"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// Key is one number a metric writes into a result record.
type Key struct {
	Name string
	Doc  string
	Unit string // "nats", "bits/dim", "samples/s", "s"; "" for counts and fractions
	// Better ranks rows in the report and sets the regression direction.
	Better Direction
	// Stable keys must not move between runs of the same trial (a count
	// of parameters, the data's own NLL): the regression check fails on
	// any change beyond the tolerance, whatever Better says.
	Stable bool
	// Timing keys depend on the machine: they differ between runs and the
	// regression check compares them only when asked, by a ratio.
	Timing bool
	// Qualifies names the key this one qualifies (its standard error,
	// count or non-finite count); summaries leave such keys out.
	Qualifies string
	// FloorOf names the key this one is the floor of: what real data
	// scores on that key under the same protocol, the best a model can
	// reach (FD's floor is FD between two real samples of the same n).
	FloorOf string
	// RelTol and AbsTol are the regression tolerance: a value is worse
	// beyond max(AbsTol, RelTol·|baseline|).
	RelTol, AbsTol float64
	// Column, when set, shows the key in the report's comparison table.
	Column *Column
}

// Column places a key in the report's comparison tables.
type Column struct {
	Header string
	// Rank orders columns: the harness's own columns (model, type,
	// seeds, test NLL, kind) come first, then metric columns by
	// increasing rank, then the published reference.
	Rank   int
	Format Format
	// Total names the key holding the total of a CountOf column.
	Total string
	// ByNLLKind compares rows for "best" only within one NLL kind.
	ByNLLKind bool
}

// Format says how a report cell shows a key's statistics over seeds.
type Format int

// Formats.
const (
	MeanPM  Format = iota + 1 // mean ± 2 standard errors
	CountOf                   // "covered / total", ± the standard deviation over seeds
	Percent                   // a fraction as a percentage, ± sd over seeds
	Sig3                      // 3 significant digits, ± sd over seeds
	Plain3                    // 3 significant digits of the mean
	Integer                   // the mean as an integer
)

// Stochastic says when a metric's values depend on the evaluation's
// random stream.
type Stochastic int

// Stochasticities. The zero value is Deterministic.
const (
	// Deterministic metrics give the same bits under any evaluation seed
	// (an exact NLL, a bound, the data's own NLL, a count of parameters).
	Deterministic Stochastic = iota
	// Sampled metrics always draw from the stream (generated samples,
	// diagnostics estimated by sampling).
	Sampled
	// IfEstimated metrics draw only when the test likelihood is an
	// importance-sampled estimate (NLL kind "estimate").
	IfEstimated
)

// estimateKind is the NLL kind (models.Estimate) of an importance-sampled
// likelihood, as Input.Kind and the records spell it.
const estimateKind = "estimate"

// StochasticFor reports whether the metric's values depend on the
// evaluation seed for a model whose test likelihood is of the given kind
// (exact, bound, estimate, none).
func (m Metric) StochasticFor(kind string) bool {
	switch m.Stochastic {
	case Sampled:
		return true
	case IfEstimated:
		return kind == estimateKind
	}
	return false
}

// KeyStochastic reports whether the record key's value depends on the
// evaluation seed for a model whose test likelihood is of the given kind,
// as the metric declaring the key says; known is false for a key no
// metric declares.
func KeyStochastic(key, kind string) (stochastic, known bool) {
	_, m, ok := KeyOf(key)
	if !ok {
		return false, false
	}
	return m.StochasticFor(kind), true
}

// Needs is a set of inputs a metric needs evaluation to prepare.
type Needs uint

// Needs.
const (
	// NeedsLikelihood: per-example log-likelihoods of the test rows (any
	// kind; nil when the model has none) and the lower bound besides.
	NeedsLikelihood Needs = 1 << iota
	// NeedsTrueDensity: the data's own log-density of each test row; the
	// metric is skipped on data without an analytic density.
	NeedsTrueDensity
	// NeedsSamples: draws from the model.
	NeedsSamples
	// NeedsModes: a mixture with known modes (ring8, grid25); skipped
	// otherwise.
	NeedsModes
	// NeedsImages: image data and the map to pixel intensities; skipped
	// otherwise.
	NeedsImages
	// NeedsClassifier: a trained classifier labelling images and giving
	// their features.
	NeedsClassifier
	// NeedsValid: the validation split.
	NeedsValid
	// NeedsDiagnostics: the model's own diagnostics; skipped for models
	// without any.
	NeedsDiagnostics
)

var needNames = []struct {
	n    Needs
	name string
}{
	{NeedsLikelihood, "likelihood"}, {NeedsTrueDensity, "true density"}, {NeedsSamples, "samples"},
	{NeedsModes, "mixture modes"}, {NeedsImages, "images"}, {NeedsClassifier, "classifier"},
	{NeedsValid, "validation split"}, {NeedsDiagnostics, "model diagnostics"},
}

// String lists the needs, "likelihood, samples".
func (n Needs) String() string {
	var out []string
	for _, x := range needNames {
		if n&x.n != 0 {
			out = append(out, x.name)
		}
	}
	return strings.Join(out, ", ")
}

var registered = map[string]*Metric{}

// Register adds a metric. It panics, from the init function that calls
// it, on a duplicate metric or key name, a metric without keys, a key
// without a direction, or an Also naming itself.
func Register(m Metric) {
	if err := m.check(); err != nil {
		panic("metrics.Register: " + err.Error())
	}
	if _, dup := registered[m.Name]; dup {
		panic(fmt.Sprintf("metrics.Register: duplicate metric %s", m.Name))
	}
	for _, k := range m.Keys {
		if other, _, ok := declaredExactly(k.Name); ok {
			panic(fmt.Sprintf("metrics.Register: key %s of %s is already declared by %s", k.Name, m.Name, other.Name))
		}
	}
	registered[m.Name] = &m
}

func (m *Metric) check() error {
	if m.Name == "" || m.Doc == "" {
		return fmt.Errorf("metric %q needs a name and a doc line", m.Name)
	}
	if len(m.Keys) == 0 {
		return fmt.Errorf("metric %s declares no record keys", m.Name)
	}
	seen := map[string]bool{}
	for _, k := range m.Keys {
		switch {
		case k.Name == "":
			return fmt.Errorf("metric %s: a key without a name", m.Name)
		case seen[k.Name]:
			return fmt.Errorf("metric %s: key %s declared twice", m.Name, k.Name)
		case k.Better < Lower || k.Better > Neither:
			return fmt.Errorf("metric %s: key %s has no direction (Lower, Higher or Neither)", m.Name, k.Name)
		case k.RelTol < 0 || k.AbsTol < 0:
			return fmt.Errorf("metric %s: key %s has a negative tolerance", m.Name, k.Name)
		}
		seen[k.Name] = true
	}
	for _, k := range m.Keys {
		if k.FloorOf != "" && (!seen[k.FloorOf] || k.FloorOf == k.Name) {
			return fmt.Errorf("metric %s: key %s is the floor of %s, which is not another key of the metric", m.Name, k.Name, k.FloorOf)
		}
	}
	for _, a := range m.Also {
		if a == m.Name {
			return fmt.Errorf("metric %s: Also names itself", m.Name)
		}
	}
	if m.Stochastic < Deterministic || m.Stochastic > IfEstimated {
		return fmt.Errorf("metric %s: unknown Stochastic %d", m.Name, m.Stochastic)
	}
	if m.Needs&NeedsSamples != 0 && m.Stochastic == Deterministic && !m.timingOnly() {
		return fmt.Errorf("metric %s needs samples but is declared Deterministic: its values depend on the evaluation seed", m.Name)
	}
	return nil
}

// timingOnly reports whether every key of m is a timing, whose spread is
// the machine's rather than the evaluation seed's.
func (m *Metric) timingOnly() bool {
	for _, k := range m.Keys {
		if !k.Timing {
			return false
		}
	}
	return true
}

// Lookup returns the named metric.
func Lookup(name string) (Metric, bool) {
	m, ok := registered[name]
	if !ok {
		return Metric{}, false
	}
	return *m, true
}

// Known reports whether a spec may ask for the named metric.
func Known(name string) bool {
	m, ok := registered[name]
	return ok && m.Compute != nil
}

// Names lists the metrics a spec may ask for, sorted.
func Names() []string {
	var names []string
	for name, m := range registered {
		if m.Compute != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// All returns every registered metric in evaluation order (Order, then
// name).
func All() []Metric {
	out := make([]Metric, 0, len(registered))
	for _, m := range registered {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// KeyOf returns the declaration of a record key and the metric declaring
// it: an exact name first, else the longest declared prefix pattern.
func KeyOf(name string) (Key, Metric, bool) {
	if m, k, ok := declaredExactly(name); ok {
		return k, *m, true
	}
	var best Key
	var bestM *Metric
	for _, m := range registered {
		for _, k := range m.Keys {
			prefix, isPattern := strings.CutSuffix(k.Name, "*")
			if isPattern && strings.HasPrefix(name, prefix) && (bestM == nil || len(prefix) > len(best.Name)-1) {
				best, bestM = k, m
			}
		}
	}
	if bestM == nil {
		return Key{}, Metric{}, false
	}
	return best, *bestM, true
}

func declaredExactly(name string) (*Metric, Key, bool) {
	for _, m := range registered {
		for _, k := range m.Keys {
			if k.Name == name {
				return m, k, true
			}
		}
	}
	return nil, Key{}, false
}

// declares reports whether key is one of m's keys or matches one of its
// patterns.
func (m *Metric) declares(key string) bool {
	for _, k := range m.Keys {
		if k.Name == key {
			return true
		}
		if prefix, ok := strings.CutSuffix(k.Name, "*"); ok && strings.HasPrefix(key, prefix) {
			return true
		}
	}
	return false
}

// SummaryKeys declares the keys Output.Summary writes for name: the mean
// (with the given direction, unit and tolerance), its standard error, the
// number of finite values and the number of non-finite ones.
func SummaryKeys(name, doc, unit string, better Direction, relTol, absTol float64, column *Column) []Key {
	return []Key{
		{Name: name, Doc: doc, Unit: unit, Better: better, RelTol: relTol, AbsTol: absTol, Column: column},
		{Name: name + "_stderr", Doc: "standard error of " + name, Unit: unit, Better: Neither, Qualifies: name, RelTol: 0.05, AbsTol: 1e-3},
		{Name: name + "_n", Doc: "finite values behind " + name, Better: Neither, Stable: true, Qualifies: name},
		{Name: name + "_nonfinite", Doc: "non-finite values left out of " + name, Better: Lower, Qualifies: name},
	}
}
