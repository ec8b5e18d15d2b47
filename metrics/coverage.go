package metrics

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// ModeCoverage is the result of [Modes] (VEEGAN/PacGAN protocol).
type ModeCoverage struct {
	// ModesCovered is the number of modes with at least one high-quality
	// sample nearest to them, out of NumModes.
	ModesCovered, NumModes int
	// Samples is the number of samples evaluated (rows of the matrix),
	// HighQuality the number within 3 std of their nearest mode, and
	// HighQualityFrac = HighQuality/Samples.
	Samples, HighQuality int
	HighQualityFrac      float64
	// NonFinite counts samples with a NaN or ±Inf coordinate. They stay in
	// Samples (the denominator) and are never high quality.
	NonFinite int
	// KL is KL(q ‖ uniform) in nats, where q is the normalised histogram of
	// the high-quality samples over all NumModes modes (see [KLToUniform]):
	// the generated-vs-target direction that GAN papers call the reverse KL.
	// 0 means a perfectly balanced histogram, log(NumModes) all high-quality
	// samples on one mode. NaN if there are no high-quality samples (the
	// histogram is undefined); callers must handle that case.
	KL float64
	// JSD is the Jensen–Shannon divergence between q and uniform in nats
	// (in [0, ln 2]; see [JSDToUniform]); NaN when KL is.
	JSD float64
	// Counts[i] is the number of high-quality samples nearest to mode i.
	Counts []int
}

// Modes evaluates mode coverage of generated samples (one per row) on a
// Gaussian mixture with the given component means and common standard
// deviation std (ring: 8 modes (cos 2πi/8, sin 2πi/8), std 0.01; grid: 25
// modes on {−4,−2,0,2,4}², std 0.05; evaluate 2500 samples).
//
// Each sample is assigned to its nearest mode (Euclidean; ties go to the
// lower index). It is high quality if that distance is ≤ 3·std. A mode is
// covered if at least one high-quality sample is assigned to it.
//
// Errors: nil or empty samples, no modes, modes of different dimension than
// the samples' columns, non-finite mode coordinates, or std not > 0.
func Modes(samples *mat.Dense, modes [][]float64, std float64) (ModeCoverage, error) {
	if samples == nil || samples.IsEmpty() {
		return ModeCoverage{}, errors.New("metrics: modes: no samples")
	}
	if len(modes) == 0 {
		return ModeCoverage{}, errors.New("metrics: modes: no modes")
	}
	if !(std > 0) || math.IsInf(std, 1) {
		return ModeCoverage{}, fmt.Errorf("metrics: modes: std must be positive and finite, got %v", std)
	}
	n, d := samples.Dims()
	for i, m := range modes {
		if len(m) != d {
			return ModeCoverage{}, fmt.Errorf("metrics: modes: mode %d has dimension %d, samples have %d", i, len(m), d)
		}
		for _, v := range m {
			if !isFinite(v) {
				return ModeCoverage{}, fmt.Errorf("metrics: modes: mode %d has non-finite coordinate %v", i, v)
			}
		}
	}
	r := ModeCoverage{NumModes: len(modes), Samples: n, Counts: make([]int, len(modes))}
	thr := 9 * std * std // (3 std)², compared with squared distances
	for i := range n {
		x := samples.RawRowView(i)
		finite := true
		for _, v := range x {
			if !isFinite(v) {
				finite = false
				break
			}
		}
		if !finite {
			r.NonFinite++
			continue
		}
		best, bd := 0, math.Inf(1)
		for k, m := range modes {
			if dd := sqDist(x, m); dd < bd {
				best, bd = k, dd
			}
		}
		if bd <= thr {
			r.HighQuality++
			r.Counts[best]++
		}
	}
	for _, c := range r.Counts {
		if c > 0 {
			r.ModesCovered++
		}
	}
	r.HighQualityFrac = float64(r.HighQuality) / float64(n)
	r.KL = KLToUniform(r.Counts)
	r.JSD = JSDToUniform(r.Counts)
	return r, nil
}

