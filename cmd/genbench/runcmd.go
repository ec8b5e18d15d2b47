package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/genbench/genbench/experiments"
	"github.com/genbench/genbench/results"
)

// exitInterrupted is the exit code of a run stopped by SIGINT or SIGTERM
// (128 + SIGINT, as shells report Ctrl-C).
const exitInterrupted = 130

// exitBusy is the exit code of a run that left trials to other processes
// holding their locks (EX_TEMPFAIL: try again later).
const exitBusy = 75

// cmdRun implements genbench run SPEC [-o DIR] [-j N] [-shard i/N] [-q].
//
// The first SIGINT or SIGTERM stops the run cleanly: no new trial starts,
// training trials stop at their next step (a checkpoint being written is
// finished), finished records are kept, and genbench exits with 130.
// Running the same command again resumes from the checkpoints. A second
// signal exits at once (still safe: every file is written atomically).
func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "results folder (default results/<spec name>)")
	quiet := fs.Bool("q", false, "no progress output")
	jobs := fs.Int("j", 0,
		"trials trained at once, whatever their size (default 0: up to one per core, a trial with a large training step alone; see experiments.Options.Jobs)")
	shardFlag := fs.String("shard", "", "run only shard i/N of the trials: trial k when k mod N = i (e.g. 0/4)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "genbench run: want one spec file, got %d arguments\n%s", len(pos), usage)
		return 2
	}
	if *jobs < 0 {
		fmt.Fprintf(stderr, "genbench run: -j %d: want at least 1, or 0 for the default\n", *jobs)
		return 2
	}
	var shard experiments.Shard
	if *shardFlag != "" {
		if shard, err = experiments.ParseShard(*shardFlag); err != nil {
			fmt.Fprintf(stderr, "genbench run: %v\n", err)
			return 2
		}
	}
	spec, ok := loadSpec(pos[0], stderr)
	if !ok {
		return 2
	}
	if *out == "" {
		*out = filepath.Join("results", spec.Name)
	}
	if err := checkWritable(*out); err != nil {
		fmt.Fprintf(stderr, "genbench run: -o %s: %v\n", *out, err)
		return 2
	}
	warnOtherSpec(*out, spec, stderr)
	stop := make(chan struct{})
	opt := experiments.Options{Out: *out, Log: stderr, Jobs: *jobs, Shard: shard, Stop: stop}
	if f, ok := stderr.(*os.File); ok {
		opt.Terminal = isTerminal(f)
	}
	if *quiet {
		opt.Log = nil
	}
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case sig := <-signals:
			// With progress output, Run says it too, above its display.
			if *quiet {
				fmt.Fprintf(stderr, "genbench run: %v: stopping after the current step of each trial (checkpoints are kept); send it again to quit at once\n", sig)
			}
			close(stop)
		case <-finished:
			return
		}
		select {
		case sig := <-signals:
			fmt.Fprintf(stderr, "genbench run: %v again: quitting now; re-run the same command to resume\n", sig)
			os.Exit(exitInterrupted)
		case <-finished:
		}
	}()
	outcome, err := experiments.Run(spec, opt)
	if errors.Is(err, experiments.ErrInterrupted) {
		fmt.Fprintf(stderr, "genbench run: %v\n", err)
		fmt.Fprintf(stdout, "interrupted: %d of %d trials finished in this run, %d skipped, %d unfinished\n",
			outcome.Ran, outcome.Trials, outcome.Skipped, outcome.Interrupted)
		return exitInterrupted
	}
	if errors.Is(err, experiments.ErrBusy) {
		fmt.Fprintf(stderr, "genbench run: %v\n", err)
		fmt.Fprintf(stdout, "%d of %d trials finished in this run, %d skipped, %d running in other processes\n",
			outcome.Ran, outcome.Trials, outcome.Skipped, outcome.Busy)
		return exitBusy
	}
	if err != nil {
		fmt.Fprintf(stderr, "genbench run: %v\n", err)
		return 1
	}
	part := ""
	if shard.Count > 1 {
		part = fmt.Sprintf(" (shard %s)", shard)
	}
	resumed := ""
	if outcome.Resumed > 0 {
		resumed = fmt.Sprintf(", %d resumed from checkpoints", outcome.Resumed)
	}
	fmt.Fprintf(stdout, "%d trials%s: %d ran, %d skipped (already done)%s; %d ok, %d diverged, %d failed\nresults: %s\n",
		outcome.Trials, part, outcome.Ran, outcome.Skipped, resumed, outcome.OK, outcome.Diverged, outcome.Failed,
		filepath.Join(*out, "results.json"))
	for _, r := range outcome.Records {
		if r.Status != results.StatusOK {
			fmt.Fprintf(stderr, "  %s %s: %s\n", r.Trial, r.Status, r.Reason)
		}
	}
	if outcome.Diverged+outcome.Failed > 0 {
		return 1
	}
	return 0
}

// checkWritable makes the results folder if needed and checks that files
// can be created in it, so that a folder that cannot hold results is a
// usage error (exit 2), not a failed trial (exit 1).
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".genbench-write-test-*")
	if err != nil {
		return fmt.Errorf("cannot write there: %w", err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// warnOtherSpec warns when dir holds the results of another spec: run
// replaces its spec.json, and the other spec's records stay in
// dir/trials, where report and summary will find them beside the new ones.
func warnOtherSpec(dir string, spec *experiments.Spec, stderr io.Writer) {
	data, err := os.ReadFile(filepath.Join(dir, "spec.json"))
	if err != nil {
		return
	}
	var old struct {
		Name string `json:"name"`
		Hash string `json:"hash"`
	}
	if json.Unmarshal(data, &old) != nil || old.Hash == "" || old.Hash == spec.Hash {
		return
	}
	fmt.Fprintf(stderr, "genbench run: warning: %s holds results of another spec (%s, hash %.12s; now %s, hash %.12s): "+
		"its spec.json is replaced, and the other spec's records stay in %s and will appear in reports and summaries beside this one's; "+
		"use another -o to keep them apart\n",
		dir, old.Name, old.Hash, spec.Name, spec.Hash, filepath.Join(dir, "trials"))
}
