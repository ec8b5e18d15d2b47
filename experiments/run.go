package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/results"
)

// Options control a run.
type Options struct {
	Out      string    // results folder
	Log      io.Writer // progress and messages; nil for silence
	Terminal bool      // Log is a terminal: one redrawn progress line per worker
	// Jobs is how many trials train at once, one model per worker,
	// whatever their size. 0 (the default) runs up to one per core
	// (runtime.NumCPU), except that a trial with a large training step
	// runs alone, first (see schedule.go: small 2-D trials keep about one
	// core busy each, large ones all of them). Either way a trial waits
	// (and the log says so) while its memory estimate and those of the
	// trials running exceed its train.memory_limit together.
	Jobs int
	// Shard restricts the run to a deterministic part of the trials; the
	// zero value runs them all.
	Shard Shard
	// Stop, when closed, ends the run early: no new trial starts, training
	// trials stop at their next step (a checkpoint being written is
	// finished first) and Run returns an error wrapping ErrInterrupted.
	// Re-running resumes them from their last checkpoint.
	Stop <-chan struct{}
	// CheckpointEvery is the longest a training trial runs without writing
	// its checkpoint: trials also checkpoint within an epoch once this much
	// time has passed since the last one, so a killed run (SIGKILL, a node
	// lost) loses at most this much of an epoch that is long (PixelCNN on
	// 2 cores: over 10 minutes). 0 means DefaultCheckpointEvery.
	CheckpointEvery time.Duration

	// afterCheckpoint, for tests, is called after each checkpoint write.
	afterCheckpoint func(trial string, epochs int)
}

// DefaultCheckpointEvery is Options.CheckpointEvery's default.
const DefaultCheckpointEvery = 5 * time.Minute

// DefaultJobs is a fixed number of trials at once for a machine with that
// many cores, whatever their size: one per two cores, at least one, as
// job scripts (genbench emit) pass with -j. A large trial's products are
// split over the cores (nn's gemm uses a shared pool of helper
// goroutines, one product at a time), so it keeps about two cores busy.
// Run's own default (Options.Jobs 0) also runs small trials side by side.
// With an OpenBLAS build, set OPENBLAS_NUM_THREADS to cores/jobs.
func DefaultJobs(cores int) int {
	return max(1, cores/2)
}

// Shard selects trial k of a spec's trial list (TrialSpecs order) when
// k mod Count == Index. Shards 0/N ... N-1/N of the same spec are
// disjoint and together hold every trial; Count 0 or 1 selects all.
type Shard struct{ Index, Count int }

// ParseShard reads "i/N" with 0 <= i < N.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want i/N with 0 <= i < N, e.g. 0/4", s)
	}
	return Shard{Index: i, Count: n}, nil
}

// Has reports whether trial k (0-based, in TrialSpecs order) is in the shard.
func (s Shard) Has(k int) bool { return s.Count <= 1 || k%s.Count == s.Index }

