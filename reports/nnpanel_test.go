package reports

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genbench/genbench/results"
)

var fashionNames = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// nnArtifact is an artifact of four 1×4×4 samples (the last non-finite)
// whose first two have their nearest training images stored, each
// neighbour at distance base+i and of class i (Fashion-MNIST names).
func nnArtifact(trial string, base float64) *results.Artifacts {
	img := func(v float64) []float64 {
		out := make([]float64, 16)
		for i := range out {
			out[i] = math.Mod(v+float64(i)/16, 1)
		}
		return out
	}
	return &results.Artifacts{Format: results.ArtifactFormat, Trial: trial, Shape: []int{1, 4, 4},
		Samples:    [][]float64{img(0.1), img(0.2), img(0.3), append([]float64{math.NaN()}, img(0)[1:]...)},
		SampleSeed: 99, ClassNames: fashionNames,
		NearestTrain: &results.NearestTrain{Space: results.NearestSpacePixels, TrainRows: 100,
			Distances: []float64{base, base + 1, base + 2, math.NaN()}, Index: []int{4, 5, 6, -1}, Labels: []int{0, 1, 1, -1},
			Images: [][]float64{img(0.15), img(0.25)}, TestRows: 50, TestMedian: 4.5}}
}

// nnRow is a row of one family with ok trials of the given seeds and
// metrics; artifacts maps a seed to its artifact (nil: none stored).
func nnRow(label, family, kind string, m map[string]float64, artifacts map[uint64]*results.Artifacts, seeds ...uint64) *Row {
	row := &Row{Model: label, Label: label, Type: "t-" + label, Family: family, Kind: kind, Artifacts: map[string]*results.Artifacts{}}
	for _, s := range seeds {
		rec := &results.Record{Trial: label + "-s" + string(rune('0'+s)), Seed: s, Family: family, Status: results.StatusOK, Metrics: m}
		row.OK = append(row.OK, rec)
		row.Trials = append(row.Trials, rec)
		if a := artifacts[s]; a != nil {
			a.Trial = rec.Trial
			row.Artifacts[rec.Trial] = a
		}
	}
	return row
}

