package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// Input is what evaluation prepares for the metrics of one trial. Fields
// marked with a need are set only when some metric computed for the trial
// declares that need (and the data or model can provide it).
type Input struct {
	// Test holds the evaluated test rows (eval.max_test), in model space.
	Test *mat.Dense
	// Data describes the data set.
	Data Data
	// Settings are the trial's evaluation settings.
	Settings Settings
	// Rand is the evaluation's random stream. Metrics draw from it in
	// their registry order, so that a trial's numbers are reproducible.
	Rand *rand.Rand
	// NumParams is the model's count of trainable scalars.
	NumParams int
	// Kind is the best likelihood the model offers: exact, bound,
	// estimate or none.
	Kind string

	// LogLik (NeedsLikelihood) is the model's log-likelihood of each test
	// row, of the given Kind; nil when the model has none.
	LogLik []float64
	// LowerBound (NeedsLikelihood) is the model's lower bound (ELBO) of
	// each test row when it has one besides a better likelihood; nil
	// otherwise.
	LowerBound []float64

	// TrueLogLik (NeedsTrueDensity) is the data's own log-density of each
	// test row.
	TrueLogLik []float64

	// Draw (NeedsSamples) draws n samples from the model with rng.
	Draw func(n int, rng *rand.Rand) (*mat.Dense, error)

	// Pixels (NeedsImages) maps rows from model space to intensities in
	// [0,1].
	Pixels func(x *mat.Dense) *mat.Dense
	// Classifier (NeedsClassifier) labels images.
	Classifier *Classifier

	// Valid (NeedsValid) is the validation split.
	Valid *mat.Dense

	// Diagnostics (NeedsDiagnostics) are the model's own numbers.
	Diagnostics map[string]float64

	samples map[int]*mat.Dense
}

// Data holds the facts about a data set that metrics use.
type Data struct {
	Dim    int
	Binary bool
	Shape  []int // (channels, height, width) for images, nil for vectors
	// Levels is the quantisation of the original data (256 for 8-bit
	// images), 0 when bits/dim do not apply to continuous data.
	Levels int
	// UnitLogDet maps one test row from model space back to the data
	// space where bits/dim are defined; nil for the identity.
	UnitLogDet func(y []float64) float64
	// Modes and ModeStd describe a mixture of isotropic Gaussians.
	Modes   [][]float64
	ModeStd float64
}

// Settings are the evaluation settings of a trial (the spec's eval block).
type Settings struct {
	Samples      int // samples drawn for sample-based metrics
	ImportanceK  int // importance samples of an estimated likelihood
	SpeedBatch   int // batch of the sampling-speed measurement
	SpeedRepeats int // repeats of the sampling-speed measurement
}

// Classifier labels images and gives their features, for class coverage
// and precision/recall.
type Classifier struct {
	// Label returns a class per row of pixel intensities, and the rows'
	// features.
	Label func(pixels *mat.Dense) (labels []int, features *mat.Dense)
	// Classes is the number of classes Label can return.
	Classes int
	// Name and Accuracy identify the classifier in protocol notes.
	Name     string
	Accuracy float64
}

// Samples returns n samples drawn with Rand: the same matrix on every call
// with the same n, so that the metrics of one evaluation judge one draw.
func (in *Input) Samples(n int) (*mat.Dense, error) {
	if s, ok := in.samples[n]; ok {
		return s, nil
	}
	if in.Draw == nil {
		return nil, fmt.Errorf("no sampler: the metric does not declare NeedsSamples")
	}
	s, err := in.Draw(n, in.Rand)
	if err != nil {
		return nil, err
	}
	if in.samples == nil {
		in.samples = map[int]*mat.Dense{}
	}
	in.samples[n] = s
	return s, nil
}

// FirstTest returns at most n test rows.
func (in *Input) FirstTest(n int) *mat.Dense {
	r, c := in.Test.Dims()
	if n <= 0 || n >= r {
		return in.Test
	}
	return in.Test.Slice(0, n, 0, c).(*mat.Dense)
}

// Output collects what metrics write for one trial: finite values by
// key, the names of keys whose value was not finite (JSON has no NaN, but
// nothing is hidden), and protocol notes saying how each was made.
type Output struct {
	Values     map[string]float64
	NonFinite  []string
	Notes      map[string]string
	metric     *Metric
	undeclared []string
}

// NewOutput returns an empty output.
func NewOutput() *Output {
	return &Output{Values: map[string]float64{}, Notes: map[string]string{}}
}

// Put records a value; a NaN or infinite value is listed in NonFinite.
func (o *Output) Put(key string, v float64) {
	o.declared(key)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		o.NonFinite = append(o.NonFinite, key)
		return
	}
	o.Values[key] = v
}

// Summary records a per-example summary under the keys SummaryKeys
// declares: key (the mean), key_stderr, key_n and key_nonfinite.
func (o *Output) Summary(key string, s Summary) {
	o.Put(key, s.Mean)
	o.Put(key+"_stderr", s.StdErr)
	o.declared(key + "_n")
	o.declared(key + "_nonfinite")
	o.Values[key+"_n"] = float64(s.N)
	o.Values[key+"_nonfinite"] = float64(s.NonFinite)
}

// Note records how a metric was made, under the metric's name or another
// protocol key.
func (o *Output) Note(key, text string) { o.Notes[key] = text }

func (o *Output) declared(key string) {
	if o.metric != nil && !o.metric.declares(key) {
		o.undeclared = append(o.undeclared, key)
	}
}

// Run computes m into o, and refuses keys m does not declare: a key
// without a declaration would escape the regression check and the report.
func (o *Output) Run(m Metric, in *Input) error {
	if m.Compute == nil {
		return fmt.Errorf("metric %s is recorded by the harness, not computed", m.Name)
	}
	o.metric, o.undeclared = &m, nil
	defer func() { o.metric = nil }()
	if err := m.Compute(in, o); err != nil {
		return fmt.Errorf("%s: %w", m.Name, err)
	}
	if len(o.undeclared) > 0 {
		sort.Strings(o.undeclared)
		return fmt.Errorf("metric %s wrote undeclared keys %v: declare them in its Keys", m.Name, o.undeclared)
	}
	return nil
}
