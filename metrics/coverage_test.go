package metrics

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// jsdOneMode is the JSD between a point mass and uniform over k bins,
// written out: m = (9/16, 1/16, …) for k = 8.
func jsdOneMode(k int) float64 {
	u := 1 / float64(k)
	m0, m := (1+u)/2, u/2
	klPM := math.Log(1 / m0)
	klUM := u*math.Log(u/m0) + float64(k-1)*u*math.Log(u/m)
	return (klPM + klUM) / 2
}

func TestModes(t *testing.T) {
	const std = 0.01
	modes := ring(8)
	rows := func(pts ...[]float64) *mat.Dense { return dense(pts) }
	// All 8 modes, each hit 3 times exactly.
	var all [][]float64
	for range 3 {
		all = append(all, modes...)
	}
	// Samples at linspace(0, 2π, 8) (endpoint included: angles 2πi/7, the
	// first and last coincide) hit a true mode only at angle 0.
	bad := make([][]float64, 8)
	for i := range bad {
		a := 2 * math.Pi * float64(i) / 7
		bad[i] = []float64{math.Cos(a), math.Sin(a)}
	}
	tests := []struct {
		name                string
		samples             *mat.Dense
		covered, hq, nonFin int
		hqFrac, kl, jsd     float64
		counts              []int
	}{
		{"exactly at all 8 modes", dense(all), 8, 24, 0, 1, 0, 0, []int{3, 3, 3, 3, 3, 3, 3, 3}},
		{"all at one mode", rows(modes[2], modes[2], modes[2]), 1, 3, 0, 1, math.Log(8), jsdOneMode(8), []int{0, 0, 3, 0, 0, 0, 0, 0}},
		{"far off-manifold noise", rows([]float64{10, 10}, []float64{-5, 3}, []float64{0, 0}), 0, 0, 0, 0, math.NaN(), math.NaN(), make([]int, 8)},
		// Two modes equally: KL = log(8/2); m = 5/16 on the two, 1/16 elsewhere:
		// JSD = ½log(8/5) + ½[2·⅛log(2/5) + 6·⅛log 2].
		{"two modes, half off", rows(modes[0], modes[4], []float64{0, 0}, []float64{3, 3}), 2, 2, 0, 0.5, math.Log(4),
			0.5*math.Log(1.6) + 0.5*(0.25*math.Log(0.4)+0.75*math.Ln2), []int{1, 0, 0, 0, 1, 0, 0, 0}},
		// 2.9 std from a mode is high quality, 3.1 std is not.
		{"3-std boundary", rows([]float64{1 + 2.9*std, 0}, []float64{0, 1 + 3.1*std}), 1, 1, 0, 0.5, math.Log(8), jsdOneMode(8), []int{1, 0, 0, 0, 0, 0, 0, 0}},
		{"non-finite sample counted", rows(modes[1], []float64{math.NaN(), 0}), 1, 1, 1, 0.5, math.Log(8), jsdOneMode(8), []int{0, 1, 0, 0, 0, 0, 0, 0}},
		{"7-mode ring pitfall", dense(bad), 1, 2, 0, 0.25, math.Log(8), jsdOneMode(8), []int{2, 0, 0, 0, 0, 0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Modes(tc.samples, modes, std)
			if err != nil {
				t.Fatal(err)
			}
			n, _ := tc.samples.Dims()
			if r.ModesCovered != tc.covered || r.HighQuality != tc.hq || r.NonFinite != tc.nonFin || r.NumModes != 8 || r.Samples != n {
				t.Errorf("covered %d hq %d nonfinite %d modes %d samples %d; want %d %d %d 8 %d",
					r.ModesCovered, r.HighQuality, r.NonFinite, r.NumModes, r.Samples, tc.covered, tc.hq, tc.nonFin, n)
			}
			assertClose(t, "HighQualityFrac", r.HighQualityFrac, tc.hqFrac, 1e-15)
			assertClose(t, "KL", r.KL, tc.kl, 1e-14)
			assertClose(t, "JSD", r.JSD, tc.jsd, 1e-14)
			for i := range tc.counts {
				if r.Counts[i] != tc.counts[i] {
					t.Errorf("Counts = %v, want %v", r.Counts, tc.counts)
					break
				}
			}
		})
	}
}

