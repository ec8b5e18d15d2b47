package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/genbench/genbench/internal/atomicfile"
)

// SpecFileName is the name of the spec file in a results folder.
const SpecFileName = "spec.json"

// SpecTrial is one entry of the trial list in DIR/spec.json.
type SpecTrial struct {
	ID      string     `json:"id"`
	Dataset string     `json:"dataset"`
	Model   string     `json:"model"`
	Type    string     `json:"type"`
	Seed    uint64     `json:"seed"`
	Sweep   SweepPoint `json:"sweep,omitempty"`
	// Spec is the resolved trial {dataset, model, seed, eval} that ID
	// hashes, as the trial's record keeps it in provenance.spec; empty in
	// files written before spec.json carried it.
	Spec json.RawMessage `json:"spec,omitempty"`
}

// SpecDataset is one entry of the spec's datasets list.
type SpecDataset struct {
	Name   string
	Params map[string]any // numbers as json.Number
	// Label is the name the spec gave the entry (its `label:`); empty
	// when the spec gave none or the file does not say.
	Label string
}

// SpecFile is what DIR/spec.json says: the canonical spec of a run, its
// hash and the list of its trials.
type SpecFile struct {
	Name string
	// Hash is the spec hash: as stored, or (files without one) the hash
	// of the canonical spec the file holds.
	Hash     string
	Seeds    []string // as written: seeds may exceed 2^53
	Datasets []SpecDataset
	Models   int  // entries of the models list
	Sweep    bool // the spec has a sweep block
	// SweepMode and SweepSeed: the sweep's mode (grid, zip, random) and,
	// in mode random, the seed its points were drawn with.
	SweepMode, SweepSeed string
	// Trials lists every trial of the spec in run order (all shards);
	// nil when the file lists none (written by an older genbench).
	Trials []SpecTrial
}

// WriteSpecFile writes DIR/spec.json: canonical (the spec as its hash
// covers it, a value whose JSON is an object), its hash and the list of
// its trials.
func WriteSpecFile(dir string, canonical any, hash string, trials []SpecTrial) error {
	b, err := CanonicalJSON(canonical)
	if err != nil {
		return fmt.Errorf("%s: %w", SpecFileName, err)
	}
	v := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // seeds may exceed 2^53
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%s: the canonical spec is not an object: %w", SpecFileName, err)
	}
	v["hash"] = hash
	if trials == nil {
		trials = []SpecTrial{} // an empty list, not an older file's absent one
	}
	v["trials"] = trials
	return writeJSON(filepath.Join(dir, SpecFileName), v)
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	return atomicfile.Write(path, append(data, '\n'))
}

// ReadSpecFile reads DIR/spec.json. A missing file is an error satisfying
// errors.Is(err, os.ErrNotExist).
func ReadSpecFile(dir string) (*SpecFile, error) {
	data, err := os.ReadFile(filepath.Join(dir, SpecFileName))
	if err != nil {
		return nil, err
	}
	return ParseSpecFile(data)
}

// specJSON is the part of spec.json that readers use; the file holds the
// whole canonical spec.
type specJSON struct {
	Name     string        `json:"name"`
	Seeds    []json.Number `json:"seeds"`
	Datasets []struct {
		Name   string         `json:"name"`
		Params map[string]any `json:"params"`
	} `json:"datasets"`
	Models []json.RawMessage `json:"models"`
	Eval   json.RawMessage   `json:"eval"`
	Sweep  json.RawMessage   `json:"sweep"`
	Labels []string          `json:"dataset_labels"`
	Hash   string            `json:"hash"`
	Trials []SpecTrial       `json:"trials"`
}

// ParseSpecFile reads the contents of a spec.json.
func ParseSpecFile(data []byte) (*SpecFile, error) {
	var s specJSON
	if err := decodeNumbers(data, &s); err != nil {
		return nil, fmt.Errorf("corrupted: %w", err)
	}
	if len(s.Seeds) == 0 || len(s.Datasets) == 0 || len(s.Models) == 0 || !present(s.Eval) {
		return nil, errors.New("incomplete: want name, seeds, datasets, models and eval")
	}
	f := &SpecFile{Name: s.Name, Hash: s.Hash, Models: len(s.Models), Sweep: present(s.Sweep), Trials: s.Trials}
	if f.Sweep {
		var sw struct {
			Mode string      `json:"mode"`
			Seed json.Number `json:"seed"`
		}
		if err := decodeNumbers(s.Sweep, &sw); err == nil {
			f.SweepMode, f.SweepSeed = sw.Mode, sw.Seed.String()
		}
	}
	if f.Hash == "" {
		// Older files: the hash covers the whole canonical spec, whatever
		// keys it has.
		var whole map[string]any
		if err := decodeNumbers(data, &whole); err != nil {
			return nil, fmt.Errorf("corrupted: %w", err)
		}
		delete(whole, "trials")
		delete(whole, "hash")
		var err error
		if f.Hash, err = HashJSON(whole); err != nil {
			return nil, fmt.Errorf("hashing: %w", err)
		}
	}
	for _, seed := range s.Seeds {
		f.Seeds = append(f.Seeds, seed.String())
	}
	for i, d := range s.Datasets {
		sd := SpecDataset{Name: d.Name, Params: d.Params}
		if len(s.Labels) == len(s.Datasets) {
			sd.Label = s.Labels[i]
		}
		f.Datasets = append(f.Datasets, sd)
	}
	return f, nil
}

// present reports whether a key held a value other than null.
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

// decodeNumbers decodes JSON keeping numbers as json.Number.
func decodeNumbers(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}
