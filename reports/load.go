package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/genbench/genbench/results"
)

// Problem is a file of the results folder that could not be used.
type Problem struct {
	File   string // path relative to the results folder
	Reason string
}

// ExpectedTrial is a trial that DIR/spec.json defines.
type ExpectedTrial struct {
	ID, Dataset, Model, Type string
	Seed                     string
	// DatasetKey identifies the data set with its parameters, as
	// DataSet does; datasetParams are those parameters.
	DatasetKey    string
	datasetParams map[string]any
	modelKey      string
	settings      map[string]string
}

// SpecInfo is what the report knows of DIR/spec.json.
type SpecInfo struct {
	Name   string
	Hash   string // sha256 of the canonical spec, as experiments computes it
	Seeds  []string
	Models int
	Sets   int
	Trials []ExpectedTrial // in spec order: data sets, then models, then seeds
	// Labels maps a data set's DatasetKey to the label the spec gave it
	// (`label:`), when it gave one.
	Labels  map[string]string
	Present bool
	// Sweep is true when spec.json has a sweep block: the report does not
	// expand sweeps, so Trials is empty and the expected set unknown.
	Sweep bool
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

// load reads a results folder: trial files, results.json for records
// absent from trials/, and spec.json for the expected set of trials.
func load(dir string) (*loaded, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("results folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("results folder %s: not a directory", dir)
	}
	res := &loaded{}
	byID := map[string]*results.Record{}

	paths, err := filepath.Glob(filepath.Join(dir, "trials", "*.json"))
	if err != nil {
		return nil, fmt.Errorf("listing trials: %w", err)
	}
	sort.Strings(paths)
	for _, p := range paths {
		name := filepath.Join("trials", filepath.Base(p))
		r, err := results.ReadRecord(p)
		if err != nil {
			msg := strings.TrimPrefix(rel(dir, err.Error()), name+": ")
			if r = readLenient(p); r == nil {
				res.problems = append(res.problems, Problem{name, msg})
				continue
			}
			res.problems = append(res.problems, Problem{name, "read leniently, unknown fields ignored (" + msg + "); written by another genbench version?"})
		}
		if want := strings.TrimSuffix(filepath.Base(p), ".json"); r.Trial != want {
			res.problems = append(res.problems, Problem{name, fmt.Sprintf("holds trial %q, not %q; used under its own id", r.Trial, want)})
		}
		if _, dup := byID[r.Trial]; dup {
			res.problems = append(res.problems, Problem{name, fmt.Sprintf("a second record of trial %q; ignored", r.Trial)})
			continue
		}
		byID[r.Trial] = r
	}

	if data, err := os.ReadFile(filepath.Join(dir, "results.json")); err == nil {
		var recs []*results.Record
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err := dec.Decode(&recs)
		if err != nil && strings.Contains(err.Error(), "unknown field") {
			recs = nil
			if json.Unmarshal(data, &recs) == nil {
				res.problems = append(res.problems, Problem{"results.json", "read leniently, unknown fields ignored (" + err.Error() + "); written by another genbench version?"})
				err = nil
			}
		}
		if err != nil {
			res.problems = append(res.problems, Problem{"results.json", "corrupted: " + err.Error()})
		} else {
			for i, r := range recs {
				if r == nil || r.Trial == "" || r.Status == "" || r.Metrics == nil {
					res.problems = append(res.problems, Problem{"results.json", fmt.Sprintf("entry %d is an incomplete record; ignored", i)})
					continue
				}
				if _, ok := byID[r.Trial]; !ok {
					byID[r.Trial] = r
					res.fromIndex = append(res.fromIndex, r.Trial)
				}
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		res.problems = append(res.problems, Problem{"results.json", rel(dir, err.Error())})
	}

	for _, r := range byID {
		res.records = append(res.records, r)
	}
	sort.Slice(res.records, func(i, j int) bool { return res.records[i].Trial < res.records[j].Trial })
	sort.Strings(res.fromIndex)

	if data, err := os.ReadFile(filepath.Join(dir, "spec.json")); err == nil {
		spec, err := parseSpecJSON(data)
		if err != nil {
			res.problems = append(res.problems, Problem{"spec.json", err.Error()})
		} else {
			res.spec = *spec
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		res.problems = append(res.problems, Problem{"spec.json", rel(dir, err.Error())})
	}
	if res.spec.Present && !res.spec.Sweep {
		expected := map[string]bool{}
		for _, t := range res.spec.Trials {
			expected[t.ID] = true
			if _, ok := byID[t.ID]; !ok {
				res.missing = append(res.missing, t)
			}
		}
		for _, r := range res.records {
			if !expected[r.Trial] {
				res.unexpected = append(res.unexpected, r.Trial)
			}
		}
	}
	return res, nil
}

// parseSpecJSON reads the canonical spec that the runner writes to
// DIR/spec.json and recomputes the spec hash and every trial id exactly as
// experiments.Spec.TrialSpecs does: the id is
// "<dataset>-<model>-s<seed>-" + the first 12 hex digits of the sha256 of
// the canonical JSON of {dataset, model, seed, eval}. A model entry may
// carry "eval", the eval keys it overrides (older spec.json files have
// none): its trials hash the model without that key and, as eval, the
// spec's eval block with those keys replaced (the effective block).
func parseSpecJSON(data []byte) (*SpecInfo, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var whole map[string]any
	if err := dec.Decode(&whole); err != nil {
		return nil, fmt.Errorf("corrupted: %w", err)
	}
	var s struct {
		Name     string           `json:"name"`
		Seeds    []json.Number    `json:"seeds"`
		Datasets []map[string]any `json:"datasets"`
		Models   []map[string]any `json:"models"`
		Eval     map[string]any   `json:"eval"`
		Sweep    any              `json:"sweep"`
		Labels   []string         `json:"dataset_labels"`
	}
	dec = json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("corrupted: %w", err)
	}
	if len(s.Seeds) == 0 || len(s.Datasets) == 0 || len(s.Models) == 0 || s.Eval == nil {
		return nil, errors.New("incomplete: want name, seeds, datasets, models and eval")
	}
	// The spec hash covers the whole canonical spec, whatever keys it has;
	// newer runners store it, with the list of the spec's trials.
	var listed []struct {
		ID string `json:"id"`
	}
	if raw, ok := whole["trials"]; ok {
		b, _ := json.Marshal(raw)
		if err := json.Unmarshal(b, &listed); err != nil {
			return nil, fmt.Errorf("trials: %w", err)
		}
		delete(whole, "trials")
	}
	hash, _ := whole["hash"].(string)
	delete(whole, "hash")
	if hash == "" {
		var err error
		if hash, err = results.HashJSON(whole); err != nil {
			return nil, fmt.Errorf("hashing: %w", err)
		}
	}
	info := &SpecInfo{Name: s.Name, Hash: hash, Models: len(s.Models), Sets: len(s.Datasets), Present: true, Sweep: s.Sweep != nil}
	for _, seed := range s.Seeds {
		info.Seeds = append(info.Seeds, seed.String())
	}
	if info.Sweep {
		return info, nil
	}
	// With a trial list (models may run on some data sets only), expect
	// exactly the listed trials.
	var keep map[string]bool
	if listed != nil {
		keep = map[string]bool{}
		for _, t := range listed {
			keep[t.ID] = true
		}
	}
	// Each model's identity in its trials: the entry without its eval
	// overrides, and the effective eval block.
	trialModels := make([]map[string]any, len(s.Models))
	evals := make([]map[string]any, len(s.Models))
	for j, m := range s.Models {
		var err error
		if trialModels[j], evals[j], err = effectiveEval(m, s.Eval); err != nil {
			return nil, fmt.Errorf("models[%d]: %w", j, err)
		}
	}
	for i, d := range s.Datasets {
		dname, _ := d["name"].(string)
		dparams, _ := d["params"].(map[string]any)
		dkey, err := results.CanonicalJSON(map[string]any{"name": dname, "params": dparams})
		if err != nil {
			return nil, fmt.Errorf("hashing data set: %w", err)
		}
		if len(s.Labels) == len(s.Datasets) && s.Labels[i] != "" && s.Labels[i] != dname {
			if info.Labels == nil {
				info.Labels = map[string]string{}
			}
			info.Labels[string(dkey)] = s.Labels[i]
		}
		for j, m := range trialModels {
			mname, _ := m["name"].(string)
			mtype, _ := m["type"].(string)
			eval := evals[j]
			for _, seed := range s.Seeds {
				sum, err := results.HashJSON(map[string]any{"dataset": d, "model": m, "seed": seed, "eval": eval})
				if err != nil {
					return nil, fmt.Errorf("hashing trial: %w", err)
				}
				id := results.SanitizeID(fmt.Sprintf("%s-%s-s%s", dname, mname, seed)) + "-" + sum[:12]
				if keep != nil && !keep[id] {
					continue
				}
				mkey, settings := modelIdentity(m, eval)
				info.Trials = append(info.Trials, ExpectedTrial{ID: id, Dataset: dname, Model: mname, Type: mtype, Seed: seed.String(),
					DatasetKey: string(dkey), datasetParams: dparams, modelKey: mkey, settings: settings})
			}
		}
	}
	return info, nil
}

// effectiveEval splits a spec.json model entry into the model as its
// trials hash it (without "eval") and its effective eval block: global
// with the keys of the entry's "eval" replacing its own, as
// experiments.ModelSpec.EffectiveEval does. Without "eval" the entry and
// global are returned as they are.
func effectiveEval(model, global map[string]any) (map[string]any, map[string]any, error) {
	raw, has := model["eval"]
	if !has {
		return model, global, nil
	}
	over, ok := raw.(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("eval: want an object of eval overrides, got %T", raw)
	}
	m := make(map[string]any, len(model))
	for k, v := range model {
		if k != "eval" {
			m[k] = v
		}
	}
	e := make(map[string]any, len(global)+len(over))
	for k, v := range global {
		e[k] = v
	}
	for k, v := range over {
		e[k] = v
	}
	return m, e, nil
}

// readLenient decodes a record that the strict reader rejected for
// unknown fields (a record written by an older or newer genbench). It
// returns nil unless the file is complete JSON with the required fields.
func readLenient(path string) *results.Record {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var r results.Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil
	}
	if r.Trial == "" || r.Status == "" || r.Metrics == nil {
		return nil
	}
	return &r
}
