package metrics

import (
	"fmt"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// PRDCResult holds k-NN precision and recall (Kynkäänniemi et al. 2019) and
// density and coverage (Naeem et al. 2020), all computed with the same K.
type PRDCResult struct {
	Precision, Recall, Density, Coverage float64
	K                                    int
}

// PRDC computes precision, recall, density and coverage of fake samples
// against real samples (one per row, in a fixed feature space; genbench
// uses k = 5, docs/protocols.md, Precision, recall, density, coverage). With real points X_1..X_N, fake points Y_1..Y_M, and
// r(X_i) (resp. r(Y_j)) the distance from a point to its k-th nearest
// neighbour within its own set, excluding itself:
//
//	Precision = (1/M) Σ_j 1[∃i: ‖Y_j − X_i‖ < r(X_i)]
//	Recall    = (1/N) Σ_i 1[∃j: ‖X_i − Y_j‖ < r(Y_j)]
//	Density   = (1/(kM)) Σ_j Σ_i 1[‖Y_j − X_i‖ < r(X_i)]
//	Coverage  = (1/N) Σ_i 1[min_j ‖X_i − Y_j‖ < r(X_i)]
//
// The comparisons are strict, as in the authors' reference implementation
// (clovaai/generative-evaluation-prdc), so identical real and fake sets give
// precision = recall = coverage = 1 and density exactly 1. A consequence:
// a point with k exact duplicates in its own set has radius 0 and its ball
// contains nothing; deduplicate discrete data first. Density is not bounded
// by 1.
//
// Distances are computed by brute force, O((N+M)²·D) time and O(N+M) memory,
// with rows split over at most GOMAXPROCS goroutines.
//
// Errors: nil or empty matrices, different numbers of columns, non-finite
// entries, k < 1, or k ≥ the number of rows of either set (a k-th neighbour
// other than the point itself must exist).
func PRDC(real, fake *mat.Dense, k int) (PRDCResult, error) {
	n, d, err := checkRows("metrics: prdc: real", real)
	if err != nil {
		return PRDCResult{}, err
	}
	m, df, err := checkRows("metrics: prdc: fake", fake)
	if err != nil {
		return PRDCResult{}, err
	}
	if d != df {
		return PRDCResult{}, fmt.Errorf("metrics: prdc: real has %d columns, fake %d", d, df)
	}
	if k < 1 || k >= n || k >= m {
		return PRDCResult{}, fmt.Errorf("metrics: prdc: k = %d must be in [1, min(%d real, %d fake) − 1]", k, n, m)
	}
	rr := kthRadii(real, k) // squared radii
	rf := kthRadii(fake, k)

	// Fake rows: precision and density.
	inBalls := make([]int, m)
	parallelFor(m, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			y := fake.RawRowView(j)
			c := 0
			for i := range n {
				if sqDist(y, real.RawRowView(i)) < rr[i] {
					c++
				}
			}
			inBalls[j] = c
		}
	})
	// Real rows: recall and coverage.
	recalled := make([]bool, n)
	covered := make([]bool, n)
	parallelFor(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			x := real.RawRowView(i)
			for j := range m {
				dd := sqDist(x, fake.RawRowView(j))
				if dd < rf[j] {
					recalled[i] = true
				}
				if dd < rr[i] {
					covered[i] = true
				}
				if recalled[i] && covered[i] {
					break
				}
			}
		}
	})

	var prec, dens, rec, cov int
	for _, c := range inBalls {
		if c > 0 {
			prec++
		}
		dens += c
	}
	for i := range n {
		if recalled[i] {
			rec++
		}
		if covered[i] {
			cov++
		}
	}
	return PRDCResult{
		Precision: float64(prec) / float64(m),
		Recall:    float64(rec) / float64(n),
		Density:   float64(dens) / float64(k*m),
		Coverage:  float64(cov) / float64(n),
		K:         k,
	}, nil
}

// kthRadii returns, for each row of x, the squared distance to its k-th
// nearest other row (1 ≤ k < rows).
func kthRadii(x *mat.Dense, k int) []float64 {
	n, _ := x.Dims()
	r := make([]float64, n)
	parallelFor(n, func(lo, hi int) {
		buf := make([]float64, 0, n-1)
		for i := lo; i < hi; i++ {
			xi := x.RawRowView(i)
			buf = buf[:0]
			for j := range n {
				if j != i {
					buf = append(buf, sqDist(xi, x.RawRowView(j)))
				}
			}
			slices.Sort(buf)
			r[i] = buf[k-1]
		}
	})
	return r
}

func init() {
	Register(Metric{
		Name:       "precision_recall",
		Doc:        "k-NN precision/recall and density/coverage (k=5) in a classifier's feature space",
		Protocol:   "Precision, recall, density, coverage",
		Order:      70,
		Stochastic: Sampled,
		Needs:      NeedsSamples | NeedsImages | NeedsClassifier,
		Also:       []string{"class_coverage"},
		Keys: []Key{
			{Name: "precision", Doc: "fraction of samples inside the test images' k-NN balls", Better: Higher, RelTol: 0.02, AbsTol: 0.02,
				Column: &Column{Header: "precision", Rank: 180, Format: Sig3}},
			{Name: "recall", Doc: "fraction of test images inside the samples' k-NN balls", Better: Higher, RelTol: 0.02, AbsTol: 0.02,
				Column: &Column{Header: "recall", Rank: 190, Format: Sig3}},
			// density is best near 1, not highest: shown, never ranked
			{Name: "density", Doc: "mean count of test k-NN balls holding each sample, over k", Better: Neither, RelTol: 0.01, AbsTol: 0.01,
				Column: &Column{Header: "density", Rank: 200, Format: Sig3}},
			{Name: "coverage", Doc: "fraction of test images whose k-NN ball holds a sample", Better: Higher, RelTol: 0.02, AbsTol: 0.02,
				Column: &Column{Header: "coverage", Rank: 210, Format: Sig3}},
		},
		Compute: computePRDC,
	})
}

// computePRDC compares the classifier features of the samples with those
// of as many test images (at most all of them).
func computePRDC(in *Input, out *Output) error {
	s, err := in.Samples(in.Settings.Samples)
	if err != nil {
		return fmt.Errorf("samples: %w", err)
	}
	_, fake := in.Classifier.Label(in.Pixels(s))
	nReal := min(in.Settings.Samples, in.Test.RawMatrix().Rows)
	_, real := in.Classifier.Label(in.Pixels(in.FirstTest(nReal)))
	pr, err := PRDC(real, fake, 5)
	if err != nil {
		return err
	}
	out.Put("precision", pr.Precision)
	out.Put("recall", pr.Recall)
	out.Put("density", pr.Density)
	out.Put("coverage", pr.Coverage)
	out.Note("precision_recall", fmt.Sprintf("k-NN (k=5) precision/recall (Kynkäänniemi 2019) and density/coverage (Naeem 2020): %d samples vs %d test images in the classifier's last hidden layer",
		in.Settings.Samples, nReal))
	return nil
}
