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

// trialRun is one trial as a worker runs it: prepare (memory check,
// data, model, checkpoint), train, evaluate, record.
type trialRun struct {
	spec   *Spec
	tr     Trial
	cache  map[dataKey]*datasets.Data
	opt    Options
	label  string
	board  *board
	worker int

	started time.Time
	rec     *results.Record
	d       *datasets.Data
	m       models.Model
	batches *rand.PCG   // batch-order source, checkpointed
	resume  *TrainState // the checkpoint training continued from
	ckpt    string      // checkpoint path
}

// runTrial builds the data and the model of a trial, trains it (from its
// checkpoint when a usable one exists), evaluates it and returns its
// record. The error is ErrInterrupted only: every other failure is
// recorded in the record.
func runTrial(spec *Spec, tr Trial, cache map[dataKey]*datasets.Data, opt Options, label string, board *board, worker int) (*results.Record, bool, error) {
	ty, _ := models.Lookup(tr.Model.Type)
	r := &trialRun{spec: spec, tr: tr, cache: cache, opt: opt, label: label, board: board, worker: worker,
		started: time.Now(), ckpt: CheckpointPath(opt.Out, tr.ID),
		rec: &results.Record{Trial: tr.ID, Model: tr.Model.Name, Type: tr.Model.Type, Family: string(ty.Family), ModelInfo: modelInfoOf(ty, tr.Model.Params),
			Dataset: tr.Dataset.Name, Seed: tr.Seed, Sweep: tr.Sweep, Metrics: map[string]float64{}, Protocol: map[string]string{},
			NLLKind: string(models.None)}}
	if err := r.prepare(); err != nil {
		return r.end(results.StatusFailed, err)
	}
	res, err := r.train()
	if errors.Is(err, ErrInterrupted) || (err == nil && interrupted(opt.Stop)) {
		// Stopped, or trained and then asked to stop: the last checkpoint
		// lets the next run continue or go straight to evaluation.
		return nil, r.resume != nil, ErrInterrupted
	}
	r.recordTraining(&res)
	if IsDivergence(err) {
		return r.end(results.StatusDiverged, err)
	} else if err != nil {
		return r.end(results.StatusFailed, err)
	}
	if err := r.evaluate(res); err != nil {
		return r.end(results.StatusFailed, err)
	}
	return r.end(results.StatusOK, nil)
}

// end completes the record with its status (and the reason, for an
// error) and its provenance.
func (r *trialRun) end(status string, err error) (*results.Record, bool, error) {
	r.rec.Status = status
	if err != nil {
		r.rec.Reason = err.Error()
	}
	r.rec.Provenance = newProvenance(r.spec, r.tr, r.started)
	return r.rec, r.resume != nil, nil
}

// prepare refuses a trial that cannot fit in memory, builds (or reuses)
// its data and builds its model, from its checkpoint when one is usable.
func (r *trialRun) prepare() error {
	if msg, _ := memoryError(r.tr.Dataset, r.tr.Model, r.tr.Eval); msg != "" {
		return errors.New(msg) // Parse refuses these; a spec built in code may not be parsed
	}
	r.board.progress(r.worker, r.label+" preparing data and model", 0)
	key := dataKey{r.tr.Dataset.Name, fmt.Sprint(canonDatasetOf(r.tr.Dataset)), r.tr.Seed}
	d, ok := r.cache[key]
	if !ok {
		var err error
		d, err = datasets.Build(r.tr.Dataset.Name, r.tr.Dataset.Params, streamSeed(r.tr.Seed, "data"))
		if err != nil {
			return err
		}
		clear(r.cache) // keep one data set in memory at a time
		r.cache[key] = d
	}
	r.d = d
	nTrain, _ := d.Train.Dims()
	nValid, _ := d.Valid.Dims()
	nTest, _ := d.Test.Dims()
	r.rec.Data = results.DataInfo{Dim: d.Dim, Kind: string(d.Kind), Train: nTrain, Valid: nValid, Test: nTest, Protocol: d.Protocol}
	var err error
	if r.m, err = r.newModel(); err != nil {
		return err
	}
	r.rec.NLLKind = string(models.Kind(r.m))
	return r.restore()
}

func (r *trialRun) newModel() (models.Model, error) {
	ts := r.tr.Model.Train
	return models.New(r.tr.Model.Type, r.tr.Model.Params, models.Config{
		Dim: r.d.Dim, Binary: r.d.Kind == datasets.Binary, Shape: r.d.Shape, Dtype: ts.Dtype, LR: ts.LR,
		Seed: streamSeed(r.tr.Seed, "model"),
	})
}

