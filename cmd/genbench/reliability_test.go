package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/experiments"
	"github.com/genbench/genbench/models"
)

// TestReliabilityExitCodes covers the command-line cases of issue 14.
func TestReliabilityExitCodes(t *testing.T) {
	out := t.TempDir()
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"validate refuses a trial that cannot fit", []string{"validate", "testdata/oversized.yaml"}, 2,
			[]string{"testdata/oversized.yaml:9: models[1]: model huge on data set ring8 needs an estimated", "PiB"}},
		{"validate /dev/zero ends quickly", []string{"validate", "/dev/zero"}, 2,
			[]string{"/dev/zero:1: spec: the file is larger than"}},
		{"run refuses it before training anything", []string{"run", "-q", "testdata/oversized.yaml", "-o", out}, 2,
			[]string{"needs an estimated"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var so, se bytes.Buffer
			if code := run(c.args, &so, &se); code != c.code {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, c.code, so.String(), se.String())
			}
			for _, s := range c.stderr {
				if !strings.Contains(se.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, se.String())
				}
			}
		})
	}
}

// TestStaleLockOnThisHost: a lock of this host whose pid is alive (here
// pid 1) but whose heartbeat is older than the margin is taken over; a
// fresh one makes run exit 75 saying how to clear a lock by hand.
func TestStaleLockOnThisHost(t *testing.T) {
	for _, c := range []struct {
		name  string
		age   time.Duration
		code  int
		state string
	}{
		{"fresh", 0, exitBusy, "delete its lock file"},
		{"stale", time.Hour, 0, "2 ran"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec, err := experiments.Load("testdata/tiny.yaml")
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			os.MkdirAll(filepath.Join(out, "checkpoints"), 0o755)
			host, _ := os.Hostname()
			path := filepath.Join(out, "checkpoints", spec.TrialSpecs()[0].ID+".lock")
			lock := fmt.Sprintf(`{"host": %q, "pid": 1, "since": "2026-11-30T00:00:00Z"}`, host)
			if err := os.WriteFile(path, []byte(lock), 0o644); err != nil {
				t.Fatal(err)
			}
			then := time.Now().Add(-c.age)
			os.Chtimes(path, then, then)
			var so, se bytes.Buffer
			if code := run([]string{"run", "-q", "testdata/tiny.yaml", "-o", out}, &so, &se); code != c.code {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, c.code, so.String(), se.String())
			}
			if !strings.Contains(so.String()+se.String(), c.state) {
				t.Errorf("output lacks %q:\nstdout: %s\nstderr: %s", c.state, so.String(), se.String())
			}
		})
	}
}

// TestSmallerCases covers point 8 of issue 14: a different spec run into
// a used folder warns; report on an empty folder and check against an
// empty baseline fail; an unwritable -o is a usage error; summary
// -metrics with a metric no record has is an error.
func TestSmallerCases(t *testing.T) {
	used := t.TempDir()
	var so, se bytes.Buffer
	if code := run([]string{"run", "-q", "testdata/tiny.yaml", "-o", used}, &so, &se); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, se.String())
	}
	other := filepath.Join(t.TempDir(), "other.yaml")
	text, _ := os.ReadFile("testdata/tiny.yaml")
	os.WriteFile(other, []byte(strings.Replace(string(text), "seeds: [3]", "seeds: [4]", 1)), 0o644)
	empty := t.TempDir()
	emptyBase := filepath.Join(t.TempDir(), "empty.json")
	if err := experiments.WriteBaseline(emptyBase, experiments.NewBaseline(nil, empty)); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, []byte("x"), 0o644)
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"same spec again: no warning", []string{"run", "-q", "testdata/tiny.yaml", "-o", used}, 0, ""},
		{"another spec into a used folder", []string{"run", "-q", other, "-o", used}, 0, "holds results of another spec (tiny, hash"},
		{"report on an empty folder", []string{"report", empty}, 1, "holds no trial records"},
		{"check against an empty baseline", []string{"check", used, "-baseline", emptyBase}, 2, "holds no trials"},
		{"unwritable -o", []string{"run", "-q", "testdata/tiny.yaml", "-o", filepath.Join(notDir, "out")}, 2, "genbench run: -o "},
		{"summary -metrics nosuch", []string{"summary", used, "-metrics", "test_nll,nosuch"}, 2, "no record of " + used + " has nosuch (metrics: "},
		{"summary -metrics known", []string{"summary", used, "-metrics", "test_nll"}, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var so, se bytes.Buffer
			if code := run(c.args, &so, &se); code != c.code {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, c.code, so.String(), se.String())
			}
			if c.stderr != "" && !strings.Contains(se.String(), c.stderr) {
				t.Errorf("stderr lacks %q:\n%s", c.stderr, se.String())
			}
			if c.stderr == "" && strings.Contains(se.String(), "warning") {
				t.Errorf("unexpected warning:\n%s", se.String())
			}
		})
	}
}

// panicModel panics in its first training step.
type panicModel struct{}

func (panicModel) TrainStep(*mat.Dense) (float64, error) {
	panic("runtime error: index out of range [9] with length 2")
}
func (panicModel) Sample(n int, _ *rand.Rand) (*mat.Dense, error) {
	return mat.NewDense(n, 2, nil), nil
}
func (panicModel) NumParams() int       { return 0 }
func (panicModel) Save(io.Writer) error { return nil }
func (panicModel) Load(io.Reader) error { return nil }

func init() {
	models.Register(models.Type{Name: "test-panic", Family: models.GAN, Doc: "panics in TrainStep",
		New: func(models.Config) (models.Model, error) { return panicModel{}, nil }})
}

// TestPanickingTrialExitsOne: a trial that panics between two good ones
// becomes a failed record with the panic; the others run, results.json
// is written, no lock is left, and run exits 1 (a trial failed), not 2.
func TestPanickingTrialExitsOne(t *testing.T) {
	spec := filepath.Join(t.TempDir(), "panic.yaml")
	os.WriteFile(spec, []byte(`name: panic
seeds: [1]
datasets:
  - {name: ring8, n_train: 500, n_valid: 200, n_test: 200}
models:
  - {name: gauss, type: gaussian}
  - {name: bad, type: test-panic}
  - {name: small, type: realnvp, params: {layers: 2, hidden: 8}}
train: {batch_size: 100, epochs: 2}
eval: {metrics: [nll], samples: 100}
`), 0o644)
	out := t.TempDir()
	var so, se bytes.Buffer
	if code := run([]string{"run", "-q", spec, "-o", out}, &so, &se); code != 1 {
		t.Fatalf("exit code %d, want 1\nstdout: %s\nstderr: %s", code, so.String(), se.String())
	}
	if !strings.Contains(so.String(), "2 ok, 0 diverged, 1 failed") || !strings.Contains(se.String(), "panic: runtime error: index out of range") {
		t.Errorf("stdout: %s\nstderr: %s", so.String(), se.String())
	}
	if _, err := os.Stat(filepath.Join(out, "results.json")); err != nil {
		t.Error(err)
	}
	if locks, _ := filepath.Glob(filepath.Join(out, "checkpoints", "*.lock")); len(locks) > 0 {
		t.Errorf("locks left: %v", locks)
	}
}
