package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// ActiveUnitThreshold is the activity threshold of Burda et al.: a latent
// unit is active if the variance of its posterior mean exceeds 0.01.
const ActiveUnitThreshold = 0.01

// ActiveUnits counts the active latent units of a VAE (Burda et al. 2016).
// Row i of means holds E_{q(z|x_i)}[z] for test example x_i, one column per
// latent unit. The activity of unit u is
//
//	A_u = Cov_x(E_{q(u|x)}[u]),
//
// estimated by the unbiased sample variance (divisor rows−1) of column u;
// with thousands of test examples this differs negligibly from the
// population variance. Unit u is active if A_u > threshold (use
// [ActiveUnitThreshold]). variances[u] is A_u.
//
// Errors: nil matrix, fewer than 2 rows, non-finite entries, or a threshold
// that is negative or not finite.
func ActiveUnits(means *mat.Dense, threshold float64) (count int, variances []float64, err error) {
	if !(threshold >= 0) || math.IsInf(threshold, 1) {
		return 0, nil, fmt.Errorf("metrics: active units: threshold must be ≥ 0 and finite, got %v", threshold)
	}
	n, d, err := checkRows("metrics: active units", means)
	if err != nil {
		return 0, nil, err
	}
	if n < 2 {
		return 0, nil, fmt.Errorf("metrics: active units: need at least 2 examples, got %d", n)
	}
	variances = make([]float64, d)
	col := make([]float64, n)
	for u := range d {
		mat.Col(col, u, means)
		s := Summarize(col)
		variances[u] = s.Std * s.Std
		if variances[u] > threshold {
			count++
		}
	}
	return count, variances, nil
}
