package results

import (
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
)

// validImages is an artifact of three 1×2×2 samples, the third
// non-finite, with class names and the nearest training images of the
// first two.
func validImages() Artifacts {
	return Artifacts{
		Shape:      []int{1, 2, 2},
		Samples:    [][]float64{{0, 0.5, 1, 0}, {1, 1, 0, 0}, {math.NaN(), 0, 0, 0}},
		SampleSeed: 12345,
		ClassNames: []string{"T-shirt/top", "Trouser", "Pullover"},
		NearestTrain: &NearestTrain{
			Space: NearestSpacePixels, TrainRows: 10,
			Distances: []float64{0.25, 0, math.NaN()},
			Index:     []int{3, 7, -1},
			Labels:    []int{2, 0, -1},
			Images:    [][]float64{{0, 0.5, 0.75, 0}, {1, 1, 0, 0}},
			TestRows:  5, TestMedian: 1.5,
		},
	}
}

func TestNearestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := validImages()
	if err := WriteArtifacts(dir, "img", want); err != nil {
		t.Fatalf("Write: %v", err)
	}
	raw, err := os.ReadFile(ArtifactPath(dir, "img"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"distances":[0.25,0,null]`, `"sample_seed":12345`, `"class_names":["T-shirt/top"`, `"space":"pixels"`} {
		if !strings.Contains(string(raw), s) {
			t.Errorf("artifact lacks %s: %s", s, raw)
		}
	}
	got, err := ReadArtifacts(dir, "img")
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	n, w := got.NearestTrain, want.NearestTrain
	if !math.IsNaN(n.Distances[2]) || n.Distances[0] != 0.25 || n.Distances[1] != 0 {
		t.Errorf("distances %v, want [0.25 0 NaN]", n.Distances)
	}
	n.Distances, w.Distances = nil, nil
	got.Samples, want.Samples = nil, nil // NaN ≠ NaN; checked by TestWriteReadRoundTrip
	want.Format, want.Trial = ArtifactFormat, "img"
	if !reflect.DeepEqual(*got, want) || !reflect.DeepEqual(*n, *w) {
		t.Errorf("round trip:\n got %+v %+v\nwant %+v %+v", *got, *n, want, *w)
	}
}

// TestOldArtifactReads checks that an artifact written before
// sample_seed, class_names and nearest_train reads with them unset.
func TestOldArtifactReads(t *testing.T) {
	dir := t.TempDir()
	old := `{"format":1,"trial":"old","shape":[1,2,2],"samples":[[0,0.5,1,0]]}`
	if err := os.MkdirAll(dir+"/samples", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ArtifactPath(dir, "old"), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := ReadArtifacts(dir, "old")
	if err != nil {
		t.Fatalf("an artifact without the new fields: %v", err)
	}
	if a.NearestTrain != nil || a.ClassNames != nil || a.SampleSeed != 0 {
		t.Errorf("old artifact read with new fields set: %+v", a)
	}
}

func TestValidateNearest(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(a *Artifacts, n *NearestTrain)
		want   string
	}{
		{"ok", func(a *Artifacts, n *NearestTrain) {}, ""},
		{"no labels", func(a *Artifacts, n *NearestTrain) { n.Labels, a.ClassNames = nil, nil }, ""},
		{"labels without names", func(a *Artifacts, n *NearestTrain) { a.ClassNames = nil; n.Labels[0] = 500 }, ""},
		{"vectors", func(a *Artifacts, n *NearestTrain) {
			a.Shape = []int{4}
		}, "needs image samples"},
		{"space", func(a *Artifacts, n *NearestTrain) { n.Space = "features" }, "space"},
		{"train rows", func(a *Artifacts, n *NearestTrain) { n.TrainRows = 0 }, "train_rows"},
		{"too few distances", func(a *Artifacts, n *NearestTrain) { n.Distances = n.Distances[:2] }, "2 distances"},
		{"too few indices", func(a *Artifacts, n *NearestTrain) { n.Index = n.Index[:1] }, "1 indices"},
		{"labels count", func(a *Artifacts, n *NearestTrain) { n.Labels = n.Labels[:1] }, "1 labels"},
		{"negative distance", func(a *Artifacts, n *NearestTrain) { n.Distances[0] = -1 }, "distance 0"},
		{"infinite distance", func(a *Artifacts, n *NearestTrain) { n.Distances[1] = math.Inf(1) }, "distance 1"},
		{"row out of range", func(a *Artifacts, n *NearestTrain) { n.Index[1] = 10 }, "outside [0, 10)"},
		{"row without distance", func(a *Artifacts, n *NearestTrain) { n.Index[2] = 4 }, "no distance but training row 4"},
		{"label out of range", func(a *Artifacts, n *NearestTrain) { n.Labels[0] = 3 }, "label 3 outside the 3 class names"},
		{"no images", func(a *Artifacts, n *NearestTrain) { n.Images = nil }, "0 images"},
		{"image size", func(a *Artifacts, n *NearestTrain) { n.Images[1] = []float64{0} }, "image 1 has 1 values"},
		{"image intensity", func(a *Artifacts, n *NearestTrain) { n.Images[0][0] = 2 }, "outside [0, 1]"},
		{"image of no neighbour", func(a *Artifacts, n *NearestTrain) {
			n.Images = append(n.Images, []float64{0, 0, 0, 0})
		}, "without a neighbour"},
		{"test rows", func(a *Artifacts, n *NearestTrain) { n.TestRows = 0 }, "test_rows"},
		{"test median", func(a *Artifacts, n *NearestTrain) { n.TestMedian = math.NaN() }, "test_median"},
		{"empty class name", func(a *Artifacts, n *NearestTrain) { a.ClassNames[1] = "" }, "class name 1 is empty"},
		{"repeated class name", func(a *Artifacts, n *NearestTrain) { a.ClassNames[2] = "Trouser" }, "repeated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := validImages()
			tc.mutate(&a, a.NearestTrain)
			err := WriteArtifacts(t.TempDir(), "t", a)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
