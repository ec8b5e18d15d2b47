package reports

// Reports of partial, odd and labelled folders: trials missing, records
// irregular, sweep points and data set labels.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/genbench/genbench/models/flow" // gaussian, for a real run
	"github.com/genbench/genbench/results"
)

// TestPartialFolders removes and breaks files of a copy of the fixture.
func TestPartialFolders(t *testing.T) {
	tests := []struct {
		name    string
		break_  func(dir string) error
		check   func(t *testing.T, r *Report)
		mdWants []string
	}{
		{
			name:   "no spec.json",
			break_: func(dir string) error { return os.Remove(filepath.Join(dir, "spec.json")) },
			check: func(t *testing.T, r *Report) {
				if r.Spec.Present || len(r.Missing) != 0 {
					t.Errorf("spec present %v, %d missing", r.Spec.Present, len(r.Missing))
				}
			},
			mdWants: []string{"No readable spec.json", "lack seeds that other rows have", "ring8 / maf-5: seeds 2"},
		},
		{
			name: "records only in results.json",
			break_: func(dir string) error {
				f, err := results.ReadFolder(dir)
				if err != nil {
					return err
				}
				data, err := json.Marshal(f.Records)
				if err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(dir, "results.json"), data, 0o644); err != nil {
					return err
				}
				return os.RemoveAll(filepath.Join(dir, "trials"))
			},
			check: func(t *testing.T, r *Report) {
				if len(r.Records) != 56 || len(r.FromIndex) != 56 {
					t.Errorf("%d records, %d from results.json; want 56", len(r.Records), len(r.FromIndex))
				}
			},
			mdWants: []string{"Records found only in results.json"},
		},
		{
			name: "corrupted spec.json and results.json",
			break_: func(dir string) error {
				if err := os.WriteFile(filepath.Join(dir, "spec.json"), []byte("{\"name\": "), 0o644); err != nil {
					return err
				}
				return os.WriteFile(filepath.Join(dir, "results.json"), []byte("[{"), 0o644)
			},
			check: func(t *testing.T, r *Report) {
				files := map[string]bool{}
				for _, p := range r.Problems {
					files[p.File] = true
				}
				if !files["spec.json"] || !files["results.json"] {
					t.Errorf("problems %v", r.Problems)
				}
			},
		},
		{
			name: "spec.json with a sweep",
			break_: func(dir string) error {
				return editSpecJSON(dir, func(spec map[string]any) {
					spec["sweep"] = map[string]any{"mode": "grid", "axes": []any{map[string]any{"path": "train.lr", "values": []any{0.001, 0.0001}}}}
				})
			},
			check: func(t *testing.T, r *Report) {
				if !r.Spec.Present || !r.Spec.Sweep || !r.Spec.Listed || len(r.Missing) != 4 || len(r.Unexpected) != 0 {
					t.Errorf("sweep %v, listed %v, %d missing, %d unexpected", r.Spec.Sweep, r.Spec.Listed, len(r.Missing), len(r.Unexpected))
				}
			},
			mdWants: []string{"spec.json defines 60 trials (3 data sets × 10 models × 2 seeds and a sweep); 4 missing."},
		},
		{
			name: "spec.json without a trial list (older runner)",
			break_: func(dir string) error {
				return editSpecJSON(dir, func(spec map[string]any) { delete(spec, "trials"); delete(spec, "hash") })
			},
			check: func(t *testing.T, r *Report) {
				if !r.Spec.Present || r.Spec.Listed || len(r.Missing) != 0 || len(r.Unexpected) != 0 {
					t.Errorf("listed %v, %d missing, %d unexpected", r.Spec.Listed, len(r.Missing), len(r.Unexpected))
				}
				if r.Spec.Hash != r.Records[0].Provenance.SpecHash {
					t.Errorf("spec hash %s, the records say %s", r.Spec.Hash, r.Records[0].Provenance.SpecHash)
				}
			},
			mdWants: []string{"does not list its trials (written by an older genbench)", "ring8 / maf-5: seeds 2"},
		},
		{
			name: "trial list without settings (older runner)",
			break_: func(dir string) error {
				return editSpecJSON(dir, func(spec map[string]any) {
					for _, tr := range spec["trials"].([]any) {
						delete(tr.(map[string]any), "spec")
					}
				})
			},
			check: func(t *testing.T, r *Report) {
				if !r.Spec.Listed || len(r.Missing) != 4 || len(r.Sets) != 3 {
					t.Errorf("listed %v, %d missing, %d sets", r.Spec.Listed, len(r.Missing), len(r.Sets))
				}
			},
			mdWants: []string{"4 of the 60 trials that spec.json defines have no readable record"},
		},
		{
			name: "empty folder",
			break_: func(dir string) error {
				if err := os.RemoveAll(dir); err != nil {
					return err
				}
				return os.Mkdir(dir, 0o755)
			},
			check: func(t *testing.T, r *Report) {
				if len(r.Records) != 0 || len(r.Sets) != 0 {
					t.Errorf("%d records", len(r.Records))
				}
				for _, c := range r.Claims {
					if c.Verdict != NotMeasured {
						t.Errorf("claim %s: %s", c.ID, c.Verdict)
					}
				}
			},
			mdWants: []string{"No trial records could be read."},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "results")
			if err := os.CopyFS(dir, os.DirFS(fixtureDir)); err != nil {
				t.Fatal(err)
			}
			if err := tc.break_(dir); err != nil {
				t.Fatal(err)
			}
			r, err := build(dir, false)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			tc.check(t, r)
			md, html := render(t, r)
			for _, w := range tc.mdWants {
				if !bytes.Contains(md, []byte(mdEscaper.Replace(w))) {
					t.Errorf("report.md lacks %q", w)
				}
			}
			if bytes.Contains(md, []byte(dir)) || bytes.Contains(html, []byte(dir)) {
				t.Error("the report mentions the folder's absolute path")
			}
		})
	}
}

