package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genbench/genbench/compare"
	"github.com/genbench/genbench/experiments"
	"github.com/genbench/genbench/results"
)

// genbenchRun runs the command in-process.
func genbenchRun(args ...string) (int, string, string) {
	var so, se bytes.Buffer
	code := run(args, &so, &se)
	return code, so.String(), se.String()
}

// plantRegression worsens one trial's per-example NLLs by frac of their
// size, rewriting its sidecar and record as a slightly worse model would.
func plantRegression(t *testing.T, dir, model string, frac float64) string {
	t.Helper()
	folder, err := results.ReadFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs, errs := folder.Records, folder.Problems
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, r := range recs {
		if r.Model != model {
			continue
		}
		logp, err := results.ReadExamples(dir, r.Examples)
		if err != nil {
			t.Fatal(err)
		}
		nll := 0.0
		for i, v := range logp {
			logp[i] = v - frac*math.Abs(v)
			nll -= logp[i] / float64(len(logp))
		}
		seed := r.Examples.EvalSeed
		if r.Examples, err = results.WriteExamples(dir, r.Trial, r.Examples.Kind, logp, r.Examples.TestHash); err != nil {
			t.Fatal(err)
		}
		r.Examples.EvalSeed = seed
		r.Metrics["test_nll"] = nll
		data, _ := json.MarshalIndent(r, "", "  ")
		if err := experiments.WriteFileAtomic(filepath.Join(dir, "trials", r.Trial+".json"), data); err != nil {
			t.Fatal(err)
		}
		return r.Trial
	}
	t.Fatalf("no trial of model %s", model)
	return ""
}

// The commands of issue 17 on one small run: eval, compare, export,
// summary with one seed, baseline -examples and check -test with its CI
// files, exit codes and output.
func TestStatisticsCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "res")
	if code, so, se := genbenchRun("run", "testdata/tiny.yaml", "-o", dir, "-q"); code != 0 {
		t.Fatalf("run: %d\n%s%s", code, so, se)
	}
	tmp := t.TempDir()
	base := filepath.Join(tmp, "base.json")
	junit, md, csvPath := filepath.Join(tmp, "j.xml"), filepath.Join(tmp, "s.md"), filepath.Join(tmp, "r.csv")
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{"eval adds a metric", []string{"eval", "testdata/tiny.yaml", "-o", dir, "-metrics", "nll,mode_coverage", "-q"}, 0,
			[]string{"2 trials: 2 re-evaluated, 0 skipped, 0 failed"}, nil},
		{"eval unknown metric", []string{"eval", "testdata/tiny.yaml", "-o", dir, "-metrics", "nope"}, 2, nil, []string{`unknown metric "nope"`}},
		{"eval without spec", []string{"eval", "-o", dir}, 2, nil, []string{"want one spec file"}},
		{"eval empty folder", []string{"eval", "testdata/tiny.yaml", "-o", tmp, "-q"}, 0, []string{"0 re-evaluated, 2 skipped"}, []string{"no record"}},
		{"compare", []string{"compare", dir}, 0, []string{"gauss", "maf", "examples/seed", "paired-z", "Sample-based metrics", "modes_covered"}, nil},
		{"compare a pair", []string{"compare", dir, "maf", "gauss"}, 0, []string{"gauss"}, nil},
		{"compare unknown pair", []string{"compare", dir, "maf", "nope"}, 1, nil, []string{"no comparable pair"}},
		{"compare bad alpha", []string{"compare", dir, "-alpha", "2"}, 2, nil, []string{"-alpha 2"}},
		{"compare two arguments", []string{"compare", dir, "maf"}, 2, nil, []string{"want a results folder"}},
		{"compare missing folder", []string{"compare", filepath.Join(tmp, "nope")}, 1, nil, []string{"results folder"}},
		{"export", []string{"export", dir}, 0, []string{"trial,dataset,model,type,family,seed,sweep,status,metric,value,nll_kind,n,protocol", "modes_covered"}, nil},
		{"export to a file", []string{"export", dir, "-o", csvPath}, 0, []string{"export: 2 trials"}, nil},
		{"export without folder", []string{"export"}, 2, nil, []string{"want one results folder"}},
		{"summary, one seed", []string{"summary", dir}, 0, []string{"(per-example s.e.)", "1 seed: no across-seed std"}, nil},
		{"baseline with examples", []string{"baseline", dir, "-o", base, "-examples"}, 0, []string{"2 per-example sidecars copied to base.examples"}, nil},
		{"check -test unchanged", []string{"check", dir, "-baseline", base, "-test", "-junit", junit, "-markdown", md}, 0,
			[]string{"check -test ok", "2 on per-example values"}, nil},
		{"check bad alpha", []string{"check", dir, "-baseline", base, "-test", "-alpha", "0"}, 2, nil, []string{"-alpha 0"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, so, se := genbenchRun(c.args...)
			if code != c.code {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, c.code, so, se)
			}
			for _, s := range c.stdout {
				if !strings.Contains(so, s) {
					t.Errorf("stdout lacks %q:\n%s", s, so)
				}
			}
			for _, s := range c.stderr {
				if !strings.Contains(se, s) {
					t.Errorf("stderr lacks %q:\n%s", s, se)
				}
			}
		})
	}
	code, so, _ := genbenchRun("compare", dir, "-json")
	var js compare.Comparisons
	if err := json.Unmarshal([]byte(so), &js); code != 0 || err != nil || len(js.Pairs) != 1 {
		t.Fatalf("compare -json: exit %d, %v, %d pairs\n%s", code, err, len(js.Pairs), so)
	}
	for _, key := range []string{`"difference"`, `"ci_low"`, `"ci_high"`, `"p_holm"`, `"significant"`, `"effect_size"`} {
		if !strings.Contains(so, key) {
			t.Errorf("compare -json lacks %s", key)
		}
	}
	f, _ := os.Open(csvPath)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) < 10 {
		t.Errorf("export file: %d rows, %v", len(rows), err)
	}
	if x, _ := os.ReadFile(junit); !bytes.Contains(x, []byte("<testsuites")) || bytes.Contains(x, []byte("<failure")) {
		t.Errorf("JUnit of a passing check:\n%s", x)
	}
	if x, _ := os.ReadFile(md); !bytes.Contains(x, []byte("checks:")) {
		t.Errorf("Markdown summary:\n%s", x)
	}

	victim := plantRegression(t, dir, "maf", 0.005)
	if code, so, se := genbenchRun("check", dir, "-baseline", base); code != 0 {
		t.Errorf("tolerance mode caught a 0.5%% regression (exit %d): it should not\n%s%s", code, so, se)
	}
	code, so, se := genbenchRun("check", dir, "-baseline", base, "-test", "-junit", junit)
	if code != 1 || !strings.Contains(so, "REGRESSION "+victim+" test_nll") || !strings.Contains(so, "check -test FAILED") {
		t.Errorf("test mode: exit %d, want 1 naming %s\n%s%s", code, victim, so, se)
	}
	if x, _ := os.ReadFile(junit); !bytes.Contains(x, []byte(`<failure message="current`)) {
		t.Errorf("JUnit of a failing check lacks the failure:\n%s", x)
	}
}
