package results

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func valid2D() Artifacts {
	return Artifacts{
		Shape:   []int{2},
		Samples: [][]float64{{0, 1}, {math.NaN(), 2}, {math.Inf(1), -1}},
		DensityGrid: &DensityGrid{Kind: "exact", X: []float64{-1, 0, 1}, Y: []float64{-1, 1},
			LogP: [][]float64{{-3, -1, math.Inf(-1)}, {-2, -0.5, -4}}},
		Modes:   [][]float64{{1, 0}, {-1, 0}},
		ModeStd: 0.1,
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if err := WriteArtifacts(dir, "t1", valid2D()); err != nil {
		t.Fatalf("Write: %v", err)
	}
	raw, err := os.ReadFile(ArtifactPath(dir, "t1"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `[null,2]`) || !strings.Contains(string(raw), `"format":1`) {
		t.Errorf("non-finite values or format not written as specified: %s", raw)
	}
	a, err := ReadArtifacts(dir, "t1")
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if a.Trial != "t1" || !math.IsNaN(a.Samples[1][0]) || !math.IsNaN(a.Samples[2][0]) || a.Samples[0][1] != 1 {
		t.Errorf("round trip: %+v", a.Samples)
	}
	if !math.IsNaN(a.DensityGrid.LogP[0][2]) || a.DensityGrid.LogP[1][1] != -0.5 {
		t.Errorf("grid round trip: %v", a.DensityGrid.LogP)
	}
	st, err := os.Stat(ArtifactPath(dir, "t1"))
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, %v", st.Mode(), err)
	}
	if _, err := ReadArtifacts(dir, "absent"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Read of a missing artifact: %v, want os.ErrNotExist", err)
	}
	if err := os.WriteFile(ArtifactPath(dir, "t2"), raw[:len(raw)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadArtifacts(dir, "t2"); err == nil || !strings.Contains(err.Error(), "corrupted") {
		t.Errorf("Read of a truncated artifact: %v", err)
	}
	if _, err := ReadArtifacts(dir, "t1/../t1"); err == nil {
		t.Error("Read accepted a path as trial id")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(a *Artifacts)
		id     string
		want   string
	}{
		{"ok", func(a *Artifacts) {}, "t", ""},
		{"image", func(a *Artifacts) {
			a.Shape, a.DensityGrid, a.Modes = []int{1, 2, 2}, nil, nil
			a.Samples = [][]float64{{0, 0.5, 1, 0}}
		}, "t", ""},
		{"empty shape", func(a *Artifacts) { a.Shape = nil }, "t", "shape is empty"},
		{"bad shape", func(a *Artifacts) { a.Shape = []int{0} }, "t", "non-positive"},
		{"row length", func(a *Artifacts) { a.Samples[1] = []float64{1} }, "t", "sample 1 has 1 values"},
		{"no samples", func(a *Artifacts) { a.Samples = nil }, "t", "no samples"},
		{"too many", func(a *Artifacts) { a.Samples = make([][]float64, MaxArtifactSamples+1) }, "t", "at most"},
		{"grid kind", func(a *Artifacts) { a.DensityGrid.Kind = "none" }, "t", "kind"},
		{"grid rows", func(a *Artifacts) { a.DensityGrid.LogP = a.DensityGrid.LogP[:1] }, "t", "want len(y)"},
		{"grid cols", func(a *Artifacts) { a.DensityGrid.LogP[0] = []float64{1} }, "t", "want len(x)"},
		{"grid order", func(a *Artifacts) { a.DensityGrid.X = []float64{0, -1, 1} }, "t", "strictly increasing"},
		{"grid on images", func(a *Artifacts) {
			a.Shape, a.Modes = []int{1, 1, 2}, nil
		}, "t", "needs 2-D samples"},
		{"mode dims", func(a *Artifacts) { a.Modes = [][]float64{{1}} }, "t", "mode 0"},
		{"lambda", func(a *Artifacts) { a.LogitLambda = 0.5 }, "t", "logit_lambda"},
		{"id with slash", func(a *Artifacts) {}, "a/b", "not a plain file name"},
		{"trial mismatch", func(a *Artifacts) { a.Trial = "other" }, "t", "written under id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := valid2D()
			tc.mutate(&a)
			err := WriteArtifacts(t.TempDir(), tc.id, a)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestNewDensityGridAndGridFor(t *testing.T) {
	x := mat.NewDense(3, 2, []float64{-1, 0, 1, 2, 0, 0})
	xs, ys := GridFor(x, 5)
	if len(xs) != 5 || len(ys) != 5 || xs[0] >= -1 || xs[4] <= 1 || ys[0] >= 0 || ys[4] <= 2 {
		t.Fatalf("GridFor: %v %v", xs, ys)
	}
	g, err := NewDensityGrid("exact", func(p *mat.Dense) ([]float64, error) {
		r, _ := p.Dims()
		out := make([]float64, r)
		for i := range out {
			out[i] = p.At(i, 0) + 10*p.At(i, 1)
		}
		return out, nil
	}, []float64{0, 1, 2}, []float64{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	if g.LogP[1][2] != 2+10 || g.LogP[0][1] != 1 {
		t.Errorf("logp[j][i] must be log p(x[i], y[j]): %v", g.LogP)
	}
	if _, err := NewDensityGrid("exact", nil, []float64{0}, []float64{0, 1}); err == nil {
		t.Error("a 1-point axis was accepted")
	}
	if err := WriteArtifacts(t.TempDir(), "g", Artifacts{Shape: []int{2}, Samples: [][]float64{{0, 0}}, DensityGrid: g}); err != nil {
		t.Errorf("a grid from NewDensityGrid does not validate: %v", err)
	}
	if got := Linspace(0, 1, 3); got[1] != 0.5 || got[2] != 1 {
		t.Errorf("Linspace: %v", got)
	}
	_ = filepath.Join
}