// TestOddRecords: degenerate but valid records (zero speeds, negative
// NLLs, empty or one-point curves, unknown families, an artifact of
// higher-dimensional samples) must give a report without figure errors.
func TestOddRecords(t *testing.T) {
	dir := t.TempDir()
	curve := func(n int) *results.TrainResult {
		tr := &results.TrainResult{ValidKind: "nll", Stopped: "max_steps"}
		for e := 0; e < n; e++ {
			tr.Curve = append(tr.Curve, results.EpochLog{Epoch: e, TrainLoss: -1e6 * float64(e+1), ValidLoss: 5})
		}
		tr.Epochs = n
		return tr
	}
	recs := []*results.Record{
		rec("odd", 6, "zero-speed", "realnvp", "flow", "exact", 1, mm{"test_nll": -12.5, "samples_per_sec": 0, "seconds_per_epoch": 0}),
		rec("odd", 6, "mystery", "thing", "", "estimate", 1, mm{"test_nll": 1e9, "samples_per_sec": 1e-3}),
		rec("odd", 6, "one-point", "made", "autoregressive", "exact", 1, mm{"test_nll": 3, "samples_per_sec": 5, "modes_covered": 0, "modes_total": 1}),
		rec("odd", 6, "vae", "vae", "vae", "bound", 1, mm{"active_units": 0, "kl_dim_0": 0, "kl_dim_1": 0}),
	}
	recs[0].Training = curve(0)
	recs[1].Training = curve(1)
	recs[2].Training = curve(3)
	for _, r := range recs {
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "trials"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "trials", r.Trial+".json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a := results.Artifacts{Shape: []int{6}, Samples: [][]float64{{1, 2, 3, 4, 5, 6}, {0, 0, 0, 0, 0, 0}}}
	if err := results.WriteArtifacts(dir, recs[2].Trial, a); err != nil {
		t.Fatal(err)
	}
	r, err := Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range r.Problems {
		t.Errorf("problem: %s: %s", p.File, p.Reason)
	}
	if len(r.Figures) == 0 {
		t.Error("no figures")
	}
	render(t, r)
}

// TestSweepRowsLabelled: trials of one model name that differ in a
// setting (sweep points) are separate rows, labelled by the difference.
func TestSweepRowsLabelled(t *testing.T) {
	spec := func(lr string, seed int) json.RawMessage {
		return json.RawMessage(`{"dataset":{"name":"ring8","params":{}},"eval":{"metrics":["nll"],"samples":2500},` +
			`"model":{"name":"maf","type":"maf","params":{"hidden":64},"train":{"lr":` + lr + `,"batch_size":256}},"seed":` + fmt.Sprint(seed) + `}`)
	}
	var recs []*results.Record
	for i, lr := range []string{"0.001", "0.0001", "0.001"} {
		r := rec("ring8", 2, "maf", "maf", "flow", "exact", uint64(i+1), mm{"test_nll": 1 + float64(i)})
		r.Trial = fmt.Sprintf("ring8-maf-%d", i)
		r.Provenance.Spec = spec(lr, i+1)
		recs = append(recs, r)
	}
	sets := group(recs, nil)
	if len(sets) != 1 || len(sets[0].Rows) != 2 {
		t.Fatalf("%d sets, rows %v", len(sets), sets[0].Rows)
	}
	got := []string{sets[0].Rows[0].Label, sets[0].Rows[1].Label}
	want := []string{"maf [train.lr=0.0001]", "maf [train.lr=0.001]"}
	if got[0] != want[0] || got[1] != want[1] {
		t.Errorf("labels %q, want %q", got, want)
	}
	if n := len(sets[0].Rows[1].OK); n != 2 {
		t.Errorf("lr=0.001 row has %d seeds, want 2", n)
	}
}

// TestDataSetLabels: a data set the spec labels is titled by its label,
// one it does not label by its name and parameters.
func TestDataSetLabels(t *testing.T) {
	spec := []byte(`{"name": "l", "seeds": [1], "eval": {"metrics": ["nll"]},
		"datasets": [{"name": "mnist", "params": {"preprocess": ["binarize"]}}, {"name": "mnist", "params": {}}],
		"dataset_labels": ["mnist-binary", "mnist"],
		"models": [{"name": "m", "type": "made"}]}`)
	f, err := results.ParseSpecFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	info, err := specInfo(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Labels) != 1 {
		t.Fatalf("labels %v, want one (the label equal to the name is no label)", info.Labels)
	}
	for key, label := range info.Labels {
		if label != "mnist-binary" || !strings.Contains(key, "binarize") {
			t.Errorf("label %q for %s", label, key)
		}
	}
}

// checkListed checks that dir/spec.json lists the runner's trials: one
// trial file per listed trial, each record with the spec hash and the
// resolved spec listed for it, whose hash its id carries.
func checkListed(t *testing.T, dir string) *SpecInfo {
	t.Helper()
	f, err := results.ReadSpecFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "trials", "*.json"))
	if f.Trials == nil || len(files) != len(f.Trials) {
		t.Fatalf("%d trial files, spec.json lists %d trials", len(files), len(f.Trials))
	}
	for _, tr := range f.Trials {
		rec, err := results.ReadRecord(results.RecordPath(dir, tr.ID))
		if err != nil {
			t.Errorf("listed trial %s: %v", tr.ID, err)
			continue
		}
		if rec.Provenance.SpecHash != f.Hash {
			t.Errorf("%s: spec hash %s, spec.json says %s", tr.ID, rec.Provenance.SpecHash, f.Hash)
		}
		a, errA := results.CanonicalJSON(rec.Provenance.Spec)
		b, errB := results.CanonicalJSON(tr.Spec)
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: record's spec %s\nlisted %s", tr.ID, rec.Provenance.Spec, tr.Spec)
		}
		if id, err := results.TrialID(tr.Dataset, tr.Model, tr.Seed, tr.Spec); err != nil || id != tr.ID {
			t.Errorf("listed %s, its spec hashes to %s (%v)", tr.ID, id, err)
		}
	}
	info, err := specInfo(f)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// editSpecJSON rewrites dir/spec.json through edit.
func editSpecJSON(dir string, edit func(map[string]any)) error {
	p := filepath.Join(dir, "spec.json")
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	var spec map[string]any
	if err := json.Unmarshal(data, &spec); err != nil {
		return err
	}
	edit(spec)
	data, err = json.Marshal(spec)
	if err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}
