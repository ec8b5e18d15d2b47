package experiments

import (
	"testing"

	"github.com/genbench/genbench/results"
)

func TestTrainingNote(t *testing.T) {
	base := TrainSpec{LR: 1e-3, BatchSize: 64, Epochs: 20, Patience: 5}
	cosine := base
	cosine.Schedule, cosine.MinDelta = "cosine", 0.01
	for _, c := range []struct {
		name string
		ts   TrainSpec
		res  results.TrainResult
		want string
	}{
		{"likelihood", base, results.TrainResult{ValidKind: "nll", Stopped: "patience"},
			"Adam lr 0.001, batch 64, up to 20 epochs, patience 5, best-validation (nll) weights restored; stopped: patience"},
		{"cosine and min_delta", cosine, results.TrainResult{ValidKind: "nll", Stopped: "epochs"},
			"Adam lr 0.001 annealed to 0 along half a cosine over the epochs' steps, batch 64, up to 20 epochs, patience 5 (improvements of more than 0.01), best-validation (nll) weights restored; stopped: epochs"},
		{"not a likelihood", base, results.TrainResult{ValidKind: "model_loss", Stopped: "epochs"},
			"Adam lr 0.001, batch 64, up to 20 epochs, last weights kept (validation model_loss is monitored, not used to select: it is not a likelihood); stopped: epochs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := trainingNote(c.ts, c.res); got != c.want {
				t.Errorf("trainingNote =\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}
