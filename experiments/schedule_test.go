package experiments

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genbench/genbench/datasets"
)

// TestRunsAlone: the rule classifies the quick suite's trials as intended
// (its MNIST models alone, its 2-D and 10-D models and the MNIST Gaussian
// side by side), a wide model of 2-D data alone, and a model type without
// a size estimate alone.
func TestRunsAlone(t *testing.T) {
	quick, err := Load("quick.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const extra = `name: extra
seeds: [1]
datasets:
  - {name: ring8, n_train: 5000, n_valid: 100, n_test: 100}
models:
  - {name: wide, type: realnvp, params: {layers: 8, hidden: 2048}}
  - {name: narrow-big-batch, type: realnvp, params: {layers: 8, hidden: 64}, train: {batch_size: 4096}}
  - {name: unknown, type: test-panic}
`
	spec, err := Parse("extra.yaml", []byte(extra))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{ // model on data set → runs alone
		"mnist-realnvp-8-mnist": true, "mnist-made": true, "mnist-vae": true, "mnist-gaussian": false,
		"ring8-wide": true, "ring8-narrow-big-batch": true, "ring8-unknown": true,
	}
	seen := 0
	for _, tr := range append(quick.TrialSpecs(), spec.TrialSpecs()...) {
		key := tr.Dataset.Name + "-" + tr.Model.Name
		w, listed := want[key]
		if listed {
			seen++
		} else if tr.Dataset.Name == "mnist" {
			t.Fatalf("%s: not in the table", key)
		}
		work, _ := stepWork(tr)
		if got := runsAlone(tr); got != w {
			t.Errorf("%s (step work %.3g): runs alone %v, want %v", key, work, got, w)
		}
	}
	if seen != len(want) {
		t.Errorf("%d of the table's %d trials found", seen, len(want))
	}
}

// TestStepWork: batch size times parameters and activations per example
// of the model's estimate, on a case computed by hand: a Gaussian with a
// diagonal covariance on 2-D data has 2+2 parameters and 4 activations.
func TestStepWork(t *testing.T) {
	spec, err := Parse("g.yaml", []byte(`name: g
seeds: [1]
datasets: [{name: ring8, n_train: 1000, n_valid: 100, n_test: 100}]
models: [{name: g, type: gaussian}, {name: u, type: test-panic}]
train: {batch_size: 100}
`))
	if err != nil {
		t.Fatal(err)
	}
	trials := spec.TrialSpecs()
	if w, ok := stepWork(trials[0]); !ok || w != 100*(4+4) {
		t.Errorf("gaussian: step work %g (ok %v), want 800", w, ok)
	}
	if w, ok := stepWork(trials[1]); ok {
		t.Errorf("a model without a size estimate: step work %g, want none", w)
	}
}

func TestNewSchedule(t *testing.T) {
	for _, c := range []struct {
		jobs, cores int
		want        schedule
	}{
		{0, 2, schedule{jobs: 2, alone: true}},
		{0, 8, schedule{jobs: 8, alone: true}},
		{0, 1, schedule{jobs: 1}},
		{0, 0, schedule{jobs: 1}},
		{1, 2, schedule{jobs: 1}},
		{3, 2, schedule{jobs: 3}},
	} {
		if got := newSchedule(c.jobs, c.cores); got != c.want {
			t.Errorf("newSchedule(%d, %d) = %+v, want %+v", c.jobs, c.cores, got, c.want)
		}
	}
}

func TestScheduleOrder(t *testing.T) {
	large := map[int]bool{2: true, 5: true, 6: true}
	alone := func(k int) bool { return large[k] }
	todo := []int{0, 1, 2, 3, 5, 6, 7}
	for _, c := range []struct {
		s    schedule
		want []int
	}{
		{schedule{jobs: 2, alone: true}, []int{2, 5, 6, 0, 1, 3, 7}},
		{schedule{jobs: 2}, todo},
		{schedule{jobs: 1}, todo},
	} {
		if got := c.s.order(todo, alone); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%+v: order %v, want %v", c.s, got, c.want)
		}
	}
	if !reflect.DeepEqual(todo, []int{0, 1, 2, 3, 5, 6, 7}) {
		t.Errorf("order changed its argument: %v", todo)
	}
}

// shareRecorder runs fake trials on a workerPool and records overlaps.
type shareRecorder struct {
	mu               sync.Mutex
	running, maxOnce int
	aloneRunning     int
	events           []string // "start tK" and "end tK", in time order
	overlaps         []string
	log              syncBuffer
}

func (f *shareRecorder) pool(alone []bool, jobs int, stop <-chan struct{}, hold func(k int)) workerPool {
	return workerPool{
		jobs: jobs, stop: stop, board: newBoard(&f.log, false, jobs),
		label:  func(k int) string { return fmt.Sprintf("[%d/%d] t%d", k+1, len(alone), k) },
		alone:  func(k int) bool { return alone[k] },
		memory: func(int) (float64, float64) { return 0, 1 },
		run: func(k, _ int, _ map[dataKey]*datasets.Data) trialResult {
			f.mu.Lock()
			if f.aloneRunning > 0 || (alone[k] && f.running > 0) {
				f.overlaps = append(f.overlaps, fmt.Sprintf("t%d started beside %d running trial(s)", k, f.running))
			}
			f.running++
			if alone[k] {
				f.aloneRunning++
			}
			f.maxOnce = max(f.maxOnce, f.running)
			f.events = append(f.events, fmt.Sprintf("start t%d", k))
			f.mu.Unlock()
			hold(k)
			f.mu.Lock()
			f.running--
			if alone[k] {
				f.aloneRunning--
			}
			f.events = append(f.events, fmt.Sprintf("end t%d", k))
			f.mu.Unlock()
			return trialResult{k: k}
		},
	}
}

// TestShareGate: a trial that runs alone never overlaps another, trials
// queued after it start only once it has ended, small ones overlap up to
// -j and never more, and the log says when a trial waits to run alone.
func TestShareGate(t *testing.T) {
	for _, c := range []struct {
		name     string
		alone    []bool
		jobs     int
		maxOnce  int
		wantWait bool // the log says a trial waits to run alone
	}{
		{"small only", []bool{false, false, false, false, false, false}, 3, 3, false},
		{"large in the middle", []bool{false, false, false, true, false, false, false}, 3, 3, true},
		{"large first and last", []bool{true, true, false, false, false, true}, 2, 2, true},
		{"large only", []bool{true, true, true}, 4, 1, true},
		{"one worker", []bool{false, true, false}, 1, 1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var f shareRecorder
			p := f.pool(c.alone, c.jobs, nil, func(int) { time.Sleep(30 * time.Millisecond) })
			todo := make([]int, len(c.alone))
			for k := range todo {
				todo[k] = k
			}
			res := collectAll(t, p.start(todo))
			if len(res) != len(c.alone) {
				t.Fatalf("%d trials reported, want %d", len(res), len(c.alone))
			}
			if len(f.overlaps) > 0 {
				t.Errorf("a trial that runs alone overlapped others: %v", f.overlaps)
			}
			if f.maxOnce != c.maxOnce {
				t.Errorf("at most %d trials at once, want %d", f.maxOnce, c.maxOnce)
			}
			checkQueuedAfterAlone(t, c.alone, f.events)
			waited := strings.Contains(f.log.String(), ": waits to run alone (its training step is large): ")
			if waited != c.wantWait {
				t.Errorf("log says a trial waited to run alone: %v, want %v:\n%s", waited, c.wantWait, f.log.String())
			}
		})
	}
}

// checkQueuedAfterAlone: every trial queued after one that runs alone
// starts after that one ends (the gate is first come, first served).
func checkQueuedAfterAlone(t *testing.T, alone []bool, events []string) {
	t.Helper()
	at := func(event string) int {
		i := slices.Index(events, event)
		if i < 0 {
			t.Fatalf("no %q in %v", event, events)
		}
		return i
	}
	for k, a := range alone {
		for later := k + 1; a && later < len(alone); later++ {
			if at(fmt.Sprintf("start t%d", later)) < at(fmt.Sprintf("end t%d", k)) {
				t.Errorf("t%d started before t%d, queued first to run alone, ended: %v", later, k, events)
			}
		}
	}
}

// TestShareGateStopWhileWaiting: a trial waiting to run alone when the
// run is stopped is interrupted without starting.
func TestShareGateStopWhileWaiting(t *testing.T) {
	stop := make(chan struct{})
	release := make(chan struct{})
	var f shareRecorder
	p := f.pool([]bool{false, true}, 2, stop, func(int) { <-release })
	ch := p.start([]int{0, 1})
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(f.log.String(), "waits to run alone"); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the large trial does not wait")
		}
	}
	close(stop)
	close(release)
	var done, stopped int
	for _, r := range collectAll(t, ch) {
		switch {
		case r.err == nil:
			done++
		case errors.Is(r.err, ErrInterrupted):
			stopped++
		}
	}
	if done != 1 || stopped != 1 {
		t.Errorf("%d trials done and %d interrupted, want 1 and 1", done, stopped)
	}
}

// TestSideBySideKeepsNumbers: the tiny suite's trials give the same
// metrics (timings aside) run one at a time and four at once: no state
// shared between trials (nn's pool of helpers, data caches, random
// streams) changes a number.
func TestSideBySideKeepsNumbers(t *testing.T) {
	spec, err := Parse("tiny.yaml", []byte(tinySpec))
	if err != nil {
		t.Fatal(err)
	}
	var metrics []map[string]map[string]float64
	for _, jobs := range []int{1, 4} {
		out, err := Run(spec, Options{Out: t.TempDir(), Jobs: jobs})
		if err != nil {
			t.Fatal(err)
		}
		if out.OK != 4 {
			t.Fatalf("-j %d: %d trials ok, want 4", jobs, out.OK)
		}
		metrics = append(metrics, stableMetrics(out.Records))
	}
	if !reflect.DeepEqual(metrics[0], metrics[1]) {
		t.Errorf("metrics differ between -j 1 and -j 4:\n%v\n%v", metrics[0], metrics[1])
	}
}

// TestAloneTrials: with the rule each trial is classified as runsAlone
// says; without it (an explicit -j) none runs alone.
func TestAloneTrials(t *testing.T) {
	quick, err := Load("quick.yaml")
	if err != nil {
		t.Fatal(err)
	}
	trials := quick.TrialSpecs()
	rule, fixed := schedule{jobs: 2, alone: true}.aloneTrials(trials), schedule{jobs: 2}.aloneTrials(trials)
	for k, tr := range trials {
		if rule(k) != runsAlone(tr) || fixed(k) {
			t.Errorf("%s: alone %v with the rule, %v with -j 2; want %v and false", tr.ID, rule(k), fixed(k), runsAlone(tr))
		}
	}
}

// TestRunLogsSchedule: a default run (Jobs 0) on two or more cores says
// how many trials at once and how many run alone (here a model type
// without a size estimate, which panics at once: a failed record).
func TestRunLogsSchedule(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("one core: trials run one at a time, and the log says nothing of it")
	}
	text := strings.Replace(tinySpec, "  - {name: gauss, type: gaussian}\n",
		"  - {name: gauss, type: gaussian}\n  - {name: bad, type: test-panic}\n", 1)
	spec, err := Parse("tiny.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	out, err := Run(spec, Options{Out: t.TempDir(), Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if out.OK != 4 || out.Failed != 2 {
		t.Errorf("%d ok and %d failed, want 4 and 2", out.OK, out.Failed)
	}
	want := fmt.Sprintf("up to %d trials at once, one per core; 2 of 6 run alone, first", runtime.NumCPU())
	if !strings.Contains(log.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, log.String())
	}
}
