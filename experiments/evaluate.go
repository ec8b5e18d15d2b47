package experiments

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/metrics/digits"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/results"
)

// Evaluation holds a trial's test metrics, the protocol notes that say how
// they were made, and the names of metrics whose value was not finite
// (kept out of the map, since JSON has no NaN, but never hidden).
type Evaluation struct {
	Kind      models.NLLKind
	Metrics   map[string]float64
	Protocol  map[string]string
	NonFinite []string
	// Examples holds the per-test-example log-likelihood (exact, bound
	// or estimate, as Kind says) behind test_nll; nil without one. With
	// several evaluation seeds, those under the first.
	Examples []float64
	// Seeds holds the stochastic keys' values under each evaluation
	// seed; nil with one (see EvaluateSeeds).
	Seeds *results.EvalSeeds
}

// evalOverrideNote is the protocol note of a model that overrides eval
// keys: which, with their values, in schema order ("" without). The
// metric notes and results.Provenance.Spec show the effective settings; this says
// where they differ from the spec's eval block.
func evalOverrideNote(m ModelSpec) string {
	var parts []string
	for _, f := range evalSchema {
		if v, ok := m.EvalOverride[f.Key]; ok {
			parts = append(parts, f.Key+"="+results.FormatValue(v))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("model %s overrides the spec's eval block: %s", m.Name, strings.Join(parts, ", "))
}

// firstRows returns at most n rows of x (all when n ≤ 0).
func firstRows(x *mat.Dense, n int) *mat.Dense {
	r, c := x.Dims()
	if n <= 0 || n >= r {
		return x
	}
	return x.Slice(0, n, 0, c).(*mat.Dense)
}

// Evaluate computes the test metrics the spec asks for, those they bring
// along (metrics.Metric.Also) and those computed always, in the metric
// registry's order; each metric gets the inputs it declares it needs.
// Randomness (importance samples, generated samples) comes from rng only.
// It evaluates under one evaluation seed; EvaluateSeeds under several.
func Evaluate(m models.Model, d *datasets.Data, ev EvalSpec, rng *rand.Rand) (*Evaluation, error) {
	e, _, err := evaluateAll(m, d, ev, rng)
	return e, err
}

// evaluateAll is Evaluate, also returning the input the metrics saw.
func evaluateAll(m models.Model, d *datasets.Data, ev EvalSpec, rng *rand.Rand) (*Evaluation, *metrics.Input, error) {
	e, in, err := evaluateWith(m, d, ev, rng, metricsFor(ev.Metrics), nil)
	if err != nil {
		return nil, nil, err
	}
	e.Metrics["params"] = float64(m.NumParams())
	return e, in, nil
}

// evaluateWith runs the metrics list on m, with the random stream rng,
// and returns the evaluation and the input the metrics saw. The inputs
// of carried (the lower bound of a previous evaluation of the same model
// and test rows), when not nil, are reused rather than computed again.
func evaluateWith(m models.Model, d *datasets.Data, ev EvalSpec, rng *rand.Rand, list []metrics.Metric, carried *metrics.Input) (*Evaluation, *metrics.Input, error) {
	e := &Evaluation{Kind: models.Kind(m), Metrics: map[string]float64{}, Protocol: map[string]string{}}
	test := firstRows(d.Test, ev.MaxTest)
	nTest, dim := test.Dims()
	e.Protocol["test_rows"] = fmt.Sprint(nTest)
	p := &preparer{model: m, data: d, done: map[metrics.Needs]bool{}, in: &metrics.Input{
		Test: test, Rand: rng, NumParams: m.NumParams(), Kind: string(e.Kind),
		Data: metrics.Data{Dim: dim, Binary: d.Kind == datasets.Binary, Shape: d.Shape, Levels: d.Levels, UnitLogDet: d.UnitLogDet,
			Modes: d.Modes, ModeStd: d.ModeStd},
		Settings: metrics.Settings{Samples: ev.Samples, ImportanceK: ev.ImportanceK, SpeedBatch: ev.SpeedBatch, SpeedRepeats: ev.SpeedRepeats,
			FDSamples: ev.fdSamples()},
	}}
	if carried != nil {
		p.in.LowerBound = carried.LowerBound
	}
	out := metrics.NewOutput()
	for _, mt := range list {
		ok, err := p.prepare(mt.Needs)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			continue // the data or the model cannot give what the metric needs
		}
		if err := out.Run(mt, p.in); err != nil {
			return nil, nil, err
		}
	}
	e.Examples = p.in.LogLik // nil when no metric needed the likelihood
	maps.Copy(e.Metrics, out.Values)
	maps.Copy(e.Protocol, out.Notes)
	e.NonFinite = out.NonFinite
	slices.Sort(e.NonFinite)
	return e, p.in, nil
}

// metricsFor returns, in evaluation order, the registered metrics asked
// for, those they bring along, and those computed always.
func metricsFor(asked []string) []metrics.Metric {
	want := map[string]bool{}
	for _, name := range asked {
		want[name] = true
		if mt, ok := metrics.Lookup(name); ok {
			for _, also := range mt.Also {
				want[also] = true
			}
		}
	}
	var out []metrics.Metric
	for _, mt := range metrics.All() {
		if mt.Compute != nil && (want[mt.Name] || mt.Always) {
			out = append(out, mt)
		}
	}
	return out
}

// preparer fills a metrics.Input as the metrics need it, each input once,
// at the time the first metric needing it runs: inputs that draw from the
// random stream (importance samples, diagnostics) draw in metric order.
type preparer struct {
	model models.Model
	data  *datasets.Data
	in    *metrics.Input
	done  map[metrics.Needs]bool
}

// prepare readies the inputs of needs; false means the trial cannot give
// one of them (no analytic density, no modes, no images, no diagnostics),
// found before anything is computed.
func (p *preparer) prepare(needs metrics.Needs) (bool, error) {
	for need := range eachNeed(needs) {
		if !p.available(need) {
			return false, nil
		}
	}
	for need := range eachNeed(needs) {
		if p.done[need] {
			continue
		}
		if err := p.prepareOne(need); err != nil {
			return false, err
		}
		p.done[need] = true
	}
	return true, nil
}

// eachNeed yields the needs of a set one by one, lowest bit first.
func eachNeed(needs metrics.Needs) func(func(metrics.Needs) bool) {
	return func(yield func(metrics.Needs) bool) {
		for need := metrics.Needs(1); need != 0 && need <= needs; need <<= 1 {
			if needs&need != 0 && !yield(need) {
				return
			}
		}
	}
}

// available reports whether the trial's data and model can give a need.
func (p *preparer) available(need metrics.Needs) bool {
	d := p.data
	switch need {
	case metrics.NeedsTrueDensity:
		return d.LogDensity != nil
	case metrics.NeedsModes:
		return d.Modes != nil
	case metrics.NeedsImages, metrics.NeedsClassifier:
		return d.ToPixels != nil && len(d.Shape) == 3
	case metrics.NeedsDiagnostics:
		_, ok := p.model.(models.Diagnoser)
		return ok
	}
	return true
}

// prepareOne makes the input of one available need. Inputs that draw from
// the random stream (importance samples, diagnostics) are made when the
// first metric needing them runs, so in metric order.
func (p *preparer) prepareOne(need metrics.Needs) error {
	d, in := p.data, p.in
	switch need {
	case metrics.NeedsLikelihood:
		return p.likelihood()
	case metrics.NeedsTrueDensity:
		in.TrueLogLik = make([]float64, in.Test.RawMatrix().Rows)
		for i := range in.TrueLogLik {
			in.TrueLogLik[i] = d.LogDensity(in.Test.RawRowView(i))
		}
	case metrics.NeedsSamples:
		in.Draw = p.model.Sample
	case metrics.NeedsModes: // in.Data has them
	case metrics.NeedsImages:
		in.Pixels = func(x *mat.Dense) *mat.Dense { return pixelRows(d, x) }
	case metrics.NeedsClassifier:
		return p.classifier()
	case metrics.NeedsValid:
		in.Valid = d.Valid
	case metrics.NeedsDiagnostics:
		diag, err := p.model.(models.Diagnoser).Diagnostics(in.Test, in.Rand)
		if err != nil {
			return fmt.Errorf("diagnostics: %w", err)
		}
		in.Diagnostics = diag
	default:
		return fmt.Errorf("metric input %v: evaluation cannot prepare it", need)
	}
	return nil
}

// classifier readies the data set's classifier (digits.ForDataset): its
// own for Fashion-MNIST, the digit classifier for MNIST and, channel by
// channel, for stacked MNIST (k^channels classes: 1000 for three digits).
func (p *preparer) classifier() error {
	clf, err := digits.GetRecipe(digits.ForDataset(p.data.Name), nil)
	if err != nil {
		return fmt.Errorf("%s classifier: %w", p.data.Name, err)
	}
	channels, classes := p.data.Shape[0], 1
	for range channels {
		classes *= clf.Classes()
	}
	name := clf.Architecture() + " trained on " + clf.Dataset()
	if clf.Dataset() == "mnist" {
		name = digits.Version // the name MNIST records have always carried
	}
	p.in.Classifier = &metrics.Classifier{Classes: classes, Name: name, Accuracy: clf.Accuracy, Hash: clf.Hash(),
		Label: func(pix *mat.Dense) ([]int, *mat.Dense) { return labelImages(clf, pix, channels) }}
	return nil
}

// likelihood computes the test log-likelihoods of the model's best kind,
// and its lower bound besides when the best kind is not the bound (unless
// carried over from an earlier evaluation seed: it is deterministic).
func (p *preparer) likelihood() error {
	in := p.in
	var err error
	switch mm := p.model.(type) {
	case models.Density:
		in.LogLik, err = mm.LogProb(in.Test)
	case models.Estimator:
		in.LogLik, err = mm.LogProbEstimate(in.Test, in.Settings.ImportanceK, in.Rand)
	case models.Bounded:
		in.LogLik, err = mm.LowerBound(in.Test)
	}
	if err != nil {
		return fmt.Errorf("test log-likelihood: %w", err)
	}
	if b, ok := p.model.(models.Bounded); ok && models.Kind(p.model) != models.Bound && in.LowerBound == nil {
		if in.LowerBound, err = b.LowerBound(in.Test); err != nil {
			return fmt.Errorf("test ELBO: %w", err)
		}
	}
	return nil
}

// pixelRows maps rows from model space to intensities in [0,1].
func pixelRows(d *datasets.Data, x *mat.Dense) *mat.Dense {
	r, c := x.Dims()
	out := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		d.ToPixels(x.RawRowView(i), out.RawRowView(i))
	}
	return out
}

// labelImages classifies each channel of each row with the classifier:
// one digit for MNIST, 100·d1+10·d2+d3 for stacked MNIST (k classes per
// channel in general). The features of the channels are concatenated.
func labelImages(clf *digits.Classifier, pix *mat.Dense, channels int) ([]int, *mat.Dense) {
	r, c := pix.Dims()
	per := c / channels
	labels := make([]int, r)
	var feats *mat.Dense
	for ch := 0; ch < channels; ch++ {
		l, f := clf.Classify(pix.Slice(0, r, ch*per, (ch+1)*per).(*mat.Dense))
		for i := range labels {
			labels[i] = labels[i]*clf.Classes() + l[i]
		}
		if feats == nil {
			feats = f
		} else {
			var joined mat.Dense
			joined.Augment(feats, f)
			feats = &joined
		}
	}
	return labels, feats
}
