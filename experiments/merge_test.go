package experiments

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/genbench/genbench/results"
)

func TestParseShard(t *testing.T) {
	cases := []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"0/1", Shard{0, 1}, true},
		{"2/4", Shard{2, 4}, true},
		{" 1 / 3 ", Shard{1, 3}, true},
		{"4/4", Shard{}, false},
		{"-1/4", Shard{}, false},
		{"1/0", Shard{}, false},
		{"1", Shard{}, false},
		{"a/b", Shard{}, false},
	}
	for _, c := range cases {
		got, err := ParseShard(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParseShard(%q) = %v, %v", c.in, got, err)
		}
	}
}

// TestShardsMergeToFullRun runs a spec as 3 shards and checks that the
// shards are disjoint, cover every trial, and merge into the results of
// an unsharded run.
func TestShardsMergeToFullRun(t *testing.T) {
	spec := mustParse(t, tinySpec+"sweep:\n  axes:\n    - {path: models.nvp.params.hidden, values: [4, 8]}\n")
	root := t.TempDir()
	full, err := Run(spec, Options{Out: filepath.Join(root, "full"), Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if full.OK != 6 {
		t.Fatalf("full run: %d ok, want 6", full.OK)
	}
	var dirs []string
	seen := map[string]int{}
	for i := 0; i < 3; i++ {
		dir := filepath.Join(root, "shard", string(rune('0'+i)))
		out, err := Run(spec, Options{Out: dir, Shard: Shard{i, 3}, Jobs: 1})
		if err != nil {
			t.Fatal(err)
		}
		if out.Trials != 2 {
			t.Errorf("shard %d: %d trials, want 2", i, out.Trials)
		}
		for _, r := range out.Records {
			seen[r.Trial]++
		}
		dirs = append(dirs, dir)
	}
	for _, r := range full.Records {
		if seen[r.Trial] != 1 {
			t.Errorf("trial %s in %d shards", r.Trial, seen[r.Trial])
		}
	}
	merged := filepath.Join(root, "merged")
	rep, err := Merge(merged, dirs)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Records) != 6 || !rep.Spec {
		t.Errorf("merged %d records, spec %v", len(rep.Records), rep.Spec)
	}
	folder, err := results.ReadFolder(merged)
	if err != nil {
		t.Fatal(err)
	}
	if len(folder.Problems) > 0 {
		t.Fatal(folder.Problems)
	}
	recs := folder.Records
	for _, r := range recs {
		if _, err := os.Stat(results.ArtifactPath(merged, r.Trial)); err != nil {
			t.Errorf("merged folder lacks the artifacts of %s: %v", r.Trial, err)
		}
		if _, err := results.ReadExamples(merged, r.Examples); err != nil {
			t.Errorf("merged folder lacks the per-example values of %s: %v", r.Trial, err)
		}
		if data, err := os.ReadFile(filepath.Join(merged, r.SavedModel.File)); err != nil || results.HashBytes(data) != r.SavedModel.SHA256 {
			t.Errorf("merged folder lacks the kept model of %s: %v", r.Trial, err)
		}
	}
	if !reflect.DeepEqual(stableMetrics(recs), stableMetrics(full.Records)) {
		t.Error("merged shards differ from the full run")
	}
	// The full run's baseline passes on the merge.
	if rep := NewBaseline(full.Records, "full").Check(recs, CheckOptions{}); !rep.OK() {
		t.Errorf("check of merged shards against the full run:\n%s", rep.Table(false))
	}
	// Merging again (OUT is an input too, identical records) is fine.
	again, err := Merge(merged, dirs[:1])
	if err != nil || len(again.Records) != 6 || again.Duplicates != 2 {
		t.Errorf("second merge: %v, %+v", err, again)
	}
}

func TestMergeRefusesConflicts(t *testing.T) {
	root := t.TempDir()
	write := func(dir string, r *results.Record) {
		t.Helper()
		if err := results.WriteRecord(filepath.Join(root, dir), r); err != nil {
			t.Fatal(err)
		}
	}
	base := rec("t1", results.StatusOK, map[string]float64{"test_nll": 2, "train_seconds": 5})
	timing := rec("t1", results.StatusOK, map[string]float64{"test_nll": 2, "train_seconds": 9})
	other := rec("t1", results.StatusOK, map[string]float64{"test_nll": 2.5, "train_seconds": 5})
	write("a", base)
	write("b", timing)
	write("c", other)
	write("d", rec("t2", results.StatusOK, map[string]float64{"test_nll": 1}))
	if rep, err := Merge(filepath.Join(root, "ab"), []string{filepath.Join(root, "a"), filepath.Join(root, "b"), filepath.Join(root, "d")}); err != nil || len(rep.Records) != 2 || rep.Duplicates != 1 {
		t.Errorf("records differing in timing only: %v, %+v", err, rep)
	}
	out := filepath.Join(root, "ac")
	_, err := Merge(out, []string{filepath.Join(root, "a"), filepath.Join(root, "c")})
	if err == nil || !strings.Contains(err.Error(), "trial t1") || !strings.Contains(err.Error(), "test_nll 2 vs 2.5") {
		t.Errorf("conflict not refused: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("a refused merge wrote its output folder")
	}
	if _, err := Merge(out, []string{filepath.Join(root, "a"), filepath.Join(root, "nope")}); err == nil {
		t.Error("a missing input folder was accepted")
	}
}
