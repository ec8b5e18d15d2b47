package digits

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/genbench/genbench/datasets"
)

// TestClassifier trains (or loads) the classifier and checks the accuracy
// class coverage requires (docs/protocols.md, "Class coverage"), on the
// held-out test images.
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
	if r, cc := feats.Dims(); r != len(labels) || cc != hidden {
		t.Errorf("features %d×%d", r, cc)
	}
	t.Logf("test accuracy %.4f (cached value %.4f)", acc, c.Accuracy)
}

func TestDamagedCacheIsRejected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.gob")
	c := newClassifier()
	if err := c.save(path); err != nil {
		t.Fatal(err)
	}
	if _, err := load(path); err != nil {
		t.Fatalf("fresh cache: %v", err)
	}
	raw, _ := os.ReadFile(path)
	raw[len(raw)-40] ^= 0xff
	os.WriteFile(path, raw, 0o644)
	if _, err := load(path); err == nil {
		t.Error("a damaged cache file was accepted")
	}
	os.WriteFile(path, raw[:len(raw)/2], 0o644)
	if _, err := load(path); err == nil {
		t.Error("a truncated cache file was accepted")
	}
}
