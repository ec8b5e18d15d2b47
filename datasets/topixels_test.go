package datasets

import (
	"math"
	"testing"
)

// TestToPixelsInvertsPreprocessing maps model-space test rows back to
// intensities and compares them with the undistorted pixel/255 values.
func TestToPixelsInvertsPreprocessing(t *testing.T) {
	ref, err := Build("mnist", map[string]any{"preprocess": []string{}, "n_train": 100, "n_valid": 10, "n_test": 50}, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		pre  []string
		tol  float64
	}{
		{"scaled", []string{}, 1e-12},
		{"dequantize", []string{"dequantize"}, 1.0 / 255},
		{"logit", []string{"dequantize", "logit"}, 1.0 / 255},
	} {
		d, err := Build("mnist", map[string]any{"preprocess": c.pre, "n_train": 100, "n_valid": 10, "n_test": 50}, 7)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]float64, d.Dim)
		for i := 0; i < 50; i++ {
			d.ToPixels(d.Test.RawRowView(i), out)
			for j, v := range out {
				want := ref.Test.At(i, j)
				if math.Abs(v-want) > c.tol+1e-9 || v < 0 || v > 1 {
					t.Fatalf("%s: row %d pixel %d: %v, want %v ± %v", c.name, i, j, v, want, c.tol)
				}
			}
		}
	}
}
