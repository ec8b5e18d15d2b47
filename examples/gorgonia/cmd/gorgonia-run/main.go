// Command gorgonia-run runs a genbench spec with the gorgonia model type of
// this example module registered next to genbench's own model types:
//
//	go run ./cmd/gorgonia-run -o results spec.yaml
//
// The whole difference from genbench's own command is one blank import:
// a program that imports a model package can name its type in a spec.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/genbench/genbench/experiments"
	_ "github.com/genbench/genbench/models/all" // genbench's own model types

	_ "github.com/genbench/genbench/examples/gorgonia" // registers gorgonia-realnvp
)

func main() {
	out := flag.String("o", "results", "results folder")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gorgonia-run [-o DIR] SPEC")
		os.Exit(2)
	}
	spec, err := experiments.Load(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	res, err := experiments.Run(spec, experiments.Options{Out: *out, Log: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, r := range res.Records {
		fmt.Printf("%-18s %-8s %-6s NLL %.4f nats (%s)\n", r.Model, r.Dataset, r.Status, r.Metrics["test_nll"], r.NLLKind)
	}
	if res.Failed+res.Diverged > 0 {
		os.Exit(1)
	}
}
