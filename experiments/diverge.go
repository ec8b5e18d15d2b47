package experiments

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/results"
)

// Divergence beyond non-finite numbers. A loss can blow up to 1e21 and
// stay finite, or a flow can settle at an NLL of 40,000 nats on 2-D data;
// such a run used to end ok with the best (still absurd) state restored.
// Two rules, both in nats per dimension of the data so that they hold
// from 2-D toys to MNIST, end such a trial as diverged:
//
//   - magnitude: a training or validation loss whose absolute value
//     exceeds diverge_loss·D (default 1e4·D) ends the trial at once: no
//     healthy run reaches it (MNIST flows start near 50 nats per
//     dimension, and train below 2).
//   - bound: a validation NLL (or negative ELBO) above reference +
//     diverge_margin·D (default 10·D) for diverge_epochs epochs in a row
//     (default 3) ends it. The reference is the data's trivial floor, the
//     validation NLL of a diagonal Gaussian (continuous data) or of
//     independent Bernoullis (binary data) fitted to the training split,
//     which every model of the harness can match; where it cannot be
//     computed, the first epoch's validation loss.
//
// Models whose validation loss is not a likelihood (GANs, invertible
// autoencoders) are held to the magnitude rule only.

// Defaults of the divergence keys (TrainSpec holds 0 for a default, so
// that trial ids of specs without the keys are unchanged).
const (
	defaultDivergeLoss   = 1e4
	defaultDivergeMargin = 10.0
	defaultDivergeEpochs = 3
)

// divergeLoss is the magnitude no healthy loss reaches, per dimension.
func (t TrainSpec) divergeLoss() float64 {
	if t.DivergeLoss == 0 {
		return defaultDivergeLoss
	}
	return t.DivergeLoss
}

func (t TrainSpec) divergeMargin() float64 {
	if t.DivergeMargin == 0 {
		return defaultDivergeMargin
	}
	return t.DivergeMargin
}

func (t TrainSpec) divergeEpochs() int {
	if t.DivergeEpochs == 0 {
		return defaultDivergeEpochs
	}
	return t.DivergeEpochs
}

// divergeCheck holds what the rules need for one training run.
type divergeCheck struct {
	maxLoss float64 // diverge_loss·D
	margin  float64 // diverge_margin·D
	epochs  int
	floor   float64 // trivial floor; NaN where unknown
	what    string  // what the floor is
}

func newDivergeCheck(ts TrainSpec, d *datasets.Data) divergeCheck {
	dim := float64(d.Dim)
	floor, what := trivialNLL(d)
	return divergeCheck{maxLoss: ts.divergeLoss() * dim, margin: ts.divergeMargin() * dim,
		epochs: ts.divergeEpochs(), floor: floor, what: what}
}

// trainLoss returns why a training step's loss means divergence, or "".
func (c divergeCheck) trainLoss(loss float64) string {
	if math.Abs(loss) > c.maxLoss {
		return fmt.Sprintf("training loss %.4g beyond %.4g (train.diverge_loss per dimension × dimensions)", loss, c.maxLoss)
	}
	return ""
}

// validation returns why the curve so far, ending with the epoch just
// validated, means divergence, or "". kind is the validation loss's kind.
func (c divergeCheck) validation(curve []results.EpochLog, kind string) string {
	if len(curve) == 0 || kind == "none" {
		return ""
	}
	last := curve[len(curve)-1].ValidLoss
	if math.Abs(last) > c.maxLoss {
		return fmt.Sprintf("validation loss %.4g beyond %.4g (train.diverge_loss per dimension × dimensions)", last, c.maxLoss)
	}
	if kind != "nll" && kind != "negative_elbo" {
		return ""
	}
	ref, what := c.floor, c.what
	if math.IsNaN(ref) {
		ref, what = curve[0].ValidLoss, "the first epoch's validation loss"
	}
	bound := ref + c.margin
	above := 0
	for i := len(curve) - 1; i >= 0 && curve[i].ValidLoss > bound; i-- {
		above++
	}
	if above < c.epochs {
		return ""
	}
	return fmt.Sprintf("validation loss %.4g above %.4g for %d epochs: %s %.4g + train.diverge_margin per dimension × dimensions",
		last, bound, above, what, ref)
}

// trivialNLL is the mean validation NLL of the simplest model fitted to
// the training split: independent Bernoullis for binary data (their
// frequencies smoothed by one half), a diagonal Gaussian otherwise (its
// variances floored, so that a constant coordinate does not give -Inf).
// It returns NaN without data.
func trivialNLL(d *datasets.Data) (float64, string) {
	if d.Train == nil || d.Valid == nil {
		return math.NaN(), ""
	}
	n, dim := d.Train.Dims()
	nv, dv := d.Valid.Dims()
	if n == 0 || nv == 0 || dv != dim {
		return math.NaN(), ""
	}
	mean, sq := make([]float64, dim), make([]float64, dim)
	for i := 0; i < n; i++ {
		for j, x := range d.Train.RawRowView(i) {
			mean[j] += x
			sq[j] += x * x
		}
	}
	if d.Kind == datasets.Binary {
		return bernoulliNLL(d.Valid, mean, float64(n)), "the independent-Bernoulli NLL"
	}
	for j := range mean {
		mean[j] /= float64(n)
		sq[j] = math.Max(sq[j]/float64(n)-mean[j]*mean[j], 1e-12)
	}
	var total float64
	for i := 0; i < nv; i++ {
		for j, x := range d.Valid.RawRowView(i) {
			r := x - mean[j]
			total += 0.5*math.Log(2*math.Pi*sq[j]) + 0.5*r*r/sq[j]
		}
	}
	return total / float64(nv), "the diagonal Gaussian's NLL"
}

// bernoulliNLL is the mean NLL of valid under independent Bernoullis
// with frequencies (ones+½)/(n+1).
func bernoulliNLL(valid *mat.Dense, ones []float64, n float64) float64 {
	nv, _ := valid.Dims()
	var total float64
	for i := 0; i < nv; i++ {
		for j, x := range valid.RawRowView(i) {
			p := (ones[j] + 0.5) / (n + 1)
			total -= x*math.Log(p) + (1-x)*math.Log1p(-p)
		}
	}
	return total / float64(nv)
}
