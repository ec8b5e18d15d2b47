package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"

	"github.com/genbench/genbench/experiments"
)

const exportUsage = `usage: genbench export DIR [-o FILE]
  Writes the records of DIR as a tidy CSV, one row per trial × metric
  (trial, dataset, model, type, family, seed, sweep, status, metric, value,
  nll_kind, n, protocol), to FILE (atomically) or standard output.
`

// cmdExport implements genbench export. Exit codes: 0 written, 1 no
// readable records or the file could not be written, 2 bad usage.
// Unreadable records are reported and left out.
func cmdExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, exportUsage) }
	out := fs.String("o", "", "CSV file to write (default: standard output)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "genbench export: want one results folder, got %d arguments\n%s", len(pos), exportUsage)
		return 2
	}
	recs, _, ok := loadRecords("export", pos[0], stderr)
	if !ok {
		return 1
	}
	var buf bytes.Buffer
	if err := experiments.ExportCSV(&buf, recs); err != nil {
		fmt.Fprintf(stderr, "genbench export: %v\n", err)
		return 1
	}
	if *out == "" {
		stdout.Write(buf.Bytes())
		return 0
	}
	if err := experiments.WriteFileAtomic(*out, buf.Bytes()); err != nil {
		fmt.Fprintf(stderr, "genbench export: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "export: %d trials, %d rows: %s\n", len(recs), bytes.Count(buf.Bytes(), []byte("\n"))-1, *out)
	return 0
}