func TestNNPanelsChoosesBestPerFamily(t *testing.T) {
	old := &results.Artifacts{Format: 1, Shape: []int{1, 4, 4}, Samples: [][]float64{make([]float64, 16)}}
	ds := &DataSet{Name: "fashion_mnist", Label: "fashion_mnist", Slug: "fashion_mnist", Rows: []*Row{
		nnRow("realnvp", "flow", "exact", map[string]float64{"test_nll": 100, "coverage": 0.9}, map[uint64]*results.Artifacts{1: nnArtifact("", 3)}, 1),
		nnRow("maf", "flow", "exact", map[string]float64{"test_nll": 90, "coverage": 0.1}, map[uint64]*results.Artifacts{1: nnArtifact("", 2)}, 1),
		// NLLs of two kinds cannot rank; coverage does.
		nnRow("vae", "vae", "bound", map[string]float64{"test_nll": 95, "coverage": 0.5}, map[uint64]*results.Artifacts{1: nnArtifact("", 1)}, 1),
		nnRow("iwae", "vae", "estimate", map[string]float64{"test_nll": 92, "coverage": 0.4}, map[uint64]*results.Artifacts{1: nnArtifact("", 1)}, 1),
		// The best GAN stored no neighbours (an older artifact): the best
		// of those that did is shown, from its first seed with them. A key
		// the registry does not declare (yet) chooses nothing.
		nnRow("gan-old", "gan", "none", map[string]float64{"coverage": 0.99}, map[uint64]*results.Artifacts{1: old}, 1),
		nnRow("gan-a", "gan", "none", map[string]float64{"coverage": 0.5, "not_a_metric": 1}, map[uint64]*results.Artifacts{1: nnArtifact("", 7)}, 1),
		nnRow("gan-b", "gan", "none", map[string]float64{"coverage": 0.7, "not_a_metric": 0}, map[uint64]*results.Artifacts{1: old, 2: nnArtifact("", 6)}, 1, 2),
		nnRow("iae-a", "iae", "exact", map[string]float64{}, map[uint64]*results.Artifacts{1: nnArtifact("", 1)}, 1),
		nnRow("iae-b", "iae", "exact", map[string]float64{}, map[uint64]*results.Artifacts{1: nnArtifact("", 1)}, 1),
		nnRow("made", "autoregressive", "exact", map[string]float64{"test_nll": 80}, map[uint64]*results.Artifacts{1: nnArtifact("", 1)}, 1),
	}}
	got := nnPanels(ds)
	want := []struct{ label, trial, why string }{
		{"maf", "maf-s1", "lowest mean test_nll (exact) among 2 flow models"},
		{"vae", "vae-s1", "highest mean coverage among 2 vae models"},
		{"gan-b", "gan-b-s2", "highest mean coverage among 2 gan models"},
		{"iae-a", "iae-a-s1", "no metric ranks the 2 iae models; the first in table order"},
		{"made", "made-s1", "the only autoregressive model with nearest-neighbour data"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d panels, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Row.Label != w.label || got[i].Trial != w.trial || got[i].Chosen != w.why {
			t.Errorf("panel %d: %s from %s (%s), want %s from %s (%s)", i, got[i].Row.Label, got[i].Trial, got[i].Chosen, w.label, w.trial, w.why)
		}
	}
	p := got[2]
	if len(p.Samples) != 2 || len(p.Neighbours) != 2 || p.Distances[0] != 6 || p.Distances[1] != 7 {
		t.Errorf("pairs: %d samples, %d neighbours, distances %v; want 2, 2, [6 7]", len(p.Samples), len(p.Neighbours), p.Distances)
	}
	if p.Classes[0] != "T-shirt/top" || p.Classes[1] != "Trouser" {
		t.Errorf("neighbour classes %v, want [T-shirt/top Trouser]", p.Classes)
	}
	if p.SampleMedian != 7 || p.TestMedian != 4.5 || p.NSamples != 4 || p.TestRows != 50 || p.TrainRows != 100 {
		t.Errorf("medians %v (want 7, NaN left out), %v; counts %d, %d, %d", p.SampleMedian, p.TestMedian, p.NSamples, p.TestRows, p.TrainRows)
	}
	caption := nnCaption(p)
	for _, s := range []string{"median distance of 4.5", "(50 test images)", "median over all 4 stored samples is 7", "trial gan-b-s2 (seed 2)"} {
		if !strings.Contains(caption, s) {
			t.Errorf("caption lacks %q: %s", s, caption)
		}
	}
}

func TestNNPanelsNone(t *testing.T) {
	tests := []struct {
		name string
		row  *Row
	}{
		{"older artifact", nnRow("vae", "vae", "bound", nil, map[uint64]*results.Artifacts{1: {Format: 1, Shape: []int{1, 4, 4}, Samples: [][]float64{make([]float64, 16)}}}, 1)},
		{"no artifact", nnRow("vae", "vae", "bound", nil, nil, 1)},
		{"no ok trial", &Row{Label: "gan", Family: "gan", Artifacts: map[string]*results.Artifacts{"x": nnArtifact("x", 1)}}},
	}
	for _, tc := range tests {
		if got := nnPanels(&DataSet{Rows: []*Row{tc.row}}); len(got) != 0 {
			t.Errorf("%s: %d panels, want none", tc.name, len(got))
		}
	}
}

func TestClassName(t *testing.T) {
	tests := []struct {
		names  []string
		labels []int
		i      int
		want   string
	}{
		{fashionNames, []int{9}, 0, "Ankle boot"},
		{nil, []int{421}, 0, "421"}, // stacked MNIST: labels name themselves
		{fashionNames, []int{-1}, 0, ""},
		{fashionNames, nil, 0, ""},
	}
	for _, tc := range tests {
		if got := className(tc.names, tc.labels, tc.i); got != tc.want {
			t.Errorf("className(%v, %v) = %q, want %q", tc.names, tc.labels, got, tc.want)
		}
	}
}

func TestNNFigureDraws(t *testing.T) {
	ds := &DataSet{Label: "fashion_mnist", Slug: "fashion_mnist", Rows: []*Row{
		nnRow("gan", "gan", "none", nil, map[uint64]*results.Artifacts{1: nnArtifact("", 1)}, 1),
	}}
	panels := nnPanels(ds)
	if len(panels) != 1 {
		t.Fatalf("%d panels, want 1", len(panels))
	}
	f, err := nnFigure(ds, panels[0])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(f.PNG))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	// Two pairs of 12-pixel tiles (4 pixels × 3), 8 pixels apart.
	if b := img.Bounds(); b.Dx() != 8+2*(12+8) || b.Dx() != f.Width || b.Dy() != f.Height {
		t.Errorf("figure %d×%d (stated %d×%d), want width %d", b.Dx(), b.Dy(), f.Width, f.Height, 8+2*(12+8))
	}
	// The first sample's first pixel (0.1) is drawn at the top left tile.
	if r, _, _, _ := img.At(8, 8).RGBA(); r>>8 != 26 {
		t.Errorf("top-left sample pixel level %d, want round(0.1·255) = 26", r>>8)
	}
	bad := panels[0]
	bad.Shape = []int{2, 2, 4}
	if _, err := nnFigure(ds, bad); err == nil || !strings.Contains(err.Error(), "2 channels") {
		t.Errorf("two-channel images drew (%v)", err)
	}
	if f.Name != "nearest-fashion_mnist-"+rowSlug("gan")+".png" || !strings.Contains(f.Title, "gan on fashion_mnist") {
		t.Errorf("name %q, title %q", f.Name, f.Title)
	}
}

