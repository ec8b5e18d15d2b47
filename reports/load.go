package reports

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/genbench/genbench/results"
)

// Problem is a file of the results folder that could not be used.
type Problem struct {
	File   string // path relative to the results folder
	Reason string
}

// ExpectedTrial is a trial that DIR/spec.json lists.
type ExpectedTrial struct {
	ID, Dataset, Model, Type string
	Seed                     string
	// DatasetKey identifies the data set with its parameters, as
	// DataSet does; datasetParams are those parameters. Both are empty,
	// as are modelKey and settings, when spec.json lists the trial
	// without its settings (written by an older genbench): such a trial
	// is listed as missing but belongs to no row.
	DatasetKey    string
	datasetParams map[string]any
	modelKey      string
	settings      map[string]string
}

// SpecInfo is what the report knows of DIR/spec.json.
type SpecInfo struct {
	Name   string
	Hash   string // the spec hash, as spec.json states it or as experiments computes it
	Seeds  []string
	Models int
	Sets   int
	Trials []ExpectedTrial // as spec.json lists them: data sets, then models, then sweep points, then seeds
	// Labels maps a data set's DatasetKey to the label the spec gave it
	// (`label:`), when it gave one.
	Labels  map[string]string
	Present bool
	// Sweep is true when spec.json has a sweep block; SweepMode and
	// SweepSeed are its mode and, in mode random, its draw's seed.
	Sweep                bool
	SweepMode, SweepSeed string
	// Listed is true when spec.json lists its trials (runners since the
	// list was added): only then is the expected set known.
	Listed bool
}

// trainSettings are the training settings the report quotes from a
// record's provenance.spec (model.train).
type trainSettings struct {
	BatchSize int     `json:"batch_size"`
	LR        float64 `json:"lr"`
	Patience  int     `json:"patience"`
}

// loaded is everything read from a results folder.
type loaded struct {
	records    []*results.Record // sorted by trial id
	problems   []Problem
	spec       SpecInfo
	missing    []ExpectedTrial // expected without a readable record
	unexpected []string        // records spec.json does not define
	fromIndex  []string        // records found only in results.json
}

// rel makes error messages independent of where the folder lives.
func rel(dir, s string) string {
	if dir == "" {
		return s
	}
	clean := filepath.Clean(dir)
	s = strings.ReplaceAll(s, clean+string(filepath.Separator), "")
	return strings.ReplaceAll(s, clean, ".")
}

// load reads a results folder through results.ReadFolder, the reader
// that summary, baseline, check and merge use too, and compares its
// records with the trials spec.json lists.
func load(dir string) (*loaded, error) {
	f, err := results.ReadFolder(dir)
	if err != nil {
		return nil, err
	}
	res := &loaded{records: f.Records, fromIndex: f.FromIndex}
	for _, p := range f.Problems {
		res.problems = append(res.problems, Problem{p.File, p.Reason})
	}
	if f.Spec != nil {
		spec, err := specInfo(f.Spec)
		if err != nil {
			res.problems = append(res.problems, Problem{results.SpecFileName, err.Error()})
		} else {
			res.spec = *spec
		}
	}
	if !res.spec.Listed {
		return res, nil
	}
	held := map[string]bool{}
	for _, r := range res.records {
		held[r.Trial] = true
	}
	expected := map[string]bool{}
	for _, t := range res.spec.Trials {
		expected[t.ID] = true
		if !held[t.ID] {
			res.missing = append(res.missing, t)
		}
	}
	for _, r := range res.records {
		if !expected[r.Trial] {
			res.unexpected = append(res.unexpected, r.Trial)
		}
	}
	return res, nil
}

// specInfo is what the report takes from spec.json: the trials it lists,
// each with the identity its record would carry (the report never
// expands a spec into trials), and the labels of its data sets.
func specInfo(f *results.SpecFile) (*SpecInfo, error) {
	info := &SpecInfo{Name: f.Name, Hash: f.Hash, Seeds: f.Seeds, Models: f.Models, Sets: len(f.Datasets),
		Present: true, Sweep: f.Sweep, SweepMode: f.SweepMode, SweepSeed: f.SweepSeed, Listed: f.Trials != nil}
	for _, d := range f.Datasets {
		if d.Label == "" || d.Label == d.Name {
			continue
		}
		key, err := results.CanonicalJSON(map[string]any{"name": d.Name, "params": d.Params})
		if err != nil {
			return nil, fmt.Errorf("data set %s: %w", d.Name, err)
		}
		if info.Labels == nil {
			info.Labels = map[string]string{}
		}
		info.Labels[string(key)] = d.Label
	}
	for _, t := range f.Trials {
		e := ExpectedTrial{ID: t.ID, Dataset: t.Dataset, Model: t.Model, Type: t.Type, Seed: strconv.FormatUint(t.Seed, 10)}
		if len(t.Spec) > 0 {
			ts := parseIdentity(t.Dataset, t.Spec)
			e.DatasetKey, e.datasetParams, e.modelKey, e.settings = ts.datasetKey, ts.datasetParams, ts.modelKey, ts.settings
		}
		info.Trials = append(info.Trials, e)
	}
	return info, nil
}

// withIdentity returns the trials whose row is known: those spec.json
// lists with their settings.
func withIdentity(trials []ExpectedTrial) []ExpectedTrial {
	var out []ExpectedTrial
	for _, t := range trials {
		if t.DatasetKey != "" {
			out = append(out, t)
		}
	}
	return out
}
