package datasets

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"
)

// buildFashion builds fashion_mnist, skipping the test when the package's
// files are absent (CI installs them).
func buildFashion(t *testing.T, user map[string]any) *Data {
	t.Helper()
	if _, err := readFashionMNIST(fashionDir()); errors.Is(err, os.ErrNotExist) {
		t.Skipf("Fashion-MNIST files absent: %v", err)
	}
	d, err := Build("fashion_mnist", user, 1)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestFashionMNISTMissingFilesNameTheInstallCommand(t *testing.T) {
	_, err := readFashionMNIST(t.TempDir())
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), FashionMNISTInstall) {
		t.Errorf("error %v: want os.ErrNotExist naming %q", err, FashionMNISTInstall)
	}
}

// The splits, labels and pixels of the Debian files, checked against
// values read from them independently (Python's gzip): the first labels
// of each file, the label counts of the test file (1000 per class) and of
// the first 50000 training images, and the intensity sum of the first
// training image.
func TestFashionMNISTPixel(t *testing.T) {
	d := buildFashion(t, map[string]any{"preprocess": []string{}})
	if d.Name != "fashion_mnist" || d.Dim != 784 || len(d.ClassNames) != 10 || d.ClassNames[0] != "T-shirt/top" || d.ClassNames[9] != "Ankle boot" {
		t.Fatalf("data set %s, dim %d, classes %q", d.Name, d.Dim, d.ClassNames)
	}
	for _, s := range []struct {
		name   string
		labels []int
		first  []int
		counts map[int]int
	}{
		{"train", d.TrainLabels, []int{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, map[int]int{0: 4977, 4: 4950, 9: 4979}},
		{"test", d.TestLabels, []int{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, map[int]int{0: 1000, 4: 1000, 9: 1000}},
	} {
		for i, want := range s.first {
			if s.labels[i] != want {
				t.Errorf("%s label %d = %d, want %d", s.name, i, s.labels[i], want)
			}
		}
		counts := map[int]int{}
		for _, l := range s.labels {
			counts[l]++
		}
		for c, want := range s.counts {
			if counts[c] != want {
				t.Errorf("%s: %d images of class %d, want %d", s.name, counts[c], c, want)
			}
		}
	}
	if r, _ := d.Valid.Dims(); r != 10000 {
		t.Errorf("valid rows %d", r)
	}
	sum := 0.0
	for _, v := range d.Train.RawRowView(0) {
		sum += v * 255
	}
	if math.Abs(sum-76247) > 1e-6 {
		t.Errorf("first training image sums to %v/255, want 76247", sum)
	}
}

// The preprocessing options are mnist's: logit space with a unit
// log-determinant, and binary data.
func TestFashionMNISTPreprocess(t *testing.T) {
	small := map[string]any{"n_train": 300, "n_valid": 100, "n_test": 100}
	logit := buildFashion(t, small)
	if logit.UnitLogDet == nil || logit.Levels != 256 || logit.Epoch == nil || logit.Kind != Continuous {
		t.Errorf("logit: levels %d, unit log-det set %v", logit.Levels, logit.UnitLogDet != nil)
	}
	small["preprocess"] = []string{"binarize"}
	bin := buildFashion(t, small)
	if bin.Kind != Binary {
		t.Errorf("binarize: kind %s", bin.Kind)
	}
	for _, v := range bin.Test.RawMatrix().Data {
		if v != 0 && v != 1 {
			t.Fatalf("binarized value %v", v)
		}
	}
	if r, _ := bin.Train.Dims(); r != 300 {
		t.Errorf("train rows %d, want 300", r)
	}
}
