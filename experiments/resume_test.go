package experiments

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/results"
)

// resumeSpec has trials long enough to be interrupted in the middle:
// several epochs, learning-rate decay and early stopping state to carry.
const resumeSpec = `name: resume
seeds: [1, 2]
datasets:
  - {name: ring8, std: 0.1, n_train: 512, n_valid: 256, n_test: 256}
models:
  - {name: gauss, type: gaussian}
  - {name: nvp, type: realnvp, params: {layers: 2, hidden: 8}}
  - {name: maf, type: maf, params: {layers: 2, hidden: 8}}
train: {batch_size: 64, epochs: 6, lr: 3e-3, patience: 3, lr_decay: 0.5, lr_patience: 1, warmup_steps: 5}
eval: {metrics: [nll, true_nll, sampling_speed, mode_coverage], samples: 200, speed_batch: 100, speed_repeats: 2}
`

func mustParse(t *testing.T, text string) *Spec {
	t.Helper()
	spec, err := Parse("spec.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// curves returns each trial's training curve without its times.
func curves(recs []*results.Record) map[string][]results.EpochLog {
	out := map[string][]results.EpochLog{}
	for _, r := range recs {
		if r.Training == nil {
			continue
		}
		var c []results.EpochLog
		for _, e := range r.Training.Curve {
			e.Seconds = 0
			c = append(c, e)
		}
		out[r.Trial] = c
	}
	return out
}

// interruptAfter returns options that stop the run after the n-th
// checkpoint write.
func interruptAfter(dir string, n, jobs int) Options {
	stop := make(chan struct{})
	var mu sync.Mutex
	count := 0
	return Options{Out: dir, Jobs: jobs, Stop: stop, afterCheckpoint: func(string, int) {
		mu.Lock()
		defer mu.Unlock()
		count++
		if count == n {
			close(stop)
		}
	}}
}

func TestResumeGivesSameResults(t *testing.T) {
	spec := mustParse(t, resumeSpec)
	ref, err := Run(spec, Options{Out: t.TempDir(), Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ref.OK != 6 {
		t.Fatalf("reference run: %d ok, want 6", ref.OK)
	}
	// The first trial (gauss) is fitted in closed form without
	// checkpoints; nvp seed 1 trains all 6 epochs, so its 6th checkpoint
	// is written after its last epoch, before evaluation.
	cases := []struct {
		name        string
		after, jobs int
		final       string // "yes": resumed after the last epoch (evaluation only), "no", or "" (timing decides)
		// midEpoch: a checkpoint after every batch (CheckpointEvery 1ns),
		// so that the run stops and resumes part-way through an epoch.
		midEpoch bool
	}{
		{"first epoch", 1, 1, "no", false},
		{"mid trial", 4, 1, "no", false},
		{"after the last epoch", 6, 1, "yes", false},
		{"two workers", 7, 2, "", false},
		{"mid first epoch", 3, 1, "no", true},
		{"mid fourth epoch", 29, 1, "no", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			opt := interruptAfter(dir, c.after, c.jobs)
			if c.midEpoch {
				opt.CheckpointEvery = time.Nanosecond
			}
			first, err := Run(spec, opt)
			if !errors.Is(err, ErrInterrupted) {
				t.Fatalf("interrupted run: err %v, want ErrInterrupted", err)
			}
			if first.Interrupted == 0 {
				t.Fatalf("no trial interrupted: %+v", first)
			}
			ckpts, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*.ckpt"))
			if len(ckpts) == 0 {
				t.Fatal("no checkpoint left by the interrupted run")
			}
			var log bytes.Buffer
			again, err := Run(spec, Options{Out: dir, Jobs: c.jobs, Log: &log})
			if err != nil {
				t.Fatal(err)
			}
			if again.Resumed == 0 || !strings.Contains(log.String(), "resuming from its checkpoint after epoch") {
				t.Errorf("nothing resumed; log:\n%s", log.String())
			}
			if c.midEpoch && !strings.Contains(log.String(), "batches of epoch") {
				t.Errorf("not resumed part-way through an epoch; log:\n%s", log.String())
			}
			if again.Skipped != first.Ran || again.Ran+again.Skipped != 6 {
				t.Errorf("second run skipped %d ran %d; first ran %d", again.Skipped, again.Ran, first.Ran)
			}
			if !reflect.DeepEqual(stableMetrics(ref.Records), stableMetrics(again.Records)) {
				t.Errorf("resumed metrics differ:\n%v\n%v", stableMetrics(ref.Records), stableMetrics(again.Records))
			}
			if !reflect.DeepEqual(curves(ref.Records), curves(again.Records)) {
				t.Error("resumed training curves differ")
			}
			if left, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*")); len(left) != 0 {
				t.Errorf("checkpoints left after the run: %v", left)
			}
			resumed, final := 0, false
			for _, r := range again.Records {
				if r.Training != nil && len(r.Training.Resumed) > 0 {
					resumed++
					final = final || r.Training.Resumed[0] == r.Training.Epochs
				}
			}
			if c.final != "" && final != (c.final == "yes") {
				t.Errorf("resumed after the last epoch: %v, want %s", final, c.final)
			}
			if resumed != again.Resumed {
				t.Errorf("%d records say resumed, outcome says %d", resumed, again.Resumed)
			}
		})
	}
}

// TestBadCheckpointRestartsTrial damages the checkpoint of an interrupted
// trial in several ways: each is reported and the trial rerun from
// scratch, with the same results as an uninterrupted run.
func TestBadCheckpointRestartsTrial(t *testing.T) {
	spec := mustParse(t, strings.Replace(resumeSpec, "seeds: [1, 2]", "seeds: [1]", 1))
	ref, err := Run(spec, Options{Out: t.TempDir(), Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	damage := []struct {
		name string
		edit func([]byte) []byte
		want string
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)*2/3] }, "truncated"},
		{"truncated header", func(b []byte) []byte { return b[:10] }, "truncated"},
		{"flipped byte", func(b []byte) []byte { b[len(b)-7] ^= 0x40; return b }, "checksum mismatch"},
		{"not a checkpoint", func(b []byte) []byte { return []byte(strings.Repeat("x", 100)) }, "wrong magic"},
		{"empty", func(b []byte) []byte { return nil }, "truncated"},
	}
	for _, c := range damage {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Run(spec, interruptAfter(dir, 4, 1)); !errors.Is(err, ErrInterrupted) {
				t.Fatalf("err %v, want ErrInterrupted", err)
			}
			ckpts, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*.ckpt"))
			if len(ckpts) != 1 {
				t.Fatalf("%d checkpoints, want 1", len(ckpts))
			}
			data, err := os.ReadFile(ckpts[0])
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(ckpts[0], c.edit(data), 0o644); err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			again, err := Run(spec, Options{Out: dir, Jobs: 1, Log: &log})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(log.String(), c.want) || !strings.Contains(log.String(), "restarting the trial from scratch") {
				t.Errorf("damage not reported (want %q); log:\n%s", c.want, log.String())
			}
			if again.Resumed != 0 {
				t.Errorf("a damaged checkpoint was used (%d resumed)", again.Resumed)
			}
			if !reflect.DeepEqual(stableMetrics(ref.Records), stableMetrics(again.Records)) {
				t.Errorf("metrics differ after restart:\n%v\n%v", stableMetrics(ref.Records), stableMetrics(again.Records))
			}
		})
	}
}

