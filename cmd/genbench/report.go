package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/genbench/genbench/reports"
)

const reportUsage = `usage: genbench report DIR [-o OUT]
  Writes OUT/report.md, OUT/report.html (self-contained) and OUT/figures/*.png
  from the results folder DIR that genbench run wrote (OUT defaults to DIR/report).
`

// cmdReport implements "genbench report DIR [-o OUT]". Exit codes: 0 the
// report was written, 1 it could not be built or written, 2 bad usage.
// Partial results (missing, failed or unreadable trials) are not errors:
// the report lists them.
func cmdReport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, reportUsage) }
	out := fs.String("o", "", "output folder (default DIR/report)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "genbench report: want one results folder, got %d arguments\n%s", len(pos), reportUsage)
		return 2
	}
	r, err := reports.Build(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "genbench report: %v\n", err)
		return 1
	}
	if len(r.Records) == 0 {
		fmt.Fprintf(stderr, "genbench report: %s holds no trial records: nothing to report (run a spec into it first)\n", pos[0])
		return 1
	}
	dir := *out
	if dir == "" {
		dir = reports.DefaultOut(pos[0])
	}
	paths, err := r.WriteFiles(dir)
	if err != nil {
		fmt.Fprintf(stderr, "genbench report: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "report: %s\n        %s\n        %d figures in %s\n", paths[0], paths[1], len(paths)-2, filepath.Join(dir, "figures"))
	for _, p := range r.Problems {
		fmt.Fprintf(stderr, "  warning: %s: %s\n", p.File, p.Reason)
	}
	if n := len(r.Missing); n > 0 {
		fmt.Fprintf(stderr, "  warning: %d of %d trials in spec.json have no record (partial results)\n", n, len(r.Spec.Trials))
	}
	return 0
}
