package reports

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"

	"github.com/genbench/genbench/results"
)

// The figures' data-selection functions, tested on hand-made rows without
// drawing anything.

// oneSet groups hand-made records that all belong to one data set.
func oneSet(t *testing.T, recs ...*results.Record) *DataSet {
	t.Helper()
	sets := group(recs, nil)
	if len(sets) != 1 {
		t.Fatalf("%d data sets, want 1", len(sets))
	}
	return sets[0]
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func xysText(xys plotter.XYs) string {
	parts := make([]string, len(xys))
	for i, p := range xys {
		parts[i] = fmt.Sprintf("(%g,%g)", p.X, p.Y)
	}
	return strings.Join(parts, " ")
}

func TestFrontData(t *testing.T) {
	tests := []struct {
		name  string
		recs  []*results.Record
		want  []string // per kind: "kind: labels fastest first | front"
		left  []string
		empty bool
	}{
		{"fronts within a kind, fastest first", []*results.Record{
			rec("ring8", 2, "slow-good", "made", "autoregressive", "exact", 1, mm{"test_nll": 0.8, "samples_per_sec": 10}),
			rec("ring8", 2, "fast-bad", "realnvp", "flow", "exact", 1, mm{"test_nll": 1.2, "samples_per_sec": 1000}),
			rec("ring8", 2, "middle", "realnvp", "flow", "exact", 1, mm{"test_nll": 1.0, "samples_per_sec": 100}),
			rec("ring8", 2, "dominated", "realnvp", "flow", "exact", 1, mm{"test_nll": 2, "samples_per_sec": 1}),
			rec("ring8", 2, "vae", "vae", "vae", "bound", 1, mm{"test_nll": 0.5, "samples_per_sec": 5000}),
		}, []string{
			"bound: vae | (5000,0.5)",
			"exact: fast-bad middle slow-good dominated | (1000,1.2) (100,1) (10,0.8)",
		}, nil, false},
		{"models left out say why", []*results.Record{
			rec("ring8", 2, "gan", "gan", "gan", "none", 1, mm{"samples_per_sec": 9000}),
			rec("ring8", 2, "nospeed", "realnvp", "flow", "exact", 1, mm{"test_nll": 1}),
			rec("ring8", 2, "zero", "realnvp", "flow", "exact", 1, mm{"test_nll": 1, "samples_per_sec": 0}),
		}, nil, []string{"nospeed (no samples/s)", "zero (no samples/s)", "gan (no test NLL)"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			groups, left := frontData(oneSet(t, tt.recs...))
			var got []string
			for _, g := range groups {
				labels := make([]string, len(g.points))
				for i, p := range g.points {
					labels[i] = p.label
				}
				got = append(got, g.kind+": "+strings.Join(labels, " ")+" | "+xysText(g.front))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("groups\n got %q\nwant %q", got, tt.want)
			}
			if strings.Join(left, ", ") != strings.Join(tt.left, ", ") {
				t.Errorf("left out %q, want %q", left, tt.left)
			}
			if tt.empty != (len(groups) == 0) {
				t.Errorf("%d groups, want empty = %v", len(groups), tt.empty)
			}
		})
	}
}

func TestParetoFront(t *testing.T) {
	tests := []struct {
		name string
		pts  []frontPoint // fastest first
		want string
	}{
		{"none", nil, ""},
		{"each faster point worse: all on the front", []frontPoint{{x: 9, y: 3}, {x: 5, y: 2}, {x: 1, y: 1}}, "(9,3) (5,2) (1,1)"},
		{"a slower, worse point is dominated", []frontPoint{{x: 9, y: 1}, {x: 5, y: 2}}, "(9,1)"},
		{"an equal NLL is not an improvement", []frontPoint{{x: 9, y: 1}, {x: 5, y: 1}, {x: 2, y: 0.5}}, "(9,1) (2,0.5)"},
	}
	for _, tt := range tests {
		if got := xysText(paretoFront(tt.pts)); got != tt.want {
			t.Errorf("%s: front %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestModesData(t *testing.T) {
	ds := oneSet(t,
		rec("ring8", 2, "gan", "gan", "gan", "none", 1, mm{"modes_covered": 3, "modes_total": 8}),
		rec("ring8", 2, "gan", "gan", "gan", "none", 2, mm{"modes_covered": 5, "modes_total": 8}),
		rec("ring8", 2, "flow", "realnvp", "flow", "exact", 1, mm{"modes_covered": 8, "modes_total": 8}),
		rec("ring8", 2, "vae", "vae", "vae", "bound", 1, mm{"test_nll": 1}),
	)
	bars, total := modesData(ds)
	if total != 8 {
		t.Errorf("total %g, want 8", total)
	}
	want := []struct {
		label, family string
		mean          float64
		seeds         string
	}{
		{"flow", "flow", 8, "(0,8)"},
		{"gan", "gan", 4, "(0.91,3) (1.09,5)"}, // seeds spread ±0.09 around bar 1
	}
	if len(bars) != len(want) {
		t.Fatalf("%d bars, want %d (the row without modes_covered left out)", len(bars), len(want))
	}
	for i, w := range want {
		b := bars[i]
		if b.label != w.label || b.family != w.family || b.mean != w.mean || xysText(b.seeds) != w.seeds {
			t.Errorf("bar %d = %s %s %g %s, want %+v", i, b.label, b.family, b.mean, xysText(b.seeds), w)
		}
	}
}

func TestCostData(t *testing.T) {
	tests := []struct {
		name string
		recs []*results.Record
		want []string // per panel: "title: label mean [min, max]; ..."
	}{
		{"both panels, table order, seed range", []*results.Record{
			rec("ring8", 2, "vae", "vae", "vae", "bound", 1, mm{"seconds_per_epoch": 2, "samples_per_sec": 100}),
			rec("ring8", 2, "vae", "vae", "vae", "bound", 2, mm{"seconds_per_epoch": 4, "samples_per_sec": 300}),
			rec("ring8", 2, "flow", "realnvp", "flow", "exact", 1, mm{"seconds_per_epoch": 10}),
		}, []string{
			"Training cost: flow 10 [10, 10]; vae 3 [2, 4]",
			"Sampling speed: vae 200 [100, 300]",
		}},
		{"a zero on a log axis leaves the model out; no panel without models", []*results.Record{
			rec("ring8", 2, "gauss", "gaussian", "flow", "exact", 1, mm{"seconds_per_epoch": 0}),
			rec("ring8", 2, "gauss", "gaussian", "flow", "exact", 2, mm{"seconds_per_epoch": 1}),
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range costData(oneSet(t, tt.recs...)) {
				var dots []string
				for _, d := range p.dots {
					dots = append(dots, fmt.Sprintf("%s %g [%g, %g]", d.label, d.mean, d.min, d.max))
				}
				got = append(got, p.title+": "+strings.Join(dots, "; "))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("panels\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestCurvesData(t *testing.T) {
	withCurve := func(seed uint64, status, stopped, validKind string, curve ...results.EpochLog) *results.Record {
		r := rec("ring8", 2, "m", "realnvp", "flow", "exact", seed, nil)
		r.Status = status
		r.Training = &results.TrainResult{Curve: curve, Stopped: stopped, ValidKind: validKind}
		return r
	}
	nan := math.NaN()
	ds := oneSet(t,
		withCurve(1, "ok", "epochs", "nll", results.EpochLog{Epoch: 1, TrainLoss: 3, ValidLoss: 4}, results.EpochLog{Epoch: 2, TrainLoss: 2, ValidLoss: nan}),
		withCurve(2, "diverged", "epochs", "model_loss", results.EpochLog{Epoch: 1, TrainLoss: nan, ValidLoss: nan}),
		withCurve(3, "ok", "closed_form", "nll", results.EpochLog{Epoch: 1, TrainLoss: 0, ValidLoss: 5}),
	)
	series, validKind := curvesData(ds.Rows[0])
	if validKind != "nll" {
		t.Errorf("valid kind %q, want the first trial's nll", validKind)
	}
	want := []string{
		"seed 1 train c0 dashed (1,3) (2,2)",
		"seed 1 valid c0 solid (1,4)",
		// seed 2 has no finite loss: no series; a closed-form fit's zero
		// training loss is not drawn.
		"seed 3 valid c2 solid (1,5)",
	}
	var got []string
	for _, s := range series {
		style := "solid"
		if s.dashed {
			style = "dashed"
		}
		got = append(got, fmt.Sprintf("%s c%d %s %s", s.label, s.color, style, xysText(s.points)))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("series\n got %q\nwant %q", got, want)
	}
	if s, _ := curvesData(oneSet(t, rec("ring8", 2, "m", "realnvp", "flow", "exact", 1, nil)).Rows[0]); len(s) != 0 {
		t.Errorf("a row without curves gives %d series", len(s))
	}
}

func TestKLData(t *testing.T) {
	tests := []struct {
		name       string
		kl         []float64
		want       string
		ymin, ymax float64
	}{
		{"tiny values drawn at the floor; the 0.01 line in range", []float64{1e-9, 0.5}, "(0,1e-06) (1,0.5)", 1e-6 / 3, 1.5},
		{"all above the line", []float64{0.1, 2}, "(0,0.1) (1,2)", 0.01 / 3, 6},
		{"no KL recorded", nil, "", 0, 0},
	}
	for _, tt := range tests {
		m := mm{}
		for u, v := range tt.kl {
			m[fmt.Sprintf("kl_dim_%d", u)] = v
		}
		vals, ymin, ymax := klData(oneSet(t, vaeRec("ring8", 2, m)).Rows[0])
		if xysText(vals) != tt.want || !near(ymin, tt.ymin) || !near(ymax, tt.ymax) {
			t.Errorf("%s: %s, y in [%g, %g]; want %s, [%g, %g]", tt.name, xysText(vals), ymin, ymax, tt.want, tt.ymin, tt.ymax)
		}
	}
}

func TestSpeedDimData(t *testing.T) {
	seq := func(r *results.Record) *results.Record {
		r.ModelInfo = &results.ModelInfo{Sampling: "D"}
		return r
	}
	one := group([]*results.Record{madeRec("ring8", 2, mm{"samples_per_sec": 5})}, nil)
	if got := speedDimData(one); got != nil {
		t.Errorf("one dimension gives %d lines, want none", len(got))
	}
	sets := group([]*results.Record{
		seq(madeRec("mnist", 784, mm{"samples_per_sec": 40})),
		seq(madeRec("ring8", 2, mm{"samples_per_sec": 5e4})),
		flowRec("ring8", 2, mm{"samples_per_sec": 6e4}),
		flowRec("mnist", 784, mm{"samples_per_sec": 0}), // not on a log axis
		vaeRec("grid25", 0, mm{"samples_per_sec": 1}),   // dimension unknown
	}, nil)
	var got []string
	for _, l := range speedDimData(sets) {
		got = append(got, fmt.Sprintf("%s %s seq=%v %s", l.typ, l.family, l.sequential, xysText(l.points)))
	}
	want := []string{"made autoregressive seq=true (2,50000) (784,40)", "realnvp flow seq=false (2,60000)"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines\n got %q\nwant %q", got, want)
	}
}

func TestSamplesData(t *testing.T) {
	ds := oneSet(t,
		rec("ring8", 2, "m", "realnvp", "flow", "exact", 1, nil),
		rec("ring8", 2, "m", "realnvp", "flow", "exact", 2, nil),
	)
	row := ds.Rows[0]
	if _, ok := samplesData(row); ok {
		t.Error("a row without artifacts has samples")
	}
	row.Artifacts = map[string]*results.Artifacts{
		row.OK[1].Trial: {Shape: []int{2}, Samples: [][]float64{{0, 0}, {math.Inf(1), 1}, {1}, {-2, 2}}, LogitLambda: 0.05},
	}
	src, ok := samplesData(row)
	if !ok || src.seed != 2 || src.trial != row.OK[1].Trial {
		t.Fatalf("samplesData = seed %d trial %q ok %v, want seed 2's", src.seed, src.trial, ok)
	}
	// logit⁻¹(0) = 0.5 stays 0.5 after undoing λ = 0.05.
	if got := src.samples[0]; !near(got[0], 0.5) || !near(got[1], 0.5) {
		t.Errorf("data-space sample %v, want [0.5 0.5]", got)
	}
	pts := scatterPoints([][]float64{{0, 1}, {math.NaN(), 1}, {3}, {2, math.Inf(-1)}, {4, 5, 6}})
	if xysText(pts) != "(0,1) (4,5)" {
		t.Errorf("scatter points %s, want the finite first two coordinates", xysText(pts))
	}
}

// TestClaimFiguresAreDrawn checks that each claim shows a figure on the
// fixture, and that the per-row figures the claims cite (KL, samples) are
// ones the report draws: the claims and the drawing functions name them
// through the same functions (the VAE claim once cited its KL figures by
// another slug and showed none). Data-set figures a check cites but the
// data set lacks (no modes figure on MNIST) are filtered by Build.
func TestClaimFiguresAreDrawn(t *testing.T) {
	r := builtFixture(t)
	drawn := map[string]bool{}
	for _, f := range r.Figures {
		drawn[f.Name] = true
	}
	for _, c := range r.Claims {
		if len(c.Figures) == 0 {
			t.Errorf("claim %s shows no figure on the fixture", c.ID)
		}
	}
	for _, c := range claimsFor(r.Sets) {
		for _, n := range c.Figures {
			perRow := strings.HasPrefix(n, "kl-") || strings.HasPrefix(n, "samples-")
			if perRow && !drawn[n] {
				t.Errorf("claim %s cites %s, which the report does not draw", c.ID, n)
			}
		}
	}
}
