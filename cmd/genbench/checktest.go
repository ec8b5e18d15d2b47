package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"

	"github.com/genbench/genbench/experiments"
	"github.com/genbench/genbench/internal/cireport"

	"github.com/genbench/genbench/results"
)

// checkCI holds the flags of genbench check beyond the tolerance mode: the
// test mode and the CI report files.
type checkCI struct {
	test      *bool
	alpha     *float64
	margin    *float64
	junit     *string
	markdown  *string
	suiteName string
}

func addCheckFlags(fs *flag.FlagSet) *checkCI {
	return &checkCI{
		test:      fs.Bool("test", false, "fail only where a one-sided paired test against the baseline rejects at -alpha (Holm across all checks)"),
		alpha:     fs.Float64("alpha", 0.05, "level of the -test mode after Holm's correction"),
		margin:    fs.Float64("margin", 0, "-test: worsening tolerated before a regression counts, as a fraction of the baseline (0: none)"),
		junit:     fs.String("junit", "", "also write the checks as JUnit XML to this file"),
		markdown:  fs.String("markdown", "", "also write a Markdown summary to this file"),
		suiteName: "genbench check",
	}
}

func (c *checkCI) valid(stderr io.Writer) bool {
	if !(*c.alpha > 0 && *c.alpha < 1) || !(*c.margin >= 0) {
		fmt.Fprintf(stderr, "genbench check: -alpha %g, -margin %g: want a level in (0, 1) and a margin ≥ 0\n", *c.alpha, *c.margin)
		return false
	}
	return true
}

// runTest is genbench check -test: exit 0 when no test rejects and no trial
// is missing or failed, 1 otherwise.
func (c *checkCI) runTest(b *experiments.Baseline, basePath, dir string, recs []*results.Record, all bool, stdout, stderr io.Writer) int {
	rep, err := b.CheckTest(recs, experiments.TestOptions{Alpha: *c.alpha, RelMargin: *c.margin,
		ExamplesDir: b.ExamplesRootFor(basePath), ResultsDir: dir})
	if err != nil {
		fmt.Fprintf(stderr, "genbench check: %v\n", err)
		return 1
	}
	fmt.Fprint(stdout, rep.Table(all))
	perExample, untested := 0, 0
	for _, tm := range rep.Tested {
		if tm.PerExample {
			perExample++
		}
		if math.IsNaN(tm.Regression.Result.PValue) {
			untested++
		}
	}
	verdict := "ok"
	if !rep.OK() {
		verdict = "FAILED"
	}
	fmt.Fprintf(stdout, "check -test %s: %d trial × metric tests (%d on per-example values, %d without a possible test), one-sided at α = %g after Holm; %d regressions, %d missing trials, %d failed trials\n",
		verdict, len(rep.Tested), perExample, untested, rep.Alpha, rep.Failures-len(rep.MissingTrials)-len(rep.BadTrials), len(rep.MissingTrials), len(rep.BadTrials))
	if !c.write(rep.Outcomes(), stderr) {
		return 1
	}
	if !rep.OK() {
		return 1
	}
	return 0
}

// write writes the JUnit and Markdown files asked for; false on an error.
func (c *checkCI) write(outs []cireport.Outcome, stderr io.Writer) bool {
	for _, f := range []struct {
		path  string
		write func(io.Writer, string, []cireport.Outcome) error
	}{{*c.junit, cireport.WriteJUnit}, {*c.markdown, cireport.WriteMarkdown}} {
		if f.path == "" {
			continue
		}
		var buf bytes.Buffer
		err := f.write(&buf, c.suiteName, outs)
		if err == nil {
			err = experiments.WriteFileAtomic(f.path, buf.Bytes())
		}
		if err != nil {
			fmt.Fprintf(stderr, "genbench check: %v\n", err)
			return false
		}
	}
	return true
}
