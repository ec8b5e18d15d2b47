package experiments

import (
	"reflect"
	"testing"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/results"
)

const imagesSpec = `name: tiny-images
seeds: [1]
datasets:
  - {name: mnist, n_train: 300, n_valid: 100, n_test: 100}
  - {name: fashion_mnist, n_train: 300, n_valid: 100, n_test: 100}
models:
  - {name: gauss, type: gaussian}
  - {name: nvp, type: realnvp, params: {layers: 2, hidden: 8}}
train: {batch_size: 100, epochs: 1, lr: 1e-3, patience: 2}
eval: {metrics: [nll], samples: 100}
`

// TestImageArtifacts runs every model on MNIST and Fashion-MNIST and
// checks that each image model stores the 64 samples of an 8×8 grid from
// the stream of its trial seed (the same for every model), its data set's
// class names, and its samples' nearest training images.
func TestImageArtifacts(t *testing.T) {
	if _, err := datasets.Build("fashion_mnist", map[string]any{"n_train": 10, "n_valid": 10, "n_test": 10}, 1); err != nil {
		t.Skipf("fashion_mnist not installed: %v", err)
	}
	dir := t.TempDir()
	out := runTiny(t, imagesSpec, dir)
	if len(out.Records) != 4 {
		t.Fatalf("%d records, want 4", len(out.Records))
	}
	names := map[string][]string{}
	for _, n := range []string{"mnist", "fashion_mnist"} {
		d, err := datasets.Build(n, map[string]any{"n_train": 10, "n_valid": 10, "n_test": 10}, 1)
		if err != nil {
			t.Fatal(err)
		}
		names[n] = d.ClassNames
	}
	seeds := map[uint64]bool{}
	for _, rec := range out.Records {
		if rec.Status != results.StatusOK {
			t.Fatalf("%s: %s %s", rec.Trial, rec.Status, rec.Reason)
		}
		a, err := results.ReadArtifacts(dir, rec.Trial)
		if err != nil {
			t.Fatalf("%s: %v", rec.Trial, err)
		}
		seeds[a.SampleSeed] = true
		n := a.NearestTrain
		switch {
		case len(a.Samples) != 64 || !reflect.DeepEqual(a.Shape, []int{1, 28, 28}):
			t.Errorf("%s: %d samples of shape %v, want 64 of [1 28 28]", rec.Trial, len(a.Samples), a.Shape)
		case !reflect.DeepEqual(a.ClassNames, names[rec.Dataset]):
			t.Errorf("%s: class names %v, want %v", rec.Trial, a.ClassNames, names[rec.Dataset])
		case n == nil || n.TrainRows != 300 || n.TestRows != 100 || len(n.Images) != nearestShown || len(n.Labels) != 64:
			t.Errorf("%s: nearest training images %+v", rec.Trial, n)
		}
	}
	if len(seeds) != 1 || seeds[0] {
		t.Errorf("sampling seeds %v, want one non-zero seed shared by every model of trial seed 1", seeds)
	}
}
