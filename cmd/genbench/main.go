// Command genbench trains and compares generative models from a YAML
// experiment spec.
//
//	genbench run SPEC.yaml [-o DIR]   train and evaluate every trial
//	genbench validate SPEC.yaml       check a spec without running it
//	genbench list                     data sets, model types and metrics
//
// Exit codes: 0 success, 1 a trial failed or diverged, 2 bad usage or spec.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/experiments"
	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/models"
	_ "github.com/genbench/genbench/models/all"
)

const usage = `usage:
  genbench run SPEC.yaml [-o DIR]   train and evaluate every (data set, model, seed) trial
  genbench validate SPEC.yaml       check a spec without running it
  genbench list                     registered data sets, model types and metrics
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "validate":
		return cmdValidate(args[1:], stdout, stderr)
	case "list":
		return cmdList(stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "genbench: unknown command %q\n%s", args[0], usage)
	return 2
}

// parseFlags allows flags before and after the positional spec argument.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func loadSpec(path string, stderr io.Writer) (*experiments.Spec, bool) {
	spec, err := experiments.Load(path)
	if err != nil {
		var se experiments.SpecErrors
		if errors.As(err, &se) {
			fmt.Fprintln(stderr, err)
		} else {
			fmt.Fprintf(stderr, "genbench: %v\n", err)
		}
		return nil, false
	}
	return spec, true
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "results folder (default results/<spec name>)")
	quiet := fs.Bool("q", false, "no progress output")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "genbench run: want one spec file, got %d arguments\n%s", len(pos), usage)
		return 2
	}
	spec, ok := loadSpec(pos[0], stderr)
	if !ok {
		return 2
	}
	if *out == "" {
		*out = filepath.Join("results", spec.Name)
	}
	opt := experiments.Options{Out: *out, Log: stderr}
	if f, ok := stderr.(*os.File); ok {
		opt.Terminal = isTerminal(f)
	}
	if *quiet {
		opt.Log = nil
	}
	outcome, err := experiments.Run(spec, opt)
	if err != nil {
		fmt.Fprintf(stderr, "genbench run: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%d trials: %d ran, %d skipped (already done); %d ok, %d diverged, %d failed\nresults: %s\n",
		outcome.Trials, outcome.Ran, outcome.Skipped, outcome.OK, outcome.Diverged, outcome.Failed,
		filepath.Join(*out, "results.json"))
	for _, r := range outcome.Records {
		if r.Status != experiments.StatusOK {
			fmt.Fprintf(stderr, "  %s %s: %s\n", r.Trial, r.Status, r.Reason)
		}
	}
	if outcome.Diverged+outcome.Failed > 0 {
		return 1
	}
	return 0
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintf(stderr, "genbench validate: want one spec file\n%s", usage)
		return 2
	}
	spec, ok := loadSpec(args[0], stderr)
	if !ok {
		return 2
	}
	fmt.Fprintf(stdout, "%s: ok: %d data sets × %d models × %d seeds = %d trials (spec hash %.12s)\n",
		args[0], len(spec.Datasets), len(spec.Models), len(spec.Seeds), len(spec.TrialSpecs()), spec.Hash)
	return 0
}

func cmdList(stdout io.Writer) int {
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "DATA SETS\t\t")
	for _, n := range datasets.Names() {
		s, _ := datasets.Lookup(n)
		fmt.Fprintf(w, "  %s\t%s\t[%s]\n", n, s.Doc, strings.Join(s.Params.Keys(), " "))
	}
	fmt.Fprintln(w, "MODEL TYPES\t\t")
	for _, n := range models.Names() {
		t, _ := models.Lookup(n)
		fmt.Fprintf(w, "  %s\t(%s) %s\t[%s]\n", n, t.Family, t.Doc, strings.Join(t.Params.Keys(), " "))
	}
	fmt.Fprintln(w, "METRICS\t\t")
	for _, m := range metrics.Available {
		fmt.Fprintf(w, "  %s\t%s\t\n", m.Name, m.Doc)
	}
	w.Flush()
	return 0
}
