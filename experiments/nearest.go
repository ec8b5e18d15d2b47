package experiments

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/nn"
	"github.com/genbench/genbench/results"
)

// nearestShown is how many samples the artifact stores with their nearest
// training image (the report shows them side by side).
const nearestShown = 8

// nearestTestRows is how many real test images measure the reference
// distance: the median over 500 is stable to a few per cent, and costs
// 500 × 50,000 distances (a few seconds on one core) per trial.
const nearestTestRows = 500

// nearestBlock is how many training rows are compared at once: a block of
// 2048 MNIST images in pixels is 13 MB.
const nearestBlock = 2048

// nearestTrain is the memorisation check of image samples given as pixel
// intensities: each sample's nearest training image by Euclidean distance
// in pixel space, the images of the first nearestShown, and the median
// distance of the first nearestTestRows test images to the training set.
// Pixel space rather than the classifier's feature space: a copy of a
// training image is then at distance ≈ 0 (up to dequantization noise)
// whatever a classifier makes of it, and the distance is about the images
// the report shows.
func nearestTrain(d *datasets.Data, pixels *mat.Dense) (*results.NearestTrain, error) {
	trainRows, cols := d.Train.Dims()
	if trainRows == 0 {
		return nil, fmt.Errorf("nearest training images: no training rows")
	}
	trainBlock := func(lo, hi int) *mat.Dense {
		return pixelRows(d, d.Train.Slice(lo, hi, 0, cols).(*mat.Dense))
	}
	// One pass over the training set for samples and test images together:
	// converting it to pixels costs as much as the products.
	nSamples, _ := pixels.Dims()
	test := pixelRows(d, firstRows(d.Test, nearestTestRows))
	var both mat.Dense
	both.Stack(pixels, test)
	allIdx, allDist := nearestRows(&both, trainRows, trainBlock)
	idx, dist := allIdx[:nSamples], allDist[:nSamples]
	n := &results.NearestTrain{Space: results.NearestSpacePixels, TrainRows: trainRows, Distances: dist, Index: idx}
	if d.TrainLabels != nil {
		if len(d.TrainLabels) != trainRows {
			return nil, fmt.Errorf("nearest training images: %d training labels for %d rows", len(d.TrainLabels), trainRows)
		}
		n.Labels = make([]int, len(idx))
		for i, j := range idx {
			n.Labels[i] = -1
			if j >= 0 {
				n.Labels[i] = d.TrainLabels[j]
			}
		}
	}
	for i := 0; i < min(nearestShown, len(idx)) && idx[i] >= 0; i++ {
		n.Images = append(n.Images, trainBlock(idx[i], idx[i]+1).RawRowView(0))
	}
	if len(n.Images) == 0 {
		return nil, fmt.Errorf("nearest training images: the first sample is not finite")
	}
	testDist := allDist[nSamples:]
	n.TestRows = len(testDist)
	n.TestMedian = median(testDist)
	if math.IsNaN(n.TestMedian) {
		return nil, fmt.Errorf("nearest training images: no finite test image")
	}
	return n, nil
}

// nearestRows returns, for each row of q, the index of its nearest row
// among the refRows rows that block(lo, hi) returns in blocks, and the
// Euclidean distance to it; −1 and NaN for a row with a non-finite
// value. Ties go to the lower index. Candidates are ranked by
// |q|² + |r|² − 2 q·r, the products in float32 (nn's matrix product, an
// order of magnitude faster than float64 here; its rounding, about 1e-5
// of |q|², can only reorder neighbours at almost equal distances); the
// distance to the winner is then recomputed directly in float64, so that
// a near copy reads as a distance near 0 rather than as a rounding error.
func nearestRows(q *mat.Dense, refRows int, block func(lo, hi int) *mat.Dense) ([]int, []float64) {
	rows, cols := q.Dims()
	qt := nn.NewMat[float32](cols, rows) // qᵀ, non-finite rows left zero
	qn := make([]float64, rows)
	ok := make([]bool, rows)
	for i := range rows {
		row := q.RawRowView(i)
		if ok[i] = allFinite(row); ok[i] {
			qn[i] = floats.Dot(row, row)
			for j, v := range row {
				qt.Set(j, i, float32(v))
			}
		}
	}
	best := make([]float64, rows)
	idx := make([]int, rows)
	for i := range best {
		best[i], idx[i] = math.Inf(1), -1
	}
	for lo := 0; lo < refRows; lo += nearestBlock {
		hi := min(lo+nearestBlock, refRows)
		b := block(lo, hi)
		g := nn.NewMat[float32](hi-lo, rows)
		nn.MatMulInto(g, nn.FromDense[float32](b), qt)
		for j := range hi - lo {
			rj := b.RawRowView(j)
			rn := floats.Dot(rj, rj)
			for i, gij := range g.Row(j) {
				if d2 := qn[i] + rn - 2*float64(gij); ok[i] && d2 < best[i] {
					best[i], idx[i] = d2, lo+j
				}
			}
		}
	}
	dist := make([]float64, rows)
	for i := range rows {
		dist[i] = math.NaN()
		if idx[i] >= 0 {
			dist[i] = floats.Distance(q.RawRowView(i), block(idx[i], idx[i]+1).RawRowView(0), 2)
		}
	}
	return idx, dist
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// median is the median of the non-NaN values of v; NaN when there are none.
func median(v []float64) float64 {
	var s []float64
	for _, x := range v {
		if !math.IsNaN(x) {
			s = append(s, x)
		}
	}
	if len(s) == 0 {
		return math.NaN()
	}
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}
