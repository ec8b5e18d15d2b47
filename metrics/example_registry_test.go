package metrics_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/metrics"
)

// A new metric is one file in package metrics: its function, and an init
// function that registers it. Evaluation prepares what Needs asks for,
// calls Compute in Order, and refuses keys the metric does not declare;
// the baseline's rules, `genbench list`, the summary and the report's
// columns come from the declared keys.
func ExampleRegister() {
	metrics.Register(metrics.Metric{
		Name:  "sample_mean_norm",
		Doc:   "Euclidean norm of the mean of generated samples (a toy)",
		Order: 85, // after parzen, before diagnostics: it draws samples
		Needs: metrics.NeedsSamples,
		// Its value depends on the evaluation seed: eval.eval_seeds repeats it.
		Stochastic: metrics.Sampled,
		Keys: []metrics.Key{{Name: "sample_mean_norm", Doc: "‖mean of samples‖", Better: metrics.Lower, RelTol: 0.05, AbsTol: 0.01,
			Column: &metrics.Column{Header: "‖mean‖", Rank: 215, Format: metrics.Sig3}}},
		Compute: func(in *metrics.Input, out *metrics.Output) error {
			s, err := in.Samples(in.Settings.Samples) // the draw other sample metrics judge
			if err != nil {
				return err
			}
			n, d := s.Dims()
			var sq float64
			for j := 0; j < d; j++ {
				m := mat.Sum(s.ColView(j)) / float64(n)
				sq += m * m
			}
			out.Put("sample_mean_norm", math.Sqrt(sq))
			out.Note("sample_mean_norm", fmt.Sprintf("%d samples", n))
			return nil
		},
	})

	// What evaluation does for each metric a spec asks for.
	in := &metrics.Input{
		Rand:     rand.New(rand.NewPCG(1, 2)),
		Settings: metrics.Settings{Samples: 2},
		Draw: func(n int, _ *rand.Rand) (*mat.Dense, error) {
			return mat.NewDense(n, 2, []float64{3, 0, 3, 8}[:2*n]), nil
		},
	}
	m, _ := metrics.Lookup("sample_mean_norm")
	out := metrics.NewOutput()
	if err := out.Run(m, in); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Values, out.Notes)
	k, _, _ := metrics.KeyOf("sample_mean_norm")
	fmt.Println(k.Better)
	// Output:
	// map[sample_mean_norm:5] map[sample_mean_norm:2 samples]
	// lower is better
}
