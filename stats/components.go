package stats

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/genbench/genbench/internal/jsonnum"
)

// SeedComponents splits the variance of a stochastic metric measured under
// several training seeds, each evaluated under several evaluation seeds.
type SeedComponents struct {
	Mean    float64 `json:"mean"`
	TrainSD float64 `json:"train_sd"` // between training seeds, beyond evaluation noise
	EvalSD  float64 `json:"eval_sd"`  // between evaluation seeds of one trained model
	NTrain  int     `json:"n_train"`
	NEval   int     `json:"n_eval"`
}

// MarshalJSON writes NaN as null.
func (c SeedComponents) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Mean    jsonnum.Float `json:"mean"`
		TrainSD jsonnum.Float `json:"train_sd"`
		EvalSD  jsonnum.Float `json:"eval_sd"`
		NTrain  int           `json:"n_train"`
		NEval   int           `json:"n_eval"`
	}{jsonnum.Float(c.Mean), jsonnum.Float(c.TrainSD), jsonnum.Float(c.EvalSD), c.NTrain, c.NEval})
}

// SplitSeedVariance estimates the training-seed and evaluation-seed
// standard deviations of a metric from values[t][e], training seed t
// evaluated with evaluation seed e, by the balanced one-way random-effects
// analysis of variance (Searle, Casella & McCulloch 1992): the evaluation
// variance is the within-seed mean square MSW and the training variance is
// max(0, (MSB − MSW)/E), E evaluation seeds per training seed. TrainSD is NaN
// with one training seed, EvalSD with one evaluation seed.
func SplitSeedVariance(values [][]float64) (SeedComponents, error) {
	nan := math.NaN()
	c := SeedComponents{Mean: nan, TrainSD: nan, EvalSD: nan, NTrain: len(values)}
	if len(values) == 0 || len(values[0]) == 0 {
		return c, fmt.Errorf("stats: variance split of no values")
	}
	c.NEval = len(values[0])
	means := make([]float64, len(values))
	var msw float64
	for t, row := range values {
		if len(row) != c.NEval {
			return c, fmt.Errorf("stats: training seed %d has %d evaluation seeds, seed 0 has %d", t, len(row), c.NEval)
		}
		if err := checkFinite(fmt.Sprintf("values[%d]", t), row); err != nil {
			return c, err
		}
		m, sd := meanSD(row)
		means[t] = m
		if c.NEval > 1 {
			msw += sd * sd / float64(len(values))
		}
	}
	grand, sdMeans := meanSD(means)
	c.Mean = grand
	if c.NEval > 1 {
		c.EvalSD = math.Sqrt(msw)
	} else {
		msw = 0 // one evaluation seed: the spread of the means is all there is
	}
	if c.NTrain > 1 {
		msb := float64(c.NEval) * sdMeans * sdMeans
		c.TrainSD = math.Sqrt(math.Max(0, (msb-msw)/float64(c.NEval)))
	}
	return c, nil
}