// TestReportDrawsNearestPanels gives the fixture's binarized-MNIST VAE an
// artifact with nearest training images: the report draws its panel
// beside its sample grid, whose caption states the sampling seed; the
// fixture's own older artifact draws its grid with no panel.
func TestReportDrawsNearestPanels(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "results")
	if err := os.CopyFS(dir, os.DirFS(fixtureDir)); err != nil {
		t.Fatal(err)
	}
	const trial = "mnist-vae-16-s1-4e97e865ee2c"
	oldReport, err := Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := results.ReadArtifacts(dir, trial)
	if err != nil {
		t.Fatal(err)
	}
	a.SampleSeed = 4242
	a.NearestTrain = &results.NearestTrain{Space: results.NearestSpacePixels, TrainRows: 10000,
		Distances: make([]float64, len(a.Samples)), Index: make([]int, len(a.Samples)),
		Images: a.Samples[:3], TestRows: 500, TestMedian: 6.1}
	if err := results.WriteArtifacts(dir, trial, *a); err != nil {
		t.Fatal(err)
	}
	r, err := Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	figs := map[string]*Figure{}
	for _, f := range r.Figures {
		figs[f.Name] = f
	}
	for _, p := range r.Problems {
		if p.File == "figures" {
			t.Errorf("figure problem: %s", p.Reason)
		}
	}
	nn := figs["nearest-mnist-10000-binarize-"+rowSlug("vae-16")+".png"]
	grid := figs["samples-mnist-10000-binarize-"+rowSlug("vae-16")+".png"]
	if nn == nil || grid == nil {
		names := make([]string, 0, len(figs))
		for n := range figs {
			names = append(names, n)
		}
		t.Fatalf("no nearest-neighbour panel or grid for the VAE; figures: %v", names)
	}
	if !strings.Contains(nn.Caption, "median distance of 6.1") || !strings.Contains(grid.Caption, "sampling seed 4242") {
		t.Errorf("captions:\n%s\n%s", nn.Caption, grid.Caption)
	}
	if len(r.Figures) != len(oldReport.Figures)+1 {
		t.Errorf("%d figures, want the %d of the older artifact + 1", len(r.Figures), len(oldReport.Figures))
	}
	for _, f := range oldReport.Figures {
		if strings.HasPrefix(f.Name, "nearest-") {
			t.Errorf("an artifact without nearest_train drew %s", f.Name)
		}
	}
}
