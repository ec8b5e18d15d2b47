package metrics

func init() {
	trueKeys := SummaryKeys("true_nll", "the data's own NLL on the test examples", "nats", Neither, 1e-4, 1e-6, nil)
	trueKeys[0].Stable = true // a property of the data, not of the model
	Register(Metric{
		Name:  "true_nll",
		Doc:   "the data's own NLL on the test split where the density is analytic (entropy estimate), and the model's gap to it",
		Order: 30,
		Needs: NeedsTrueDensity,
		Keys: append(trueKeys, SummaryKeys("nll_gap", "model NLL minus the data's own NLL, per example", "nats", Lower, 0.05, 0.01,
			&Column{Header: "gap to true NLL", Rank: 120, Format: MeanPM, ByNLLKind: true})...),
		Compute: computeTrueNLL,
	})
}

// computeTrueNLL summarises the data's own NLL and, when the model's
// likelihood was computed for the trial, the per-example gap to it.
func computeTrueNLL(in *Input, out *Output) error {
	out.Summary("true_nll", NLL(in.TrueLogLik))
	if in.LogLik != nil {
		gap := make([]float64, len(in.TrueLogLik))
		for i := range gap {
			gap[i] = in.TrueLogLik[i] - in.LogLik[i]
		}
		out.Summary("nll_gap", Summarize(gap))
	}
	out.Note("true_nll", "the data's own NLL on the same test examples (a Monte Carlo entropy estimate)")
	return nil
}
