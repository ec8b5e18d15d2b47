package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/genbench/genbench/experiments"
	"github.com/genbench/genbench/results"
)

// loadRecords reads a results folder for summary, baseline and check
// through the reader that report and merge use too (results.ReadFolder),
// printing the files it could not use as they are. recordProblems counts
// the trial and index files among them; ok is false when no record could
// be read.
func loadRecords(cmd, dir string, stderr io.Writer) (recs []*results.Record, recordProblems int, ok bool) {
	f, err := results.ReadFolder(dir)
	if err != nil {
		fmt.Fprintf(stderr, "genbench %s: %v\n", cmd, err)
		return nil, 0, false
	}
	for _, p := range f.Problems {
		fmt.Fprintf(stderr, "genbench %s: %s: %s\n", cmd, filepath.Join(dir, p.File), p.Reason)
		if p.File != results.SpecFileName {
			recordProblems++
		}
	}
	if len(f.Records) == 0 {
		fmt.Fprintf(stderr, "genbench %s: %s: no trial records (trials/*.json or results.json)\n", cmd, dir)
	}
	return f.Records, recordProblems, len(f.Records) > 0
}

// cmdSummary implements genbench summary DIR [-json] [-metrics a,b] [-all]:
// every metric aggregated over seeds (mean, std, 95% CI) per data set,
// model and sweep point.
func cmdSummary(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("summary", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "write JSON instead of a table")
	only := fs.String("metrics", "", "comma-separated metrics to show (default: all but *_stderr, *_n, *_nonfinite)")
	all := fs.Bool("all", false, "show helper metrics (*_stderr, *_n, *_nonfinite) too")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "genbench summary: want one results folder\n%s", usage)
		return 2
	}
	recs, _, ok := loadRecords("summary", pos[0], stderr)
	if !ok {
		return 1
	}
	groups := experiments.Summarize(recs)
	if *asJSON {
		data, err := json.MarshalIndent(groups, "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "genbench summary: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s\n", data)
		return 0
	}
	var names []string
	if *only != "" {
		for _, n := range strings.Split(*only, ",") {
			names = append(names, strings.TrimSpace(n))
		}
		if unknown := unknownMetrics(groups, names); len(unknown) > 0 {
			fmt.Fprintf(stderr, "genbench summary: -metrics: no record of %s has %s (metrics: %s)\n",
				pos[0], strings.Join(unknown, ", "), strings.Join(presentMetrics(groups), ", "))
			return 2
		}
	}
	fmt.Fprint(stdout, experiments.SummaryTable(groups, names, *all))
	return 0
}

// presentMetrics lists the metrics of any group, sorted.
func presentMetrics(groups []experiments.SummaryGroup) []string {
	seen := map[string]bool{}
	for _, g := range groups {
		for name := range g.Metrics {
			seen[name] = true
		}
	}
	names := make([]string, 0, len(seen))
	for name := range seen {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// unknownMetrics lists the names that no group has.
func unknownMetrics(groups []experiments.SummaryGroup, names []string) []string {
	present := presentMetrics(groups)
	var out []string
	for _, n := range names {
		if !slices.Contains(present, n) {
			out = append(out, n)
		}
	}
	return out
}

// cmdBaseline implements genbench baseline DIR -o FILE.
func cmdBaseline(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "baseline file to write (required)")
	copyExamples := fs.Bool("examples", false, "copy the per-example sidecars to FILE's folder (<name>.examples/) for check -test")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || *out == "" {
		fmt.Fprintf(stderr, "genbench baseline: want a results folder and -o FILE\n%s", usage)
		return 2
	}
	recs, problems, ok := loadRecords("baseline", pos[0], stderr)
	if !ok || problems > 0 {
		fmt.Fprintf(stderr, "genbench baseline: refusing to record a baseline from a folder with unreadable or misplaced records\n")
		return 1
	}
	b := experiments.NewBaseline(recs, pos[0])
	if *copyExamples {
		n, err := experiments.CopyBaselineExamples(b, pos[0], *out)
		if err != nil {
			fmt.Fprintf(stderr, "genbench baseline: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "baseline: %d per-example sidecars copied to %s\n", n, b.ExamplesDir)
	}
	if err := experiments.WriteBaseline(*out, b); err != nil {
		fmt.Fprintf(stderr, "genbench baseline: %v\n", err)
		return 1
	}
	notOK := 0
	for _, t := range b.Trials {
		if t.Status != results.StatusOK {
			notOK++
		}
	}
	fmt.Fprintf(stdout, "baseline: %d trials (%d not ok), %d metrics with rules: %s\n", len(b.Trials), notOK, len(b.Rules), *out)
	return 0
}

// cmdCheck implements genbench check DIR -baseline FILE [-all] [-timing]:
// exit 0 when nothing is worse than the baseline allows, 1 when a metric
// is worse beyond its tolerance or a trial is missing or failed, 2 for bad
// usage or an unreadable baseline.
func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	basePath := fs.String("baseline", "", "baseline file (genbench baseline) to compare with (required)")
	all := fs.Bool("all", false, "list every compared metric, not only those that moved")
	timing := fs.Bool("timing", false, "also check timing metrics (as loose ratios)")
	ci := addCheckFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil || !ci.valid(stderr) {
		return 2
	}
	if len(pos) != 1 || *basePath == "" {
		fmt.Fprintf(stderr, "genbench check: want a results folder and -baseline FILE\n%s", usage)
		return 2
	}
	b, err := experiments.ReadBaseline(*basePath)
	if err != nil {
		fmt.Fprintf(stderr, "genbench check: %v\n", err)
		return 2
	}
	if len(b.Trials) == 0 {
		fmt.Fprintf(stderr, "genbench check: %s holds no trials: nothing to check against (record one with genbench baseline DIR -o FILE)\n", *basePath)
		return 2
	}
	recs, _, _ := loadRecords("check", pos[0], stderr)
	if *ci.test {
		return ci.runTest(b, *basePath, pos[0], recs, *all, stdout, stderr)
	}
	rep := b.Check(recs, experiments.CheckOptions{Timing: *timing})
	fmt.Fprint(stdout, rep.Table(*all))
	verdict := "ok"
	if !rep.OK() {
		verdict = "FAILED"
	}
	fmt.Fprintf(stdout, "check %s: %d trials in the baseline, %d metric comparisons; %d worse beyond tolerance, %d missing trials, %d failed trials\n",
		verdict, len(b.Trials), rep.Compared, rep.Failures-len(rep.MissingTrials)-len(rep.BadTrials), len(rep.MissingTrials), len(rep.BadTrials))
	if !ci.write(rep.Outcomes(), stderr) || !rep.OK() {
		return 1
	}
	return 0
}

// cmdMerge implements genbench merge OUT DIR...
func cmdMerge(args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 {
		fmt.Fprintf(stderr, "genbench merge: want an output folder and at least one results folder\n%s", usage)
		return 2
	}
	rep, err := experiments.Merge(args[0], args[1:])
	if err != nil {
		fmt.Fprintf(stderr, "genbench merge: %v\n", err)
		return 1
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(stderr, "genbench merge: warning: %s\n", w)
	}
	fmt.Fprintf(stdout, "merged %d trials (%d identical duplicates) into %s\n", len(rep.Records), rep.Duplicates, args[0])
	return 0
}
