package modeltest

import (
	"bytes"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
)

// TrainCheck configures TrainsAndRoundTrips.
type TrainCheck struct {
	Steps   int     // training steps on x after the first
	MinDrop float64 // least decrease of the loss from the first step to the last
	// Score gives per-row numbers (a log-density, a bound) that a saved
	// and reloaded model must reproduce exactly.
	Score func(models.Model, *mat.Dense) ([]float64, error)
	// After is how many further steps the original and the reloaded model
	// must take with identical losses (default 1); more than one crosses
	// state that changes between steps, such as a cycle of masks.
	After int
}

// LogProb scores with models.Density.
func LogProb(m models.Model, x *mat.Dense) ([]float64, error) {
	return m.(models.Density).LogProb(x)
}

// TrainsAndRoundTrips trains a model from build on the batch x and checks
// that the loss falls by c.MinDrop, that a model rebuilt by build and
// loaded from the trained one's Save scores x exactly as it does, and that
// both then train identically: Save keeps everything training depends on.
func TrainsAndRoundTrips(t *testing.T, build func() models.Model, x *mat.Dense, c TrainCheck) {
	t.Helper()
	m := build()
	first, err := m.TrainStep(x)
	if err != nil {
		t.Fatal(err)
	}
	last := first
	for i := 0; i < c.Steps; i++ {
		if last, err = m.TrainStep(x); err != nil {
			t.Fatal(err)
		}
	}
	if !(last < first-c.MinDrop) {
		t.Errorf("loss %v → %v over %d steps, want a decrease of more than %v", first, last, c.Steps, c.MinDrop)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	m2 := build()
	if err := m2.Load(&buf); err != nil {
		t.Fatal(err)
	}
	a, err := c.Score(m, x)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Score(m2, x)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("row %d scores %v after save/load, %v before", i, b[i], a[i])
		}
	}
	for step := 0; step < max(c.After, 1); step++ {
		l1, err1 := m.TrainStep(x)
		l2, err2 := m2.TrainStep(x)
		if err1 != nil || err2 != nil {
			t.Fatalf("step %d after save/load: %v, %v", step, err1, err2)
		}
		if l1 != l2 {
			t.Fatalf("step %d after save/load: loss %v, %v without the round trip", step, l2, l1)
		}
	}
}
