package metrics

import "sort"

// Info documents a metric that a spec may ask for under eval.metrics.
type Info struct {
	Name string
	Doc  string
}

// Available lists the metrics a spec may name, sorted by name.
var Available = sortedInfo([]Info{
	{"nll", "test negative log-likelihood in nats, mean ± s.e., with its kind (exact, bound, estimate, none)"},
	{"bits_per_dim", "test NLL in bits per dimension, with dequantization and logit corrections (REFERENCE.md)"},
	{"true_nll", "the data's own NLL on the test split where the density is analytic (entropy estimate)"},
	{"sampling_speed", "samples per second at a fixed batch, after warm-up, median of repeats"},
	{"mode_coverage", "2-D mixtures: modes covered, high-quality fraction, KL of the mode histogram to uniform"},
	{"class_coverage", "images: classes covered by a trained classifier and KL of the class histogram to uniform"},
	{"precision_recall", "k-NN precision/recall and density/coverage (k=5) in a feature space"},
	{"parzen", "Parzen-window log-likelihood estimate from samples (kind estimate, never ranked with exact NLL)"},
	{"diagnostics", "family-specific numbers: active units and KL per latent (VAE), reconstruction error (IAE)"},
})

func sortedInfo(list []Info) []Info {
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list
}

// Known reports whether name is an available metric.
func Known(name string) bool {
	for _, m := range Available {
		if m.Name == name {
			return true
		}
	}
	return false
}