func (s Shard) String() string {
	if s.Count <= 1 {
		return "all"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Outcome counts what a run did.
type Outcome struct {
	Trials, Ran, Skipped, OK, Diverged, Failed int
	// Resumed counts trials continued from a checkpoint, Interrupted those
	// stopped by Options.Stop (not counted in Ran).
	Resumed, Interrupted int
	// Busy counts trials skipped because another process holds their
	// lock (see acquireTrialLock).
	Busy    int
	Records []*results.Record
}

// streamSeed derives an independent stream from a trial seed and a purpose,
// so data, weights, batch order and evaluation never share random numbers.
func streamSeed(seed uint64, purpose string) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s", seed, purpose)
	return h.Sum64()
}

type dataKey struct {
	name, params string
	seed         uint64
}

// specTrials lists trials as DIR/spec.json does: each with what defines
// it, so that readers of the folder never expand the spec themselves.
func specTrials(trials []Trial) []results.SpecTrial {
	list := make([]results.SpecTrial, len(trials))
	for i, tr := range trials {
		identity, _ := results.CanonicalJSON(tr.identity()) // Parse rejects what JSON cannot hold
		list[i] = results.SpecTrial{ID: tr.ID, Dataset: tr.Dataset.Name, Model: tr.Model.Name, Type: tr.Model.Type,
			Seed: tr.Seed, Sweep: tr.Sweep, Spec: identity}
	}
	return list
}

// CheckpointPath is where a run into dir keeps the checkpoint of a trial.
func CheckpointPath(dir, trial string) string {
	return filepath.Join(dir, "checkpoints", trial+".ckpt")
}

// removeTemps deletes the temporary files that a killed run left while
// writing trial's record or checkpoint; the caller holds the trial's
// lock, so no live process is writing them.
func removeTemps(dir, trial string) {
	for _, pattern := range []string{
		filepath.Join(dir, "trials", "."+trial+".json.tmp*"),
		filepath.Join(dir, "checkpoints", "."+trial+".ckpt.tmp*"),
		filepath.Join(dir, "examples", "."+trial+".bin.tmp*"),
		filepath.Join(dir, "models", "."+trial+".bin.tmp*"),
	} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			os.Remove(p)
		}
	}
}

// trialResult is what a worker reports for one trial.
type trialResult struct {
	k       int // position in the run's list
	rec     *results.Record
	resumed bool
	done    bool  // rec was written by another process meanwhile
	err     error // ErrInterrupted, a *BusyError, or a record that could not be written
}

// Run trains and evaluates every trial of spec (of Options.Shard), up to
// Options.Jobs at once, writing each finished trial to
// Out/trials/<id>.json as it ends and Out/results.json at the end. Trials
// with a valid record already in Out are skipped, so re-running an
// interrupted spec continues where it stopped; a corrupted record is
// reported and its trial rerun. A training trial writes
// Out/checkpoints/<id>.ckpt after every epoch and continues from it when
// the run is repeated (an unusable checkpoint is reported and the trial
// restarted); the checkpoint is deleted when the record is written.
func Run(spec *Spec, opt Options) (*Outcome, error) {
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	// The host's facts now, not when the first record is written: without
	// a commit stamped into the binary, provenance reads the repository's,
	// which may move on during an hour-long trial (a run launched at one
	// commit recorded the next).
	hostFacts()
	sched := newSchedule(opt.Jobs, runtime.NumCPU())
	opt.Jobs = sched.jobs
	trials, err := startRun(spec, opt)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Trials: len(trials)}
	board := newBoard(opt.Log, opt.Terminal, opt.Jobs)
	alone := sched.aloneTrials(trials)
	todo := sched.order(skipFinished(trials, opt, out, board), alone)
	if line := sched.describe(todo, alone); line != "" {
		board.logf("%s", line)
	}
	board.start(len(todo))
	runDone := make(chan struct{})
	defer close(runDone)
	go func() {
		select {
		case <-opt.Stop:
			board.logf("stopping: no new trial starts; training trials stop after their current step and keep their checkpoints")
		case <-runDone:
		}
	}()
	finished := runWorkers(spec, trials, todo, alone, opt, board)
	started, firstErr := collect(finished, trials, out, board)
	board.stop()
	for _, k := range todo {
		if !started[k] {
			out.Interrupted++ // never handed to a worker
		}
	}
	sort.Slice(out.Records, func(i, j int) bool { return out.Records[i].Trial < out.Records[j].Trial })
	if err := results.WriteIndex(opt.Out, out.Records); err != nil && firstErr == nil {
		firstErr = err
	}
	return out, runError(out, opt, firstErr)
}

// startRun makes the results folder, writes its spec.json (every trial,
// all shards) and returns the trials of this run's shard.
func startRun(spec *Spec, opt Options) ([]Trial, error) {
	for _, sub := range []string{"trials", "checkpoints"} {
		if err := os.MkdirAll(filepath.Join(opt.Out, sub), 0o755); err != nil {
			return nil, fmt.Errorf("results folder: %w", err)
		}
	}
	all := spec.TrialSpecs()
	if err := results.WriteSpecFile(opt.Out, spec.canonical(), spec.Hash, specTrials(all)); err != nil {
		return nil, err
	}
	var trials []Trial
	for k, tr := range all {
		if opt.Shard.Has(k) {
			trials = append(trials, tr)
		}
	}
	return trials, nil
}

