package experiments

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"

	"github.com/genbench/genbench/results"
)

// ModelPath is where a run into dir keeps the trained model of a trial.
func ModelPath(dir, trial string) string {
	return filepath.Join(dir, "models", trial+".bin")
}

// writeModel saves m atomically under dir and returns its reference.
func writeModel(dir, trial string, m models.Model) (*results.ModelRef, error) {
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		return nil, fmt.Errorf("saving the trained model: %w", err)
	}
	if err := WriteFileAtomic(ModelPath(dir, trial), buf.Bytes()); err != nil {
		return nil, fmt.Errorf("writing the trained model: %w", err)
	}
	return &results.ModelRef{File: "models/" + trial + ".bin", SHA256: results.HashBytes(buf.Bytes()), Bytes: int64(buf.Len())}, nil
}

// readModel loads the kept model ref points to under dir into m, after
// checking its size and hash against the record's.
func readModel(dir string, ref *results.ModelRef, m models.Model) error {
	if ref == nil {
		return fmt.Errorf("the record keeps no trained model (train: {keep_model: false}, or a run older than kept models)")
	}
	path := filepath.Join(dir, filepath.FromSlash(ref.File))
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("kept model: %w", err)
	}
	if int64(len(data)) != ref.Bytes || results.HashBytes(data) != ref.SHA256 {
		return fmt.Errorf("kept model %s: %d bytes with another SHA-256 than the record's %d bytes (corrupted or replaced)", path, len(data), ref.Bytes)
	}
	if err := m.Load(bytes.NewReader(data)); err != nil {
		return fmt.Errorf("kept model %s: %w", path, err)
	}
	return nil
}

// evalSeed is the seed of a trial's evaluation stream. It depends on the
// training seed only, so every model of a spec evaluated at one seed draws
// the same evaluation randomness (common random numbers).
func evalSeed(seed uint64) uint64 { return streamSeed(seed, "eval") }

// keepOutputs writes what a finished trial leaves beside its record: the
// per-example sidecar of its likelihood metric (when evaluation computed
// one) and, unless the spec opts out with train: {keep_model: false}, the
// trained model. It sets the record's references to them.
func keepOutputs(dir string, tr Trial, m models.Model, d *datasets.Data, ev *Evaluation, rec *results.Record) error {
	if ev.Examples != nil {
		test := firstRows(d.Test, tr.Eval.MaxTest)
		ref, err := results.WriteExamples(dir, tr.ID, string(ev.Kind), ev.Examples, results.TestHash(test))
		if err != nil {
			return err
		}
		ref.EvalSeed = evalSeed(tr.Seed)
		rec.Examples = ref
	}
	if !tr.Model.Train.DropModel {
		ref, err := writeModel(dir, tr.ID, m)
		if err != nil {
			return err
		}
		rec.SavedModel = ref
	}
	return nil
}

// copyKept copies the per-example sidecar and the kept model a record
// refers to from the results folder src to out (merging shards), each
// checked against the record's hash first.
func copyKept(src, out string, r *results.Record) error {
	var files []string
	if r.Examples != nil {
		if _, err := results.ReadExamples(src, r.Examples); err != nil {
			return err
		}
		files = append(files, r.Examples.File)
	}
	if r.SavedModel != nil {
		files = append(files, r.SavedModel.File)
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		if r.SavedModel != nil && f == r.SavedModel.File && results.HashBytes(data) != r.SavedModel.SHA256 {
			return fmt.Errorf("kept model %s: SHA-256 differs from the record's", f)
		}
		if err := WriteFileAtomic(filepath.Join(out, filepath.FromSlash(f)), data); err != nil {
			return err
		}
	}
	return nil
}
