package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/genbench/genbench/results"
)

// budgetRecords makes the records of a random sweep on ring8: each model
// of scores tried at len(scores) configurations (hidden = 10, 20, ...),
// one record per configuration and seed; a NaN score is a diverged trial.
func budgetRecords(scores map[string][]float64, key string, seeds ...uint64) []*results.Record {
	types := map[string][3]string{"gan": {"gan", "gan", "none"}, "nvp": {"realnvp", "flow", "exact"}}
	var recs []*results.Record
	for _, model := range sortedKeys(scores) {
		ty := types[model]
		for i, v := range scores[model] {
			for _, seed := range seeds {
				r := rec("ring8", 2, model, ty[0], ty[1], ty[2], seed, mm{key: v + float64(seed-1)/10})
				r.Trial = fmt.Sprintf("ring8-%s-s%d-c%d", model, seed, i)
				r.Sweep = results.SweepPoint{"models[" + model + "].params.hidden": 10 * (i + 1)}
				r.Provenance.Spec = json.RawMessage(fmt.Sprintf(`{"dataset":{"name":"ring8","params":{}},"eval":{},"model":{"name":%q,"type":%q,"params":{"hidden":%d}},"seed":%d}`,
					model, ty[0], 10*(i+1), seed))
				if math.IsNaN(v) {
					r.Status, r.Metrics = results.StatusDiverged, mm{}
				}
				recs = append(recs, r)
			}
		}
	}
	return recs
}

// TestBudgetComparison: planted scores give the budgets at which each
// model's expected best FD is ahead, computed by hand: gan's sorted FDs
// 1, 5, 9, 9 give expected bests 6, 11/3, 2, 1 at k = 1..4; nvp's are all 3.
func TestBudgetComparison(t *testing.T) {
	ds := oneSet(t, budgetRecords(map[string][]float64{"gan": {5, 1, 9, 9}, "nvp": {3, 3, 3, 3}}, "fd", 1)...)
	groups := budgetGroups(ds)
	if len(groups) != 2 || len(groups[0].rows) != 4 || !reflect.DeepEqual(groups[0].seeds, []uint64{1}) {
		t.Fatalf("groups %+v", groups)
	}
	curves := budgetCurves(ds)
	if len(curves) != 1 || curves[0][0].key.Name != "fd" || len(curves[0]) != 2 {
		t.Fatalf("curves %v", curves)
	}
	var gan, nvp *budgetCurve
	for _, c := range curves[0] {
		if c.group.model == "gan" {
			gan = c
		} else {
			nvp = c
		}
	}
	for k, want := range []float64{6, 11.0 / 3, 2, 1} {
		if !same(gan.points[k].Expected, want) {
			t.Errorf("gan k=%d: expected best %v, want %v", k+1, gan.points[k].Expected, want)
		}
	}
	c := compareBudgets(gan, nvp)
	// Bands: gan's [1, 9], [1, 9], [1, 5], [1, 1] against nvp's 3.
	if !reflect.DeepEqual(c.aWins, []int{3, 4}) || !reflect.DeepEqual(c.bWins, []int{1, 2}) || c.ks != 4 || !reflect.DeepEqual(c.apart, []int{4}) {
		t.Errorf("comparison %+v", c)
	}
	want := "fd (lower is better): gan's expected best is better at k = 3–4, nvp's at k = 1–2; their 5–95% bands are apart at k = 4."
	if got := c.sentence(); got != want {
		t.Errorf("sentence\n%s\nwant\n%s", got, want)
	}
}

// TestBudgetGroupsAndFailures: models with one configuration are no
// group; a seed missing at some configuration is left out; a diverged
// configuration counts as failed and makes the expectation "failed" at
// k = 1; a direction of Higher ranks the other way.
func TestBudgetGroupsAndFailures(t *testing.T) {
	recs := budgetRecords(map[string][]float64{"gan": {0.5, math.NaN(), 0.9}, "nvp": {0.7}}, "high_quality_frac", 1, 2)
	recs = append(recs[:5], recs[6:]...) // gan configuration 2, seed 2: not run
	ds := oneSet(t, recs...)
	groups := budgetGroups(ds)
	if len(groups) != 1 || groups[0].model != "gan" || !reflect.DeepEqual(groups[0].seeds, []uint64{1}) || !reflect.DeepEqual(groups[0].partial, []uint64{2}) {
		t.Fatalf("groups %+v", groups)
	}
	curves := budgetCurves(ds)
	if len(curves) != 1 {
		t.Fatalf("curves %v", curves)
	}
	c := curves[0][0]
	if c.key.Name != "high_quality_frac" || c.failed != 1 || len(c.points) != 3 {
		t.Fatalf("curve %+v", c)
	}
	if p := c.points[0]; !math.IsInf(p.Expected, -1) || !same(p.PAllFail, 1.0/3) || p.High != 0.9 {
		t.Errorf("k=1: %+v, want failed expectation, P(all fail) 1/3, high end 0.9", p)
	}
	if p := c.points[1]; !same(p.Expected, (2*0.9+0.5)/3) {
		t.Errorf("k=2: expected best %v, want %v", p.Expected, (2*0.9+0.5)/3)
	}
}

