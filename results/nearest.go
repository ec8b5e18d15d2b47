package results

import (
	"errors"
	"fmt"
	"math"

	"github.com/genbench/genbench/internal/jsonnum"
)

// NearestSpacePixels is the space NearestTrain distances are measured in:
// Euclidean distance between pixel intensities in [0, 1].
const NearestSpacePixels = "pixels"

// NearestTrain is the memorisation check of an image model's stored
// samples: each sample's nearest training image, and for comparison how
// far real test images are from their nearest training image.
//
// The distance is Euclidean in pixel space (intensities in [0, 1]), not
// in a classifier's feature space: a memorised training image is then at
// distance about 0 whatever the classifier learned, and the images shown
// side by side are the ones the distance is about. Two images of the same
// class drawn differently are far apart in pixels, so a small distance
// means a near copy, not a well-drawn example of the class. The training
// images are those the trial trained on, as its data form gives them
// (for binarized data one binarization, so distances include its noise;
// the test images, binarized the same way, carry the same noise, which
// keeps TestMedian the fair comparison).
type NearestTrain struct {
	// Space is NearestSpacePixels.
	Space string
	// TrainRows is the number of training images searched (the training
	// split as the trial saw it, in pixel intensities).
	TrainRows int
	// Distances[i] is the distance of sample i (Artifacts.Samples[i]) to
	// its nearest training image; NaN when the sample has a non-finite
	// value.
	Distances []float64
	// Index[i] is the training row of sample i's nearest image, −1 when
	// Distances[i] is NaN. Ties go to the lower row.
	Index []int
	// Labels[i], when the training split is labelled, is the class of
	// that training image (an index into Artifacts.ClassNames when those
	// are given), −1 when Index[i] is −1.
	Labels []int
	// Images[i] is the nearest training image of sample i, for the first
	// len(Images) samples only (the report shows them beside the sample).
	Images [][]float64
	// TestRows real test images were searched the same way; TestMedian is
	// the median of their distances, the distance a model that generalises
	// like held-out data would show.
	TestRows   int
	TestMedian float64
}

// validate checks n against the artifact's samples (count and row size).
func (n *NearestTrain) validate(samples [][]float64, size int, classes int) error {
	if n.Space != NearestSpacePixels {
		return fmt.Errorf("space %q, want %q", n.Space, NearestSpacePixels)
	}
	if n.TrainRows <= 0 {
		return fmt.Errorf("train_rows %d, want > 0", n.TrainRows)
	}
	if len(n.Distances) != len(samples) || len(n.Index) != len(samples) {
		return fmt.Errorf("%d distances and %d indices for %d samples", len(n.Distances), len(n.Index), len(samples))
	}
	if n.Labels != nil && len(n.Labels) != len(samples) {
		return fmt.Errorf("%d labels for %d samples", len(n.Labels), len(samples))
	}
	for i, d := range n.Distances {
		if err := n.checkNeighbour(i, d, classes); err != nil {
			return err
		}
	}
	if len(n.Images) == 0 || len(n.Images) > len(samples) {
		return fmt.Errorf("%d images, want 1..%d (one per sample shown)", len(n.Images), len(samples))
	}
	for i, img := range n.Images {
		if len(img) != size {
			return fmt.Errorf("image %d has %d values, samples have %d", i, len(img), size)
		}
		if n.Index[i] < 0 {
			return fmt.Errorf("image %d stored for a sample without a neighbour", i)
		}
		for _, v := range img {
			if !(v >= 0 && v <= 1) {
				return fmt.Errorf("image %d has intensity %v outside [0, 1]", i, v)
			}
		}
	}
	if n.TestRows <= 0 {
		return fmt.Errorf("test_rows %d, want > 0", n.TestRows)
	}
	if !(n.TestMedian >= 0) || math.IsInf(n.TestMedian, 0) {
		return fmt.Errorf("test_median %v must be finite and ≥ 0", n.TestMedian)
	}
	return nil
}

// checkNeighbour checks sample i's distance, training row and label.
func (n *NearestTrain) checkNeighbour(i int, d float64, classes int) error {
	idx := n.Index[i]
	if math.IsNaN(d) {
		if idx != -1 || (n.Labels != nil && n.Labels[i] != -1) {
			return fmt.Errorf("sample %d has no distance but training row %d", i, idx)
		}
		return nil
	}
	if !(d >= 0) || math.IsInf(d, 0) {
		return fmt.Errorf("distance %d is %v, want finite and ≥ 0 (or null)", i, d)
	}
	if idx < 0 || idx >= n.TrainRows {
		return fmt.Errorf("sample %d: training row %d outside [0, %d)", i, idx, n.TrainRows)
	}
	if n.Labels == nil {
		return nil
	}
	if l := n.Labels[i]; l < 0 || (classes > 0 && l >= classes) {
		return fmt.Errorf("sample %d: label %d outside the %d class names", i, l, classes)
	}
	return nil
}

// validateClasses checks class names: none empty, none repeated.
func validateClasses(names []string) error {
	seen := map[string]bool{}
	for i, s := range names {
		if s == "" {
			return fmt.Errorf("class name %d is empty", i)
		}
		if seen[s] {
			return fmt.Errorf("class name %q repeated", s)
		}
		seen[s] = true
	}
	return nil
}

// nearestWire is NearestTrain on disk: NaN distances as null.
type nearestWire struct {
	Space      string          `json:"space"`
	TrainRows  int             `json:"train_rows"`
	Distances  []jsonnum.Float `json:"distances"`
	Index      []int           `json:"index"`
	Labels     []int           `json:"labels,omitempty"`
	Images     [][]float64     `json:"images"`
	TestRows   int             `json:"test_rows"`
	TestMedian float64         `json:"test_median"`
}

func (n *NearestTrain) wire() *nearestWire {
	if n == nil {
		return nil
	}
	d := make([]jsonnum.Float, len(n.Distances))
	for i, v := range n.Distances {
		d[i] = jsonnum.Float(v)
	}
	return &nearestWire{Space: n.Space, TrainRows: n.TrainRows, Distances: d, Index: n.Index, Labels: n.Labels,
		Images: n.Images, TestRows: n.TestRows, TestMedian: n.TestMedian}
}

func (w *nearestWire) nearest() *NearestTrain {
	if w == nil {
		return nil
	}
	d := make([]float64, len(w.Distances))
	for i, v := range w.Distances {
		d[i] = float64(v)
	}
	return &NearestTrain{Space: w.Space, TrainRows: w.TrainRows, Distances: d, Index: w.Index, Labels: w.Labels,
		Images: w.Images, TestRows: w.TestRows, TestMedian: w.TestMedian}
}

var errNearestShape = errors.New("nearest_train needs image samples (shape [C, H, W])")
