package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/results"
)

// caseOneSpec is the spec of issue 14's first case: three models on
// ring8, the middle one far too large for any machine.
const caseOneSpec = `name: oversized
seeds: [1]
datasets:
  - {name: ring8, n_train: 500, n_valid: 200, n_test: 200}
models:
  - {name: gauss, type: gaussian}
  - {name: huge, type: realnvp, params: {layers: 2, hidden: 20000000}}
  - {name: small, type: realnvp, params: {layers: 2, hidden: 8}}
train: {batch_size: 100, epochs: 2}
eval: {metrics: [nll], samples: 100}
`

// TestMemoryEstimateRefusesSpecs: trials that no machine (or not the
// given limit) can hold are refused at parse time, at the line of what
// to shrink, naming the model and the estimate.
func TestMemoryEstimateRefusesSpecs(t *testing.T) {
	small := strings.Replace(caseOneSpec, "hidden: 20000000", "hidden: 8", 1)
	cases := []struct {
		name, text string
		want       string // file:line: key: ... prefix
		msg        []string
	}{
		{"case 1: hidden 2e7", caseOneSpec, "oversized.yaml:7: models[1]: ",
			[]string{"model huge on data set ring8 needs an estimated", "PiB", "parameters", "optimiser", "more than the"}},
		{"layers 1e8", strings.Replace(small, "layers: 2, hidden: 8", "layers: 100000000, hidden: 64", 1),
			"oversized.yaml:7: models[1]: ", []string{"model huge"}},
		{"n_train 1e12", strings.Replace(small, "n_train: 500", "n_train: 1e12", 1),
			"oversized.yaml:4: datasets[0]: ", []string{"data set ring8", "data 29.1 TiB"}},
		{"samples 1e12", strings.Replace(small, "samples: 100}", "samples: 1000000000000}", 1),
			"oversized.yaml:10: eval.samples: ", []string{"samples 29.1 TiB"}},
		{"gmm dim 1e6", strings.Replace(small, "name: ring8, n_train: 500,", "name: gmm, dim: 1000000,", 1),
			"oversized.yaml:4: datasets[0]: ", []string{"data set gmm"}},
		{"limit below a small spec", strings.Replace(small, "epochs: 2}", "epochs: 2, memory_limit: 1KiB}", 1),
			"oversized.yaml:4: datasets[0]: ", []string{"train.memory_limit", "1 KiB limit"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("oversized.yaml", []byte(c.text))
			if err == nil {
				t.Fatal("spec accepted")
			}
			if c.want != "" && !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error %q, want it to start with %q", err, c.want)
			}
			for _, m := range c.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
		})
	}
}

// TestMemoryLimitKey: memory_limit takes sizes and auto, refuses
// anything else, and leaves trial ids alone.
func TestMemoryLimitKey(t *testing.T) {
	base := strings.Replace(caseOneSpec, "hidden: 20000000", "hidden: 8", 1)
	plain, err := Parse("s.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"auto", "64GiB", "512 MB", "1e12 B"} {
		text := strings.Replace(base, "epochs: 2}", "epochs: 2, memory_limit: "+v+"}", 1)
		s, err := Parse("s.yaml", []byte(text))
		if err != nil {
			t.Errorf("memory_limit %s: %v", v, err)
			continue
		}
		if s.TrialSpecs()[0].ID != plain.TrialSpecs()[0].ID {
			t.Errorf("memory_limit %s changes the trial id", v)
		}
	}
	for _, v := range []string{"lots", "-1GiB", "8 GiBs", "0"} {
		text := strings.Replace(base, "epochs: 2}", "epochs: 2, memory_limit: \""+v+"\"}", 1)
		if _, err := Parse("s.yaml", []byte(text)); err == nil || !strings.Contains(err.Error(), "train.memory_limit") {
			t.Errorf("memory_limit %q: error %v", v, err)
		}
	}
}

