package experiments

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/metrics/digits"
	"github.com/genbench/genbench/models"
)

// Evaluation holds a trial's test metrics, the protocol notes that say how
// they were made, and the names of metrics whose value was not finite
// (kept out of the map, since JSON has no NaN, but never hidden).
type Evaluation struct {
	Kind      models.NLLKind
	Metrics   map[string]float64
	Protocol  map[string]string
	NonFinite []string
}

func (e *Evaluation) put(name string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		e.NonFinite = append(e.NonFinite, name)
		return
	}
	e.Metrics[name] = v
}

func (e *Evaluation) summary(prefix string, s metrics.Summary) {
	e.put(prefix, s.Mean)
	e.put(prefix+"_stderr", s.StdErr)
	e.Metrics[prefix+"_n"] = float64(s.N)
	e.Metrics[prefix+"_nonfinite"] = float64(s.NonFinite)
}

// evalOverrideNote is the protocol note of a model that overrides eval
// keys: which, with their values, in schema order ("" without). The
// metric notes and Provenance.Spec show the effective settings; this says
// where they differ from the spec's eval block.
func evalOverrideNote(m ModelSpec) string {
	var parts []string
	for _, f := range evalSchema {
		if v, ok := m.EvalOverride[f.Key]; ok {
			parts = append(parts, f.Key+"="+formatValue(v))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("model %s overrides the spec's eval block: %s", m.Name, strings.Join(parts, ", "))
}

func wants(ev EvalSpec, name string) bool { return slices.Contains(ev.Metrics, name) }

// firstRows returns at most n rows of x (all when n ≤ 0).
func firstRows(x *mat.Dense, n int) *mat.Dense {
	r, c := x.Dims()
	if n <= 0 || n >= r {
		return x
	}
	return x.Slice(0, n, 0, c).(*mat.Dense)
}

// Evaluate computes the test metrics the spec asks for. Randomness
// (importance samples, generated samples) comes from rng only.
func Evaluate(m models.Model, d *datasets.Data, ev EvalSpec, rng *rand.Rand) (*Evaluation, error) {
	e := &Evaluation{Kind: models.Kind(m), Metrics: map[string]float64{}, Protocol: map[string]string{}}
	test := firstRows(d.Test, ev.MaxTest)
	nTest, _ := test.Dims()
	e.Metrics["params"] = float64(m.NumParams())
	e.Protocol["test_rows"] = fmt.Sprint(nTest)
	// The steps draw from rng in this order; keep it, for the same bits.
	logp, err := e.likelihood(m, d, ev, test, rng)
	if err != nil {
		return nil, err
	}
	e.trueNLL(d, ev, test, logp)
	if wants(ev, "sampling_speed") {
		if err := e.samplingSpeed(m, ev, rng); err != nil {
			return nil, err
		}
	}
	if wants(ev, "mode_coverage") && d.Modes != nil {
		if err := e.modeCoverage(m, d, ev, rng); err != nil {
			return nil, err
		}
	}
	if (wants(ev, "class_coverage") || wants(ev, "precision_recall")) && d.ToPixels != nil && len(d.Shape) == 3 {
		if err := imageCoverage(e, m, d, ev, test, rng); err != nil {
			return nil, err
		}
	}
	if wants(ev, "parzen") {
		if err := parzen(e, m, d, ev, test, rng); err != nil {
			return nil, err
		}
	}
	if dg, ok := m.(models.Diagnoser); ok { // always: a VAE record must show collapse
		diag, err := dg.Diagnostics(test, rng)
		if err != nil {
			return nil, fmt.Errorf("diagnostics: %w", err)
		}
		for k, v := range diag {
			e.put(k, v)
		}
	}
	slices.Sort(e.NonFinite)
	return e, nil
}

// likelihood computes the test NLL the model offers (exact, estimated or
// bounded), its ELBO beside an exact or estimated NLL, and bits/dim; it
// returns the per-example log-likelihoods, nil without any.
func (e *Evaluation) likelihood(m models.Model, d *datasets.Data, ev EvalSpec, test *mat.Dense, rng *rand.Rand) ([]float64, error) {
	if !wants(ev, "nll") && !wants(ev, "bits_per_dim") {
		return nil, nil
	}
	var logp []float64
	var err error
	switch mm := m.(type) {
	case models.Density:
		logp, err = mm.LogProb(test)
		e.Protocol["nll"] = "exact log-density, mean ± 2 s.e. over test examples"
	case models.Estimator:
		logp, err = mm.LogProbEstimate(test, ev.ImportanceK, rng)
		e.Metrics["importance_k"] = float64(ev.ImportanceK)
		e.Protocol["nll"] = fmt.Sprintf("importance-sampled estimate, k=%d samples from q(z|x)", ev.ImportanceK)
	case models.Bounded:
		logp, err = mm.LowerBound(test)
		e.Protocol["nll"] = "negative ELBO (an upper bound on NLL)"
	default:
		e.Protocol["nll"] = "none: the model has no likelihood"
	}
	if err != nil {
		return nil, fmt.Errorf("test log-likelihood: %w", err)
	}
	if b, ok := m.(models.Bounded); ok && e.Kind != models.Bound {
		lb, err := b.LowerBound(test)
		if err != nil {
			return nil, fmt.Errorf("test ELBO: %w", err)
		}
		e.summary("test_nll_bound", metrics.NLL(lb))
	}
	if logp == nil {
		return nil, nil
	}
	e.summary("test_nll", metrics.NLL(logp))
	if wants(ev, "bits_per_dim") && (d.Levels > 0 || d.Kind == datasets.Binary) {
		if err := e.bitsPerDim(d, test, logp); err != nil {
			return nil, err
		}
	}
	return logp, nil
}

// bitsPerDim converts the test log-likelihoods to bits per dimension in
// the data's own space.
func (e *Evaluation) bitsPerDim(d *datasets.Data, test *mat.Dense, logp []float64) error {
	nTest, dim := test.Dims()
	perExample := make([]float64, len(logp))
	for i, v := range logp {
		perExample[i] = -v
	}
	var corr []float64
	if d.UnitLogDet != nil {
		corr = make([]float64, nTest)
		for i := range corr {
			corr[i] = d.UnitLogDet(test.RawRowView(i))
		}
	}
	bpd, err := metrics.BitsPerDim(perExample, corr, dim, d.Levels)
	if err != nil {
		return fmt.Errorf("bits/dim: %w", err)
	}
	e.summary("bits_per_dim", bpd)
	e.Protocol["bits_per_dim"] = fmt.Sprintf("NLL/(D ln2) + log2(%d) with the preprocessing's Jacobian (REFERENCE.md)", d.Levels)
	if d.Levels == 0 {
		e.Protocol["bits_per_dim"] = "NLL/(D ln2) on binary data"
	}
	return nil
}

// trueNLL computes the data's own NLL on the test examples where the data
// set has a density, and the model's gap to it.
func (e *Evaluation) trueNLL(d *datasets.Data, ev EvalSpec, test *mat.Dense, logp []float64) {
	if d.LogDensity == nil || !wants(ev, "true_nll") && !wants(ev, "nll") {
		return
	}
	nTest, _ := test.Dims()
	lp := make([]float64, nTest)
	for i := range lp {
		lp[i] = d.LogDensity(test.RawRowView(i))
	}
	e.summary("true_nll", metrics.NLL(lp))
	if logp != nil {
		gap := make([]float64, nTest)
		for i := range gap {
			gap[i] = lp[i] - logp[i]
		}
		e.summary("nll_gap", metrics.Summarize(gap))
	}
	e.Protocol["true_nll"] = "the data's own NLL on the same test examples (a Monte Carlo entropy estimate)"
}

// samplingSpeed measures samples per second with a stream of its own,
// seeded from rng.
func (e *Evaluation) samplingSpeed(m models.Model, ev EvalSpec, rng *rand.Rand) error {
	speedRNG := rand.New(rand.NewPCG(rng.Uint64(), 1))
	sp, err := metrics.SamplingSpeed(func(n int) error {
		_, err := m.Sample(n, speedRNG)
		return err
	}, ev.SpeedBatch, 1, ev.SpeedRepeats)
	if err != nil {
		return fmt.Errorf("sampling speed: %w", err)
	}
	e.put("samples_per_sec", sp.SamplesPerSec)
	e.Protocol["sampling_speed"] = fmt.Sprintf("batch %d, 1 warm-up, median of %d repeats", ev.SpeedBatch, ev.SpeedRepeats)
	return nil
}

// modeCoverage applies the VEEGAN/PacGAN mode-coverage protocol to
// ev.Samples samples.
func (e *Evaluation) modeCoverage(m models.Model, d *datasets.Data, ev EvalSpec, rng *rand.Rand) error {
	s, err := m.Sample(ev.Samples, rng)
	if err != nil {
		return fmt.Errorf("samples for mode coverage: %w", err)
	}
	mc, err := metrics.Modes(s, d.Modes, d.ModeStd)
	if err != nil {
		return fmt.Errorf("mode coverage: %w", err)
	}
	e.put("modes_covered", float64(mc.ModesCovered))
	e.put("modes_total", float64(mc.NumModes))
	e.put("high_quality_frac", mc.HighQualityFrac)
	e.put("mode_kl", mc.KL)
	e.put("mode_jsd", mc.JSD)
	e.Protocol["mode_coverage"] = fmt.Sprintf("VEEGAN/PacGAN: %d samples, high quality within 3 std (%g) of the nearest mode; mode_kl = KL(hq histogram ‖ uniform) in nats", ev.Samples, d.ModeStd)
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

// labelImages classifies each channel of each row with the digit
// classifier: one digit for MNIST, 100·d1+10·d2+d3 for stacked MNIST. The
// features of the channels are concatenated.
func labelImages(clf *digits.Classifier, pix *mat.Dense, channels int) ([]int, *mat.Dense) {
	r, c := pix.Dims()
	per := c / channels
	labels := make([]int, r)
	var feats *mat.Dense
	for ch := 0; ch < channels; ch++ {
		l, f := clf.Classify(pix.Slice(0, r, ch*per, (ch+1)*per).(*mat.Dense))
		for i := range labels {
			labels[i] = labels[i]*10 + l[i]
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

// imageCoverage labels generated images with the digit classifier: classes
// covered and KL to uniform, and k-NN precision/recall and density/coverage
// (k = 5) against test images in the classifier's feature space.
func imageCoverage(e *Evaluation, m models.Model, d *datasets.Data, ev EvalSpec, test *mat.Dense, rng *rand.Rand) error {
	clf, err := digits.Get(nil)
	if err != nil {
		return fmt.Errorf("digit classifier: %w", err)
	}
	samples, err := m.Sample(ev.Samples, rng)
	if err != nil {
		return fmt.Errorf("samples for class coverage: %w", err)
	}
	channels := d.Shape[0]
	labels, fake := labelImages(clf, pixelRows(d, samples), channels)
	classes := 1
	for range channels {
		classes *= 10
	}
	covered, kl, err := metrics.ClassCoverage(labels, classes)
	if err != nil {
		return fmt.Errorf("class coverage: %w", err)
	}
	e.put("classes_covered", float64(covered))
	e.put("classes_total", float64(classes))
	e.put("class_kl", kl)
	nReal := min(ev.Samples, test.RawMatrix().Rows)
	_, real := labelImages(clf, pixelRows(d, firstRows(test, nReal)), channels)
	pr, err := metrics.PRDC(real, fake, 5)
	if err != nil {
		return fmt.Errorf("precision/recall: %w", err)
	}
	e.put("precision", pr.Precision)
	e.put("recall", pr.Recall)
	e.put("density", pr.Density)
	e.put("coverage", pr.Coverage)
	e.Protocol["class_coverage"] = fmt.Sprintf("%d samples labelled by the digit classifier %s (test accuracy %.4f); class_kl = KL(class histogram ‖ uniform over %d) in nats",
		ev.Samples, digits.Version, clf.Accuracy, classes)
	e.Protocol["precision_recall"] = fmt.Sprintf("k-NN (k=5) precision/recall (Kynkäänniemi 2019) and density/coverage (Naeem 2020): %d samples vs %d test images in the classifier's last hidden layer", ev.Samples, nReal)
	return nil
}

// parzen is the Parzen-window estimate of Goodfellow et al. (2014):
// generated samples as kernel centres, σ chosen on the validation split.
// It is an estimate and stored apart from test_nll, never ranked with it.
func parzen(e *Evaluation, m models.Model, d *datasets.Data, ev EvalSpec, test *mat.Dense, rng *rand.Rand) error {
	const centres = 10000
	samples, err := m.Sample(centres, rng)
	if err != nil {
		return fmt.Errorf("samples for Parzen: %w", err)
	}
	valid := firstRows(d.Valid, 1000)
	sigma, _, err := metrics.ParzenSigma(samples, valid, nil)
	if err != nil {
		return fmt.Errorf("parzen σ: %w", err)
	}
	ll, err := metrics.ParzenLogLik(samples, test, sigma)
	if err != nil {
		return fmt.Errorf("parzen: %w", err)
	}
	e.summary("parzen_nll", metrics.NLL(ll))
	e.put("parzen_sigma", sigma)
	e.Protocol["parzen"] = fmt.Sprintf("Parzen window (Goodfellow 2014): %d samples as centres, σ=%.3g from logspace(−1,0,10) on 1000 validation rows; an estimate, never ranked with exact NLLs", centres, sigma)
	return nil
}