// restore continues from the trial's checkpoint when it is usable, and
// starts afresh (reporting why) when it is not.
func (r *trialRun) restore() error {
	r.batches = rand.NewPCG(streamSeed(r.tr.Seed, "batches"), 0)
	resume, err := loadCheckpoint(r.ckpt, r.tr.ID, r.m, r.batches)
	switch {
	case err != nil:
		r.board.logf("%s: %v; restarting the trial from scratch", r.label, err)
		os.Remove(r.ckpt)
		// The failed load may have changed the model or the batch source.
		r.batches = rand.NewPCG(streamSeed(r.tr.Seed, "batches"), 0)
		r.m, err = r.newModel()
		return err
	case resume != nil && resume.EpochBatches > 0:
		r.board.logf("%s: resuming from its checkpoint after epoch %d and %d batches of epoch %d",
			r.label, resume.Epochs, resume.EpochBatches, resume.Epochs+1)
	case resume != nil:
		r.board.logf("%s: resuming from its checkpoint after epoch %d", r.label, resume.Epochs)
	}
	r.resume = resume
	return nil
}

// train runs the trainer with progress lines and checkpoints.
func (r *trialRun) train() (results.TrainResult, error) {
	every := r.opt.CheckpointEvery
	if every == 0 {
		every = DefaultCheckpointEvery
	}
	progress, batchProgress := r.progressLines()
	return TrainWith(r.m, r.d, r.tr.Model.Train, r.batches, TrainOptions{Progress: progress, Batch: batchProgress,
		Resume: r.resume, Stop: r.opt.Stop, CheckpointEvery: every, Checkpoint: func(st *TrainState) error {
			if err := WriteCheckpoint(r.ckpt, r.tr.ID, st); err != nil {
				return err
			}
			if r.opt.afterCheckpoint != nil {
				r.opt.afterCheckpoint(r.tr.ID, st.Epochs)
			}
			return nil
		}})
}

// progressLines returns the trainer's progress callbacks: a line per
// epoch and, within long epochs (a PixelCNN's take minutes), a line every
// minute on a log or every second on a terminal. A trial's done fraction
// is its share of epochs or, under a time budget, of the budget if
// larger, so that ETAs hold for both.
func (r *trialRun) progressLines() (Progress, BatchProgress) {
	ts := r.tr.Model.Train
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

// recordTraining puts the training result and its counts in the record.
func (r *trialRun) recordTraining(res *results.TrainResult) {
	r.rec.Training = res
	r.rec.Metrics["train_seconds"] = res.Seconds
	r.rec.Metrics["train_steps"] = float64(res.Steps)
	r.rec.Metrics["epochs"] = float64(res.Epochs)
	if res.Epochs > 0 {
		r.rec.Metrics["seconds_per_epoch"] = res.Seconds / float64(res.Epochs)
	}
}

// evaluate computes the trial's metrics and protocol notes, and writes
// its sample artifacts (a failure there is only a warning).
func (r *trialRun) evaluate(res results.TrainResult) error {
	r.board.progress(r.worker, r.label+" evaluating", 1)
	ev, err := EvaluateSeeds(r.m, r.d, r.tr.Eval, r.tr.Seed, r.tr.Eval.evalSeedCount())
	if err != nil {
		return fmt.Errorf("evaluation: %w", err)
	}
	for k, v := range ev.Metrics {
		r.rec.Metrics[k] = v
	}
	r.rec.NonFinite = ev.NonFinite
	r.rec.EvalSeeds = ev.Seeds
	r.rec.Protocol = ev.Protocol
	for k, v := range protocolNotes(r.tr.Model, res) {
		r.rec.Protocol[k] = v
	}
	if err := keepOutputs(r.opt.Out, r.tr, r.m, r.d, ev, r.rec); err != nil {
		return err
	}
	if err := writeArtifacts(r.opt.Out, r.tr, r.m, r.d); err != nil {
		r.board.logf("%s: warning: sample artifacts not written: %v", r.label, err)
	}
	return nil
}

// protocolNotes are the record's notes on how the model was trained
// ("training") and, with eval overrides, evaluated ("eval").
func protocolNotes(m ModelSpec, res results.TrainResult) map[string]string {
	ts := m.Train
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
	notes := map[string]string{"training": fmt.Sprintf("Adam lr %g%s, batch %d, up to %d epochs, %s; stopped: %s",
		ts.LR, schedule, ts.BatchSize, ts.Epochs, selection, res.Stopped)}
	if note := evalOverrideNote(m); note != "" {
		notes["eval"] = note
	}
	return notes
}
