package experiments

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/metrics/digits"
	"github.com/genbench/genbench/models"
)

// smallMNIST is grey-level MNIST (pixel/255) small enough for a test.
func smallMNIST(t *testing.T, nTrain, nReal int) *datasets.Data {
	t.Helper()
	d, err := datasets.Build("mnist", map[string]any{"preprocess": []any{}, "n_train": nTrain, "n_valid": nReal, "n_test": nReal}, 1)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// replay is a model whose samples are rows of a fixed real set, drawn
// without replacement: a perfect model, short of memorising the test split.
type replay struct {
	models.Model
	rows *mat.Dense
}

func (r replay) Sample(n int, rng *rand.Rand) (*mat.Dense, error) {
	total, c := r.rows.Dims()
	if n > total {
		return nil, fmt.Errorf("replay: %d samples from %d rows", n, total)
	}
	out := mat.NewDense(n, c, nil)
	for i, k := range rng.Perm(total)[:n] {
		copy(out.RawRowView(i), r.rows.RawRowView(k))
	}
	return out, nil
}

func (r replay) NumParams() int { return 0 }

func newGAN(t *testing.T, d *datasets.Data, seed uint64) models.Model {
	t.Helper()
	m, err := models.New("gan", map[string]any{"output": "sigmoid"}, models.Config{
		Dim: d.Dim, Shape: d.Shape, Dtype: "float32", LR: 2e-4, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func evalFD(t *testing.T, m models.Model, d *datasets.Data, n int) *Evaluation {
	t.Helper()
	ev := EvalSpec{Metrics: []string{"fd", "kid"}, Samples: n, FDSamples: n}
	e, err := Evaluate(m, d, ev, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestFDAndKIDThroughEvaluate: the registered fd and kid, asked for by a
// spec's metric list, write their values, n, floors and provenance; a
// model replaying unseen real images scores near the floor, an untrained
// GAN far above it.
func TestFDAndKIDThroughEvaluate(t *testing.T) {
	const n = 300
	d := smallMNIST(t, 600, n)
	clf, err := digits.Get(nil)
	if err != nil {
		t.Fatal(err)
	}
	real := evalFD(t, replay{rows: d.Train}, d, n)
	untrained := evalFD(t, newGAN(t, d, 1), d, n)
	for name, e := range map[string]*Evaluation{"replay": real, "untrained gan": untrained} {
		m := e.Metrics
		t.Logf("%s: fd %.4g (floor %.4g), kid %.4g ± %.2g (floor %.4g), n %v", name, m["fd"], m["fd_floor"], m["kid"], m["kid_std"], m["kid_floor"], m["fd_n"])
		if len(e.NonFinite) > 0 {
			t.Errorf("%s: non-finite %v", name, e.NonFinite)
		}
		for _, k := range []string{"fd", "fd_floor", "fd_n", "kid", "kid_std", "kid_n", "kid_floor", "kid_floor_std"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: no %s", name, k)
			}
		}
		if !(m["fd"] >= 0) || !(m["fd_floor"] > 0) || math.IsInf(m["fd_floor"], 0) {
			t.Errorf("%s: fd %v, floor %v: want fd ≥ 0 and a finite positive floor", name, m["fd"], m["fd_floor"])
		}
		if m["fd_n"] != n || m["kid_n"] != n {
			t.Errorf("%s: fd_n %v, kid_n %v, want %d", name, m["fd_n"], m["kid_n"], n)
		}
		for _, k := range []string{"fd", "kid"} {
			if e.Protocol[k+"_features"] != clf.Hash() || e.Protocol[k+"_reference"] != "test" {
				t.Errorf("%s: %s provenance %q / %q, want the digit classifier's hash %s and test", name, k, e.Protocol[k+"_features"], e.Protocol[k+"_reference"], clf.Hash())
			}
			if !strings.Contains(e.Protocol[k], fmt.Sprintf("%d samples", n)) {
				t.Errorf("%s: %s note %q does not state n", name, k, e.Protocol[k])
			}
		}
	}
	if real.Metrics["fd_floor"] != untrained.Metrics["fd_floor"] || real.Metrics["kid_floor"] != untrained.Metrics["kid_floor"] {
		t.Error("two models on one data set got different floors")
	}
	if fd, floor := real.Metrics["fd"], real.Metrics["fd_floor"]; fd > 3*floor {
		t.Errorf("unseen real images: fd %.4g, more than 3 × the floor %.4g", fd, floor)
	}
	if fd, floor := untrained.Metrics["fd"], untrained.Metrics["fd_floor"]; fd < 10*floor {
		t.Errorf("untrained gan: fd %.4g, less than 10 × the floor %.4g", fd, floor)
	}
	if untrained.Metrics["kid"] <= real.Metrics["kid"]+3*untrained.Metrics["kid_std"] {
		t.Errorf("untrained gan: kid %.4g ± %.2g, not above the replay's %.4g", untrained.Metrics["kid"], untrained.Metrics["kid_std"], real.Metrics["kid"])
	}
}

// TestFDSamplesLoweredToTheRealSplits: with fewer test or validation rows
// than fd_samples, n is the smaller split's size, recorded and explained.
func TestFDSamplesLoweredToTheRealSplits(t *testing.T) {
	d := smallMNIST(t, 400, 150)
	ev := EvalSpec{Metrics: []string{"fd"}, Samples: 200, FDSamples: 200}
	e, err := Evaluate(replay{rows: d.Train}, d, ev, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if e.Metrics["fd_n"] != 150 || !strings.Contains(e.Protocol["fd"], "fd_samples 200 lowered to 150") {
		t.Errorf("fd_n %v, note %q: want 150, lowered and said so", e.Metrics["fd_n"], e.Protocol["fd"])
	}
}

// TestClassifierOfTheDataSet: MNIST keeps the digit classifier (its cache
// key, name and hash), stacked MNIST labels each channel with it (1000
// classes, features of the three channels side by side).
func TestClassifierOfTheDataSet(t *testing.T) {
	clf, err := digits.Get(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name             string
		user             map[string]any
		classes, featDim int
	}{
		{"mnist", map[string]any{"preprocess": []any{}, "n_train": 100, "n_valid": 10, "n_test": 20}, 10, 512},
		{"stacked_mnist", map[string]any{"preprocess": []any{}, "n_train": 100, "n_valid": 10, "n_test": 20}, 1000, 3 * 512},
	}
	for _, tt := range tests {
		d, err := datasets.Build(tt.name, tt.user, 1)
		if err != nil {
			t.Fatal(err)
		}
		p := &preparer{data: d, in: &metrics.Input{}}
		if err := p.classifier(); err != nil {
			t.Fatal(err)
		}
		c := p.in.Classifier
		labels, feats := c.Label(pixelRows(d, d.Test))
		_, width := feats.Dims()
		if c.Name != digits.Version || c.Hash != clf.Hash() || c.Classes != tt.classes || width != tt.featDim || len(labels) != 20 {
			t.Errorf("%s: classifier %s hash %s, %d classes, %d features; want %s, %s, %d, %d",
				tt.name, c.Name, c.Hash, c.Classes, width, digits.Version, clf.Hash(), tt.classes, tt.featDim)
		}
	}
}
