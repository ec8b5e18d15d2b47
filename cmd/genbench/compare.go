package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/genbench/genbench/compare"
)

const compareUsage = `usage: genbench compare DIR [A B] [-json] [-alpha 0.05] [-seed 1]
  Paired comparisons of test NLL for every pair of models (at the same sweep
  point or not) on a data set and NLL kind: per-example paired differences
  from DIR/examples where both trials kept them, per-seed NLLs otherwise;
  Holm's correction across the pairs of each data set; an effect size with
  every p-value. Sample-based metrics get a bootstrap interval over seeds.
  A B (model names or model[sweep] labels) keep that pair only.
`

// cmdCompare implements genbench compare. Exit codes: 0 the comparison was
// printed (whatever it found), 1 the records could not be read or compared,
// 2 bad usage.
func cmdCompare(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, compareUsage) }
	asJSON := fs.Bool("json", false, "write JSON (every pair with difference, interval, corrected p-value, significant)")
	alpha := fs.Float64("alpha", 0.05, "significance level after Holm's correction")
	seed := fs.Uint64("seed", 1, "seed of the bootstrap and Monte Carlo tests")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 && len(pos) != 3 {
		fmt.Fprintf(stderr, "genbench compare: want a results folder and optionally two models, got %d arguments\n%s", len(pos), compareUsage)
		return 2
	}
	if !(*alpha > 0 && *alpha < 1) {
		fmt.Fprintf(stderr, "genbench compare: -alpha %g: want a level in (0, 1)\n", *alpha)
		return 2
	}
	recs, _, ok := loadRecords("compare", pos[0], stderr)
	if !ok {
		return 1
	}
	opt := compare.Options{Alpha: *alpha, Seed: *seed}
	if len(pos) == 3 {
		opt.Only = pos[1:]
	}
	c, err := compare.Records(pos[0], recs, opt)
	if err != nil {
		fmt.Fprintf(stderr, "genbench compare: %v\n", err)
		return 1
	}
	if len(opt.Only) == 2 && len(c.Pairs) == 0 {
		fmt.Fprintf(stderr, "genbench compare: no comparable pair of %s and %s (names, NLL kinds or data sets differ)\n", pos[1], pos[2])
		return 1
	}
	if *asJSON {
		data, err := json.MarshalIndent(c, "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "genbench compare: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s\n", data)
		return 0
	}
	fmt.Fprint(stdout, compare.Table(c))
	return 0
}
