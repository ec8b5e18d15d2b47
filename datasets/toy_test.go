package datasets

import (
	"math"
	"sort"
	"testing"
)

func TestRing8Modes(t *testing.T) {
	d := mustBuild(t, "ring8", map[string]any{"n_train": 8000, "n_valid": 10, "n_test": 10}, 1)
	if len(d.Modes) != 8 || d.ModeStd != 0.01 {
		t.Fatalf("%d modes, std %v; want 8, 0.01", len(d.Modes), d.ModeStd)
	}
	var angles []float64
	for i, m := range d.Modes {
		if r := math.Hypot(m[0], m[1]); math.Abs(r-1) > 1e-12 {
			t.Errorf("mode %d at radius %v", i, r)
		}
		a := math.Atan2(m[1], m[0])
		if a < 0 {
			a += 2 * math.Pi
		}
		angles = append(angles, a)
	}
	sort.Float64s(angles)
	// Eight distinct angles π/4 apart: linspace(0, 2π, 8) with the endpoint
	// would repeat angle 0 and space the rest 2π/7.
	for i, a := range angles {
		if want := float64(i) * math.Pi / 4; math.Abs(a-want) > 1e-12 {
			t.Errorf("angle %d = %v, want %v", i, a, want)
		}
	}
	minDist := math.Inf(1)
	for i := range d.Modes {
		for j := range i {
			minDist = math.Min(minDist, math.Hypot(d.Modes[i][0]-d.Modes[j][0], d.Modes[i][1]-d.Modes[j][1]))
		}
	}
	if want := 2 * math.Sin(math.Pi/8); math.Abs(minDist-want) > 1e-12 {
		t.Errorf("closest modes %v apart, want %v", minDist, want)
	}
	checkMixtureSamples(t, d, 8000)
}

func TestGrid25Modes(t *testing.T) {
	d := mustBuild(t, "grid25", map[string]any{"n_train": 25000, "n_valid": 10, "n_test": 10}, 1)
	if len(d.Modes) != 25 || d.ModeStd != 0.05 {
		t.Fatalf("%d modes, std %v; want 25, 0.05", len(d.Modes), d.ModeStd)
	}
	seen := map[[2]float64]bool{}
	for _, m := range d.Modes {
		seen[[2]float64{m[0], m[1]}] = true
	}
	for _, x := range []float64{-4, -2, 0, 2, 4} {
		for _, y := range []float64{-4, -2, 0, 2, 4} {
			if !seen[[2]float64{x, y}] {
				t.Errorf("no mode at (%v, %v)", x, y)
			}
		}
	}
	if len(seen) != 25 {
		t.Errorf("%d distinct modes", len(seen))
	}
	checkMixtureSamples(t, d, 25000)
}

// checkMixtureSamples checks that every training sample is near the mode its
// label names, that it is nearest to that mode, and that the modes get equal
// shares.
func checkMixtureSamples(t *testing.T, d *Data, n int) {
	t.Helper()
	k := len(d.Modes)
	counts := make([]int, k)
	for i := range n {
		x := d.Train.RawRowView(i)
		l := d.TrainLabels[i]
		counts[l]++
		m := d.Modes[l]
		if r := math.Hypot(x[0]-m[0], x[1]-m[1]); r > 6*d.ModeStd {
			t.Fatalf("sample %d is %v std from its mode", i, r/d.ModeStd)
		}
	}
	p := 1 / float64(k)
	sd := math.Sqrt(float64(n) * p * (1 - p))
	for c, cnt := range counts {
		if math.Abs(float64(cnt)-float64(n)*p) > 5*sd {
			t.Errorf("mode %d has %d of %d samples", c, cnt, n)
		}
	}
}

