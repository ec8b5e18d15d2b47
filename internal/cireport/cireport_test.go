package cireport

import (
	"bytes"
	"encoding/xml"
	"math"
	"strings"
	"testing"

	"github.com/genbench/genbench/stats"
)

func sample() []Outcome {
	nan := math.NaN()
	return []Outcome{
		{Trial: "made-s1", Metric: "nll", Baseline: 88.14, Current: 88.15, Check: "tolerance 1%", PValue: nan, Pass: true, Message: "within 1%"},
		{Trial: "made-s1", Metric: "bpd", Baseline: 0.1622, Current: 0.1631, Check: "paired-t one-sided α=0.05", PValue: 0.003,
			Pass: false, Message: "worse by 0.0009 <p = 0.003> & more | pipes ]]> \x01", Seconds: 0.25},
		{Trial: "pixelcnn-s1", Metric: "nll", Baseline: 87.90, Current: 87.90, Check: "paired-t one-sided α=0.05", PValue: nan,
			Skipped: true, Message: "one seed and no per-example values: no test possible"},
		{Trial: "made-s1", Metric: "kid", Baseline: 0.01, Current: 0.02, Check: "tolerance 5%", PValue: nan, Pass: false, Message: "kid doubled"},
	}
}

// Decoding structs written independently of the writer's, following the
// JUnit schema.
type xSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     float64  `xml:"time,attr"`
	Suites   []struct {
		Name     string  `xml:"name,attr"`
		Tests    int     `xml:"tests,attr"`
		Failures int     `xml:"failures,attr"`
		Skipped  int     `xml:"skipped,attr"`
		Time     float64 `xml:"time,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnitParsesBackWithCounts(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, "genbench check", sample()); err != nil {
		t.Fatal(err)
	}
	var doc xSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("invalid XML: %v\n%s", err, buf.String())
	}
	if doc.Tests != 4 || doc.Failures != 2 || doc.Skipped != 1 || doc.Errors != 0 || doc.Time != 0.25 {
		t.Errorf("totals tests %d failures %d skipped %d errors %d time %g", doc.Tests, doc.Failures, doc.Skipped, doc.Errors, doc.Time)
	}
	if len(doc.Suites) != 2 || doc.Suites[0].Name != "made-s1" || doc.Suites[1].Name != "pixelcnn-s1" {
		t.Fatalf("suites %+v", doc.Suites)
	}
	made := doc.Suites[0]
	if made.Tests != 3 || made.Failures != 2 || made.Skipped != 0 || len(made.Cases) != 3 {
		t.Errorf("made-s1: tests %d failures %d skipped %d cases %d", made.Tests, made.Failures, made.Skipped, len(made.Cases))
	}
	bpd := made.Cases[1]
	if bpd.Name != "bpd" || bpd.Classname != "genbench check.made-s1" || bpd.Failure == nil {
		t.Fatalf("bpd case %+v", bpd)
	}
	if !strings.HasPrefix(bpd.Failure.Message, "worse by 0.0009 <p = 0.003> & more | pipes ]]>") {
		t.Errorf("failure message %q did not survive escaping", bpd.Failure.Message)
	}
	for _, num := range []string{"baseline: 0.1622", "current: 0.1631", "p-value: 0.003", "pipes ]]> \n"} {
		if !strings.Contains(bpd.Failure.Text, num) {
			t.Errorf("failure text lacks %q:\n%s", num, bpd.Failure.Text)
		}
	}
	if made.Cases[0].Failure != nil || made.Cases[0].Skipped != nil {
		t.Errorf("passing case has a failure or skip: %+v", made.Cases[0])
	}
	px := doc.Suites[1]
	if px.Skipped != 1 || px.Cases[0].Skipped == nil || px.Cases[0].Failure != nil {
		t.Errorf("skipped case %+v", px)
	}
	if !strings.HasPrefix(buf.String(), xml.Header) {
		t.Error("no XML declaration")
	}
}

func TestJUnitEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, "genbench check", nil); err != nil {
		t.Fatal(err)
	}
	var doc xSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil || doc.Tests != 0 || len(doc.Suites) != 0 {
		t.Errorf("empty report: %+v, %v", doc, err)
	}
}

func TestMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, "genbench check", sample()); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	var rows []string
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "| ") && !strings.HasPrefix(l, "| Trial") {
			rows = append(rows, l)
		}
	}
	if len(rows) != 4 {
		t.Fatalf("%d table rows, want 4:\n%s", len(rows), md)
	}
	// Every row has 7 cells: 8 unescaped pipes.
	for _, r := range rows {
		if n := strings.Count(r, "|") - strings.Count(r, `\|`); n != 8 {
			t.Errorf("row with %d cell separators: %s", n, r)
		}
	}
	for _, want := range []string{"4 checks: 1 passed, 2 failed, 1 skipped.", "| made-s1 | bpd | 0.1622 | 0.1631 |", "| **FAIL** |",
		"| n/a | pass |", "| skipped |", "- `made-s1` kid: kid doubled", `&lt;p = 0.003&gt; & more \| pipes`} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
}

func TestFromRegression(t *testing.T) {
	g, err := stats.CheckRegression(stats.RegressionInput{
		Baseline: []float64{88.1, 88.5, 87.9, 88.3}, Current: []float64{88.6, 88.9, 88.4, 88.7},
		Direction: stats.LowerIsBetter}, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := FromRegression("made", "nll", g)
	if o.Pass || o.Skipped || o.Baseline != 88.2 || o.PValue != g.Result.PHolm || !strings.Contains(o.Check, "paired-t") {
		t.Errorf("%+v", o)
	}
	one, _ := stats.CheckRegression(stats.RegressionInput{Baseline: []float64{1}, Current: []float64{2},
		Direction: stats.LowerIsBetter}, stats.Options{})
	if s := FromRegression("made", "nll", one); !s.Skipped {
		t.Errorf("no test possible but not skipped: %+v", s)
	}
}
