package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genbench/genbench/experiments"
)

func TestCommands(t *testing.T) {
	out := t.TempDir()
	cases := []struct {
		name       string
		args       []string
		code       int
		stdout     []string // substrings expected on stdout
		stderr     []string // substrings expected on stderr
		wantOutput string   // file expected after the command
	}{
		{"no command", nil, 2, nil, []string{"usage:"}, ""},
		{"unknown command", []string{"frobnicate"}, 2, nil, []string{`unknown command "frobnicate"`}, ""},
		{"list", []string{"list"}, 0, []string{"ring8", "mnist", "realnvp", "maf", "gaussian", "bits_per_dim", "TRAIN KEYS", "lr_schedule", "EVAL KEYS", "importance_k"}, nil, ""},
		{"validate ok", []string{"validate", "testdata/tiny.yaml"}, 0, []string{"2 trials", "largest memory estimate: ", "KiB (parameters "}, nil, ""},
		{"validate bad", []string{"validate", "testdata/bad.yaml"}, 2, nil,
			[]string{"testdata/bad.yaml:6: models[0].params.hiden: unknown parameter", "testdata/bad.yaml:7: train.batch_size"}, ""},
		{"validate missing file", []string{"validate", "testdata/nope.yaml"}, 2, nil, []string{"nope.yaml"}, ""},
		{"validate random sweep names its seed", []string{"validate", "../../experiments/random-budget.yaml"}, 0, []string{"8 sweep points (random under sweep seed 7, 4 axes"}, nil, ""},
		{"run without spec", []string{"run"}, 2, nil, []string{"want one spec file"}, ""},
		{"run bad spec", []string{"run", "testdata/bad.yaml", "-o", out}, 2, nil, []string{"unknown parameter"}, ""},
		{"run", []string{"run", "testdata/tiny.yaml", "-o", out, "-q"}, 0,
			[]string{"2 trials: 2 ran", "results.json"}, nil, filepath.Join(out, "results.json")},
		{"run again skips", []string{"run", "-q", "testdata/tiny.yaml", "-o", out}, 0, []string{"0 ran, 2 skipped"}, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var so, se bytes.Buffer
			if code := run(c.args, &so, &se); code != c.code {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, c.code, so.String(), se.String())
			}
			for _, s := range c.stdout {
				if !strings.Contains(so.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, so.String())
				}
			}
			for _, s := range c.stderr {
				if !strings.Contains(se.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, se.String())
				}
			}
			if c.wantOutput != "" {
				if _, err := os.Stat(c.wantOutput); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestRunBusyTrial: a trial whose lock a live process holds (this one)
// is left to it, named on stderr, and the run exits with 75.
func TestRunBusyTrial(t *testing.T) {
	text, err := os.ReadFile("testdata/tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := experiments.Parse("testdata/tiny.yaml", text)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := os.MkdirAll(filepath.Join(out, "checkpoints"), 0o755); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	lock := fmt.Sprintf(`{"host": %q, "pid": %d, "since": "2026-11-30T00:00:00Z"}`, host, os.Getpid())
	id := spec.TrialSpecs()[0].ID
	if err := os.WriteFile(filepath.Join(out, "checkpoints", id+".lock"), []byte(lock), 0o644); err != nil {
		t.Fatal(err)
	}
	var so, se bytes.Buffer
	if code := run([]string{"run", "testdata/tiny.yaml", "-o", out}, &so, &se); code != exitBusy {
		t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, exitBusy, so.String(), se.String())
	}
	for _, want := range []string{fmt.Sprintf("running in another process (pid %d on %s", os.Getpid(), host), id} {
		if !strings.Contains(se.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, se.String())
		}
	}
	if !strings.Contains(so.String(), "1 of 2 trials finished in this run, 0 skipped, 1 running in other processes") {
		t.Errorf("stdout does not count the trial that ran:\n%s", so.String())
	}
}
