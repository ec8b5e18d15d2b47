package digits

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/metrics"
)

// KIDSettings are the subset size and count of KID and the seed of its
// subset draws.
type KIDSettings struct {
	SubsetSize, Subsets int
	Seed                uint64
}

// Distances returns the Fréchet distance and KID of fake against ref, both
// rows of pixel intensities in [0,1], in c's feature space, each stamped
// with the sample sizes, the reference split's name (e.g. "test") and c's
// hash. The subset size is clamped to the smaller set.
func (c *Classifier) Distances(ref, fake *mat.Dense, reference string, k KIDSettings) (metrics.FDResult, metrics.KIDResult, error) {
	fr, ff := c.Features(ref), c.Features(fake)
	fd, err := metrics.FrechetDistance(fr, ff)
	if err != nil {
		return metrics.FDResult{}, metrics.KIDResult{}, fmt.Errorf("%s features: %w", c.recipe.Dataset, err)
	}
	nRef, _ := fr.Dims()
	n, _ := ff.Dims()
	kid, err := metrics.KID(fr, ff, min(k.SubsetSize, n, nRef), k.Subsets, k.Seed)
	if err != nil {
		return metrics.FDResult{}, metrics.KIDResult{}, fmt.Errorf("%s features: %w", c.recipe.Dataset, err)
	}
	for _, p := range []*metrics.Provenance{&fd.Provenance, &kid.Provenance} {
		p.Reference, p.FeatureNet = reference, c.Hash()
	}
	return fd, kid, nil
}
