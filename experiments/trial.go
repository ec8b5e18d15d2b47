package experiments

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/results"
)

// trialRun is one trial as a worker runs it: where it reports, and the
// record it fills in as it goes through preparing, training, evaluating
// and recording.
type trialRun struct {
	spec    *Spec
	tr      Trial
	opt     Options
	label   string
	board   *board
	worker  int
	started time.Time
	rec     *results.Record
	resume  *TrainState // the checkpoint training continued from
}

// runTrial builds the data and the model of a trial, trains it (from its
// checkpoint when a usable one exists) and evaluates it. The error is
// ErrInterrupted only: every other failure is recorded in the record.
func runTrial(spec *Spec, tr Trial, cache map[dataKey]*datasets.Data, opt Options, label string, board *board, worker int) (*results.Record, bool, error) {
	ty, _ := models.Lookup(tr.Model.Type)
	r := &trialRun{spec: spec, tr: tr, opt: opt, label: label, board: board, worker: worker, started: time.Now(),
		rec: &results.Record{Trial: tr.ID, Model: tr.Model.Name, Type: tr.Model.Type, Family: string(ty.Family), ModelInfo: modelInfoOf(ty, tr.Model.Params),
			Dataset: tr.Dataset.Name, Seed: tr.Seed, Sweep: tr.Sweep, Metrics: map[string]float64{}, Protocol: map[string]string{},
			NLLKind: string(models.None)}}
	if msg, _ := memoryError(tr.Dataset, tr.Model, tr.Eval); msg != "" {
		return r.fail(results.StatusFailed, errors.New(msg)) // Parse refuses these; a spec built in code may not be parsed
	}
	board.progress(worker, label+" preparing data and model", 0)
	d, err := r.data(cache)
	if err != nil {
		return r.fail(results.StatusFailed, err)
	}
	m, batches, err := r.model(d)
	if err != nil {
		return r.fail(results.StatusFailed, err)
	}
	res, err := r.train(m, d, batches)
	if errors.Is(err, ErrInterrupted) || (err == nil && interrupted(opt.Stop)) {
		// Stopped, or trained and then asked to stop: the last checkpoint
		// lets the next run continue or go straight to evaluation.
		return nil, r.resume != nil, ErrInterrupted
	}
	r.recordTraining(res)
	if IsDivergence(err) {
		return r.fail(results.StatusDiverged, err)
	} else if err != nil {
		return r.fail(results.StatusFailed, err)
	}
	return r.evaluate(m, d, res)
}

// fail ends the trial with status and err's message as the reason.
func (r *trialRun) fail(status string, err error) (*results.Record, bool, error) {
	r.rec.Status, r.rec.Reason = status, err.Error()
	r.rec.Provenance = newProvenance(r.spec, r.tr, r.started)
	return r.rec, r.resume != nil, nil
}

// data returns the trial's data set, from the worker's cache when its
// last trial used the same one, and records its sizes.
func (r *trialRun) data(cache map[dataKey]*datasets.Data) (*datasets.Data, error) {
	tr := r.tr
	key := dataKey{tr.Dataset.Name, fmt.Sprint(canonDatasetOf(tr.Dataset)), tr.Seed}
	d, ok := cache[key]
	if !ok {
		var err error
		d, err = datasets.Build(tr.Dataset.Name, tr.Dataset.Params, streamSeed(tr.Seed, "data"))
		if err != nil {
			return nil, err
		}
		clear(cache) // keep one data set in memory at a time
		cache[key] = d
	}
	nTrain, _ := d.Train.Dims()
	nValid, _ := d.Valid.Dims()
	nTest, _ := d.Test.Dims()
	r.rec.Data = results.DataInfo{Dim: d.Dim, Kind: string(d.Kind), Train: nTrain, Valid: nValid, Test: nTest, Protocol: d.Protocol}
	return d, nil
}

// model builds the trial's model and batch order, restored from the
// trial's checkpoint when a usable one exists (r.resume); an unusable
// checkpoint is reported, deleted and the trial started afresh.
func (r *trialRun) model(d *datasets.Data) (models.Model, *rand.PCG, error) {
	tr, ts := r.tr, r.tr.Model.Train
	newModel := func() (models.Model, error) {
		return models.New(tr.Model.Type, tr.Model.Params, models.Config{
			Dim: d.Dim, Binary: d.Kind == datasets.Binary, Shape: d.Shape, Dtype: ts.Dtype, LR: ts.LR,
			Seed: streamSeed(tr.Seed, "model"),
		})
	}
	m, err := newModel()
	if err != nil {
		return nil, nil, err
	}
	r.rec.NLLKind = string(models.Kind(m))
	batches := rand.NewPCG(streamSeed(tr.Seed, "batches"), 0)
	ckpt := CheckpointPath(r.opt.Out, tr.ID)
	r.resume, err = loadCheckpoint(ckpt, tr.ID, m, batches)
	switch {
	case err != nil:
		r.board.logf("%s: %v; restarting the trial from scratch", r.label, err)
		os.Remove(ckpt)
		// The failed load may have changed the model or the batch source.
		if m, err = newModel(); err != nil {
			return nil, nil, err
		}
		batches = rand.NewPCG(streamSeed(tr.Seed, "batches"), 0)
	case r.resume != nil && r.resume.EpochBatches > 0:
		r.board.logf("%s: resuming from its checkpoint after epoch %d and %d batches of epoch %d",
			r.label, r.resume.Epochs, r.resume.EpochBatches, r.resume.Epochs+1)
	case r.resume != nil:
		r.board.logf("%s: resuming from its checkpoint after epoch %d", r.label, r.resume.Epochs)
	}
	return m, batches, nil
}