// skipFinished counts the trials with a valid record as skipped and
// returns the positions of the others; a damaged record is reported and
// its trial run again.
func skipFinished(trials []Trial, opt Options, out *Outcome, board *board) []int {
	var todo []int
	for k, tr := range trials {
		path := results.RecordPath(opt.Out, tr.ID)
		label := fmt.Sprintf("[%d/%d] %s", k+1, len(trials), tr.ID)
		rec, err := results.ReadRecord(path)
		if err == nil && rec.Trial != tr.ID {
			err = fmt.Errorf("%s: holds trial %q", path, rec.Trial)
		}
		if err == nil && rec.Status != results.StatusFailed {
			out.Skipped++
			out.Records = append(out.Records, rec)
			os.Remove(CheckpointPath(opt.Out, tr.ID)) // left by a run killed after the record was written
			board.logf("%s: already done (%s), skipped", label, rec.Status)
			continue
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			board.logf("%s: %v; running it again", label, err)
		}
		todo = append(todo, k)
	}
	return todo
}

// runWorkers runs the trials at positions todo on up to opt.Jobs
// workers, one model each, and reports each trial on the channel, which
// is closed when all are done or Stop ended the run. A trial for which
// alone is true starts when no other runs, and no other starts while it
// runs (shareGate); a trial starts only when its memory estimate and
// those of the trials running fit its limit (memoryGate).
func runWorkers(spec *Spec, trials []Trial, todo []int, alone func(k int) bool, opt Options, board *board) <-chan trialResult {
	p := workerPool{
		jobs: opt.Jobs, stop: opt.Stop, board: board, alone: alone,
		label:  func(k int) string { return fmt.Sprintf("[%d/%d] %s", k+1, len(trials), trials[k].ID) },
		memory: func(k int) (float64, float64) { return trialMemory(trials[k]) },
		run: func(k, worker int, cache map[dataKey]*datasets.Data) trialResult {
			return runLocked(spec, trials, k, cache, opt, board, worker)
		},
	}
	return p.start(todo)
}

// workerPool is Run's scheduling, apart from what a trial does.
type workerPool struct {
	jobs  int
	stop  <-chan struct{}
	board *board
	label func(k int) string
	// alone reports whether trial k runs alone; nil means none does.
	alone func(k int) bool
	// memory is trial k's estimate and limit for the memory gate.
	memory func(k int) (need, limit float64)
	// run runs trial k on a worker, with the worker's data cache.
	run func(k, worker int, cache map[dataKey]*datasets.Data) trialResult
}