// ClassCoverage evaluates class coverage of generated images labelled by a
// classifier: covered is the number of classes in [0, numClasses) that
// received at least one label, and kl is KL(class histogram ‖ uniform over
// numClasses) in nats (see [KLToUniform]; 0 for balanced classes,
// log(numClasses) for a single class). With no labels, covered is 0 and kl is
// NaN. Errors: numClasses < 1 or a label outside [0, numClasses).
func ClassCoverage(labels []int, numClasses int) (covered int, kl float64, err error) {
	if numClasses < 1 {
		return 0, math.NaN(), fmt.Errorf("metrics: class coverage: numClasses must be ≥ 1, got %d", numClasses)
	}
	counts := make([]int, numClasses)
	for i, l := range labels {
		if l < 0 || l >= numClasses {
			return 0, math.NaN(), fmt.Errorf("metrics: class coverage: label %d at index %d outside [0, %d)", l, i, numClasses)
		}
		counts[l]++
	}
	for _, c := range counts {
		if c > 0 {
			covered++
		}
	}
	return covered, KLToUniform(counts), nil
}

// normalise returns counts/Σcounts, or nil if the total is zero or a count is
// negative.
func normalise(counts []int) []float64 {
	total := 0
	for _, c := range counts {
		if c < 0 {
			return nil
		}
		total += c
	}
	if total == 0 {
		return nil
	}
	p := make([]float64, len(counts))
	for i, c := range counts {
		p[i] = float64(c) / float64(total)
	}
	return p
}

// KLToUniform returns KL(p ‖ u) = Σ_i p_i log(K·p_i) in nats, where p is the
// normalised histogram counts/Σcounts over K = len(counts) bins and u the
// uniform distribution on them. Empty bins contribute 0 (p log p → 0). The
// result lies in [0, log K]. It is NaN if the counts sum to zero (the
// histogram is undefined), if a count is negative, or if there are no bins.
func KLToUniform(counts []int) float64 {
	p := normalise(counts)
	if p == nil {
		return math.NaN()
	}
	k := float64(len(p))
	kl := 0.0
	for _, pi := range p {
		if pi > 0 {
			kl += pi * math.Log(k*pi)
		}
	}
	return max(kl, 0) // clamp rounding below zero
}

// JSDToUniform returns the Jensen–Shannon divergence ½KL(p‖m) + ½KL(u‖m),
// m = (p+u)/2, in nats, between the normalised histogram p of counts and the
// uniform distribution u over len(counts) bins. The result lies in [0, ln 2].
// NaN under the same conditions as [KLToUniform].
func JSDToUniform(counts []int) float64 {
	p := normalise(counts)
	if p == nil {
		return math.NaN()
	}
	u := 1 / float64(len(p))
	js := 0.0
	for _, pi := range p {
		m := (pi + u) / 2
		if pi > 0 {
			js += 0.5 * pi * math.Log(pi/m)
		}
		js += 0.5 * u * math.Log(u/m)
	}
	return max(js, 0)
}

