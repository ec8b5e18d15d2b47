package autoregressive

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/nn"
)

// randomize gives every parameter a value from U(−scale, scale), so that
// conditionals are far from uniform and no weight is zero.
func randomize[T nn.Float](ps *nn.ParamSet[T], scale float64, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 77))
	for _, p := range ps.Nodes {
		for i := range p.Value.Data {
			v := (2*rng.Float64() - 1) * scale
			if math.Abs(v) < 0.05*scale {
				v = math.Copysign(0.05*scale, v)
			}
			p.Value.Data[i] = T(v)
		}
	}
}

// binaryOutcomes lists all 2^d binary vectors; row k is k in binary,
// dimension 0 the most significant bit.
func binaryOutcomes(d int) *mat.Dense {
	n := 1 << d
	x := mat.NewDense(n, d, nil)
	for k := 0; k < n; k++ {
		for j := 0; j < d; j++ {
			if k>>(d-1-j)&1 == 1 {
				x.Set(k, j, 1)
			}
		}
	}
	return x
}

// outcomeIndex is the inverse of binaryOutcomes for one row.
func outcomeIndex(row []float64) int {
	k := 0
	for _, v := range row {
		k <<= 1
		if v == 1 {
			k |= 1
		} else if v != 0 {
			return -1
		}
	}
	return k
}

// chiSquareP returns the p-value of Pearson's chi-square test of observed
// counts against probabilities; bins expecting fewer than 5 counts are
// pooled into one.
func chiSquareP(counts []int, probs []float64) (p, stat float64, dof int) {
	n := 0
	for _, c := range counts {
		n += c
	}
	var poolObs, poolExp float64
	bins := 0
	for k, pr := range probs {
		e := pr * float64(n)
		if e < 5 {
			poolObs += float64(counts[k])
			poolExp += e
			continue
		}
		d := float64(counts[k]) - e
		stat += d * d / e
		bins++
	}
	if poolExp > 0 {
		d := poolObs - poolExp
		stat += d * d / math.Max(poolExp, 1e-12)
		bins++
	}
	dof = bins - 1
	return distuv.ChiSquared{K: float64(dof)}.Survival(stat), stat, dof
}

// checkBinarySampler compares a sampler's frequencies over all 2^d binary
// outcomes with exp(LogProb), and checks that those sum to 1.
func checkBinarySampler(t *testing.T, dens models.Density, d, n int, sample func(n int, rng *rand.Rand) (*mat.Dense, error)) {
	t.Helper()
	lp, err := dens.LogProb(binaryOutcomes(d))
	if err != nil {
		t.Fatal(err)
	}
	probs := make([]float64, len(lp))
	var total, maxP float64
	for k, v := range lp {
		probs[k] = math.Exp(v)
		total += probs[k]
		maxP = math.Max(maxP, probs[k])
	}
	if math.Abs(total-1) > 1e-9 {
		t.Errorf("Σ exp(LogProb) over %d outcomes = %.12f, want 1", len(lp), total)
	}
	if maxP < 2.0/float64(len(lp)) {
		t.Fatalf("distribution too close to uniform (max p %.3f) for the test to mean anything", maxP)
	}
	x, err := sample(n, rand.New(rand.NewPCG(2024, 5)))
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, len(lp))
	for i := 0; i < n; i++ {
		k := outcomeIndex(x.RawRowView(i))
		if k < 0 {
			t.Fatalf("sample %d is not binary: %v", i, x.RawRowView(i))
		}
		counts[k]++
	}
	p, stat, dof := chiSquareP(counts, probs)
	if p < 0.001 {
		t.Errorf("chi-square %.1f on %d dof, p = %.2g < 0.001: counts %v, probs %.4f", stat, dof, p, counts, probs)
	}
}
