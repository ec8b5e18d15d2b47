package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/genbench/genbench/experiments"
)

const evalUsage = `usage: genbench eval SPEC.yaml -o DIR [-metrics a,b] [-eval-seeds N] [-q]
  Re-evaluates the finished trials of SPEC in DIR from their kept models
  (DIR/models), without training: new metrics on old runs. -metrics replaces
  the spec's eval metrics; new values replace old ones of the same name, and
  each record notes the re-evaluation. -eval-seeds N computes the stochastic
  metrics (sample-based ones, importance-sampled NLLs) under N evaluation
  seeds, the first the run's own, and records their mean and every value
  (default: the spec's eval_seeds, or the record's count if larger).
  Rewrites DIR/results.json.
`

// cmdEval implements genbench eval. Exit codes: 0 every finished trial with
// a kept model was re-evaluated, 1 one could not be (its model missing or
// corrupted, its evaluation failed), 2 bad usage, spec or metric name.
func cmdEval(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, evalUsage) }
	out := fs.String("o", "", "results folder of a run of the spec (default results/<spec name>)")
	only := fs.String("metrics", "", "comma-separated metrics to compute (default: the spec's)")
	seeds := fs.Int("eval-seeds", 0, "evaluation seeds of the stochastic metrics (0: the spec's eval_seeds, or the record's count if larger)")
	quiet := fs.Bool("q", false, "no per-trial lines")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "genbench eval: want one spec file, got %d arguments\n%s", len(pos), evalUsage)
		return 2
	}
	spec, ok := loadSpec(pos[0], stderr)
	if !ok {
		return 2
	}
	if *out == "" {
		*out = filepath.Join("results", spec.Name)
	}
	if *seeds < 0 {
		fmt.Fprintf(stderr, "genbench eval: -eval-seeds %d: want a positive number (or 0 for the spec's)\n%s", *seeds, evalUsage)
		return 2
	}
	opt := experiments.ReevalOptions{Out: *out, Log: stderr, Metrics: splitList(*only), EvalSeeds: *seeds}
	if *quiet {
		opt.Log = nil
	}
	if err := experiments.CheckMetricNames(opt.Metrics); err != nil {
		fmt.Fprintf(stderr, "genbench eval: %v\n", err)
		return 2
	}
	res, err := experiments.Reevaluate(spec, opt)
	if err != nil {
		fmt.Fprintf(stderr, "genbench eval: %v\n", err)
		return 1
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(stderr, "  skipped %s\n", s)
	}
	for _, s := range res.Failed {
		fmt.Fprintf(stderr, "  FAILED %s\n", s)
	}
	fmt.Fprintf(stdout, "%d trials: %d re-evaluated, %d skipped, %d failed\nresults: %s\n",
		res.Trials, res.Reevaluated, len(res.Skipped), len(res.Failed), filepath.Join(*out, "results.json"))
	if len(res.Failed) > 0 {
		return 1
	}
	return 0
}

// splitList splits a comma-separated flag value, nil when empty.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
