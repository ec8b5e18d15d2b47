package experiments

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/results"
)

// Divergence reports a non-finite loss or gradient during training, or a
// loss past the bounds of diverge.go.
type Divergence struct {
	Epoch, Step int
	Reason      string
}

func (d *Divergence) Error() string {
	return fmt.Sprintf("diverged at epoch %d, step %d: %s", d.Epoch, d.Step, d.Reason)
}

// Progress receives training progress; nil means silence.
type Progress func(epoch, epochs, step int, trainLoss, validLoss float64)

// BatchProgress receives progress within an epoch after every step: the
// batches of the epoch done so far, of how many, and their mean loss.
// It is called often, so it should be cheap (throttle any output).
type BatchProgress func(epoch, done, batches int, meanLoss float64)

// validationLoss is the held-out loss used for early stopping: the exact
// NLL where the model has one, else the negative ELBO, else the model's
// own validation loss.
func validationLoss(m models.Model, valid *mat.Dense) (float64, string, error) {
	mean := func(v []float64) float64 {
		var s float64
		for _, x := range v {
			s -= x
		}
		return s / float64(len(v))
	}
	// A model's own validation loss comes first: a model that offers one
	// (a GAN, an invertible autoencoder whose density is a by-product) is
	// not trained for a likelihood, so its likelihood must not select it.
	switch mm := m.(type) {
	case models.Validator:
		l, err := mm.ValidationLoss(valid)
		return l, "model_loss", err
	case models.Density:
		lp, err := mm.LogProb(valid)
		return mean(lp), "nll", err
	case models.Bounded:
		lb, err := mm.LowerBound(valid)
		return mean(lb), "negative_elbo", err
	}
	return math.NaN(), "none", nil
}

// TrainState is the trainer's state at the end of an epoch, or part-way
// through one: what a checkpoint holds to continue training exactly as if
// it had never stopped.
type TrainState struct {
	Epochs    int     // epochs finished
	Steps     int     // optimisation steps taken
	Best      float64 // best validation loss so far (+Inf before any)
	BestEpoch int     // epoch of Best, -1 before any
	Bad       int     // epochs since the last counted improvement (early stopping)
	Plateau   int     // epochs since that improvement or the last lr decay
	// Counted is the validation loss of the last epoch that counted as an
	// improvement under min_delta (+Inf before any); unused when min_delta
	// is 0, where every new best counts.
	Counted   float64
	LR        float64            // current base learning rate (after decays)
	Curve     []results.EpochLog // the training curve so far
	ValidKind string
	Seconds   float64 // training time so far
	Stopped   string  // non-empty when training had ended: only the best state remains to restore
	Resumed   []int   // epochs (finished) at which training was resumed before
	BestState []byte  // Model.Save of the best-validation state
	Model     []byte  // Model.Save of the current state
	Batches   []byte  // batch-order random state (rand.PCG.MarshalBinary); mid-epoch, as the epoch began
	// A checkpoint taken part-way through epoch Epochs (an interruption,
	// or CheckpointEvery on a long epoch) records how many of its batches
	// were taken and their summed training loss; 0 at an epoch's end.
	EpochBatches int
	EpochLoss    float64
}

// TrainOptions are the optional parts of a training run.
type TrainOptions struct {
	Progress Progress
	Batch    BatchProgress // nil: none
	// Resume continues from a checkpoint: the model must hold Resume.Model
	// (Model.Load) and the batch source Resume.Batches already.
	Resume *TrainState
	// Checkpoint, when set, receives the complete state at the end of every
	// epoch, the last one included, when Stop interrupts an epoch, and
	// every CheckpointEvery within a long epoch; an error ends training
	// with it.
	Checkpoint      func(*TrainState) error
	CheckpointEvery time.Duration // 0: at epoch ends and interruptions only
	// Stop, when closed, ends training at the next step with
	// ErrInterrupted, never during a Checkpoint call.
	Stop <-chan struct{}
}

// ErrInterrupted reports training (or a run) stopped by Stop.
var ErrInterrupted = errors.New("interrupted")

// TrainWith runs minibatch training with validation every epoch, early
// stopping with patience, learning-rate decay on plateaus and an optional
// time budget, and restores the best-validation state at the end; a
// non-finite loss stops training with a *Divergence. It checkpoints,
// resumes and stops as opt says: batch order comes from batches, whose
// state every checkpoint saves. A run resumed from any of its checkpoints
// ends with the same model and the same result as the uninterrupted run,
// except for the times and for where a time_budget cuts training, which
// depend on the clock (the time spent before the checkpoint counts
// towards the budget).
func TrainWith(m models.Model, d *datasets.Data, ts TrainSpec, batches *rand.PCG, opt TrainOptions) (results.TrainResult, error) {
	return train(m, d, ts, rand.New(batches), batches, opt)
}

func interrupted(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// train runs a model with a closed-form fit through it, and any other
// through a trainer's minibatch loop.
func train(m models.Model, d *datasets.Data, ts TrainSpec, rng *rand.Rand, src *rand.PCG, opt TrainOptions) (results.TrainResult, error) {
	if f, ok := m.(models.Fitter); ok {
		return fitClosedForm(f, m, d)
	}
	t, err := newTrainer(m, d, ts, rng, src, opt)
	if err != nil {
		return results.TrainResult{}, err
	}
	return t.run()
}

// scheduledLR is the lr of step (0-based) for a base lr (the spec's,
// after any plateau decays): a linear warm-up over ts.Warmup steps, then
// constant or, with the cosine schedule, base·(1 + cos(π·t/T))/2 where t
// counts the steps after the warm-up and T those from it to horizon.
func scheduledLR(ts TrainSpec, base float64, step, horizon int) float64 {
	if step < ts.Warmup {
		return base * float64(step+1) / float64(ts.Warmup)
	}
	if ts.Schedule != "cosine" {
		return base
	}
	span := horizon - ts.Warmup
	if span <= 0 {
		return base
	}
	t := min(float64(step-ts.Warmup)/float64(span), 1)
	return base * 0.5 * (1 + math.Cos(math.Pi*t))
}

// IsDivergence reports whether err is a training divergence.
func IsDivergence(err error) bool {
	var d *Divergence
	return errors.As(err, &d)
}
