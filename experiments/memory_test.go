package experiments

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genbench/genbench/results"
)

// caseOneSpec is the spec of issue 14's first case: three models on
// ring8, the middle one far too large for any machine.
const caseOneSpec = `name: oversized
seeds: [1]
datasets:
  - {name: ring8, n_train: 500, n_valid: 200, n_test: 200}
models:
  - {name: gauss, type: gaussian}
  - {name: huge, type: realnvp, params: {layers: 2, hidden: 20000000}}
  - {name: small, type: realnvp, params: {layers: 2, hidden: 8}}
train: {batch_size: 100, epochs: 2}
eval: {metrics: [nll], samples: 100}
`

// TestMemoryEstimateRefusesSpecs: trials that no machine (or not the
// given limit) can hold are refused at parse time, at the line of what
// to shrink, naming the model and the estimate.
func TestMemoryEstimateRefusesSpecs(t *testing.T) {
	small := strings.Replace(caseOneSpec, "hidden: 20000000", "hidden: 8", 1)
	cases := []struct {
		name, text string
		want       string // file:line: key: ... prefix
		msg        []string
	}{
		{"case 1: hidden 2e7", caseOneSpec, "oversized.yaml:7: models[1]: ",
			[]string{"model huge on data set ring8 needs an estimated", "PiB", "parameters", "optimiser", "more than the"}},
		{"layers 1e8", strings.Replace(small, "layers: 2, hidden: 8", "layers: 100000000, hidden: 64", 1),
			"oversized.yaml:7: models[1]: ", []string{"model huge"}},
		{"n_train 1e12", strings.Replace(small, "n_train: 500", "n_train: 1e12", 1),
			"oversized.yaml:4: datasets[0]: ", []string{"data set ring8", "data 29.1 TiB"}},
		{"samples 1e12", strings.Replace(small, "samples: 100}", "samples: 1000000000000}", 1),
			"oversized.yaml:10: eval.samples: ", []string{"samples 29.1 TiB"}},
		{"gmm dim 1e6", strings.Replace(small, "name: ring8, n_train: 500,", "name: gmm, dim: 1000000,", 1),
			"oversized.yaml:4: datasets[0]: ", []string{"data set gmm"}},
		{"limit below a small spec", strings.Replace(small, "epochs: 2}", "epochs: 2, memory_limit: 1KiB}", 1),
			"oversized.yaml:4: datasets[0]: ", []string{"train.memory_limit", "1 KiB limit"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("oversized.yaml", []byte(c.text))
			if err == nil {
				t.Fatal("spec accepted")
			}
			if c.want != "" && !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error %q, want it to start with %q", err, c.want)
			}
			for _, m := range c.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
		})
	}
}

// TestMemoryLimitKey: memory_limit takes sizes and auto, refuses
// anything else, and leaves trial ids alone.
func TestMemoryLimitKey(t *testing.T) {
	base := strings.Replace(caseOneSpec, "hidden: 20000000", "hidden: 8", 1)
	plain, err := Parse("s.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"auto", "64GiB", "512 MB", "1e12 B"} {
		text := strings.Replace(base, "epochs: 2}", "epochs: 2, memory_limit: "+v+"}", 1)
		s, err := Parse("s.yaml", []byte(text))
		if err != nil {
			t.Errorf("memory_limit %s: %v", v, err)
			continue
		}
		if s.TrialSpecs()[0].ID != plain.TrialSpecs()[0].ID {
			t.Errorf("memory_limit %s changes the trial id", v)
		}
	}
	for _, v := range []string{"lots", "-1GiB", "8 GiBs", "0"} {
		text := strings.Replace(base, "epochs: 2}", "epochs: 2, memory_limit: \""+v+"\"}", 1)
		if _, err := Parse("s.yaml", []byte(text)); err == nil || !strings.Contains(err.Error(), "train.memory_limit") {
			t.Errorf("memory_limit %q: error %v", v, err)
		}
	}
}

