package experiments_test

import (
	"fmt"
	"os"

	"github.com/genbench/genbench/experiments"
	_ "github.com/genbench/genbench/models/all"
)

// A spec parsed from YAML and run into a results folder: every model on
// every data set and seed is one trial, trained, evaluated and written to
// trials/<id>.json; running it again skips what is done.
func ExampleRun() {
	spec, err := experiments.Parse("example.yaml", []byte(`name: example
seeds: [1]
datasets:
  - {name: ring8, n_train: 256, n_valid: 128, n_test: 128}
models:
  - {name: floor, type: gaussian}
  - {name: gan, type: gan, params: {hidden: 16}, train: {epochs: 2}}
train: {batch_size: 64, epochs: 3, lr: 1e-3}
eval: {metrics: [nll, mode_coverage], samples: 200}
`))
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "genbench-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	out, err := experiments.Run(spec, experiments.Options{Out: dir})
	if err != nil {
		panic(err)
	}
	for _, r := range out.Records {
		fmt.Printf("%s on %s: %s, likelihood %s\n", r.Model, r.Dataset, r.Status, r.NLLKind)
	}
	again, err := experiments.Run(spec, experiments.Options{Out: dir})
	if err != nil {
		panic(err)
	}
	fmt.Println("second run skipped", again.Skipped, "of", again.Trials)
	// Output:
	// floor on ring8: ok, likelihood exact
	// gan on ring8: ok, likelihood none
	// second run skipped 2 of 2
}
