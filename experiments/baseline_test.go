package experiments

import (
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/results"
)

func rec(id, status string, m map[string]float64) *results.Record {
	return &results.Record{Trial: id, Dataset: "ring8", Model: "nvp", Status: status, Metrics: m,
		Training: &results.TrainResult{Stopped: "epochs"}}
}

func baseRecords() []*results.Record {
	return []*results.Record{
		rec("t1", results.StatusOK, map[string]float64{"test_nll": 2.0, "modes_covered": 8, "params": 100, "samples_per_sec": 1e5, "epochs": 10}),
		rec("t2", results.StatusOK, map[string]float64{"test_nll": 1.5, "modes_covered": 7, "params": 100, "samples_per_sec": 1e5, "epochs": 10}),
	}
}

func clone(recs []*results.Record) []*results.Record {
	var out []*results.Record
	for _, r := range recs {
		c := *r
		c.Metrics = map[string]float64{}
		for k, v := range r.Metrics {
			c.Metrics[k] = v
		}
		out = append(out, &c)
	}
	return out
}

func TestCheck(t *testing.T) {
	b := NewBaseline(baseRecords(), "results/x")
	cases := []struct {
		name     string
		edit     func([]*results.Record) []*results.Record
		opt      CheckOptions
		pass     bool
		verdicts map[string]string // "trial metric" → verdict
	}{
		{"baseline itself", func(r []*results.Record) []*results.Record { return r }, CheckOptions{}, true, nil},
		{"within tolerance", func(r []*results.Record) []*results.Record { r[0].Metrics["test_nll"] = 2.015; return r }, CheckOptions{}, true,
			map[string]string{"t1 test_nll": VerdictWithin}},
		{"planted NLL regression", func(r []*results.Record) []*results.Record { r[0].Metrics["test_nll"] = 2.1; return r }, CheckOptions{}, false,
			map[string]string{"t1 test_nll": VerdictWorse}},
		{"better NLL", func(r []*results.Record) []*results.Record { r[1].Metrics["test_nll"] = 1.2; return r }, CheckOptions{}, true,
			map[string]string{"t2 test_nll": VerdictBetter}},
		{"mode lost", func(r []*results.Record) []*results.Record { r[0].Metrics["modes_covered"] = 7; return r }, CheckOptions{}, false,
			map[string]string{"t1 modes_covered": VerdictWorse}},
		{"params changed", func(r []*results.Record) []*results.Record { r[0].Metrics["params"] = 101; return r }, CheckOptions{}, false,
			map[string]string{"t1 params": VerdictWorse}},
		{"epochs only reported", func(r []*results.Record) []*results.Record { r[0].Metrics["epochs"] = 3; return r }, CheckOptions{}, true,
			map[string]string{"t1 epochs": VerdictChanged}},
		{"slower: not checked by default", func(r []*results.Record) []*results.Record { r[0].Metrics["samples_per_sec"] = 1e3; return r }, CheckOptions{}, true,
			map[string]string{"t1 samples_per_sec": VerdictSkipped}},
		{"much slower with -timing", func(r []*results.Record) []*results.Record { r[0].Metrics["samples_per_sec"] = 1e3; return r }, CheckOptions{Timing: true}, false,
			map[string]string{"t1 samples_per_sec": VerdictWorse}},
		{"a bit slower with -timing", func(r []*results.Record) []*results.Record { r[0].Metrics["samples_per_sec"] = 0.5e5; return r }, CheckOptions{Timing: true}, true,
			map[string]string{"t1 samples_per_sec": VerdictWithin}},
		{"missing trial", func(r []*results.Record) []*results.Record { return r[:1] }, CheckOptions{}, false, nil},
		{"failed trial", func(r []*results.Record) []*results.Record {
			r[1].Status, r[1].Reason, r[1].Metrics = results.StatusDiverged, "NaN loss", map[string]float64{}
			return r
		}, CheckOptions{}, false, nil},
		{"metric missing", func(r []*results.Record) []*results.Record { delete(r[0].Metrics, "test_nll"); return r }, CheckOptions{}, false,
			map[string]string{"t1 test_nll": VerdictMissing}},
		{"metric non-finite", func(r []*results.Record) []*results.Record {
			delete(r[0].Metrics, "test_nll")
			r[0].NonFinite = []string{"test_nll"}
			return r
		}, CheckOptions{}, false, map[string]string{"t1 test_nll": VerdictWorse}},
		{"new trial and metric", func(r []*results.Record) []*results.Record {
			r[0].Metrics["extra"] = 1
			return append(r, rec("t3", results.StatusOK, map[string]float64{"test_nll": 9}))
		}, CheckOptions{}, true, map[string]string{"t1 extra": VerdictNew}},
		{"time budget: reported, not failed", func(r []*results.Record) []*results.Record {
			r[0].Metrics["test_nll"] = 3
			r[0].Training = &results.TrainResult{Stopped: "time_budget"}
			return r
		}, CheckOptions{}, true, map[string]string{"t1 test_nll": VerdictChanged}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := b.Check(c.edit(clone(baseRecords())), c.opt)
			if rep.OK() != c.pass {
				t.Errorf("passed %v, want %v:\n%s", rep.OK(), c.pass, rep.Table(true))
			}
			for key, want := range c.verdicts {
				found := false
				for _, r := range rep.Rows {
					if r.Trial+" "+r.Metric == key {
						found = true
						if r.Verdict != want {
							t.Errorf("%s: verdict %q, want %q", key, r.Verdict, want)
						}
					}
				}
				if !found {
					t.Errorf("%s: no row", key)
				}
			}
		})
	}
}

func TestBaselineFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "base.json")
	b := NewBaseline(baseRecords(), "results/x")
	if err := WriteBaseline(path, b); err != nil {
		t.Fatal(err)
	}
	got, err := ReadBaseline(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Trials, b.Trials) || !reflect.DeepEqual(got.Rules, b.Rules) {
		t.Error("baseline changed by a write and read")
	}
	want := map[string]Rule{
		"test_nll":        {Direction: Lower, RelTol: 0.01, AbsTol: 0.01},
		"modes_covered":   {Direction: Higher},
		"samples_per_sec": {Direction: Higher, Ratio: 3, Timing: true},
	}
	for name, r := range want {
		if got.Rules[name] != r {
			t.Errorf("rule %s: %+v, want %+v", name, got.Rules[name], r)
		}
	}
	if !got.Check(baseRecords(), CheckOptions{Timing: true}).OK() {
		t.Error("the baseline fails against its own records")
	}
	// A hand-edited wrong direction is refused.
	b.Rules["test_nll"] = Rule{Direction: "down"}
	WriteBaseline(path, b)
	if _, err := ReadBaseline(path); err == nil || !strings.Contains(err.Error(), `direction "down"`) {
		t.Errorf("bad direction accepted: %v", err)
	}
}

func TestSummarize(t *testing.T) {
	mk := func(id string, seed uint64, status string, point results.SweepPoint, nll float64, nonfinite bool) *results.Record {
		r := &results.Record{Trial: id, Dataset: "ring8", Model: "nvp", Seed: seed, Status: status, Sweep: point,
			Metrics: map[string]float64{"test_nll": nll}}
		if nonfinite {
			delete(r.Metrics, "test_nll")
			r.NonFinite = []string{"test_nll"}
		}
		return r
	}
	p1, p2 := results.SweepPoint{"train.lr": 0.001}, results.SweepPoint{"train.lr": 0.01}
	recs := []*results.Record{
		mk("a1", 1, results.StatusOK, p1, 1.0, false),
		mk("a2", 2, results.StatusOK, p1, 1.2, false),
		mk("a3", 3, results.StatusOK, p1, 1.1, false),
		mk("b1", 1, results.StatusOK, p2, 2.0, false),
		mk("b2", 2, results.StatusDiverged, p2, 0, false),
		mk("b3", 3, results.StatusOK, p2, 0, true),
	}
	groups := Summarize(recs)
	if len(groups) != 2 {
		t.Fatalf("%d groups, want 2", len(groups))
	}
	a, b := groups[0], groups[1]
	want := metrics.Aggregate([]float64{1.0, 1.2, 1.1})
	got := a.Metrics["test_nll"]
	if a.Trials != 3 || a.OK != 3 || got.Mean != want.Mean || got.Std != want.Std || got.CI95Lo != want.CI95Lo || got.N != 3 {
		t.Errorf("group a: %+v, metric %+v, want %+v", a, got, want)
	}
	if b.Trials != 3 || b.OK != 2 || b.Diverged != 1 || b.Metrics["test_nll"].N != 1 || b.Metrics["test_nll"].NonFinite != 1 {
		t.Errorf("group b: %+v, metric %+v", b, b.Metrics["test_nll"])
	}
	table := SummaryTable(groups, nil, false)
	for _, s := range []string{"SWEEP", "train.lr=0.001", "1 diverged", "(+1 non-finite)", "[0.851"} {
		if !strings.Contains(table, s) {
			t.Errorf("table lacks %q:\n%s", s, table)
		}
	}
	if math.IsNaN(got.Mean) {
		t.Error("NaN mean")
	}
}