func TestModesGrid(t *testing.T) {
	var grid [][]float64
	for _, x := range []float64{-4, -2, 0, 2, 4} {
		for _, y := range []float64{-4, -2, 0, 2, 4} {
			grid = append(grid, []float64{x, y})
		}
	}
	// Samples 0.1 away (2 std) from the first 20 modes, 0.2 away (4 std) from the rest.
	samples := mat.NewDense(25, 2, nil)
	for i, m := range grid {
		off := 0.1
		if i >= 20 {
			off = 0.2
		}
		samples.SetRow(i, []float64{m[0] + off, m[1]})
	}
	r, err := Modes(samples, grid, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if r.ModesCovered != 20 || r.HighQuality != 20 {
		t.Errorf("covered %d, hq %d; want 20, 20", r.ModesCovered, r.HighQuality)
	}
	assertClose(t, "KL", r.KL, math.Log(25.0/20), 1e-14)
}

func TestModesErrors(t *testing.T) {
	ok := dense([][]float64{{0, 0}})
	tests := []struct {
		name    string
		samples *mat.Dense
		modes   [][]float64
		std     float64
	}{
		{"nil samples", nil, ring(8), 0.01},
		{"empty samples", &mat.Dense{}, ring(8), 0.01},
		{"no modes", ok, nil, 0.01},
		{"dimension mismatch", ok, [][]float64{{0, 0, 0}}, 0.01},
		{"NaN mode", ok, [][]float64{{0, math.NaN()}}, 0.01},
		{"zero std", ok, ring(8), 0},
		{"NaN std", ok, ring(8), math.NaN()},
	}
	for _, tc := range tests {
		if _, err := Modes(tc.samples, tc.modes, tc.std); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestClassCoverage(t *testing.T) {
	balanced := make([]int, 100)
	for i := range balanced {
		balanced[i] = i % 10
	}
	tests := []struct {
		name    string
		labels  []int
		covered int
		kl      float64
	}{
		{"balanced 10 classes", balanced, 10, 0},
		{"single class", []int{3, 3, 3, 3}, 1, math.Log(10)},
		{"two classes equally", []int{0, 1, 0, 1}, 2, math.Log(5)},
		// p = (3/4, 1/4): KL = ¾log(7.5) + ¼log(2.5).
		{"two classes 3:1", []int{7, 7, 7, 2}, 2, 0.75*math.Log(7.5) + 0.25*math.Log(2.5)},
		{"no labels", nil, 0, math.NaN()},
	}
	for _, tc := range tests {
		covered, kl, err := ClassCoverage(tc.labels, 10)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if covered != tc.covered {
			t.Errorf("%s: covered %d, want %d", tc.name, covered, tc.covered)
		}
		assertClose(t, tc.name+": KL", kl, tc.kl, 1e-14)
	}
	if _, _, err := ClassCoverage([]int{0, 10}, 10); err == nil {
		t.Error("label 10 of 10 classes: no error")
	}
	if _, _, err := ClassCoverage([]int{-1}, 10); err == nil {
		t.Error("label −1: no error")
	}
	if _, _, err := ClassCoverage([]int{0}, 0); err == nil {
		t.Error("0 classes: no error")
	}
}

func TestDivergencesToUniform(t *testing.T) {
	tests := []struct {
		name    string
		counts  []int
		kl, jsd float64
	}{
		{"uniform", []int{2, 2, 2, 2}, 0, 0},
		// p = (½,½,0,0), m = (⅜,⅜,⅛,⅛): JSD = ¾·log(4/3).
		{"half the bins", []int{1, 1, 0, 0}, math.Ln2, 0.75 * math.Log(4.0/3)},
		{"point mass, 8 bins", []int{0, 0, 0, 5, 0, 0, 0, 0}, math.Log(8), jsdOneMode(8)},
		{"single bin", []int{4}, 0, 0},
		{"all zero", []int{0, 0}, math.NaN(), math.NaN()},
		{"no bins", nil, math.NaN(), math.NaN()},
		{"negative count", []int{2, -1}, math.NaN(), math.NaN()},
	}
	for _, tc := range tests {
		assertClose(t, tc.name+": KL", KLToUniform(tc.counts), tc.kl, 1e-14)
		assertClose(t, tc.name+": JSD", JSDToUniform(tc.counts), tc.jsd, 1e-14)
	}
	// JSD approaches ln 2 for a point mass over many bins.
	big := make([]int, 1_000_000)
	big[0] = 1
	if j := JSDToUniform(big); j > math.Ln2 || j < math.Ln2-1e-5 {
		t.Errorf("JSD of point mass over 1e6 bins = %g, want just below ln 2", j)
	}
}

// TestClassSharesRecorded runs class coverage with a classifier that
// labels each sample by its first value: the shares are the class
// histogram, recorded per class when there are at most MaxClassShares.
func TestClassSharesRecorded(t *testing.T) {
	tests := []struct {
		classes int
		first   []float64
		want    map[string]float64
	}{
		{3, []float64{0, 0, 2, 1}, map[string]float64{"class_share_0": 0.5, "class_share_1": 0.25, "class_share_2": 0.25}},
		{4, []float64{3, 3, 3, 3}, map[string]float64{"class_share_0": 0, "class_share_1": 0, "class_share_2": 0, "class_share_3": 1}},
		{MaxClassShares + 1, []float64{0, 1, 2, 3}, map[string]float64{}},
	}
	for _, tc := range tests {
		s := mat.NewDense(len(tc.first), 2, nil)
		for i, v := range tc.first {
			s.Set(i, 0, v)
		}
		clf := &Classifier{Classes: tc.classes, Name: "first value", Label: func(p *mat.Dense) ([]int, *mat.Dense) {
			r, _ := p.Dims()
			l := make([]int, r)
			for i := range l {
				l[i] = int(p.At(i, 0))
			}
			return l, p
		}}
		in := &Input{Pixels: func(x *mat.Dense) *mat.Dense { return x }, Classifier: clf, Settings: Settings{Samples: len(tc.first)}, Draw: func(int, *rand.Rand) (*mat.Dense, error) { return s, nil }}
		out := mustRun(t, "class_coverage", in)
		got := map[string]float64{}
		for k, v := range out.Values {
			if strings.HasPrefix(k, "class_share_") {
				got[k] = v
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%d classes, labels %v: shares %v, want %v", tc.classes, tc.first, got, tc.want)
		}
	}
}
