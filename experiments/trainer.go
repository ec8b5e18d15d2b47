package experiments

import (
	"bytes"
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

// trainer is one minibatch training run: the loop's state (what a
// checkpoint saves), split into a step, an epoch's batches, the end of an
// epoch (validation, selection, patience, lr decay) and checkpoints.
type trainer struct {
	m       models.Model
	d       *datasets.Data
	ts      TrainSpec
	rng     *rand.Rand
	src     *rand.PCG // batch-order source; nil without checkpoints
	opt     TrainOptions
	lrs     models.LRSetter // nil when the model cannot change its lr
	diverge divergeCheck

	res            results.TrainResult
	start          time.Time // training start, moved back by the time before a resumption
	lastCheckpoint time.Time
	lr             float64 // base lr after plateau decays
	best, counted  float64
	bestEpoch      int
	bad, plateau   int
	bestState      bytes.Buffer

	first         int // first epoch to train
	resumeBatches int // batches of epoch first already taken
	resumeLoss    float64
	n             int        // training examples
	batch         *mat.Dense // the minibatch, reused
	horizon       int        // steps the lr schedule spans
	epochSrc      []byte     // batch source as the current epoch began (checkpoints)
	epochLossSum  float64
	epochBatches  int
	trainingSet   *mat.Dense // the current epoch's view of the training split
	order         []int      // the current epoch's batch order
}

// newTrainer checks the settings against the model and sets up a run,
// from opt.Resume when given.
func newTrainer(m models.Model, d *datasets.Data, ts TrainSpec, rng *rand.Rand, src *rand.PCG, opt TrainOptions) (*trainer, error) {
	if opt.Checkpoint != nil && src == nil {
		return nil, errors.New("checkpoints need the batch-order source")
	}
	lrs, _ := m.(models.LRSetter)
	if lrs == nil && (ts.Warmup > 0 || ts.Schedule != "" || ts.LRDecay > 0 && ts.LRDecay < 1) {
		return nil, errors.New("this model cannot change its learning rate (no SetLR), so warmup_steps, lr_schedule and lr_decay cannot apply; remove them")
	}
	t := &trainer{m: m, d: d, ts: ts, rng: rng, src: src, opt: opt, lrs: lrs, diverge: newDivergeCheck(ts, d),
		start: time.Now(), lr: ts.LR, best: math.Inf(1), counted: math.Inf(1), bestEpoch: -1}
	t.res.Stopped = "epochs"
	if r := opt.Resume; r != nil {
		t.resume(r)
	}
	t.lastCheckpoint = time.Now()
	var dim int
	t.n, dim = d.Train.Dims()
	t.batch = mat.NewDense(ts.BatchSize, dim, nil)
	t.horizon = ts.Epochs * (t.n / ts.BatchSize)
	if ts.MaxSteps > 0 {
		t.horizon = min(t.horizon, ts.MaxSteps)
	}
	return t, nil
}

// resume restores the loop's state from a checkpoint.
func (t *trainer) resume(r *TrainState) {
	t.start = t.start.Add(-time.Duration(r.Seconds * float64(time.Second)))
	t.lr, t.best, t.bestEpoch, t.bad, t.plateau, t.counted = r.LR, r.Best, r.BestEpoch, r.Bad, r.Plateau, r.Counted
	t.bestState.Write(r.BestState)
	t.res.Curve = append([]results.EpochLog(nil), r.Curve...)
	t.res.Steps, t.res.Epochs, t.res.ValidKind = r.Steps, r.Epochs, r.ValidKind
	t.res.Resumed = append(append([]int(nil), r.Resumed...), r.Epochs)
	t.first = r.Epochs
	t.resumeBatches, t.resumeLoss = r.EpochBatches, r.EpochLoss
	if r.Stopped != "" {
		t.res.Stopped = r.Stopped
		t.first = t.ts.Epochs // nothing left to train
	}
}

// run trains the remaining epochs and restores the best state.
func (t *trainer) run() (results.TrainResult, error) {
	for epoch := t.first; epoch < t.ts.Epochs; epoch++ {
		if err := t.epoch(epoch); err != nil {
			return t.res, err
		}
		last, err := t.endOfEpoch(epoch)
		if err != nil {
			return t.res, err
		}
		if last {
			break
		}
	}
	t.res.BestEpoch = t.bestEpoch
	if t.bestState.Len() > 0 {
		if err := t.m.Load(&t.bestState); err != nil {
			return t.res, fmt.Errorf("restoring best state: %w", err)
		}
	}
	t.res.Seconds = time.Since(t.start).Seconds()
	return t.res, nil
}

// epoch takes the batches of one epoch (those left of it after a
// mid-epoch resumption), stopping early at max_steps or the time budget.
func (t *trainer) epoch(epoch int) error {
	t.trainingSet = t.d.Train
	if t.d.Epoch != nil {
		t.trainingSet = t.d.Epoch(epoch)
	}
	t.epochSrc = nil
	if t.opt.Checkpoint != nil {
		var err error
		if t.epochSrc, err = t.src.MarshalBinary(); err != nil {
			return fmt.Errorf("saving batch order: %w", err)
		}
	}
	t.order = t.rng.Perm(t.n)
	t.epochLossSum, t.epochBatches = 0, 0
	lo0 := 0
	if t.resumeBatches > 0 {
		lo0, t.epochBatches, t.epochLossSum = t.resumeBatches*t.ts.BatchSize, t.resumeBatches, t.resumeLoss
		t.resumeBatches = 0
	}
	for lo := lo0; lo+t.ts.BatchSize <= t.n; lo += t.ts.BatchSize {
		if err := t.checkpointWithinEpoch(epoch); err != nil {
			return err
		}
		if err := t.step(epoch, lo); err != nil {
			return err
		}
		if t.ts.MaxSteps > 0 && t.res.Steps >= t.ts.MaxSteps {
			t.res.Stopped = "max_steps"
			break
		}
		if t.ts.TimeBudget > 0 && time.Since(t.start).Seconds() >= t.ts.TimeBudget {
			t.res.Stopped = "time_budget"
			break
		}
	}
	if t.epochBatches == 0 {
		return fmt.Errorf("batch size %d exceeds the %d training examples", t.ts.BatchSize, t.n)
	}
	return nil
}

// checkpointWithinEpoch writes a mid-epoch checkpoint when Stop is closed
// or CheckpointEvery has passed, and reports an interruption.
func (t *trainer) checkpointWithinEpoch(epoch int) error {
	stop := interrupted(t.opt.Stop)
	if t.opt.Checkpoint != nil && t.epochBatches > 0 && (stop ||
		t.opt.CheckpointEvery > 0 && time.Since(t.lastCheckpoint) >= t.opt.CheckpointEvery) {
		if err := t.checkpoint(t.epochSrc, t.epochBatches, t.epochLossSum, ""); err != nil {
			return fmt.Errorf("checkpoint in epoch %d: %w", epoch, err)
		}
	}
	if stop {
		t.res.Seconds = time.Since(t.start).Seconds()
		return ErrInterrupted
	}
	return nil
}

// step takes one optimisation step on the batch starting at position lo
// of the epoch's order; a non-finite or too large loss is a *Divergence.
func (t *trainer) step(epoch, lo int) error {
	for i := 0; i < t.ts.BatchSize; i++ {
		t.batch.SetRow(i, t.trainingSet.RawRowView(t.order[lo+i]))
	}
	if t.lrs != nil && (t.ts.Warmup > 0 || t.ts.Schedule != "") {
		t.lrs.SetLR(scheduledLR(t.ts, t.lr, t.res.Steps, t.horizon))
	}
	loss, err := t.m.TrainStep(t.batch)
	t.res.Steps++
	if err == nil && (math.IsNaN(loss) || math.IsInf(loss, 0)) {
		err = fmt.Errorf("non-finite loss %v", loss)
	} else if why := t.diverge.trainLoss(loss); err == nil && why != "" {
		err = errors.New(why)
	}
	if err != nil {
		t.res.Seconds = time.Since(t.start).Seconds()
		return &Divergence{Epoch: epoch, Step: t.res.Steps, Reason: err.Error()}
	}
	t.epochLossSum += loss
	t.epochBatches++
	if t.opt.Batch != nil {
		t.opt.Batch(epoch, t.epochBatches, t.n/t.ts.BatchSize, t.epochLossSum/float64(t.epochBatches))
	}
	return nil
}

// endOfEpoch validates, logs the epoch, checks for divergence, keeps the
// best state, counts patience, decays the lr on a plateau and writes the
// epoch's checkpoint; last reports that training ends here.
func (t *trainer) endOfEpoch(epoch int) (last bool, err error) {
	vl, kind, err := validationLoss(t.m, t.d.Valid)
	if err != nil {
		return false, fmt.Errorf("validation at epoch %d: %w", epoch, err)
	}
	trainLoss := t.epochLossSum / float64(t.epochBatches)
	t.res.ValidKind = kind
	t.res.Epochs = epoch + 1
	t.res.Curve = append(t.res.Curve, results.EpochLog{Epoch: epoch, Steps: t.res.Steps, TrainLoss: trainLoss,
		ValidLoss: vl, LR: scheduledLR(t.ts, t.lr, t.res.Steps-1, t.horizon), Seconds: time.Since(t.start).Seconds()})
	if t.opt.Progress != nil {
		t.opt.Progress(epoch, t.ts.Epochs, t.res.Steps, trainLoss, vl)
	}
	if math.IsNaN(vl) && kind != "none" || math.IsInf(vl, 1) {
		return false, &Divergence{Epoch: epoch, Step: t.res.Steps, Reason: fmt.Sprintf("non-finite validation loss %v", vl)}
	}
	if why := t.diverge.validation(t.res.Curve, kind); why != "" {
		return false, &Divergence{Epoch: epoch, Step: t.res.Steps, Reason: why}
	}
	if err := t.keepBest(epoch, vl, kind); err != nil {
		return false, err
	}
	last = t.res.Stopped != "epochs" || epoch+1 == t.ts.Epochs
	if t.opt.Checkpoint != nil {
		stopped := ""
		if last {
			stopped = t.res.Stopped
		}
		if err := t.checkpoint(nil, 0, 0, stopped); err != nil {
			return false, fmt.Errorf("checkpoint after epoch %d: %w", epoch, err)
		}
	}
	return last, nil
}

// keepBest keeps the best state, counts epochs without improvement for
// patience and lr decay. Only a likelihood (or its bound) selects a
// state: a GAN's held-out discriminator loss says nothing about sample
// quality, so such models, and models without any validation loss, keep
// their last state and train for all their epochs.
func (t *trainer) keepBest(epoch int, vl float64, kind string) error {
	if kind == "none" || kind == "model_loss" {
		vl = -float64(epoch)
	}
	if vl < t.best {
		t.best, t.bestEpoch = vl, epoch
		t.bestState.Reset()
		if err := t.m.Save(&t.bestState); err != nil {
			return fmt.Errorf("saving best state: %w", err)
		}
	}
	if t.ts.MinDelta == 0 && t.bestEpoch == epoch || t.ts.MinDelta > 0 && vl < t.counted-t.ts.MinDelta {
		t.counted, t.bad, t.plateau = vl, 0, 0
		return nil
	}
	t.bad++
	t.plateau++
	if t.lrs != nil && t.ts.LRDecay > 0 && t.ts.LRDecay < 1 && t.plateau >= t.ts.LRPatience {
		t.lr *= t.ts.LRDecay
		t.lrs.SetLR(scheduledLR(t.ts, t.lr, t.res.Steps, t.horizon))
		t.plateau = 0
	}
	if t.ts.Patience > 0 && t.bad >= t.ts.Patience {
		t.res.Stopped = "patience"
	}
	return nil
}

// checkpoint hands the state to opt.Checkpoint; mid-epoch (batches > 0)
// with the batch source as the epoch began, so that a resumed run draws
// the same order and skips the batches already taken.
func (t *trainer) checkpoint(epochSrc []byte, batches int, loss float64, stopped string) error {
	st := &TrainState{Epochs: t.res.Epochs, Steps: t.res.Steps, Best: t.best, BestEpoch: t.bestEpoch, Bad: t.bad,
		Plateau: t.plateau, Counted: t.counted, LR: t.lr, Curve: t.res.Curve, ValidKind: t.res.ValidKind, Stopped: stopped,
		Seconds: time.Since(t.start).Seconds(), Resumed: t.res.Resumed, BestState: t.bestState.Bytes(),
		EpochBatches: batches, EpochLoss: loss}
	var cur bytes.Buffer
	if err := t.m.Save(&cur); err != nil {
		return fmt.Errorf("saving state for the checkpoint: %w", err)
	}
	st.Model = cur.Bytes()
	st.Batches = epochSrc
	if batches == 0 {
		var err error
		if st.Batches, err = t.src.MarshalBinary(); err != nil {
			return fmt.Errorf("saving batch order for the checkpoint: %w", err)
		}
	}
	if err := t.opt.Checkpoint(st); err != nil {
		return err
	}
	t.lastCheckpoint = time.Now()
	return nil
}

// fitClosedForm fits a model with a closed-form solution on the whole
// training split and validates it once.
func fitClosedForm(f models.Fitter, m models.Model, d *datasets.Data) (results.TrainResult, error) {
	start := time.Now()
	var res results.TrainResult
	if err := f.Fit(d.Train); err != nil {
		return res, fmt.Errorf("closed-form fit: %w", err)
	}
	vl, kind, err := validationLoss(m, d.Valid)
	if err != nil {
		return res, fmt.Errorf("validation: %w", err)
	}
	res.Curve = []results.EpochLog{{Epoch: 0, ValidLoss: vl, Seconds: time.Since(start).Seconds()}}
	res.Stopped, res.ValidKind, res.Seconds, res.Epochs = "closed_form", kind, time.Since(start).Seconds(), 1
	return res, nil
}
