package iae

import (
	"math/rand/v2"
	"testing"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/models/internal/modeltest"
)

// The shared check every model family passes: training on a fixed batch
// of 4-D data on a 2-D subspace lowers the loss (reconstruction through a
// bottleneck of 2 + MMD + L2 on the dropped code), and a model rebuilt and
// loaded from Save gives the same exact log-density and then trains in
// lockstep with the original.
func TestIAETrainsAndRoundTrips(t *testing.T) {
	x := subspaceData(rand.New(rand.NewPCG(3, 4)), 128)
	user := map[string]any{"hidden": 16, "layers": 3, "bottleneck": 2}
	for _, dtype := range []string{"float32", "float64"} {
		t.Run(dtype, func(t *testing.T) {
			cfg := models.Config{Dim: 4, Dtype: dtype, LR: 1e-2, Seed: 7}
			modeltest.TrainsAndRoundTrips(t, func() models.Model { return modeltest.Build(t, "iae", user, cfg) }, x,
				modeltest.TrainCheck{Steps: 60, MinDrop: 0.2, Score: modeltest.LogProb, After: 2})
		})
	}
}