// TestBudgetSectionInReport writes a random sweep's records and
// spec.json to a folder and checks the report's section: protocol with
// the sweep seed, the curve table, the comparison and the figure.
func TestBudgetSectionInReport(t *testing.T) {
	dir := t.TempDir()
	recs := budgetRecords(map[string][]float64{"gan": {5, 1, 9, 9}, "nvp": {3, 3, 3, 3}}, "fd", 1)
	var trials []results.SpecTrial
	for _, r := range recs {
		if err := results.WriteRecord(dir, r); err != nil {
			t.Fatal(err)
		}
		trials = append(trials, results.SpecTrial{ID: r.Trial, Dataset: r.Dataset, Model: r.Model, Type: r.Type, Seed: r.Seed, Sweep: r.Sweep, Spec: r.Provenance.Spec})
	}
	spec := map[string]any{"name": "budget", "seeds": []int{1}, "datasets": []any{map[string]any{"name": "ring8", "params": map[string]any{}}},
		"models": []any{map[string]any{"name": "gan"}, map[string]any{"name": "nvp"}}, "eval": map[string]any{},
		"sweep": map[string]any{"mode": "random", "points": 4, "seed": 7, "axes": []any{}}}
	if err := results.WriteSpecFile(dir, spec, "h", trials); err != nil {
		t.Fatal(err)
	}
	r, err := Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := render(t, r)
	for _, want := range []string{
		"## Equal tuning budget",
		"drawn with sweep seed 7",
		"Swept models: nvp: N = 4 configurations × 1 complete seed; gan: N = 4 configurations × 1 complete seed.",
		`| fd (lower is better) | gan | 4 | 0 | 6.00 \[1.00, 9.00\] | 3.67 \[1.00, 9.00\] | 1.00 \[1.00, 1.00\] |`,
		"fd (lower is better): nvp's expected best is better at k = 1–2, gan's at k = 3–4",
		"figures/budget-ring8.png",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if f := r.budgetFigures[r.Sets[0]]; f == nil || len(f.PNG) == 0 {
		t.Error("no best-of-k figure")
	}
}

// TestBudgetSectionAbsentWithoutSweep: a folder without several
// configurations of a model has no equal-budget section.
func TestBudgetSectionAbsentWithoutSweep(t *testing.T) {
	r := &Report{Sets: []*DataSet{oneSet(t, rec("ring8", 2, "gan", "gan", "gan", "none", 1, mm{"fd": 1}))}}
	if got := r.budgetSection(); got != nil {
		t.Errorf("section %v", got)
	}
}

func TestKRanges(t *testing.T) {
	for _, c := range []struct {
		ks   []int
		want string
	}{{[]int{1}, "1"}, {[]int{1, 2, 3, 5, 7, 8}, "1–3, 5, 7–8"}, {nil, ""}} {
		if got := kRanges(c.ks); got != c.want {
			t.Errorf("%v: %q, want %q", c.ks, got, c.want)
		}
	}
	if got := budgetColumns(8); !reflect.DeepEqual(got, []int{1, 2, 4, 8}) {
		t.Errorf("columns %v", got)
	}
	if got := budgetColumns(6); !reflect.DeepEqual(got, []int{1, 2, 4, 6}) {
		t.Errorf("columns %v", got)
	}
}

// TestBudgetFigureData: one panel per key with curves, one series per
// model, points shifted apart by model, budgets that can fail left out.
func TestBudgetFigureData(t *testing.T) {
	ds := oneSet(t, budgetRecords(map[string][]float64{"gan": {5, math.NaN(), 9}, "nvp": {3, 2, 4}}, "fd", 1)...)
	panels := budgetFigureData(ds)
	if len(panels) != 1 || len(panels[0].series) != 2 {
		t.Fatalf("panels %+v", panels)
	}
	nvp, gan := panels[0].series[0], panels[0].series[1]
	if nvp.label != "nvp" || xysText(nvp.line) != "(0.95,3) (1.95,2.333333333333333) (2.95,2)" {
		t.Errorf("nvp %s %s", nvp.label, xysText(nvp.line))
	}
	// gan at k = 1 can draw its diverged configuration: not drawn; at k = 2
	// its best is 5 with probability 2/3, else 9: 19/3.
	if gan.label != "gan" || xysText(gan.line) != "(2.05,6.333333333333333) (3.05,5)" || len(gan.band.XYs) != 2 {
		t.Errorf("gan %s %s, band %v", gan.label, xysText(gan.line), gan.band)
	}
}

// TestBudgetPanelsCompareFirst: keys with two models' curves come before
// keys only one model has, whatever their order in the registry.
func TestBudgetPanelsCompareFirst(t *testing.T) {
	recs := budgetRecords(map[string][]float64{"gan": {1, 2}, "nvp": {3, 4}}, "mode_kl", 1)
	for _, r := range recs {
		if r.Model == "nvp" {
			r.Metrics["test_nll"] = 1
		}
	}
	var titles []string
	for _, p := range budgetFigureData(oneSet(t, recs...)) {
		titles = append(titles, p.title)
	}
	if want := []string{"mode_kl (lower is better)", "test_nll (lower is better)"}; !reflect.DeepEqual(titles, want) {
		t.Errorf("panels %q, want %q", titles, want)
	}
}

// TestBudgetProtocolSource: the protocol says where the configurations
// come from: a random sweep's seed, a fixed grid, or nothing known.
func TestBudgetProtocolSource(t *testing.T) {
	for _, c := range []struct {
		spec      SpecInfo
		want, not string
	}{
		{SpecInfo{Sweep: true, SweepMode: "random", SweepSeed: "7"}, "drawn with sweep seed 7", "fixed set"},
		{SpecInfo{Sweep: true, SweepMode: "grid"}, "the spec's grid sweep, a fixed set", "sweep seed"},
		{SpecInfo{}, "C(N−i, k−1)/C(N, k)", "sweep seed"},
	} {
		got := budgetProtocol(c.spec)
		if !strings.Contains(got, c.want) || strings.Contains(got, c.not) {
			t.Errorf("%+v: %q lacks %q or has %q", c.spec, got, c.want, c.not)
		}
	}
}
