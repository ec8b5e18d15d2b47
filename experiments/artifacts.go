package experiments

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/results"
)

// writeArtifacts stores what the report draws but a record does not hold:
// samples (as pixel intensities for images) with the seed of their stream
// (the same for every model of a trial seed: 64 images make the report's
// 8×8 grid), for images each sample's nearest training image (the
// memorisation check, see nearestTrain), and for 2-D data the model's
// log-density (or ELBO) on a grid over the test data.
func writeArtifacts(out string, tr Trial, m models.Model, d *datasets.Data) error {
	n := 1000
	if d.Shape != nil {
		n = 64
	}
	seed := streamSeed(tr.Seed, "artifacts")
	s, err := m.Sample(n, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return fmt.Errorf("samples: %w", err)
	}
	if d.ToPixels != nil {
		s = pixelRows(d, s)
	}
	a := results.Artifacts{Shape: d.Shape, Samples: results.SamplesFrom(s), Modes: d.Modes, ModeStd: d.ModeStd,
		SampleSeed: seed, ClassNames: d.ClassNames}
	if a.Shape == nil {
		a.Shape = []int{d.Dim}
	}
	if d.ToPixels != nil && len(d.Shape) == 3 {
		if a.NearestTrain, err = nearestTrain(d, s); err != nil {
			return err
		}
	}
	if d.Dim == 2 {
		xs, ys := results.GridFor(d.Test, 100)
		var logp func(*mat.Dense) ([]float64, error)
		kind := ""
		switch mm := m.(type) {
		case models.Density:
			logp, kind = mm.LogProb, "exact"
		case models.Bounded:
			logp, kind = mm.LowerBound, "bound"
		}
		if logp != nil {
			if a.DensityGrid, err = results.NewDensityGrid(kind, logp, xs, ys); err != nil {
				return fmt.Errorf("density grid: %w", err)
			}
		}
	}
	return results.WriteArtifacts(out, tr.ID, a)
}