// start runs the trials at positions todo and reports each on the
// returned channel, closed when all are done or stop ended the run.
func (p workerPool) start(todo []int) <-chan trialResult {
	jobs := make(chan int) // positions in todo
	finished := make(chan trialResult)
	gate, share := newMemoryGate(), newShareGate()
	var wg sync.WaitGroup
	for w := 0; w < min(p.jobs, max(len(todo), 1)); w++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			cache := map[dataKey]*datasets.Data{} // one data set in memory per worker
			for i := range jobs {
				finished <- p.admitAndRun(share, gate, i, todo[i], worker, cache)
			}
		}(w)
	}
	go func() {
		defer close(jobs)
		for i := range todo {
			select {
			case jobs <- i:
			case <-p.stop:
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(finished)
	}()
	return finished
}

// admitAndRun runs trial k, the turn-th of the run, once the share gate
// and then the memory gate admit it, saying in the log when it has to
// wait; a stop while it waits interrupts it.
func (p workerPool) admitAndRun(share *shareGate, gate *memoryGate, turn, k, worker int, cache map[dataKey]*datasets.Data) trialResult {
	if interrupted(p.stop) {
		return trialResult{k: k, err: ErrInterrupted}
	}
	alone := p.alone != nil && p.alone(k)
	if !share.admit(turn, alone, p.stop, func(running int) {
		p.board.logf("%s: waits to run alone (its training step is large): %d trial(s) running", p.label(k), running)
	}) {
		return trialResult{k: k, err: ErrInterrupted}
	}
	defer share.release(alone)
	need, limit := p.memory(k)
	admitted := gate.admit(need, limit, p.stop, func(used float64, running int) {
		p.board.logf("%s: waits for memory: it needs an estimated %s and the %d running trial(s) hold %s of the %s limit",
			p.label(k), FormatBytes(need), running, FormatBytes(used), FormatBytes(limit))
	})
	if !admitted {
		return trialResult{k: k, err: ErrInterrupted}
	}
	defer gate.release(need)
	return p.run(k, worker, cache)
}

// collect counts the workers' results into out, logging each, and
// returns which trials were started and the first error that is not an
// interruption or a busy trial.
func collect(finished <-chan trialResult, trials []Trial, out *Outcome, board *board) (map[int]bool, error) {
	var firstErr error
	started := map[int]bool{}
	for r := range finished {
		started[r.k] = true
		label := fmt.Sprintf("[%d/%d] %s", r.k+1, len(trials), trials[r.k].ID)
		var busy *BusyError
		switch {
		case errors.Is(r.err, ErrInterrupted):
			out.Interrupted++
			board.logf("%s: interrupted", label)
			continue
		case errors.As(r.err, &busy):
			out.Busy++
			board.logf("%s: skipped: %v", label, r.err)
			continue
		case r.done:
			out.Skipped++
			out.Records = append(out.Records, r.rec)
			board.logf("%s: finished by another process meanwhile (%s), skipped", label, r.rec.Status)
			continue
		case r.err != nil:
			if firstErr == nil {
				firstErr = r.err
			}
			board.logf("%s: %v", label, r.err)
			continue
		}
		out.Ran++
		if r.resumed {
			out.Resumed++
		}
		switch r.rec.Status {
		case results.StatusOK:
			out.OK++
		case results.StatusDiverged:
			out.Diverged++
		default:
			out.Failed++
		}
		out.Records = append(out.Records, r.rec)
		board.done()
		board.logf("%s: %s%s", label, r.rec.Status, summaryLine(r.rec))
	}
	return started, firstErr
}

// runError is Run's error: the first failure to write, else trials left
// to other processes (ErrBusy), else an interruption.
func runError(out *Outcome, opt Options, firstErr error) error {
	if firstErr != nil {
		return firstErr
	}
	if out.Busy > 0 {
		return fmt.Errorf("%w: %d of %d trials were left to the processes running them; run the same command again after they end to collect their records "+
			"(a lock is taken over once its heartbeat is %s old; if no genbench process runs a trial, delete its lock file %s by hand)",
			ErrBusy, out.Busy, out.Trials, lockStale, filepath.Join(opt.Out, "checkpoints", "<trial>.lock"))
	}
	if out.Interrupted > 0 {
		return fmt.Errorf("%w: %d of %d trials unfinished; run the same command again to resume them from %s",
			ErrInterrupted, out.Interrupted, out.Trials, filepath.Join(opt.Out, "checkpoints"))
	}
	return nil
}

func summaryLine(r *results.Record) string {
	if r.Status != results.StatusOK {
		reason, _, _ := strings.Cut(r.Reason, "\n") // a panic's stack follows its message
		return ": " + reason
	}
	var parts []string
	if v, ok := r.Metrics["test_nll"]; ok {
		parts = append(parts, fmt.Sprintf("test NLL %.4f ± %.4f (%s)", v, 2*r.Metrics["test_nll_stderr"], r.NLLKind))
	}
	if v, ok := r.Metrics["true_nll"]; ok {
		parts = append(parts, fmt.Sprintf("true %.4f", v))
	}
	if v, ok := r.Metrics["bits_per_dim"]; ok {
		parts = append(parts, fmt.Sprintf("%.4f bits/dim", v))
	}
	if v, ok := r.Metrics["modes_covered"]; ok {
		parts = append(parts, fmt.Sprintf("%.0f/%.0f modes", v, r.Metrics["modes_total"]))
	}
	if v, ok := r.Metrics["samples_per_sec"]; ok {
		parts = append(parts, fmt.Sprintf("%.3g samples/s", v))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, ", ")
}

// runLocked runs trial k under its lock and writes its record. A trial
// locked by another process is reported with a *BusyError; one whose
// record appeared while this run waited is reported done.
func runLocked(spec *Spec, trials []Trial, k int, cache map[dataKey]*datasets.Data, opt Options, board *board, worker int) trialResult {
	tr := trials[k]
	lock, err := acquireTrialLock(opt.Out, tr.ID)
	if err != nil {
		return trialResult{k: k, err: err}
	}
	defer lock.release()
	path := results.RecordPath(opt.Out, tr.ID)
	if rec, err := results.ReadRecord(path); err == nil && rec.Trial == tr.ID && rec.Status != results.StatusFailed {
		return trialResult{k: k, rec: rec, done: true}
	}
	removeTemps(opt.Out, tr.ID)
	label := fmt.Sprintf("[%d/%d] %s", k+1, len(trials), tr.ID)
	rec, resumed, err := runIsolated(spec, tr, cache, opt, label, board, worker)
	board.idle(worker)
	if err == nil {
		err = results.WriteRecord(opt.Out, rec)
		if err != nil {
			err = fmt.Errorf("writing trial %s: %w", tr.ID, err)
		} else {
			os.Remove(CheckpointPath(opt.Out, tr.ID))
		}
	}
	return trialResult{k: k, rec: rec, resumed: resumed, err: err}
}

// runIsolated runs a trial so that a panic in it (a model's bug, a size
// no code path expected) ends this trial only: it becomes a failed record
// with the panic's message and stack, the worker's data cache is dropped
// (a panic may have left it half-built), and the run goes on with the
// next trial, its lock released by the caller's defer.
func runIsolated(spec *Spec, tr Trial, cache map[dataKey]*datasets.Data, opt Options, label string, board *board, worker int) (rec *results.Record, resumed bool, err error) {
	started := time.Now()
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		clear(cache)
		rec = panicRecord(spec, tr, started, v, debug.Stack())
		resumed, err = false, nil
	}()
	return runTrial(spec, tr, cache, opt, label, board, worker)
}

