package gan

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/models/internal/modeltest"
)

// samplesScore scores a GAN, which has no likelihood, by samples drawn
// from a fixed generator: equal scores mean equal generator weights and
// output standardisation.
func samplesScore(m models.Model, _ *mat.Dense) ([]float64, error) {
	s, err := m.Sample(32, rand.New(rand.NewPCG(11, 12)))
	if err != nil {
		return nil, err
	}
	return s.RawMatrix().Data, nil
}

// The shared check every model family passes: training on a fixed batch
// lowers the returned loss (here the discriminator's, which learns to tell
// the ring from the untrained generator), and a model rebuilt and loaded
// from Save draws the same samples and then trains in lockstep with the
// original, across several steps (both optimisers and the standardisation
// are in the checkpoint).
func TestGANTrainsAndRoundTrips(t *testing.T) {
	x := ringBatch(rand.New(rand.NewPCG(5, 6)), 128)
	user := map[string]any{"hidden": 16, "hidden_layers": 2}
	for _, typ := range []string{"gan", "pacgan", "wgan_gp"} {
		for _, dtype := range []string{"float32", "float64"} {
			t.Run(typ+"/"+dtype, func(t *testing.T) {
				cfg := models.Config{Dim: 2, Dtype: dtype, LR: 1e-3, Seed: 3}
				modeltest.TrainsAndRoundTrips(t, func() models.Model { return modeltest.Build(t, typ, user, cfg) }, x,
					modeltest.TrainCheck{Steps: 60, MinDrop: 0.05, Score: samplesScore, After: 3})
			})
		}
	}
}