// TestShippedSpecsFitInEightGiB: the estimate must not refuse the
// repository's own specs on an ordinary machine.
func TestShippedSpecsFitInEightGiB(t *testing.T) {
	files, _ := filepath.Glob("*.yaml")
	if len(files) == 0 {
		t.Fatal("no specs found")
	}
	for _, f := range files {
		s, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range s.TrialSpecs() {
			e, ok := EstimateMemory(tr.Dataset, tr.Model, tr.Eval)
			if !ok {
				t.Errorf("%s: %s: no estimate", f, tr.ID)
				continue
			}
			if e.Total() > 8<<30 || e.Total() < 100<<10 {
				t.Errorf("%s: %s: estimate %v, outside [100 KiB, 8 GiB]", f, tr.ID, e)
			}
		}
	}
}

func TestParseAndFormatBytes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
	}{{"8GiB", 8 << 30}, {"512 MB", 512e6}, {"1e9", 1e9}, {"1.5 KiB", 1536}, {"100B", 100}} {
		got, err := ParseBytes(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseBytes(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "GiB", "8 XB", "NaN", "inf", "-3"} {
		if _, err := ParseBytes(bad); err == nil {
			t.Errorf("ParseBytes(%q) accepted", bad)
		}
	}
	for _, c := range []struct {
		in   float64
		want string
	}{{512, "512 B"}, {1536, "1.5 KiB"}, {3 << 30, "3 GiB"}, {math.Pow(2, 60), "1 EiB"}} {
		if got := FormatBytes(c.in); got != c.want {
			t.Errorf("FormatBytes(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMemTotal(t *testing.T) {
	info := "MemFree:  100 kB\nMemTotal:       24683784 kB\nBuffers: 1 kB\n"
	if got := memTotal([]byte(info)); got != 24683784*1024 {
		t.Errorf("memTotal = %v", got)
	}
	if got := memTotal([]byte("nothing here")); got != 0 {
		t.Errorf("memTotal of garbage = %v, want 0", got)
	}
}

// TestRunRefusesTrialThatCannotFit: a spec that skipped Parse's check
// (built or changed in code) still never starts the oversized trial: it
// gets a failed record naming the estimate, and the others run.
func TestRunRefusesTrialThatCannotFit(t *testing.T) {
	small := strings.Replace(caseOneSpec, "hidden: 20000000", "hidden: 8", 1)
	spec, err := Parse("oversized.yaml", []byte(small))
	if err != nil {
		t.Fatal(err)
	}
	spec.Models[1].Params["hidden"] = 20000000
	out, err := Run(spec, Options{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if out.OK != 2 || out.Failed != 1 {
		t.Fatalf("%d ok, %d failed; want 2 and 1", out.OK, out.Failed)
	}
	for _, r := range out.Records {
		if r.Model == "huge" && (r.Status != results.StatusFailed || !strings.Contains(r.Reason, "needs an estimated")) {
			t.Errorf("huge: %s: %s", r.Status, r.Reason)
		}
	}
}

// TestMemoryCheckAtSweepPoints: a sweep point that makes a model too
// large is refused, naming the point; points that leave a trial alone
// are not estimated again.
func TestMemoryCheckAtSweepPoints(t *testing.T) {
	small := strings.Replace(caseOneSpec, "hidden: 20000000", "hidden: 8", 1)
	text := small + "sweep:\n  axes:\n    - {path: models.huge.params.hidden, values: [8, 16, 20000000]}\n"
	_, err := Parse("oversized.yaml", []byte(text))
	if err == nil || !strings.Contains(err.Error(), "oversized.yaml:7: models[1]: model huge on data set ring8 needs an estimated") ||
		!strings.Contains(err.Error(), "at sweep point models[huge].params.hidden=20000000") || strings.Count(err.Error(), "\n") != 0 {
		t.Errorf("error %v", err)
	}
}