func init() {
	Register(Metric{
		Name:       "mode_coverage",
		Doc:        "2-D mixtures: modes covered, high-quality fraction, KL of the mode histogram to uniform",
		Protocol:   "Mode coverage",
		Order:      50,
		Stochastic: Sampled,
		Needs:      NeedsSamples | NeedsModes,
		Keys: []Key{
			{Name: "modes_covered", Doc: "modes with at least one high-quality sample", Better: Higher,
				Column: &Column{Header: "modes covered", Rank: 130, Format: CountOf, Total: "modes_total"}},
			{Name: "modes_total", Doc: "modes of the mixture", Better: Neither, Stable: true},
			{Name: "high_quality_frac", Doc: "fraction of samples within 3 std of their nearest mode", Better: Higher, RelTol: 0.02, AbsTol: 0.02,
				Column: &Column{Header: "high quality", Rank: 140, Format: Percent}},
			{Name: "mode_kl", Doc: "KL(high-quality mode histogram ‖ uniform)", Unit: "nats", Better: Lower, RelTol: 0.1, AbsTol: 0.02,
				Column: &Column{Header: "mode KL", Rank: 150, Format: Sig3}},
			{Name: "mode_jsd", Doc: "JSD(high-quality mode histogram, uniform)", Unit: "nats", Better: Lower, RelTol: 0.1, AbsTol: 0.02},
		},
		Compute: computeModeCoverage,
	})
	Register(Metric{
		Name:       "class_coverage",
		Doc:        "images: classes covered by a trained classifier and KL of the class histogram to uniform",
		Protocol:   "Class coverage",
		Order:      60,
		Stochastic: Sampled,
		Needs:      NeedsSamples | NeedsImages | NeedsClassifier,
		Also:       []string{"precision_recall"},
		Keys: []Key{
			{Name: "classes_covered", Doc: "classes the classifier finds among the samples", Better: Higher,
				Column: &Column{Header: "classes covered", Rank: 160, Format: CountOf, Total: "classes_total"}},
			{Name: "classes_total", Doc: "classes the classifier can tell apart", Better: Neither, Stable: true},
			{Name: "class_kl", Doc: "KL(class histogram ‖ uniform)", Unit: "nats", Better: Lower, RelTol: 0.1, AbsTol: 0.02,
				Column: &Column{Header: "class KL", Rank: 170, Format: Sig3}},
			{Name: "class_share_*", Doc: fmt.Sprintf("class_share_<i>: the share of the samples labelled class i, the class histogram (classifiers of at most %d classes)", MaxClassShares),
				Better: Neither, RelTol: 0.1, AbsTol: 0.02},
		},
		Compute: computeClassCoverage,
	})
}

func computeModeCoverage(in *Input, out *Output) error {
	s, err := in.Samples(in.Settings.Samples)
	if err != nil {
		return fmt.Errorf("samples: %w", err)
	}
	mc, err := Modes(s, in.Data.Modes, in.Data.ModeStd)
	if err != nil {
		return err
	}
	out.Put("modes_covered", float64(mc.ModesCovered))
	out.Put("modes_total", float64(mc.NumModes))
	out.Put("high_quality_frac", mc.HighQualityFrac)
	out.Put("mode_kl", mc.KL)
	out.Put("mode_jsd", mc.JSD)
	out.Note("mode_coverage", fmt.Sprintf("VEEGAN/PacGAN: %d samples, high quality within 3 std (%g) of the nearest mode; mode_kl = KL(hq histogram ‖ uniform) in nats",
		in.Settings.Samples, in.Data.ModeStd))
	return nil
}

func computeClassCoverage(in *Input, out *Output) error {
	s, err := in.Samples(in.Settings.Samples)
	if err != nil {
		return fmt.Errorf("samples: %w", err)
	}
	clf := in.Classifier
	labels, _ := clf.Label(in.Pixels(s))
	covered, kl, err := ClassCoverage(labels, clf.Classes)
	if err != nil {
		return err
	}
	out.Put("classes_covered", float64(covered))
	out.Put("classes_total", float64(clf.Classes))
	out.Put("class_kl", kl)
	if clf.Classes <= MaxClassShares {
		for i, share := range classShares(labels, clf.Classes) {
			out.Put(fmt.Sprintf("class_share_%d", i), share)
		}
	}
	out.Note("class_coverage", fmt.Sprintf("%d samples labelled by the classifier %s (test accuracy %.4f); class_kl = KL(class histogram ‖ uniform over %d) in nats",
		in.Settings.Samples, clf.Name, clf.Accuracy, clf.Classes))
	return nil
}

// MaxClassShares is the most classes whose histogram class coverage
// records (class_share_<i>): ten for MNIST and Fashion-MNIST, none of
// stacked MNIST's thousand.
const MaxClassShares = 100

// classShares is the normalised histogram of labels over classes 0..k−1
// (labels outside are counted in the denominator only).
func classShares(labels []int, k int) []float64 {
	shares := make([]float64, k)
	for _, l := range labels {
		if l >= 0 && l < k {
			shares[l]++
		}
	}
	for i := range shares {
		shares[i] /= float64(len(labels))
	}
	return shares
}
