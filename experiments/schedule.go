package experiments

import (
	"fmt"
	"slices"
	"sync"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
)

// Which trials train side by side (Options.Jobs 0, the default).
//
// nn splits a matrix product over the cores, and a convolution's images,
// so a large trial (a model of MNIST) keeps every core busy on its own,
// and a second trial beside it only makes both compete for the cores and
// their caches. A small trial (a model of 2-D data: hidden width 64,
// batch 256) spends its step in products of about a million
// multiply–adds and in elementwise passes, mostly on one goroutine: run
// alone, it keeps about 1.1 of 2 cores busy, so small trials side by side
// finish sooner at no cost to each other's numbers (nn gives the same
// bits on any number of cores, and a trial's random streams are its own).
//
// So the default schedule runs up to one trial per core at once, and a
// trial whose training step is large (stepWork over largeStepWork, or not
// estimated) alone: it waits until the running trials end, and nothing
// else starts until it ends. The large trials run first, so the cores are
// drained once per run, not once per large trial.

// largeStepWork is the stepWork from which a trial runs alone. The quick
// suite (experiments/quick.yaml) has its small trials at 8e2–1.9e7 (2-D
// and 10-D data, the largest a PacGAN) and its large ones at 4.1e7–1.8e8
// (MNIST VAE, MADE, RealNVP); 2^25 ≈ 3.4e7 lies between. Measured on the
// project's 2-core machine, shared (load 5–6), pairs of one trial (seeds
// 1 and 2, fewer epochs) run with -j 1 and -j 2, medians of 3
// interleaved repeats, side by side over one at a time:
//
//	trial             step work  CPU time  samples_per_sec
//	ring8 realnvp-8   1.0e7      0.89      1.05
//	gmm maf-5         8.7e6      0.87      0.44
//	ring8 pacgan      1.9e7      0.91      0.95
//	mnist vae         4.1e7      1.00      0.28
//	mnist made        7.9e7      1.02      0.61
//	mnist realnvp-8   1.8e8      1.10      0.45
//
// Small trials side by side spend 9–13% less CPU (alone, their products
// are split into parts too small to pay for the hand-offs); large ones
// gain nothing (RealNVP on MNIST spends 10% more) and their sampling
// speed, a metric of the record, falls to 0.28–0.61 of its speed alone.
// Wall times under that load say little (the kernel shares the cores
// between sessions, not threads, and the load varied by half between
// runs); on idle cores one trial at a time kept 1.1 of 2 cores busy over
// the quick suite (245 s of CPU in 240 s), the idle second core that
// small trials side by side put to work. The quick suite itself, 4
// interleaved runs each way on that machine (load 1.4–9): median wall
// 156 s with this schedule, 175 s one trial at a time (its 2-D phase
// 0.90 of the time, paired median), 6% less CPU, the same numbers.
const largeStepWork = 1 << 25

// stepWork estimates the size of one training step of trial tr before it
// runs: the batch size times the model's scalars per example, its
// parameters (each takes part in one multiply–add per example in a dense
// layer) and its activations (which carry a convolution's work: it grows
// with the image while the parameters do not). ok is false when the data
// set or the model type offers no size estimate.
func stepWork(tr Trial) (work float64, ok bool) {
	size, ok := trialSize(tr.Dataset, tr.Model)
	if !ok {
		return 0, false
	}
	return float64(tr.Model.Train.BatchSize) * (size.Params + size.Activations), true
}

// trialSize is the models.Size of model m on data set d, from their
// settings alone; ok is false without an estimate.
func trialSize(d DatasetSpec, m ModelSpec) (models.Size, bool) {
	src, found := datasets.Lookup(d.Name)
	if !found || src.Layout == nil {
		return models.Size{}, false
	}
	p, err := src.Params.Resolve(d.Params)
	if err != nil {
		return models.Size{}, false
	}
	layout := src.Layout(p)
	cfg := models.Config{Dim: layout.Dim, Binary: layout.Kind == datasets.Binary, Shape: layout.Shape,
		Dtype: m.Train.Dtype, LR: m.Train.LR}
	size, ok, err := models.EstimateSize(m.Type, m.Params, cfg)
	return size, ok && err == nil
}

