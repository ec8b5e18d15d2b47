package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// IndexFileName is the file that holds every record of a run, written
// at its end beside the trial files.
const IndexFileName = "results.json"

// Problem is a file of a results folder that could not be used as it is.
type Problem struct {
	File   string // path relative to the results folder
	Reason string
}

func (p Problem) String() string { return p.File + ": " + p.Reason }

// Folder is what ReadFolder found in a results folder.
type Folder struct {
	// Records holds one record per trial, sorted by trial id: from
	// DIR/trials/<id>.json, or from DIR/results.json for trials without
	// a usable trial file.
	Records []*Record
	// Problems lists the files that could not be read, were read
	// leniently, or hold a record other than their name says; in file
	// order.
	Problems []Problem
	// FromIndex lists the trials whose record came from results.json
	// only, sorted.
	FromIndex []string
	// Spec is DIR/spec.json; nil when it is absent or unreadable (then
	// Problems says why).
	Spec *SpecFile
}

// ReadFolder reads a results folder: trial records, results.json for the
// trials that have no usable trial file, and spec.json. A trial file is
// checked against its name: a file holding another trial's record is a
// problem; its record is used under its own id unless that trial's own
// file holds it, so that no trial is counted twice or silently dropped.
// Only a folder that cannot be read is an error; unusable files are
// Problems.
func ReadFolder(dir string) (*Folder, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("results folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("results folder %s: not a directory", dir)
	}
	f := &Folder{}
	byID, err := f.readTrialFiles(dir)
	if err != nil {
		return nil, err
	}
	f.readIndex(dir, byID)
	for _, r := range byID {
		f.Records = append(f.Records, r)
	}
	sort.Slice(f.Records, func(i, j int) bool { return f.Records[i].Trial < f.Records[j].Trial })
	sort.Strings(f.FromIndex)
	spec, err := ReadSpecFile(dir)
	switch {
	case err == nil:
		f.Spec = spec
	case !errors.Is(err, os.ErrNotExist):
		f.problem(SpecFileName, "%s", relative(dir, err.Error()))
	}
	return f, nil
}

func (f *Folder) problem(file, format string, args ...any) {
	f.Problems = append(f.Problems, Problem{file, fmt.Sprintf(format, args...)})
}

// readTrialFiles reads DIR/trials/*.json into records by trial id. The
// records that match their file name are placed first, so that a
// misnamed copy never displaces a trial's own record, whatever the order
// of the names.
func (f *Folder) readTrialFiles(dir string) (map[string]*Record, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "trials", "*.json"))
	if err != nil {
		return nil, fmt.Errorf("listing trials: %w", err)
	}
	sort.Strings(paths)
	type misnamed struct {
		file string
		rec  *Record
	}
	byID := map[string]*Record{}
	var others []misnamed
	for _, p := range paths {
		file := filepath.Join("trials", filepath.Base(p))
		r := f.readTrialFile(dir, p, file)
		if r == nil {
			continue
		}
		if want := strings.TrimSuffix(filepath.Base(p), ".json"); r.Trial != want {
			others = append(others, misnamed{file, r})
			continue
		}
		byID[r.Trial] = r
	}
	for _, m := range others {
		want := strings.TrimSuffix(filepath.Base(m.file), ".json")
		if _, dup := byID[m.rec.Trial]; dup {
			f.problem(m.file, "holds trial %q, not %q, which has its own record; ignored", m.rec.Trial, want)
			continue
		}
		f.problem(m.file, "holds trial %q, not %q; used under its own id", m.rec.Trial, want)
		byID[m.rec.Trial] = m.rec
	}
	return byID, nil
}

// readTrialFile reads one trial file strictly, else leniently (a record
// written by another genbench version), recording any problem; nil when
// the file is unusable.
func (f *Folder) readTrialFile(dir, path, file string) *Record {
	data, err := os.ReadFile(path)
	if err != nil {
		f.problem(file, "%s", relative(dir, err.Error()))
		return nil
	}
	r, err := decodeRecord(data, true)
	if err == nil {
		return r
	}
	lenient, lerr := decodeRecord(data, false)
	if lerr != nil {
		f.problem(file, "%v", err)
		return nil
	}
	f.problem(file, "read leniently, unknown fields ignored (%v); written by another genbench version?", err)
	return lenient
}

// readIndex adds the records of DIR/results.json whose trials have no
// record yet.
func (f *Folder) readIndex(dir string, byID map[string]*Record) {
	data, err := os.ReadFile(filepath.Join(dir, IndexFileName))
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		f.problem(IndexFileName, "%s", relative(dir, err.Error()))
		return
	}
	var recs []*Record
	err = decodeStrict(data, &recs)
	if err != nil && strings.Contains(err.Error(), "unknown field") {
		recs = nil
		if json.Unmarshal(data, &recs) == nil {
			f.problem(IndexFileName, "read leniently, unknown fields ignored (%v); written by another genbench version?", err)
			err = nil
		}
	}
	if err != nil {
		f.problem(IndexFileName, "corrupted: %v", err)
		return
	}
	for i, r := range recs {
		if r == nil || !complete(r) {
			f.problem(IndexFileName, "entry %d is an incomplete record; ignored", i)
			continue
		}
		if _, ok := byID[r.Trial]; !ok {
			byID[r.Trial] = r
			f.FromIndex = append(f.FromIndex, r.Trial)
		}
	}
}

// decodeRecord decodes one trial record, rejecting unknown fields when
// strict; a record without its trial, status or metrics is incomplete.
func decodeRecord(data []byte, strict bool) (*Record, error) {
	var r Record
	var err error
	if strict {
		err = decodeStrict(data, &r)
	} else {
		err = json.Unmarshal(data, &r)
	}
	if err != nil {
		return nil, fmt.Errorf("corrupted trial record: %w", err)
	}
	if !complete(&r) {
		return nil, errors.New("incomplete trial record")
	}
	return &r, nil
}

func complete(r *Record) bool { return r.Trial != "" && r.Status != "" && r.Metrics != nil }

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// relative makes a message independent of where the folder lives.
func relative(dir, s string) string {
	clean := filepath.Clean(dir)
	s = strings.ReplaceAll(s, clean+string(filepath.Separator), "")
	return strings.ReplaceAll(s, clean, ".")
}
