package experiments

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/results"
)

// bruteNearest is the nearest row of ref to x by direct distances, lower
// index on ties.
func bruteNearest(x []float64, ref *mat.Dense) (int, float64) {
	r, _ := ref.Dims()
	best, at := math.Inf(1), -1
	for j := range r {
		if d := floats.Distance(x, ref.RawRowView(j), 2); d < best {
			best, at = d, j
		}
	}
	return at, best
}

func TestNearestRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const refRows, cols = nearestBlock + 37, 5 // two blocks, the second short
	ref := mat.NewDense(refRows, cols, nil)
	for i := range refRows {
		for j := range cols {
			ref.Set(i, j, math.Round(4*rng.Float64())/4) // coarse values make ties
		}
	}
	q := mat.NewDense(6, cols, nil)
	copy(q.RawRowView(0), ref.RawRowView(nearestBlock+20)) // an exact copy in the second block
	for i := 1; i < 5; i++ {
		for j := range cols {
			q.Set(i, j, rng.Float64())
		}
	}
	q.Set(5, 2, math.NaN())
	block := func(lo, hi int) *mat.Dense { return ref.Slice(lo, hi, 0, cols).(*mat.Dense) }
	idx, dist := nearestRows(q, refRows, block)
	for i := range 5 {
		wantIdx, wantDist := bruteNearest(q.RawRowView(i), ref)
		gotRow := ref.RawRowView(idx[i])
		if math.Abs(dist[i]-wantDist) > 1e-12 || math.Abs(floats.Distance(q.RawRowView(i), gotRow, 2)-wantDist) > 1e-12 {
			t.Errorf("row %d: nearest %d at %v, brute force %d at %v", i, idx[i], dist[i], wantIdx, wantDist)
		}
	}
	if dist[0] != 0 {
		t.Errorf("an exact copy is at distance %v, want 0", dist[0])
	}
	if first, _ := bruteNearest(q.RawRowView(0), ref); idx[0] != first {
		t.Errorf("tie broken towards row %d, want the lowest %d", idx[0], first)
	}
	if idx[5] != -1 || !math.IsNaN(dist[5]) {
		t.Errorf("non-finite row: %d, %v; want -1, NaN", idx[5], dist[5])
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, math.NaN(), 3, 2}, 2.5},
		{[]float64{7}, 7},
	}
	for _, tc := range tests {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if !math.IsNaN(median([]float64{math.NaN()})) {
		t.Error("median of no finite value is not NaN")
	}
}

// TestNearestTrainFindsCopies stores training images as samples: each
// must find its own training row (its label with it) at a distance far
// below the test images' median, and the artifact must validate.
func TestNearestTrainFindsCopies(t *testing.T) {
	d, err := datasets.Build("mnist", map[string]any{"n_train": 600, "n_valid": 50, "n_test": 80}, 3)
	if err != nil {
		t.Fatal(err)
	}
	rows := []int{5, 77, 301, 599, 0, 42, 150, 420, 9, 10}
	samples := mat.NewDense(len(rows), d.Dim, nil)
	for i, r := range rows {
		copy(samples.RawRowView(i), d.Train.RawRowView(r))
	}
	pix := pixelRows(d, samples)
	pix.Set(9, 0, math.NaN())
	n, err := nearestTrain(d, pix)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows[:9] {
		if n.Index[i] != r || n.Distances[i] > 1e-9 || n.Labels[i] != d.TrainLabels[r] {
			t.Errorf("copy of training row %d: nearest %d at %v, label %d (want %d)", r, n.Index[i], n.Distances[i], n.Labels[i], d.TrainLabels[r])
		}
	}
	if n.Index[9] != -1 || n.Labels[9] != -1 || !math.IsNaN(n.Distances[9]) {
		t.Errorf("non-finite sample: %d, %d, %v", n.Index[9], n.Labels[9], n.Distances[9])
	}
	if len(n.Images) != nearestShown || n.TestRows != 80 || n.TrainRows != 600 {
		t.Errorf("%d images, %d test rows, %d train rows; want %d, 80, 600", len(n.Images), n.TestRows, n.TrainRows, nearestShown)
	}
	if !(n.TestMedian > 3) {
		t.Errorf("test images' median distance to 600 training images is %v, want well above 0", n.TestMedian)
	}
	again, err := nearestTrain(d, pix)
	if err != nil || !reflect.DeepEqual(nanFree(again.Distances), nanFree(n.Distances)) || !reflect.DeepEqual(again.Index, n.Index) || again.TestMedian != n.TestMedian {
		t.Errorf("a second search gives other results (%v)", err)
	}
	a := results.Artifacts{Shape: d.Shape, Samples: results.SamplesFrom(pix), ClassNames: d.ClassNames, NearestTrain: n}
	if err := results.WriteArtifacts(t.TempDir(), "copies", a); err != nil {
		t.Errorf("the artifact does not validate: %v", err)
	}
}

// nanFree replaces NaN by −1 so that results compare with DeepEqual.
func nanFree(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x
		if math.IsNaN(x) {
			out[i] = -1
		}
	}
	return out
}

// TestNearestRowsOnImages checks the float32 ranking against float64
// brute force on real test images, which have no copy in the training
// set: the distance found must be the smallest.
func TestNearestRowsOnImages(t *testing.T) {
	d, err := datasets.Build("mnist", map[string]any{"n_train": 3000, "n_valid": 50, "n_test": 40}, 5)
	if err != nil {
		t.Fatal(err)
	}
	train, test := pixelRows(d, d.Train), pixelRows(d, d.Test)
	rows, cols := train.Dims()
	idx, dist := nearestRows(test, rows, func(lo, hi int) *mat.Dense { return train.Slice(lo, hi, 0, cols).(*mat.Dense) })
	for i := range 40 {
		_, want := bruteNearest(test.RawRowView(i), train)
		if math.Abs(dist[i]-want) > 1e-9*want || floats.Distance(test.RawRowView(i), train.RawRowView(idx[i]), 2) != dist[i] {
			t.Errorf("test image %d: nearest at %v (row %d), brute force %v", i, dist[i], idx[i], want)
		}
	}
}