func TestCheckpointCodec(t *testing.T) {
	st := &TrainState{Epochs: 3, Steps: 30, Best: 1.5, BestEpoch: 2, LR: 1e-3, Curve: []results.EpochLog{{Epoch: 0, TrainLoss: 2}},
		BestState: []byte("best"), Model: []byte("model"), Batches: []byte("pcg")}
	good, err := EncodeCheckpoint("trial-a", st)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeCheckpoint("trial-a", good)
	if err != nil || !reflect.DeepEqual(got, st) {
		t.Fatalf("round trip: %v, %+v", err, got)
	}
	edit := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := []struct {
		name  string
		data  []byte
		trial string
		want  string
	}{
		{"empty", nil, "trial-a", "truncated"},
		{"header only", good[:checkpointHeader], "trial-a", "truncated"},
		{"truncated payload", good[:len(good)-1], "trial-a", "truncated"},
		{"padded", append(append([]byte(nil), good...), 0), "trial-a", "padded"},
		{"bad magic", edit(func(b []byte) []byte { b[0] = 'X'; return b }), "trial-a", "wrong magic"},
		{"bad version", edit(func(b []byte) []byte { b[11] = 9; return b }), "trial-a", "format version 9"},
		{"bad checksum", edit(func(b []byte) []byte { b[25] ^= 1; return b }), "trial-a", "checksum"},
		{"bad payload", edit(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), "trial-a", "checksum"},
		{"other trial", good, "trial-b", `belongs to trial "trial-a"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeCheckpoint(c.trial, c.data)
			if !errors.Is(err, ErrBadCheckpoint) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want ErrBadCheckpoint with %q", err, c.want)
			}
		})
	}
}

// TestBatchProgress: within every epoch the batch callback counts the
// batches taken, of the epoch's total, with their running mean loss.
func TestBatchProgress(t *testing.T) {
	d, err := datasets.Build("ring8", map[string]any{"std": 0.1, "n_train": 320, "n_valid": 64, "n_test": 64}, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := models.New("realnvp", map[string]any{"layers": 2, "hidden": 8}, models.Config{Dim: 2, Dtype: "float64", Seed: 1, LR: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	ts := TrainSpec{BatchSize: 64, Epochs: 2, LR: 1e-3}
	var calls []int
	var lastEpoch = -1
	_, err = TrainWith(m, d, ts, rand.NewPCG(1, 2), TrainOptions{Batch: func(epoch, done, batches int, mean float64) {
		if batches != 5 {
			t.Errorf("epoch %d: %d batches per epoch, want 5", epoch, batches)
		}
		if epoch != lastEpoch && done != 1 || epoch == lastEpoch && done != calls[len(calls)-1]+1 {
			t.Errorf("epoch %d: batch %d after %v", epoch, done, calls)
		}
		if math.IsNaN(mean) || mean == 0 {
			t.Errorf("epoch %d batch %d: mean loss %v", epoch, done, mean)
		}
		lastEpoch = epoch
		calls = append(calls, done)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2, 3, 4, 5, 1, 2, 3, 4, 5}; !reflect.DeepEqual(calls, want) {
		t.Errorf("batch calls %v, want %v", calls, want)
	}
}

// TestMinDelta: with a min_delta larger than any drop, only the first
// epoch counts as an improvement, so training stops after 1+patience
// epochs, still restoring the lowest validation loss seen; with 0 the
// same run trains longer.
func TestMinDelta(t *testing.T) {
	d, err := datasets.Build("ring8", map[string]any{"std": 0.1, "n_train": 320, "n_valid": 64, "n_test": 64}, 1)
	if err != nil {
		t.Fatal(err)
	}
	run := func(minDelta float64) results.TrainResult {
		m, err := models.New("realnvp", map[string]any{"layers": 2, "hidden": 8}, models.Config{Dim: 2, Dtype: "float64", Seed: 1, LR: 3e-3})
		if err != nil {
			t.Fatal(err)
		}
		res, err := TrainWith(m, d, TrainSpec{BatchSize: 64, Epochs: 8, LR: 3e-3, Patience: 2, LRDecay: 1, LRPatience: 5, MinDelta: minDelta}, rand.NewPCG(1, 2), TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	plain, strict := run(0), run(1e6)
	if plain.Epochs <= 3 {
		t.Fatalf("without min_delta the run stopped after %d epochs; the test needs a longer one", plain.Epochs)
	}
	if strict.Epochs != 3 || strict.Stopped != "patience" {
		t.Errorf("min_delta 1e6: %d epochs, stopped by %s; want 3, patience", strict.Epochs, strict.Stopped)
	}
	low := 0
	for i, e := range strict.Curve {
		if e.ValidLoss < strict.Curve[low].ValidLoss {
			low = i
		}
	}
	if strict.BestEpoch != low {
		t.Errorf("best epoch %d, lowest validation loss at %d (%v)", strict.BestEpoch, low, strict.Curve)
	}
}

// lrRecorder is a model that records the learning rate of every step.
type lrRecorder struct {
	lr  float64
	lrs []float64
}

func (r *lrRecorder) TrainStep(*mat.Dense) (float64, error) {
	r.lrs = append(r.lrs, r.lr)
	return 1, nil
}
func (r *lrRecorder) ValidationLoss(*mat.Dense) (float64, error) { return 1, nil }
func (r *lrRecorder) Sample(n int, _ *rand.Rand) (*mat.Dense, error) {
	return mat.NewDense(n, 2, nil), nil
}
func (r *lrRecorder) NumParams() int       { return 0 }
func (r *lrRecorder) Save(io.Writer) error { return nil }
func (r *lrRecorder) Load(io.Reader) error { return nil }
func (r *lrRecorder) SetLR(lr float64)     { r.lr = lr }

// TestLRSchedule: the lr of every step under warm-up and the cosine
// schedule, against the closed form, and a model that cannot set its lr
// refusing a schedule.
func TestLRSchedule(t *testing.T) {
	d, err := datasets.Build("ring8", map[string]any{"n_train": 320, "n_valid": 64, "n_test": 64}, 1)
	if err != nil {
		t.Fatal(err)
	}
	const lr, steps = 0.01, 5 * 10 // 5 epochs of 10 batches of 32
	for _, c := range []struct {
		name     string
		schedule string
		warmup   int
		maxSteps int
		want     func(s int) float64
	}{
		{"constant", "", 0, 0, func(int) float64 { return lr }},
		{"warm-up", "", 4, 0, func(s int) float64 { return lr * min(float64(s+1)/4, 1) }},
		{"cosine", "cosine", 0, 0, func(s int) float64 { return lr * (1 + math.Cos(math.Pi*float64(s)/steps)) / 2 }},
		{"warm-up then cosine", "cosine", 10, 0, func(s int) float64 {
			if s < 10 {
				return lr * float64(s+1) / 10
			}
			return lr * (1 + math.Cos(math.Pi*float64(s-10)/(steps-10))) / 2
		}},
		{"cosine over max_steps", "cosine", 0, 20, func(s int) float64 { return lr * (1 + math.Cos(math.Pi*float64(s)/20)) / 2 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &lrRecorder{lr: lr}
			ts := TrainSpec{BatchSize: 32, Epochs: 5, LR: lr, LRDecay: 1, LRPatience: 5, Warmup: c.warmup, Schedule: c.schedule, MaxSteps: c.maxSteps}
			res, err := TrainWith(m, d, ts, rand.NewPCG(1, 2), TrainOptions{})
			if err != nil {
				t.Fatal(err)
			}
			wantSteps := steps
			if c.maxSteps > 0 {
				wantSteps = c.maxSteps
			}
			if len(m.lrs) != wantSteps {
				t.Fatalf("%d steps, want %d", len(m.lrs), wantSteps)
			}
			for s, got := range m.lrs {
				if want := c.want(s); math.Abs(got-want) > 1e-15 {
					t.Fatalf("step %d: lr %v, want %v", s, got, want)
				}
			}
			last := res.Curve[len(res.Curve)-1]
			if want := c.want(last.Steps - 1); math.Abs(last.LR-want) > 1e-15 {
				t.Errorf("curve records lr %v after its last step, want %v", last.LR, want)
			}
		})
	}
	fixed := &divergingModel{at: 1 << 30}
	_, err = TrainWith(fixed, d, TrainSpec{BatchSize: 32, Epochs: 1, LR: lr, LRDecay: 1, Schedule: "cosine"}, rand.NewPCG(1, 2), TrainOptions{})
	if err == nil || !strings.Contains(err.Error(), "cannot change its learning rate") {
		t.Errorf("a model without SetLR under lr_schedule cosine: %v", err)
	}
}
