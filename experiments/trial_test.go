package experiments

import (
	"strings"
	"testing"

	"github.com/genbench/genbench/results"
)

// TestProtocolNotes: the training note names the optimiser settings, the
// selection rule that applies to the validation loss's kind and why
// training stopped; eval overrides get their own note.
func TestProtocolNotes(t *testing.T) {
	base := defaultTrain()
	cosine := base
	cosine.Schedule, cosine.MinDelta = "cosine", 0.01
	cases := []struct {
		name     string
		train    TrainSpec
		override map[string]any
		res      results.TrainResult
		want     []string
		eval     string
	}{
		{"likelihood", base, nil, results.TrainResult{ValidKind: "nll", Stopped: "patience"},
			[]string{"Adam lr 0.001, batch 256, up to 50 epochs, patience 10, best-validation (nll) weights restored; stopped: patience"}, ""},
		{"gan", base, nil, results.TrainResult{ValidKind: "model_loss", Stopped: "epochs"},
			[]string{"last weights kept (validation model_loss is monitored, not used to select: it is not a likelihood); stopped: epochs"}, ""},
		{"cosine with min_delta", cosine, nil, results.TrainResult{ValidKind: "negative_elbo", Stopped: "max_steps"},
			[]string{"annealed to 0 along half a cosine", "patience 10 (improvements of more than 0.01)", "(negative_elbo)"}, ""},
		{"eval override", base, map[string]any{"samples": 500}, results.TrainResult{ValidKind: "nll", Stopped: "epochs"}, nil, "samples=500"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			notes := protocolNotes(ModelSpec{Name: "m", Train: c.train, EvalOverride: c.override}, c.res)
			for _, w := range c.want {
				if !strings.Contains(notes["training"], w) {
					t.Errorf("training note %q lacks %q", notes["training"], w)
				}
			}
			if c.eval == "" && notes["eval"] != "" || !strings.Contains(notes["eval"], c.eval) {
				t.Errorf("eval note %q, want one with %q", notes["eval"], c.eval)
			}
		})
	}
}
