package experiments

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/genbench/genbench/results"
)

// mergeInput reads a results folder to merge through the shared reader
// (results.ReadFolder): its records, one per trial, and its problems
// (unreadable files, files holding another trial's record), each naming
// the folder. A folder without any record is a problem too.
func mergeInput(dir string) ([]*results.Record, []string) {
	f, err := results.ReadFolder(dir)
	if err != nil {
		return nil, []string{err.Error()}
	}
	var problems []string
	for _, p := range f.Problems {
		problems = append(problems, filepath.Join(dir, p.File)+": "+p.Reason)
	}
	if len(f.Records) == 0 && len(problems) == 0 {
		problems = append(problems, fmt.Sprintf("%s: no trial records (trials/*.json or results.json)", dir))
	}
	return f.Records, problems
}

// recordStable returns the metrics of a record that do not measure time.
func recordStable(r *results.Record) map[string]float64 {
	m := map[string]float64{}
	for k, v := range r.Metrics {
		if !IsTimingMetric(k) {
			m[k] = v
		}
	}
	return m
}

// sameResult reports whether two records of one trial agree: same status
// and the same non-timing metrics, exactly.
func sameResult(a, b *results.Record) bool {
	return a.Status == b.Status && reflect.DeepEqual(recordStable(a), recordStable(b)) &&
		reflect.DeepEqual(a.NonFinite, b.NonFinite)
}

// MergeReport says what Merge did.
type MergeReport struct {
	Records    []*results.Record // the merged records, by trial id
	Duplicates int               // identical records found in more than one folder
	Spec       bool              // a spec.json was written
	Warnings   []string
}

// Merge combines the records of result folders (typically the shards of
// one spec) into out: out/trials/<id>.json for each (with its sample
// artifacts, out/samples/<id>.json, when the folder has them) and
// out/results.json for all. Records already in out count as one more input. A trial found
// twice must agree (same status and non-timing metrics); otherwise Merge
// refuses, lists the conflicts and writes nothing. out/spec.json is
// written when the inputs that have a spec.json agree on it.
func Merge(out string, dirs []string) (*MergeReport, error) {
	rep := &MergeReport{}
	inputs := append([]string(nil), dirs...)
	if st, err := os.Stat(filepath.Join(out, "trials")); err == nil && st.IsDir() {
		inputs = append(inputs, out)
	}
	byID := map[string]mergeSource{}
	var conflicts, problems []string
	var spec []byte
	specAgrees := true
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			problems = append(problems, fmt.Sprintf("%s: not a results folder", dir))
		}
	}
	done := map[string]bool{}
	for _, dir := range inputs {
		clean := filepath.Clean(dir)
		if done[clean] {
			continue
		}
		done[clean] = true
		recs, errs := mergeInput(dir)
		for _, err := range errs {
			if clean == filepath.Clean(out) && len(recs) == 0 {
				continue // an empty output folder
			}
			problems = append(problems, err)
		}
		for _, r := range recs {
			prev, dup := byID[r.Trial]
			if !dup {
				byID[r.Trial] = mergeSource{r, dir}
				continue
			}
			if sameResult(prev.rec, r) {
				rep.Duplicates++
				continue
			}
			conflicts = append(conflicts, fmt.Sprintf("trial %s: %s and %s disagree (%s)", r.Trial, prev.dir, dir, describeConflict(prev.rec, r)))
		}
		if data, err := os.ReadFile(filepath.Join(dir, "spec.json")); err == nil {
			if spec == nil {
				spec = data
			} else if !bytes.Equal(spec, data) {
				specAgrees = false
			}
		}
	}
	if len(problems) > 0 || len(conflicts) > 0 {
		sort.Strings(conflicts)
		msg := append(problems, conflicts...)
		return rep, fmt.Errorf("merge refused, nothing written:\n  %s", strings.Join(msg, "\n  "))
	}
	for _, s := range byID {
		rep.Records = append(rep.Records, s.rec)
	}
	sort.Slice(rep.Records, func(i, j int) bool { return rep.Records[i].Trial < rep.Records[j].Trial })
	if err := writeMerged(out, rep.Records, byID); err != nil {
		return rep, fmt.Errorf("merge: %w", err)
	}
	switch {
	case spec != nil && specAgrees:
		if err := WriteFileAtomic(filepath.Join(out, "spec.json"), spec); err != nil {
			return rep, fmt.Errorf("merge: %w", err)
		}
		rep.Spec = true
	case spec != nil:
		rep.Warnings = append(rep.Warnings, "the folders hold different spec.json files: none written")
	}
	return rep, nil
}

// mergeSource is a record to merge and the folder it comes from.
type mergeSource struct {
	rec *results.Record
	dir string
}

// writeMerged writes the merged records into out: a trial file each, with
// its sample artifacts (for the report) when its folder has them, and
// results.json for all.
func writeMerged(out string, recs []*results.Record, from map[string]mergeSource) error {
	for _, r := range recs {
		if err := results.WriteRecord(out, r); err != nil {
			return err
		}
		if src := from[r.Trial].dir; filepath.Clean(src) != filepath.Clean(out) {
			if data, err := os.ReadFile(results.ArtifactPath(src, r.Trial)); err == nil {
				if err := WriteFileAtomic(results.ArtifactPath(out, r.Trial), data); err != nil {
					return err
				}
			}
			if err := copyKept(src, out, r); err != nil {
				return fmt.Errorf("trial %s: %w", r.Trial, err)
			}
		}
	}
	return results.WriteIndex(out, recs)
}

func describeConflict(a, b *results.Record) string {
	if a.Status != b.Status {
		return fmt.Sprintf("status %s vs %s", a.Status, b.Status)
	}
	ma, mb := recordStable(a), recordStable(b)
	var diffs []string
	names := map[string]bool{}
	for k := range ma {
		names[k] = true
	}
	for k := range mb {
		names[k] = true
	}
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		va, oka := ma[k]
		vb, okb := mb[k]
		if oka != okb || va != vb {
			diffs = append(diffs, fmt.Sprintf("%s %v vs %v", k, fmtMaybe(va, oka), fmtMaybe(vb, okb)))
		}
	}
	if len(diffs) == 0 {
		return "non-finite metrics differ"
	}
	if len(diffs) > 3 {
		diffs = append(diffs[:3], fmt.Sprintf("%d more", len(diffs)-3))
	}
	return strings.Join(diffs, ", ")
}

func fmtMaybe(v float64, ok bool) string {
	if !ok {
		return "absent"
	}
	return fmt.Sprintf("%.6g", v)
}
