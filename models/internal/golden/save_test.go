package golden

import (
	"bytes"
	"testing"

	"github.com/genbench/genbench/models"
)

// TestSavedBytesDeterministic: every registered type's saved file is a
// function of its spec, seed and training alone. A model trained three
// steps is saved six times (a GAN's extras, written as a map in Go's
// random iteration order, made the files differ), and a second model
// built with the same seed and trained on the same data once: all the
// files must be the same bytes. Each registered type needs a case (the first golden or
// core case of that type), so a new type cannot be left out.
func TestSavedBytesDeterministic(t *testing.T) {
	byType := map[string]goldenCase{}
	for _, c := range append(append([]goldenCase(nil), cases...), coreCases...) {
		if _, ok := byType[c.typ]; !ok {
			byType[c.typ] = c
		}
	}
	for _, name := range models.Names() {
		c, ok := byType[name]
		if !ok {
			t.Errorf("type %s has no case in cases or coreCases", name)
			continue
		}
		for _, dtype := range []string{"float32", "float64"} {
			t.Run(name+"/"+dtype, func(t *testing.T) {
				a, b := trained(t, c, dtype), trained(t, c, dtype)
				first := saved(t, a)
				for i := 2; i <= 6; i++ {
					if !bytes.Equal(saved(t, a), first) {
						t.Fatalf("the same model saved %d times gave different bytes", i)
					}
				}
				if !bytes.Equal(saved(t, b), first) {
					t.Error("two models trained from the same seed saved different bytes")
				}
			})
		}
	}
}

// trained returns the case's model after three training steps on its
// fixed data.
func trained(t *testing.T, c goldenCase, dtype string) models.Model {
	t.Helper()
	m, err := models.New(c.typ, c.user, models.Config{Dim: c.dim, Binary: c.binary, Shape: c.shape,
		Dtype: dtype, LR: 1e-2, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	x := data(16, c.dim, c.binary)
	for range 3 {
		if _, err := m.TrainStep(x); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func saved(t *testing.T, m models.Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
