package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		{"list", []string{"list"}, 0, []string{"ring8", "mnist", "realnvp", "maf", "gaussian", "bits_per_dim"}, nil, ""},
		{"validate ok", []string{"validate", "testdata/tiny.yaml"}, 0, []string{"2 trials"}, nil, ""},
		{"validate bad", []string{"validate", "testdata/bad.yaml"}, 2, nil,
			[]string{"testdata/bad.yaml:6: models[0].params.hiden: unknown parameter", "testdata/bad.yaml:7: train.batch_size"}, ""},
		{"validate missing file", []string{"validate", "testdata/nope.yaml"}, 2, nil, []string{"nope.yaml"}, ""},
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
