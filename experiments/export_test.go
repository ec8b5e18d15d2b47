package experiments

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/genbench/genbench/internal/jsonnum"
	"github.com/genbench/genbench/results"
)

func TestExportCSV(t *testing.T) {
	recs := []*results.Record{
		{Trial: "t2", Dataset: "ring8", Model: "flow", Type: "realnvp", Family: "flow", Seed: 2, Status: results.StatusOK, NLLKind: "exact",
			Sweep:     results.SweepPoint{"train.lr": 0.01},
			Metrics:   map[string]float64{"test_nll": 1.25, "test_nll_n": 256, "modes_covered": 8},
			NonFinite: []string{"mode_kl"}, Protocol: map[string]string{"nll": "exact log-density", "mode_coverage": "VEEGAN"},
			EvalSeeds: &results.EvalSeeds{Seeds: []uint64{11, 12}, Values: map[string][]jsonnum.Float{"modes_covered": {7, 9}}}},
		{Trial: "t1", Dataset: "ring8", Model: "gan", Type: "pacgan", Family: "gan", Seed: 1, Status: results.StatusFailed, NLLKind: "none",
			Metrics: map[string]float64{}},
	}
	var buf bytes.Buffer
	if err := ExportCSV(&buf, recs); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		ExportColumns,
		{"t1", "ring8", "gan", "pacgan", "gan", "1", "", "failed", "", "", "", "", "", ""},
		{"t2", "ring8", "flow", "realnvp", "flow", "2", "train.lr=0.01", "ok", "mode_kl", "NaN", "", "", "VEEGAN", ""},
		{"t2", "ring8", "flow", "realnvp", "flow", "2", "train.lr=0.01", "ok", "modes_covered", "8", "", "", "VEEGAN", ""},
		{"t2", "ring8", "flow", "realnvp", "flow", "2", "train.lr=0.01", "ok", "modes_covered", "7", "", "", "VEEGAN", "11"},
		{"t2", "ring8", "flow", "realnvp", "flow", "2", "train.lr=0.01", "ok", "modes_covered", "9", "", "", "VEEGAN", "12"},
		{"t2", "ring8", "flow", "realnvp", "flow", "2", "train.lr=0.01", "ok", "test_nll", "1.25", "exact", "256", "exact log-density", ""},
		{"t2", "ring8", "flow", "realnvp", "flow", "2", "train.lr=0.01", "ok", "test_nll_n", "256", "exact", "", "exact log-density", ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%v", len(rows), len(want), rows)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d:\n got %v\nwant %v", i, rows[i], want[i])
		}
	}
}

// Every record key finds its protocol note through the metric that
// declares it, companions and patterns included.
func TestMetricProtocolFromRegistry(t *testing.T) {
	for key, want := range map[string]string{
		"test_nll": "nll", "test_nll_stderr": "nll", "importance_k": "nll", "bits_per_dim": "bits_per_dim",
		"nll_gap": "true_nll", "samples_per_sec": "sampling_speed", "mode_jsd": "mode_coverage",
		"class_share_3": "class_coverage", "density": "precision_recall", "fd_floor": "fd", "kid_std": "kid",
		"seconds_per_epoch": "training", "kl_dim_0": "diagnostics", // the diagnostics metric declares every other key
	} {
		if got := metricProtocol(key); got != want {
			t.Errorf("metricProtocol(%s) = %q, want %q", key, got, want)
		}
	}
}
