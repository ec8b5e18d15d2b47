// Package cireport writes the outcome of `genbench check` in the two
// formats CI servers and code-hosting pipelines display without plugins:
// JUnit XML (one test case per trial × metric, grouped in one test suite
// per trial, failures carrying the numbers) and a Markdown summary table
// for job summaries and pull-request comments.
//
// The XML follows the common JUnit schema (testsuites / testsuite /
// testcase with failure, skipped and system-out children, and tests,
// failures, errors, skipped and time counts on both levels), the subset
// read by Jenkins, GitLab, GitHub Actions reporters and Azure Pipelines.
package cireport

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"
)

// Outcome is the result of checking one metric of one trial against the
// baseline. PValue is NaN when the check was a tolerance and not a test.
// Skipped means no check was possible (Message says why); a skipped outcome
// neither passes nor fails.
type Outcome struct {
	Trial    string
	Metric   string
	Baseline float64
	Current  float64
	Check    string // the tolerance or test used, e.g. "tolerance 1%" or "paired-t one-sided α=0.05"
	PValue   float64
	Pass     bool
	Skipped  bool
	Message  string
	Seconds  float64 // time the check took, 0 if not measured
}

// Counts totals a list of outcomes.
type Counts struct {
	Tests, Failures, Skipped int
	Seconds                  float64
}

// Count returns the totals of outs.
func Count(outs []Outcome) Counts {
	var c Counts
	for _, o := range outs {
		c.Tests++
		c.Seconds += o.Seconds
		switch {
		case o.Skipped:
			c.Skipped++
		case !o.Pass:
			c.Failures++
		}
	}
	return c
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

type junitText struct {
	Text string `xml:",cdata"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

// WriteJUnit writes outs as JUnit XML under the name suite (for example
// "genbench check"): one testsuite per trial, in the order trials first
// appear, and one testcase per outcome named by its metric, with class name
// "suite.trial". A failure's message is the outcome's message and its text
// lists every number.
func WriteJUnit(w io.Writer, suite string, outs []Outcome) error {
	c := Count(outs)
	doc := junitSuites{Name: suite, Tests: c.Tests, Failures: c.Failures, Skipped: c.Skipped, Time: seconds(c.Seconds)}
	index := map[string]int{}
	for _, o := range outs {
		i, ok := index[o.Trial]
		if !ok {
			i = len(doc.Suites)
			index[o.Trial] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: o.Trial})
		}
		doc.Suites[i].Cases = append(doc.Suites[i].Cases, testCase(suite, o))
	}
	for i := range doc.Suites {
		s := &doc.Suites[i]
		var mine []Outcome
		for _, o := range outs {
			if o.Trial == s.Name {
				mine = append(mine, o)
			}
		}
		sc := Count(mine)
		s.Tests, s.Failures, s.Skipped, s.Time = sc.Tests, sc.Failures, sc.Skipped, seconds(sc.Seconds)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("cireport: writing JUnit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("cireport: writing JUnit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("cireport: writing JUnit: %w", err)
	}
	return nil
}

func testCase(suite string, o Outcome) junitCase {
	tc := junitCase{Name: o.Metric, Classname: suite + "." + o.Trial, Time: seconds(o.Seconds)}
	switch {
	case o.Skipped:
		tc.Skipped = &junitMessage{Message: o.Message}
	case !o.Pass:
		tc.Failure = &junitMessage{Message: o.Message, Type: "regression", Text: details(o)}
	default:
		tc.SystemOut = &junitText{details(o)}
	}
	return tc
}

// details lists the numbers of an outcome, one per line, without the
// characters XML 1.0 forbids (CDATA sections cannot escape them).
func details(o Outcome) string {
	return xmlSafe(fmt.Sprintf("trial: %s\nmetric: %s\nbaseline: %s\ncurrent: %s\ncheck: %s\np-value: %s\n%s\n",
		o.Trial, o.Metric, number(o.Baseline), number(o.Current), o.Check, number(o.PValue), o.Message))
}

// xmlSafe drops the runes outside XML 1.0's Char production.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return -1
	}, s)
}

// number formats a float with enough digits to see a 0.1% change, and
// "n/a" for NaN (a check without a p-value).
func number(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.6g", v)
}

// seconds formats a duration for the time attribute, which the schema
// requires to be a non-negative decimal.
func seconds(s float64) string {
	if !(s > 0) {
		s = 0
	}
	return fmt.Sprintf("%.3f", s)
}

// WriteMarkdown writes a Markdown summary: a heading, the counts, a table
// with one row per outcome, and the messages of the failures below it.
func WriteMarkdown(w io.Writer, title string, outs []Outcome) error {
	c := Count(outs)
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n\n", cell(title))
	fmt.Fprintf(&b, "%d checks: %d passed, %d failed, %d skipped.\n\n", c.Tests, c.Tests-c.Failures-c.Skipped, c.Failures, c.Skipped)
	b.WriteString("| Trial | Metric | Baseline | Current | Check | p | Result |\n")
	b.WriteString("|---|---|---:|---:|---|---:|---|\n")
	for _, o := range outs {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", cell(o.Trial), cell(o.Metric),
			number(o.Baseline), number(o.Current), cell(o.Check), number(o.PValue), verdict(o))
	}
	if c.Failures > 0 {
		b.WriteString("\n**Failures**\n\n")
		for _, o := range outs {
			if !o.Pass && !o.Skipped {
				fmt.Fprintf(&b, "- `%s` %s: %s\n", cell(o.Trial), cell(o.Metric), cell(o.Message))
			}
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("cireport: writing Markdown: %w", err)
	}
	return nil
}

func verdict(o Outcome) string {
	switch {
	case o.Skipped:
		return "skipped"
	case o.Pass:
		return "pass"
	}
	return "**FAIL**"
}

// cell makes s safe inside a table cell: pipes escaped, angle brackets
// that would open HTML tags escaped, backticks that would open code spans
// and line breaks flattened.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "<", "&lt;")
	s = strings.ReplaceAll(s, ">", "&gt;")
	s = strings.ReplaceAll(s, "`", "'")
	return strings.Join(strings.Fields(s), " ")
}
