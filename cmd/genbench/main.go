// Command genbench trains and compares generative models from a YAML
// experiment spec.
//
//	genbench run SPEC.yaml [-o DIR]   train and evaluate every trial
//	genbench validate SPEC.yaml       check a spec without running it
//	genbench list                     data sets, model types and metrics
//	genbench report DIR [-o OUT]      comparison report (Markdown, HTML, figures)
//	genbench summary|baseline|check|merge|emit ...   see usage
//
// Exit codes: 0 success, 1 a trial failed or diverged (check: a
// regression), 2 bad usage or spec, 75 trials left to other processes
// running them (their lock files), 130 run interrupted (SIGINT/SIGTERM).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/genbench/genbench/experiments"
	_ "github.com/genbench/genbench/models/all"
)

const usage = `usage:
  genbench run SPEC.yaml [-o DIR] [-j N] [-shard i/N] [-q]
                                    train and evaluate every (data set, model, sweep point, seed) trial;
                                    -j trials at once (default: one per core, large trials alone), -shard runs trials k with k mod N = i;
                                    re-running resumes (finished trials skipped, interrupted ones from their checkpoint)
  genbench validate SPEC.yaml       check a spec without running it
  genbench list                     registered data sets, model types and metrics
  genbench report DIR [-o OUT]      write report.md, report.html and figures (default OUT: DIR/report)
  genbench summary DIR [-json] [-metrics a,b] [-all]
                                    metrics over seeds: mean, std, 95% CI per data set, model and sweep point
  genbench baseline DIR -o FILE [-examples]
                                    record DIR's metrics, with editable tolerances, as a baseline
                                    (-examples: copy the per-example sidecars beside it, for check -test)
  genbench check DIR -baseline FILE [-all] [-timing] [-test [-alpha a] [-margin f]] [-junit FILE] [-markdown FILE]
                                    compare with a baseline; exit 1 on a regression, a missing or failed trial;
                                    -test: fail only where a one-sided paired test rejects at α (Holm across checks);
                                    -junit/-markdown: the checks as JUnit XML and a Markdown summary for CI
  genbench eval SPEC.yaml -o DIR [-metrics a,b]
                                    re-evaluate finished trials from their kept models (DIR/models), no training
  genbench compare DIR [A B] [-json] [-alpha 0.05]
                                    paired tests of test NLL for every pair of models on a data set (Holm-corrected),
                                    bootstrap intervals of sample-based metrics over seeds
  genbench export DIR [-o FILE]     the records as a tidy CSV, one row per trial × metric
  genbench merge OUT DIR...         combine shard folders into OUT (refuses conflicting duplicates)
  genbench emit slurm SPEC -o SHARED_DIR [-shards N] [-cpus C] [-mem M] [-time T] [-partition P] [-script FILE]
  genbench emit k8s SPEC [-o DIR] [-shards N] [-image IMG] [-pvc CLAIM] [-cpus C] [-mem M] [-script FILE]
                                    a Slurm job array or a Kubernetes Indexed Job running N shards, then merge
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
	case "summary":
		return cmdSummary(args[1:], stdout, stderr)
	case "baseline":
		return cmdBaseline(args[1:], stdout, stderr)
	case "check":
		return cmdCheck(args[1:], stdout, stderr)
	case "merge":
		return cmdMerge(args[1:], stdout, stderr)
	case "report":
		return cmdReport(args[1:], stdout, stderr)
	case "emit":
		return cmdEmit(args[1:], stdout, stderr)
	case "eval":
		return cmdEval(args[1:], stdout, stderr)
	case "compare":
		return cmdCompare(args[1:], stdout, stderr)
	case "export":
		return cmdExport(args[1:], stdout, stderr)
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

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintf(stderr, "genbench validate: want one spec file\n%s", usage)
		return 2
	}
	spec, ok := loadSpec(args[0], stderr)
	if !ok {
		return 2
	}
	points := ""
	if spec.Sweep != nil {
		mode := spec.Sweep.Mode
		if mode == experiments.SweepRandom {
			mode += fmt.Sprintf(" under sweep seed %d", spec.Sweep.Seed) // the draw's seed decides the points
		}
		points = fmt.Sprintf(" × %d sweep points (%s, %d axes; trials an axis does not touch run once)", spec.SweepPoints(), mode, len(spec.Sweep.Axes))
	}
	trials := spec.TrialSpecs()
	fmt.Fprintf(stdout, "%s: ok: %d data sets × %d models × %d seeds%s = %d trials (spec hash %.12s)\n",
		args[0], len(spec.Datasets), len(spec.Models), len(spec.Seeds), points, len(trials), spec.Hash)
	if e, tr, ok := largestEstimate(trials); ok {
		fmt.Fprintf(stdout, "largest memory estimate: %s for %s\n", e, tr.ID)
	}
	return 0
}

// largestEstimate is the trial with the largest memory estimate.
func largestEstimate(trials []experiments.Trial) (experiments.MemoryEstimate, experiments.Trial, bool) {
	var best experiments.MemoryEstimate
	var which experiments.Trial
	found := false
	for _, tr := range trials {
		e, ok := experiments.EstimateMemory(tr.Dataset, tr.Model, tr.Eval)
		if ok && (!found || e.Total() > best.Total()) {
			best, which, found = e, tr, true
		}
	}
	return best, which, found
}
