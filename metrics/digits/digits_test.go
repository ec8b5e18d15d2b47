package digits

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/datasets"
)

// TestClassifier trains (or loads) the classifier and checks the accuracy
// docs/protocols.md (Class coverage) requires, on the held-out test images.
func TestClassifier(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a classifier on MNIST")
	}
	c, err := Get(nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := datasets.Build("mnist", map[string]any{"preprocess": []string{}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	labels, feats := c.Classify(d.Test)
	correct := 0
	for i, l := range labels {
		if l == d.TestLabels[i] {
			correct++
		}
	}
	acc := float64(correct) / float64(len(labels))
	if acc < 0.98 {
		t.Errorf("test accuracy %.4f < 0.98", acc)
	}
	if r, cc := feats.Dims(); r != len(labels) || cc != 512 {
		t.Errorf("features %d×%d", r, cc)
	}
	t.Logf("test accuracy %.4f (cached value %.4f), network hash %s", acc, c.Accuracy, c.Hash())
}

// The MNIST digit classifier keeps its cache file and version tag, so
// existing caches (and the class-coverage numbers computed with them) stay
// valid; other recipes are keyed by their network hash.
func TestMNISTCacheKeyUnchanged(t *testing.T) {
	t.Setenv("GENBENCH_CACHE", "/cache")
	c := newClassifier(MNIST(), 784, 10, "datahash")
	if got := c.Architecture(); got != "mlp-784-512-512-10" {
		t.Errorf("architecture %q", got)
	}
	if c.cacheTag() != "mlp-784-512-512-10-v2" || c.cachePath() != "/cache/digits-mlp-784-512-512-10-v2.gob" || CachePath() != c.cachePath() {
		t.Errorf("MNIST cache tag %q, path %q", c.cacheTag(), c.cachePath())
	}
	other := MNIST()
	other.Params = map[string]any{"n_train": 1000}
	o := newClassifier(other, 784, 10, "otherhash")
	if o.cacheTag() != o.Hash() || o.cachePath() != "/cache/classifier-mnist-"+o.Hash()+".gob" {
		t.Errorf("recipe cache tag %q, path %q", o.cacheTag(), o.cachePath())
	}
}

// Hash changes with the training data, the architecture and the recipe,
// and with nothing else.
func TestHashIdentifiesTheNetwork(t *testing.T) {
	base := newClassifier(MNIST(), 784, 10, "data-a")
	wider := MNIST()
	wider.Hidden = []int{512, 256}
	longer := MNIST()
	longer.Epochs = 11
	tests := []struct {
		name string
		c    *Classifier
		same bool
	}{
		{"same recipe and data", newClassifier(MNIST(), 784, 10, "data-a"), true},
		{"other data", newClassifier(MNIST(), 784, 10, "data-b"), false},
		{"other architecture", newClassifier(wider, 784, 10, "data-a"), false},
		{"other epochs", newClassifier(longer, 784, 10, "data-a"), false},
	}
	for _, tc := range tests {
		if (tc.c.Hash() == base.Hash()) != tc.same {
			t.Errorf("%s: hash %s vs %s, want same = %v", tc.name, tc.c.Hash(), base.Hash(), tc.same)
		}
	}
	if len(base.Hash()) != 16 {
		t.Errorf("hash %q: want 16 hex digits", base.Hash())
	}
}

func TestDamagedCacheIsRejected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.gob")
	c := newClassifier(MNIST(), 784, 10, "h")
	if err := c.save(path); err != nil {
		t.Fatal(err)
	}
	if err := newClassifier(MNIST(), 784, 10, "h").loadInto(path); err != nil {
		t.Fatalf("fresh cache: %v", err)
	}
	other := MNIST()
	other.Seed++
	if err := newClassifier(other, 784, 10, "h").loadInto(path); err == nil {
		t.Error("a cache file of another recipe was accepted")
	}
	raw, _ := os.ReadFile(path)
	raw[len(raw)-40] ^= 0xff
	os.WriteFile(path, raw, 0o644)
	if err := newClassifier(MNIST(), 784, 10, "h").loadInto(path); err == nil {
		t.Error("a damaged cache file was accepted")
	}
	os.WriteFile(path, raw[:len(raw)/2], 0o644)
	if err := newClassifier(MNIST(), 784, 10, "h").loadInto(path); err == nil {
		t.Error("a truncated cache file was accepted")
	}
}

// smallRecipe is a classifier that trains in seconds, for tests: 4000
// training images, one hidden layer of 128 units, 4 epochs.
func smallRecipe(dataset string) Recipe {
	return Recipe{Dataset: dataset, Params: map[string]any{"n_train": 4000, "n_valid": 100},
		Hidden: []int{128}, Epochs: 4, BatchSize: 64, LR: 2e-3, Seed: 7}
}

// A recipe trains a classifier for each labelled image data set, caches it
// under its hash, and loads the same weights back.
func TestRecipeTrainsAndCaches(t *testing.T) {
	tests := []struct {
		dataset string
		minAcc  float64
	}{{"mnist", 0.9}, {"fashion_mnist", 0.75}}
	for _, tc := range tests {
		t.Run(tc.dataset, func(t *testing.T) {
			t.Setenv("GENBENCH_CACHE", t.TempDir())
			r := smallRecipe(tc.dataset)
			c, err := GetRecipe(r, nil)
			if errors.Is(err, os.ErrNotExist) {
				t.Skipf("data absent: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Accuracy < tc.minAcc || c.Classes() != 10 || c.Dataset() != tc.dataset {
				t.Errorf("accuracy %.4f (want ≥ %.2f), %d classes, data set %s", c.Accuracy, tc.minAcc, c.Classes(), c.Dataset())
			}
			if _, err := os.Stat(c.cachePath()); err != nil {
				t.Fatalf("not cached: %v", err)
			}
			d, _, err := trainingData(r)
			if err != nil {
				t.Fatal(err)
			}
			loaded := newClassifier(r, d.Dim, 10, hashData(d))
			if err := loaded.loadInto(c.cachePath()); err != nil {
				t.Fatal(err)
			}
			x := d.Test.Slice(0, 50, 0, d.Dim).(*mat.Dense)
			f := c.Features(x)
			if !mat.Equal(f, loaded.Features(x)) || loaded.Hash() != c.Hash() {
				t.Error("the cached classifier differs from the trained one")
			}
			if r, cols := f.Dims(); r != 50 || cols != 128 {
				t.Errorf("features %d×%d, want 50×128", r, cols)
			}
			t.Logf("%s: accuracy %.4f, hash %s", tc.dataset, c.Accuracy, c.Hash())
		})
	}
}
