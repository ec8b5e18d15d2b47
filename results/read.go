package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// ReadRecord reads and checks one trial file; a truncated or corrupted
// file is an error, never a silently partial record.
func ReadRecord(path string) (*Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Record
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: corrupted trial record: %w", path, err)
	}
	if r.Trial == "" || r.Status == "" || r.Metrics == nil {
		return nil, fmt.Errorf("%s: incomplete trial record", path)
	}
	return &r, nil
}

// ReadResults reads every trial record under dir/trials, sorted by trial
// id; unreadable files are returned as errors beside the good records.
func ReadResults(dir string) ([]*Record, []error) {
	paths, _ := filepath.Glob(filepath.Join(dir, "trials", "*.json"))
	sort.Strings(paths)
	var recs []*Record
	var errs []error
	for _, p := range paths {
		r, err := ReadRecord(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		recs = append(recs, r)
	}
	return recs, errs
}
