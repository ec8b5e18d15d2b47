package results

import (
	"fmt"
	"os"
	"path/filepath"
)

// RecordPath is where the record of a trial lives in a results folder.
func RecordPath(dir, trialID string) string {
	return filepath.Join(dir, "trials", trialID+".json")
}

// ReadRecord reads and checks one trial file; a truncated or corrupted
// file is an error, never a silently partial record.
func ReadRecord(path string) (*Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r, err := decodeRecord(data, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// WriteRecord writes r to DIR/trials/<r.Trial>.json atomically: a reader
// never sees half a record, and a crash leaves the old file or the new.
func WriteRecord(dir string, r *Record) error {
	return writeJSON(RecordPath(dir, r.Trial), r)
}

// WriteIndex writes DIR/results.json, the records of a run, atomically.
func WriteIndex(dir string, recs []*Record) error {
	return writeJSON(filepath.Join(dir, IndexFileName), recs)
}