// TestShippedSpecsFitInEightGiB: the estimate must not refuse the
// repository's own specs on an ordinary machine.
func TestShippedSpecsFitInEightGiB(t *testing.T) {
	files, _ := filepath.Glob("*.yaml")
	if len(files) == 0 {
		t.Fatal("no specs found")
	}
	for _, f := range files {
		s, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range s.TrialSpecs() {
			e, ok := EstimateMemory(tr.Dataset, tr.Model, tr.Eval)
			if !ok {
				t.Errorf("%s: %s: no estimate", f, tr.ID)
				continue
			}
			if e.Total() > 8<<30 || e.Total() < 100<<10 {
				t.Errorf("%s: %s: estimate %v, outside [100 KiB, 8 GiB]", f, tr.ID, e)
			}
		}
	}
}

func TestParseAndFormatBytes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
	}{{"8GiB", 8 << 30}, {"512 MB", 512e6}, {"1e9", 1e9}, {"1.5 KiB", 1536}, {"100B", 100}} {
		got, err := ParseBytes(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseBytes(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "GiB", "8 XB", "NaN", "inf", "-3"} {
		if _, err := ParseBytes(bad); err == nil {
			t.Errorf("ParseBytes(%q) accepted", bad)
		}
	}
	for _, c := range []struct {
		in   float64
		want string
	}{{512, "512 B"}, {1536, "1.5 KiB"}, {3 << 30, "3 GiB"}, {math.Pow(2, 60), "1 EiB"}} {
		if got := FormatBytes(c.in); got != c.want {
			t.Errorf("FormatBytes(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMemTotal(t *testing.T) {
	info := "MemFree:  100 kB\nMemTotal:       24683784 kB\nBuffers: 1 kB\n"
	if got := memTotal([]byte(info)); got != 24683784*1024 {
		t.Errorf("memTotal = %v", got)
	}
	if got := memTotal([]byte("nothing here")); got != 0 {
		t.Errorf("memTotal of garbage = %v, want 0", got)
	}
}

// TestRunRefusesTrialThatCannotFit: a spec that skipped Parse's check
// (built or changed in code) still never starts the oversized trial: it
// gets a failed record naming the estimate, and the others run.
func TestRunRefusesTrialThatCannotFit(t *testing.T) {
	small := strings.Replace(caseOneSpec, "hidden: 20000000", "hidden: 8", 1)
	spec, err := Parse("oversized.yaml", []byte(small))
	if err != nil {
		t.Fatal(err)
	}
	spec.Models[1].Params["hidden"] = 20000000
	out, err := Run(spec, Options{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if out.OK != 2 || out.Failed != 1 {
		t.Fatalf("%d ok, %d failed; want 2 and 1", out.OK, out.Failed)
	}
	for _, r := range out.Records {
		if r.Model == "huge" && (r.Status != results.StatusFailed || !strings.Contains(r.Reason, "needs an estimated")) {
			t.Errorf("huge: %s: %s", r.Status, r.Reason)
		}
	}
}

// TestMemoryCheckAtSweepPoints: a sweep point that makes a model too
// large is refused, naming the point; points that leave a trial alone
// are not estimated again.
func TestMemoryCheckAtSweepPoints(t *testing.T) {
	small := strings.Replace(caseOneSpec, "hidden: 20000000", "hidden: 8", 1)
	text := small + "sweep:\n  axes:\n    - {path: models.huge.params.hidden, values: [8, 16, 20000000]}\n"
	_, err := Parse("oversized.yaml", []byte(text))
	if err == nil || !strings.Contains(err.Error(), "oversized.yaml:7: models[1]: model huge on data set ring8 needs an estimated") ||
		!strings.Contains(err.Error(), "at sweep point models[huge].params.hidden=20000000") || strings.Count(err.Error(), "\n") != 0 {
		t.Errorf("error %v", err)
	}
}

// fakePool is a worker pool whose trials have the given memory needs
// under one limit and, instead of training, hold their memory for a
// moment while a monitor sums what the running trials hold.
type fakePool struct {
	mu                 sync.Mutex
	inUse, maxInUse    float64
	running, maxAtOnce int
	overLimit          []string
	log                syncBuffer
}

// syncBuffer is a log that tests may read while the pool writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (f *fakePool) pool(needs []float64, limit float64, jobs int, stop <-chan struct{}, hold func(k int)) workerPool {
	return workerPool{
		jobs: jobs, stop: stop, board: newBoard(&f.log, false, jobs),
		label:  func(k int) string { return fmt.Sprintf("[%d/%d] t%d", k+1, len(needs), k) },
		memory: func(k int) (float64, float64) { return needs[k], limit },
		run: func(k, worker int, _ map[dataKey]*datasets.Data) trialResult {
			f.mu.Lock()
			f.inUse += needs[k]
			f.running++
			if f.inUse > limit && f.running > 1 {
				f.overLimit = append(f.overLimit, fmt.Sprintf("t%d brought %d running trials to %g", k, f.running, f.inUse))
			}
			f.maxInUse, f.maxAtOnce = max(f.maxInUse, f.inUse), max(f.maxAtOnce, f.running)
			f.mu.Unlock()
			hold(k)
			f.mu.Lock()
			f.inUse -= needs[k]
			f.running--
			f.mu.Unlock()
			return trialResult{k: k}
		},
	}
}

// collectAll drains a pool's results, failing the test if it takes
// longer than a deadlock would allow.
func collectAll(t *testing.T, ch <-chan trialResult) []trialResult {
	t.Helper()
	var out []trialResult
	timeout := time.After(20 * time.Second)
	for {
		select {
		case r, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, r)
		case <-timeout:
			t.Fatalf("the pool is stuck after %d trials", len(out))
		}
	}
}

// TestMemoryGateSumsRunningTrials: with -j 3 and a limit of 10, trials
// run at once only while their estimates sum to at most 10; small ones
// share it, one that alone exceeds it runs alone (no deadlock: nothing
// else is running), one without an estimate (0) is not held back, and
// the log says which trials waited for memory.
func TestMemoryGateSumsRunningTrials(t *testing.T) {
	needs := []float64{6, 6, 3, 3, 12, 0, 4, 4, 4}
	var f fakePool
	p := f.pool(needs, 10, 3, nil, func(int) { time.Sleep(20 * time.Millisecond) })
	todo := []int{0, 1, 2, 3, 4, 5, 6, 7, 8}
	res := collectAll(t, p.start(todo))
	if len(res) != len(needs) {
		t.Fatalf("%d trials reported, want %d", len(res), len(needs))
	}
	for _, r := range res {
		if r.err != nil {
			t.Errorf("t%d: %v", r.k, r.err)
		}
	}
	if len(f.overLimit) > 0 {
		t.Errorf("running trials exceeded the limit together: %v", f.overLimit)
	}
	if f.maxAtOnce < 2 {
		t.Errorf("at most %d trial(s) ran at once: the gate serialised trials that fit together", f.maxAtOnce)
	}
	log := f.log.String()
	if !strings.Contains(log, ": waits for memory: it needs an estimated ") || !strings.Contains(log, " B of the 10 B limit") {
		t.Errorf("log lacks the waits for memory:\n%s", log)
	}
}

// TestMemoryGateStopWhileWaiting: a trial waiting for memory when the
// run is stopped is interrupted without starting.
func TestMemoryGateStopWhileWaiting(t *testing.T) {
	stop := make(chan struct{})
	var f fakePool
	release := make(chan struct{})
	p := f.pool([]float64{8, 8}, 10, 2, stop, func(int) { <-release })
	ch := p.start([]int{0, 1})
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(f.log.String(), "waits for memory"); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("neither trial waits for memory")
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

// TestTrialMemory: the gate reserves a trial's estimate under its limit,
// and nothing for a trial that alone exceeds it (prepare refuses that one
// with its estimate, as TestRunRefusesTrialThatCannotFit checks).
func TestTrialMemory(t *testing.T) {
	small := strings.Replace(caseOneSpec, "hidden: 20000000", "hidden: 8", 1)
	spec, err := Parse("s.yaml", []byte(strings.Replace(small, "epochs: 2}", "epochs: 2, memory_limit: 64GiB}", 1)))
	if err != nil {
		t.Fatal(err)
	}
	spec.Models[1].Params["hidden"] = 20000000
	for _, tr := range spec.TrialSpecs() {
		need, limit := trialMemory(tr)
		e, _ := EstimateMemory(tr.Dataset, tr.Model, tr.Eval)
		want := e.Total()
		if tr.Model.Name == "huge" {
			want = 0
		}
		if need != want || limit != 64<<30 {
			t.Errorf("%s: need %g limit %g, want %g and 64 GiB (estimate %v)", tr.ID, need, limit, want, e)
		}
	}
}
