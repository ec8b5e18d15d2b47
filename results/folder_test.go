package results

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// record returns a complete record of trial id whose test_nll tells
// copies apart.
func record(id string, nll float64) *Record {
	return &Record{Trial: id, Model: "m", Dataset: "d", Status: StatusOK, Metrics: map[string]float64{"test_nll": nll}}
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeFolder writes files (path relative to dir → contents) into dir.
func writeFolder(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadFolder(t *testing.T) {
	a, b := marshal(t, record("a", 1)), marshal(t, record("b", 2))
	tests := []struct {
		name      string
		files     map[string][]byte
		want      map[string]float64 // trial → test_nll of the record used
		problems  []string           // "file: part of the reason", in order
		fromIndex []string
	}{
		{"clean", map[string][]byte{"trials/a.json": a, "trials/b.json": b},
			map[string]float64{"a": 1, "b": 2}, nil, nil},
		{"a copy of a trial that has its own file is ignored, not counted twice",
			map[string][]byte{"trials/a.json": a, "trials/b.json": marshal(t, record("a", 9))},
			map[string]float64{"a": 1}, []string{`trials/b.json: holds trial "a", not "b", which has its own record; ignored`}, nil},
		{"the trial's own file wins whatever the order of the names",
			map[string][]byte{"trials/0.json": marshal(t, record("a", 9)), "trials/a.json": a},
			map[string]float64{"a": 1}, []string{`trials/0.json: holds trial "a", not "0"`}, nil},
		{"a misnamed record is used under its own id, not dropped",
			map[string][]byte{"trials/c.json": marshal(t, record("d", 4))},
			map[string]float64{"d": 4}, []string{`trials/c.json: holds trial "d", not "c"; used under its own id`}, nil},
		{"a truncated file is replaced by results.json",
			map[string][]byte{"trials/a.json": a[:len(a)/2], "trials/b.json": b, "results.json": marshal(t, []*Record{record("a", 5), record("b", 6)})},
			map[string]float64{"a": 5, "b": 2}, []string{"trials/a.json: corrupted trial record"}, []string{"a"}},
		{"unknown fields are read leniently",
			map[string][]byte{"trials/a.json": []byte(strings.Replace(string(a), `{`, `{"future":1,`, 1))},
			map[string]float64{"a": 1}, []string{"trials/a.json: read leniently, unknown fields ignored"}, nil},
		{"an incomplete record is unusable",
			map[string][]byte{"trials/a.json": []byte(`{"trial": "a"}`)},
			map[string]float64{}, []string{"trials/a.json: incomplete trial record"}, nil},
		{"corrupted results.json and spec.json",
			map[string][]byte{"trials/a.json": a, "results.json": []byte("[{"), "spec.json": []byte(`{"name": `)},
			map[string]float64{"a": 1}, []string{"results.json: corrupted", "spec.json: corrupted"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFolder(t, dir, tc.files)
			f, err := ReadFolder(dir)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]float64{}
			for i, r := range f.Records {
				got[r.Trial] = r.Metrics["test_nll"]
				if i > 0 && f.Records[i-1].Trial >= r.Trial {
					t.Errorf("records not sorted by trial: %s before %s", f.Records[i-1].Trial, r.Trial)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("records %v, want %v", got, tc.want)
			}
			if len(f.Problems) != len(tc.problems) {
				t.Fatalf("problems %v, want %d", f.Problems, len(tc.problems))
			}
			for i, p := range f.Problems {
				if !strings.HasPrefix(p.String(), tc.problems[i]) {
					t.Errorf("problem %q, want %q", p, tc.problems[i])
				}
				if strings.Contains(p.Reason, dir) {
					t.Errorf("problem %q names the folder's path", p)
				}
			}
			if !reflect.DeepEqual(f.FromIndex, tc.fromIndex) {
				t.Errorf("from results.json %v, want %v", f.FromIndex, tc.fromIndex)
			}
		})
	}
}

func TestReadFolderNotAFolder(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "nope"), file} {
		if _, err := ReadFolder(p); err == nil {
			t.Errorf("ReadFolder(%s): no error", p)
		}
	}
	f, err := ReadFolder(dir)
	if err != nil || len(f.Records) != 0 || len(f.Problems) != 0 || f.Spec != nil {
		t.Errorf("empty folder: %+v, %v", f, err)
	}
}

// TestRecordRoundTrip: a written record reads back equal, a diverged
// epoch's non-finite loss included (JSON null, read as NaN).
func TestRecordRoundTrip(t *testing.T) {
	dir := t.TempDir()
	r := record("ring8-m-s1-0123456789ab", 1.5)
	r.Sweep = SweepPoint{"train.lr": 0.001}
	r.Provenance.Spec = json.RawMessage(`{}`)
	r.Training = &TrainResult{Curve: []EpochLog{{Epoch: 0, TrainLoss: 2, ValidLoss: math.NaN()}}, Epochs: 1}
	if err := WriteRecord(dir, r); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRecord(RecordPath(dir, r.Trial))
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Training.Curve[0].ValidLoss; !math.IsNaN(v) {
		t.Errorf("non-finite loss read back as %v", v)
	}
	got.Training.Curve[0].ValidLoss, r.Training.Curve[0].ValidLoss = 0, 0
	if !reflect.DeepEqual(got, r) {
		t.Errorf("read back %+v\nwrote %+v", got, r)
	}
	if s := got.Sweep.String(); s != "train.lr=0.001" {
		t.Errorf("sweep point %q", s)
	}
}