// train trains the model, drawing progress on the board and writing the
// trial's checkpoint as Options.CheckpointEvery says.
func (r *trialRun) train(m models.Model, d *datasets.Data, batches *rand.PCG) (results.TrainResult, error) {
	every := r.opt.CheckpointEvery
	if every == 0 {
		every = DefaultCheckpointEvery
	}
	progress, batchProgress := r.progressLines()
	ckpt := CheckpointPath(r.opt.Out, r.tr.ID)
	return TrainWith(m, d, r.tr.Model.Train, batches, TrainOptions{Progress: progress, Batch: batchProgress, Resume: r.resume, Stop: r.opt.Stop,
		CheckpointEvery: every, Checkpoint: func(st *TrainState) error {
			if err := WriteCheckpoint(ckpt, r.tr.ID, st); err != nil {
				return err
			}
			if r.opt.afterCheckpoint != nil {
				r.opt.afterCheckpoint(r.tr.ID, st.Epochs)
			}
			return nil
		}})
}

// progressLines returns the trial's progress callbacks: a line per epoch
// and, within long epochs (a PixelCNN's take minutes), a line every
// minute on a log, every second on a terminal.
func (r *trialRun) progressLines() (Progress, BatchProgress) {
	ts := r.tr.Model.Train
	// A trial's done fraction is its share of epochs or, under a time
	// budget, of the budget if larger, so that ETAs hold for both.
	trainStart := time.Now()
	if r.resume != nil {
		trainStart = trainStart.Add(-time.Duration(r.resume.Seconds * float64(time.Second)))
	}
	frac := func(epochs float64) float64 {
		f := epochs / float64(ts.Epochs)
		if ts.TimeBudget > 0 {
			f = max(f, time.Since(trainStart).Seconds()/ts.TimeBudget)
		}
		return min(f, 1)
	}
	progress := func(epoch, epochs, step int, trainLoss, validLoss float64) {
		r.board.progress(r.worker, fmt.Sprintf("%s epoch %d/%d step %d loss %.4f valid %.4f",
			r.label, epoch+1, epochs, step, trainLoss, validLoss), frac(float64(epoch+1)))
	}
	batchEvery := time.Minute
	if r.opt.Terminal {
		batchEvery = time.Second
	}
	lastBatchLine := time.Now()
	batchProgress := func(epoch, done, total int, meanLoss float64) {
		if time.Since(lastBatchLine) < batchEvery || done == total {
			return
		}
		lastBatchLine = time.Now()
		r.board.progress(r.worker, fmt.Sprintf("%s epoch %d/%d batch %d/%d loss %.4f",
			r.label, epoch+1, ts.Epochs, done, total, meanLoss), frac(float64(epoch)+float64(done)/float64(total)))
	}
	return progress, batchProgress
}

// recordTraining keeps the training curve and its timings in the record.
func (r *trialRun) recordTraining(res results.TrainResult) {
	r.rec.Training = &res
	r.rec.Metrics["train_seconds"] = res.Seconds
	r.rec.Metrics["train_steps"] = float64(res.Steps)
	r.rec.Metrics["epochs"] = float64(res.Epochs)
	if res.Epochs > 0 {
		r.rec.Metrics["seconds_per_epoch"] = res.Seconds / float64(res.Epochs)
	}
}

// evaluate computes the trial's metrics, writes its protocol notes, keeps
// its outputs and ends the record.
func (r *trialRun) evaluate(m models.Model, d *datasets.Data, res results.TrainResult) (*results.Record, bool, error) {
	tr, rec := r.tr, r.rec
	r.board.progress(r.worker, r.label+" evaluating", 1)
	ev, err := Evaluate(m, d, tr.Eval, rand.New(rand.NewPCG(streamSeed(tr.Seed, "eval"), 0)))
	if err != nil {
		return r.fail(results.StatusFailed, fmt.Errorf("evaluation: %w", err))
	}
	for k, v := range ev.Metrics {
		rec.Metrics[k] = v
	}
	rec.NonFinite = ev.NonFinite
	rec.Protocol = ev.Protocol
	rec.Protocol["training"] = trainingNote(tr.Model.Train, res)
	if note := evalOverrideNote(tr.Model); note != "" {
		rec.Protocol["eval"] = note
	}
	if err := keepOutputs(r.opt.Out, tr, m, d, ev, rec); err != nil {
		return r.fail(results.StatusFailed, err)
	}
	if err := writeArtifacts(r.opt.Out, tr, m, d); err != nil {
		r.board.logf("%s: warning: sample artifacts not written: %v", r.label, err)
	}
	rec.Status = results.StatusOK
	rec.Provenance = newProvenance(r.spec, tr, r.started)
	return rec, r.resume != nil, nil
}

// trainingNote is the record's training protocol note: optimiser,
// schedule, batch, epochs, how the kept weights were chosen and why
// training stopped.
func trainingNote(ts TrainSpec, res results.TrainResult) string {
	patience := fmt.Sprintf("patience %d", ts.Patience)
	if ts.MinDelta > 0 {
		patience += fmt.Sprintf(" (improvements of more than %g)", ts.MinDelta)
	}
	selection := fmt.Sprintf("%s, best-validation (%s) weights restored", patience, res.ValidKind)
	if res.ValidKind == "model_loss" || res.ValidKind == "none" {
		selection = fmt.Sprintf("last weights kept (validation %s is monitored, not used to select: it is not a likelihood)", res.ValidKind)
	}
	schedule := ""
	if ts.Schedule == "cosine" {
		schedule = " annealed to 0 along half a cosine over the epochs' steps"
	}
	return fmt.Sprintf("Adam lr %g%s, batch %d, up to %d epochs, %s; stopped: %s",
		ts.LR, schedule, ts.BatchSize, ts.Epochs, selection, res.Stopped)
}
