package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/experiments"
	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/params"
)

// listEntry is one name of genbench list with its description.
type listEntry struct{ name, text string }

// listSection is a titled block of genbench list.
type listSection struct {
	title   string
	entries []listEntry
}

func cmdList(stdout io.Writer) int {
	width := outputWidth(stdout)
	for _, s := range listSections() {
		fmt.Fprint(stdout, formatSection(s, width))
	}
	return 0
}

// listSections gathers what genbench list shows, from the registries.
func listSections() []listSection {
	var sets, types, mets []listEntry
	for _, n := range datasets.Names() {
		s, _ := datasets.Lookup(n)
		sets = append(sets, listEntry{n, s.Doc + " [" + strings.Join(s.Params.Keys(), " ") + "]"})
	}
	for _, n := range models.Names() {
		t, _ := models.Lookup(n)
		types = append(types, listEntry{n, fmt.Sprintf("(%s) %s [%s]; sampling passes: %s; takes %s",
			t.Family, t.Doc, strings.Join(t.Params.Keys(), " "), t.Sampling, t.Accepts)})
	}
	for _, n := range metrics.Names() {
		m, _ := metrics.Lookup(n)
		mets = append(mets, listEntry{n, m.Doc + "; " + metricFacts(m)})
	}
	keys := func(schema params.Schema) []listEntry {
		var out []listEntry
		for _, f := range schema {
			out = append(out, listEntry{f.Key, fmt.Sprintf("%s (default %v)", f.Doc, f.Default)})
		}
		return out
	}
	return []listSection{
		{"DATA SETS", sets}, {"MODEL TYPES", types}, {"METRICS", mets},
		{"TRAIN KEYS (train: and models[i].train:)", keys(experiments.TrainKeys())},
		{"EVAL KEYS (eval: and models[i].eval:)", keys(experiments.EvalKeys())},
	}
}

// metricFacts says what a metric needs and writes.
func metricFacts(m metrics.Metric) string {
	var keys []string
	for _, k := range m.Keys {
		switch {
		case k.Name == "*":
			keys = append(keys, "keys the model chooses")
		case k.Qualifies == "":
			keys = append(keys, k.Name)
		}
	}
	s := "writes [" + strings.Join(keys, " ") + "]"
	if m.Needs != 0 {
		s = "needs " + m.Needs.String() + "; " + s
	}
	if m.Always {
		s += "; always computed"
	}
	if m.Protocol != "" {
		s += "; docs/protocols.md: " + m.Protocol
	}
	return s
}

// outputWidth is the width genbench list wraps to: $COLUMNS when set, the
// terminal's width when stdout is one, else 80.
func outputWidth(w io.Writer) int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 40 {
		return n
	}
	if f, ok := w.(*os.File); ok && isTerminal(f) {
		if n := terminalWidth(f); n >= 40 {
			return n
		}
	}
	return 80
}

// formatSection writes a title and its entries: names indented by two,
// descriptions in a column after the longest name (at most a third of the
// width; longer names put their description on the next line), wrapped
// at word boundaries to width.
func formatSection(s listSection, width int) string {
	col := 0
	for _, e := range s.entries {
		col = max(col, len([]rune(e.name)))
	}
	col = min(col+4, width/3)
	var b strings.Builder
	b.WriteString(s.title + "\n")
	for _, e := range s.entries {
		lead := "  " + e.name
		lines := wrapWords(e.text, width-col)
		if len([]rune(lead))+2 > col {
			b.WriteString(lead + "\n")
			lead = ""
		}
		for _, line := range lines {
			b.WriteString(lead + strings.Repeat(" ", col-len([]rune(lead))) + line + "\n")
			lead = ""
		}
	}
	return b.String()
}

// wrapWords splits text into lines of at most width runes, breaking at
// spaces; a word longer than width gets a line of its own.
func wrapWords(text string, width int) []string {
	var lines []string
	var line strings.Builder
	n := 0
	for _, word := range strings.Fields(text) {
		w := len([]rune(word))
		if n > 0 && n+1+w > width {
			lines = append(lines, line.String())
			line.Reset()
			n = 0
		}
		if n > 0 {
			line.WriteByte(' ')
			n++
		}
		line.WriteString(word)
		n += w
	}
	if n > 0 {
		lines = append(lines, line.String())
	}
	return lines
}