// runsAlone reports whether the default schedule trains tr alone: its
// step is large, or cannot be estimated (alone is never slower than one
// trial at a time).
func runsAlone(tr Trial) bool {
	work, ok := stepWork(tr)
	return !ok || work >= largeStepWork
}

// schedule is how many trials train at once, and whether large ones run
// alone.
type schedule struct {
	jobs  int  // most trials at once
	alone bool // the rule applies: trials that runsAlone run alone
}

// newSchedule is the schedule for Options.Jobs on a machine with that
// many cores: an explicit count runs that many trials at once whatever
// their size (the meaning -j N always had); 0 runs up to one per core,
// with large trials alone.
func newSchedule(jobs, cores int) schedule {
	if jobs > 0 {
		return schedule{jobs: jobs}
	}
	cores = max(1, cores)
	return schedule{jobs: cores, alone: cores > 1}
}

// aloneTrials reports, for the position k of a trial in trials, whether
// it runs alone under s; each trial is classified once.
func (s schedule) aloneTrials(trials []Trial) func(k int) bool {
	alone := make([]bool, len(trials))
	for k, tr := range trials {
		alone[k] = s.alone && runsAlone(tr)
	}
	return func(k int) bool { return alone[k] }
}

// order returns the positions todo with the trials that run alone first,
// each group in its own order (stable), so that the cores are drained
// once: between the last large trial and the first small ones.
func (s schedule) order(todo []int, alone func(k int) bool) []int {
	out := slices.Clone(todo)
	if s.alone {
		slices.SortStableFunc(out, func(a, b int) int {
			switch aa, ab := alone(a), alone(b); {
			case aa == ab:
				return 0
			case aa:
				return -1
			}
			return 1
		})
	}
	return out
}

// describe is the line Run logs about its schedule, "" with one trial at
// a time.
func (s schedule) describe(todo []int, alone func(k int) bool) string {
	if s.jobs <= 1 {
		return ""
	}
	if !s.alone {
		return fmt.Sprintf("up to %d trials at once (-j %d)", s.jobs, s.jobs)
	}
	large := 0
	for _, k := range todo {
		if alone(k) {
			large++
		}
	}
	return fmt.Sprintf("up to %d trials at once, one per core; %d of %d run alone, first "+
		"(training steps of %.3g scalar operations or more, or of unknown size); -j N runs N at once whatever their size",
		s.jobs, large, len(todo), float64(largeStepWork))
}

// shareGate admits trials so that one that runs alone never overlaps
// another: it starts when no trial is running, and none starts while it
// runs. Trials are admitted in their order in the run (their turns 0, 1,
// ...), whichever worker asks first, so one waiting to run alone is not
// passed over by smaller ones behind it.
type shareGate struct {
	mu      sync.Mutex
	running int           // trials admitted and not yet released
	alone   bool          // the running trial runs alone
	next    int           // the turn to admit next
	changed chan struct{} // closed, and replaced, at every change
}

func newShareGate() *shareGate { return &shareGate{changed: make(chan struct{})} }

// admit waits until the trial of that turn may start, alone or beside
// others; calls waiting once, with the number running, if a trial to run
// alone has to wait; and reports false, admitting nothing, if stop closes
// first (a run stops as a whole, so no later turn is left waiting for
// this one). Each admitted trial must be released with the same alone.
func (g *shareGate) admit(turn int, alone bool, stop <-chan struct{}, waiting func(running int)) bool {
	g.mu.Lock()
	told := false
	for {
		if g.next == turn && !g.alone && (!alone || g.running == 0) {
			g.next++
			g.running++
			g.alone = alone
			g.broadcast()
			g.mu.Unlock()
			return true
		}
		if alone && !told && g.next == turn {
			told = true
			waiting(g.running)
		}
		changed := g.changed
		g.mu.Unlock()
		select {
		case <-changed:
			g.mu.Lock()
		case <-stop:
			return false
		}
	}
}

// release ends an admitted trial.
func (g *shareGate) release(alone bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.running--
	if alone {
		g.alone = false
	}
	g.broadcast()
}

// broadcast wakes the waiting trials; the caller holds g.mu.
func (g *shareGate) broadcast() {
	close(g.changed)
	g.changed = make(chan struct{})
}
