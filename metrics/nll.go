package metrics

import "fmt"

func init() {
	Register(Metric{
		Name:       "nll",
		Doc:        "test negative log-likelihood in nats, mean ± s.e., with its kind (exact, bound, estimate, none)",
		Protocol:   "Importance-sampled NLL",
		Order:      10,
		Stochastic: IfEstimated, // importance samples
		Needs:      NeedsLikelihood,
		Also:       []string{"true_nll"},
		Keys: append(append(
			SummaryKeys("test_nll", "test NLL per example (the test NLL column)", "nats", Lower, 0.01, 0.01, nil),
			SummaryKeys("test_nll_bound", "negative ELBO per example, for models whose best likelihood is an estimate", "nats", Lower, 0.01, 0.01, nil)...),
			Key{Name: "importance_k", Doc: "importance samples per test example of an estimated NLL", Better: Neither, Stable: true}),
		Compute: computeNLL,
	})
}

// computeNLL summarises the test log-likelihoods of the model's best kind,
// and its lower bound besides when it has a better likelihood.
func computeNLL(in *Input, out *Output) error {
	switch in.Kind {
	case "exact":
		out.Note("nll", "exact log-density, mean ± 2 s.e. over test examples")
	case "estimate":
		out.Put("importance_k", float64(in.Settings.ImportanceK))
		out.Note("nll", fmt.Sprintf("importance-sampled estimate, k=%d samples from q(z|x)", in.Settings.ImportanceK))
	case "bound":
		out.Note("nll", "negative ELBO (an upper bound on NLL)")
	default:
		out.Note("nll", "none: the model has no likelihood")
	}
	if in.LowerBound != nil {
		out.Summary("test_nll_bound", NLL(in.LowerBound))
	}
	if in.LogLik != nil {
		out.Summary("test_nll", NLL(in.LogLik))
	}
	return nil
}
