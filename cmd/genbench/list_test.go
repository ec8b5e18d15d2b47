package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestWrapWords(t *testing.T) {
	tests := []struct {
		text  string
		width int
		want  []string
	}{
		{"a b c", 10, []string{"a b c"}},
		{"aa bb cc", 5, []string{"aa bb", "cc"}},
		{"a verylongword b", 4, []string{"a", "verylongword", "b"}},
		{"  spaced   out  ", 20, []string{"spaced out"}},
		{"", 10, nil},
	}
	for _, tt := range tests {
		if got := wrapWords(tt.text, tt.width); !slices.Equal(got, tt.want) {
			t.Errorf("wrapWords(%q, %d) = %q, want %q", tt.text, tt.width, got, tt.want)
		}
	}
}

// TestListWraps checks that genbench list fits 80 columns when piped and
// $COLUMNS when set, instead of padding every line to its longest one.
func TestListWraps(t *testing.T) {
	for _, c := range []struct {
		columns string
		width   int
	}{{"", 80}, {"60", 60}, {"200", 200}} {
		t.Setenv("COLUMNS", c.columns)
		var out, errs bytes.Buffer
		if code := run([]string{"list"}, &out, &errs); code != 0 {
			t.Fatalf("list: exit %d: %s", code, errs.String())
		}
		for _, line := range strings.Split(out.String(), "\n") {
			if n := len([]rune(line)); n > c.width {
				t.Errorf("COLUMNS=%q: line of %d runes: %q", c.columns, n, line)
			}
			if strings.HasSuffix(line, " ") {
				t.Errorf("COLUMNS=%q: trailing spaces: %q", c.columns, line)
			}
		}
	}
}
