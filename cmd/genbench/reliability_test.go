package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genbench/genbench/experiments"
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
