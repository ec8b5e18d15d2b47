package experiments

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/genbench/genbench/reports/artifact"
)

// LoadRecords reads a results folder: every DIR/trials/*.json, or
// DIR/results.json when there is no trial file. Unreadable trial files
// are returned as errors beside the good records.
func LoadRecords(dir string) ([]*Record, []error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, []error{fmt.Errorf("results folder: %w", err)}
	}
	if !st.IsDir() {
		return nil, []error{fmt.Errorf("results folder %s: not a directory", dir)}
	}
	recs, errs := ReadResults(dir)
	if len(recs) > 0 || len(errs) > 0 {
		return recs, errs
	}
	data, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, []error{fmt.Errorf("%s: no trial records (trials/*.json or results.json)", dir)}
	}
	if err != nil {
		return nil, []error{err}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&recs); err != nil {
		return nil, []error{fmt.Errorf("%s: corrupted: %w", filepath.Join(dir, "results.json"), err)}
	}
	var good []*Record
	for i, r := range recs {
		if r == nil || r.Trial == "" || r.Status == "" || r.Metrics == nil {
			errs = append(errs, fmt.Errorf("%s: entry %d is an incomplete record", filepath.Join(dir, "results.json"), i))
			continue
		}
		good = append(good, r)
	}
	return good, errs
}

// recordStable returns the metrics of a record that do not measure time.
func recordStable(r *Record) map[string]float64 {
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
func sameResult(a, b *Record) bool {
	return a.Status == b.Status && reflect.DeepEqual(recordStable(a), recordStable(b)) &&
		reflect.DeepEqual(a.NonFinite, b.NonFinite)
}

// MergeReport says what Merge did.
type MergeReport struct {
	Records    []*Record // the merged records, by trial id
	Duplicates int       // identical records found in more than one folder
	Spec       bool      // a spec.json was written
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
	type seen struct {
		rec *Record
		dir string
	}
	byID := map[string]seen{}
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
		recs, errs := LoadRecords(dir)
		for _, err := range errs {
			if clean == filepath.Clean(out) && len(recs) == 0 {
				continue // an empty output folder
			}
			problems = append(problems, err.Error())
		}
		for _, r := range recs {
			prev, dup := byID[r.Trial]
			if !dup {
				byID[r.Trial] = seen{r, dir}
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
	for _, r := range rep.Records {
		if err := writeJSON(filepath.Join(out, "trials", r.Trial+".json"), r); err != nil {
			return rep, fmt.Errorf("merge: %w", err)
		}
		// The trial's sample artifacts (for the report) come along.
		if src := byID[r.Trial].dir; filepath.Clean(src) != filepath.Clean(out) {
			if data, err := os.ReadFile(artifact.Path(src, r.Trial)); err == nil {
				if err := WriteFileAtomic(artifact.Path(out, r.Trial), data); err != nil {
					return rep, fmt.Errorf("merge: %w", err)
				}
			}
			if err := copyKept(src, out, r); err != nil {
				return rep, fmt.Errorf("merge: trial %s: %w", r.Trial, err)
			}
		}
	}
	if err := writeJSON(filepath.Join(out, "results.json"), rep.Records); err != nil {
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

func describeConflict(a, b *Record) string {
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