// panicRecord is the failed record of a trial that panicked.
func panicRecord(spec *Spec, tr Trial, started time.Time, v any, stack []byte) *results.Record {
	ty, _ := models.Lookup(tr.Model.Type)
	return &results.Record{Trial: tr.ID, Model: tr.Model.Name, Type: tr.Model.Type, Family: string(ty.Family),
		Dataset: tr.Dataset.Name, Seed: tr.Seed, Sweep: tr.Sweep, Metrics: map[string]float64{}, Protocol: map[string]string{},
		NLLKind: string(models.None), Status: results.StatusFailed,
		Reason:     fmt.Sprintf("panic: %v\n%s", v, stack),
		Provenance: newProvenance(spec, tr, started)}
}

// loadCheckpoint restores a trial's model and batch order from its
// checkpoint file. It returns nil without a checkpoint, and an error when
// the checkpoint is unusable: truncated, corrupted, or not loadable into
// the model (which may then be half-loaded: build a fresh one).
func loadCheckpoint(path, trial string, m models.Model, batches *rand.PCG) (*TrainState, error) {
	st, err := ReadCheckpoint(path, trial)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := m.Load(bytes.NewReader(st.Model)); err != nil {
		return nil, fmt.Errorf("%s: %w: model state: %v", path, ErrBadCheckpoint, err)
	}
	if err := batches.UnmarshalBinary(st.Batches); err != nil {
		return nil, fmt.Errorf("%s: %w: batch order: %v", path, ErrBadCheckpoint, err)
	}
	return st, nil
}