// For well-separated modes the entropy is log K + log(2πe σ²).
func TestMixtureEntropy(t *testing.T) {
	for _, tc := range []struct {
		name string
		k    int
		std  float64
		dim  int
	}{{"ring8", 8, 0.01, 2}, {"grid25", 25, 0.05, 2}, {"gmm", 8, 1, 10}} {
		d := mustBuild(t, tc.name, map[string]any{"n_train": 10, "n_valid": 10, "n_test": 20000}, 4)
		want := math.Log(float64(tc.k)) + 0.5*float64(tc.dim)*(1+math.Log(2*math.Pi*tc.std*tc.std))
		got, se := meanNLL(d, d.Test)
		if math.Abs(got-want) > 4*se+0.01 {
			t.Errorf("%s: mean test NLL %v ± %v, entropy %v", tc.name, got, se, want)
		}
	}
}

func TestCheckerboard(t *testing.T) {
	const n = 16000
	d := mustBuild(t, "checkerboard", map[string]any{"n_train": n, "n_valid": 10, "n_test": 10}, 1)
	counts := map[[2]int]int{}
	for i := range n {
		x := d.Train.RawRowView(i)
		if !checkerBlack(x[0], x[1]) {
			t.Fatalf("sample %v is not on a black square", x)
		}
		if got := d.LogDensity(x); got != -math.Log(32) {
			t.Fatalf("LogDensity(%v) = %v", x, got)
		}
		counts[[2]int{int(math.Floor(x[0] / 2)), int(math.Floor(x[1] / 2))}]++
	}
	if len(counts) != 8 {
		t.Fatalf("samples on %d squares, want 8", len(counts))
	}
	sd := math.Sqrt(n * (1.0 / 8) * (7.0 / 8))
	for sq, c := range counts {
		if (sq[0]+sq[1])%2 != 0 {
			t.Errorf("square %v is white", sq)
		}
		if math.Abs(float64(c)-n/8) > 5*sd {
			t.Errorf("square %v has %d of %d samples", sq, c, n)
		}
	}
	for _, tc := range []struct {
		x, y  float64
		black bool
	}{{0.5, 0.5, true}, {-0.5, -0.5, true}, {0.5, -0.5, false}, {2.5, 2.5, true}, {-3.5, 3.5, false},
		{-3.5, -3.5, true}, {4.5, 0.5, false}, {0, 0, true}, {4, 0, false}} {
		want := math.Inf(-1)
		if tc.black {
			want = -math.Log(32)
		}
		if got := d.LogDensity([]float64{tc.x, tc.y}); got != want {
			t.Errorf("LogDensity(%v, %v) = %v, want %v", tc.x, tc.y, got, want)
		}
	}
}

func TestMoonsAndSpirals(t *testing.T) {
	// moons: E[x] = (0 + 1)/2 = 0.5, E[y] = (2/π + 0.5 − 2/π)/2 = 0.25;
	// spirals are symmetric about the origin.
	for _, tc := range []struct {
		name         string
		maxR         float64
		wantX, wantY float64
	}{
		{"moons", 2.5, 0.5, 0.25},
		{"spirals", 4, 0, 0},
	} {
		const n = 20000
		d := mustBuild(t, tc.name, map[string]any{"n_train": n, "n_valid": 10, "n_test": 10}, 1)
		var sx, sy float64
		classes := [2]int{}
		for i := range n {
			x := d.Train.RawRowView(i)
			if math.Hypot(x[0], x[1]) > tc.maxR {
				t.Fatalf("%s: sample %v too far out", tc.name, x)
			}
			sx += x[0]
			sy += x[1]
			classes[d.TrainLabels[i]]++
		}
		if math.Abs(float64(classes[0]-classes[1])) > 5*math.Sqrt(n) {
			t.Errorf("%s: classes %v", tc.name, classes)
		}
		if math.Abs(sx/n-tc.wantX) > 0.05 || math.Abs(sy/n-tc.wantY) > 0.05 {
			t.Errorf("%s: mean (%v, %v), want (%v, %v)", tc.name, sx/n, sy/n, tc.wantX, tc.wantY)
		}
	}
}
