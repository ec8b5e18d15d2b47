package experiments

import (
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	_ "github.com/genbench/genbench/models/flow"
	"github.com/genbench/genbench/params"
	"github.com/genbench/genbench/results"
)

// divergingModel returns a NaN loss at the step its params name.
type divergingModel struct{ step, at int }

func (d *divergingModel) TrainStep(*mat.Dense) (float64, error) {
	d.step++
	if d.step >= d.at {
		return math.NaN(), nil
	}
	return 1, nil
}
func (d *divergingModel) Sample(n int, _ *rand.Rand) (*mat.Dense, error) {
	return mat.NewDense(n, 2, nil), nil
}
func (d *divergingModel) NumParams() int       { return 0 }
func (d *divergingModel) Save(io.Writer) error { return nil }
func (d *divergingModel) Load(io.Reader) error { return nil }

func init() {
	models.Register(models.Type{Name: "test-diverge", Family: models.GAN, Doc: "returns NaN at step `at`",
		Params: params.Schema{{Key: "at", Default: 3}},
		New: func(c models.Config) (models.Model, error) {
			return &divergingModel{at: c.Params.Int("at")}, nil
		}})
}

const tinySpec = `name: tiny
seeds: [1, 2]
datasets:
  - {name: ring8, std: 0.1, n_train: 512, n_valid: 256, n_test: 256}
models:
  - {name: gauss, type: gaussian}
  - {name: nvp, type: realnvp, params: {layers: 2, hidden: 8}}
train: {batch_size: 128, epochs: 3, lr: 1e-3, patience: 2}
eval: {metrics: [nll, true_nll, sampling_speed, mode_coverage], samples: 200, speed_batch: 100, speed_repeats: 2}
`

func runTiny(t *testing.T, text, dir string) *Outcome {
	t.Helper()
	spec, err := Parse("tiny.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Run(spec, Options{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func stableMetrics(recs []*results.Record) map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	for _, r := range recs {
		m := map[string]float64{}
		for k, v := range r.Metrics {
			if !IsTimingMetric(k) {
				m[k] = v
			}
		}
		out[r.Trial] = m
	}
	return out
}

func TestRunIsDeterministic(t *testing.T) {
	a := runTiny(t, tinySpec, t.TempDir())
	b := runTiny(t, tinySpec, t.TempDir())
	if a.OK != 4 || b.OK != 4 {
		t.Fatalf("ok trials %d and %d, want 4", a.OK, b.OK)
	}
	ma, mb := stableMetrics(a.Records), stableMetrics(b.Records)
	if !reflect.DeepEqual(ma, mb) {
		t.Errorf("metrics differ between identical runs:\n%v\n%v", ma, mb)
	}
	for _, r := range a.Records {
		if _, ok := r.Metrics["test_nll"]; !ok {
			t.Errorf("%s: no test_nll", r.Trial)
		}
		if r.NLLKind != "exact" || r.Family != "flow" {
			t.Errorf("%s: kind %s family %s", r.Trial, r.NLLKind, r.Family)
		}
		if r.Provenance.SpecHash == "" || r.Provenance.GoVersion == "" || len(r.Provenance.Spec) == 0 {
			t.Errorf("%s: provenance incomplete: %+v", r.Trial, r.Provenance)
		}
	}
	// Different seeds draw different data and weights.
	if ma[a.Records[0].Trial]["test_nll"] == ma[a.Records[1].Trial]["test_nll"] {
		t.Error("seeds 1 and 2 gave the same test NLL")
	}
}

func TestRunSkipsFinishedAndRerunsCorrupted(t *testing.T) {
	ref := runTiny(t, tinySpec, t.TempDir())
	cases := []struct {
		name string
		edit func(data []byte, other string) []byte
		want string // in the log
	}{
		{"truncated", func(b []byte, _ string) []byte { return b[:len(b)/2] }, "corrupted trial record"},
		{"garbage", func(b []byte, _ string) []byte { return []byte("\x00\x01not json") }, "corrupted trial record"},
		{"empty", func(b []byte, _ string) []byte { return nil }, "corrupted trial record"},
		{"unknown field", func(b []byte, _ string) []byte {
			return []byte(strings.Replace(string(b), `"trial"`, `"trail"`, 1))
		}, "corrupted trial record"},
		{"incomplete", func(b []byte, _ string) []byte { return []byte(`{"trial": "x"}`) }, "incomplete trial record"},
		{"another trial's record", func(b []byte, other string) []byte { return []byte(other) }, "holds trial"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			first := runTiny(t, tinySpec, dir)
			paths, _ := filepath.Glob(filepath.Join(dir, "trials", "*.json"))
			if len(paths) != 4 {
				t.Fatalf("%d trial files, want 4", len(paths))
			}
			data, _ := os.ReadFile(paths[0])
			other, _ := os.ReadFile(paths[1])
			if err := os.WriteFile(paths[0], c.edit(data, string(other)), 0o644); err != nil {
				t.Fatal(err)
			}
			spec, _ := Parse("tiny.yaml", []byte(tinySpec))
			var log strings.Builder
			again, err := Run(spec, Options{Out: dir, Log: &log})
			if err != nil {
				t.Fatal(err)
			}
			if again.Skipped != 3 || again.Ran != 1 {
				t.Errorf("second run: %d skipped, %d ran; want 3 and 1", again.Skipped, again.Ran)
			}
			if !strings.Contains(log.String(), c.want) || !strings.Contains(log.String(), "running it again") {
				t.Errorf("damage not reported (want %q):\n%s", c.want, log.String())
			}
			if !reflect.DeepEqual(stableMetrics(first.Records), stableMetrics(again.Records)) ||
				!reflect.DeepEqual(stableMetrics(ref.Records), stableMetrics(again.Records)) {
				t.Error("rerun results differ from the first run")
			}
			var all []*results.Record
			raw, err := os.ReadFile(filepath.Join(dir, "results.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &all); err != nil || len(all) != 4 {
				t.Fatalf("results.json: %d records, %v", len(all), err)
			}
		})
	}
}

func TestDivergenceIsRecordedAndOthersGoOn(t *testing.T) {
	spec := strings.Replace(tinySpec, "  - {name: gauss, type: gaussian}\n",
		"  - {name: bad, type: test-diverge, params: {at: 3}}\n", 1)
	out := runTiny(t, spec, t.TempDir())
	if out.Diverged != 2 || out.OK != 2 {
		t.Fatalf("%d diverged, %d ok; want 2 and 2", out.Diverged, out.OK)
	}
	for _, r := range out.Records {
		if r.Model != "bad" {
			continue
		}
		if r.Status != results.StatusDiverged || !strings.Contains(r.Reason, "step 3") || !strings.Contains(r.Reason, "NaN") {
			t.Errorf("status %s reason %q", r.Status, r.Reason)
		}
		if r.NLLKind != "none" {
			t.Errorf("diverging model without a likelihood has kind %s", r.NLLKind)
		}
	}
}

func TestNonFiniteCurveRoundTrips(t *testing.T) {
	in := []results.EpochLog{{Epoch: 0, TrainLoss: 1.5, ValidLoss: math.NaN()}, {Epoch: 1, TrainLoss: math.Inf(1), ValidLoss: 2}}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("a NaN loss cannot be written: %v", err)
	}
	var out []results.EpochLog
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(out[0].ValidLoss) || !math.IsNaN(out[1].TrainLoss) || out[0].TrainLoss != 1.5 || out[1].ValidLoss != 2 {
		t.Errorf("round trip gave %+v", out)
	}
}
