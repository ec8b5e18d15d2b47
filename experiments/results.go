package experiments

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/genbench/genbench/internal/atomicfile"
	"github.com/genbench/genbench/nn"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"
)

// Record is one finished trial, as written to DIR/trials/<trial>.json.
type Record struct {
	Trial      string             `json:"trial"`
	Model      string             `json:"model"`
	Type       string             `json:"type"`
	Family     string             `json:"family"`
	Dataset    string             `json:"dataset"`
	Seed       uint64             `json:"seed"`
	Sweep      SweepPoint         `json:"sweep,omitempty"` // values of the sweep axes that touch this trial
	Status     string             `json:"status"`          // ok, diverged, failed
	Reason     string             `json:"reason,omitempty"`
	NLLKind    string             `json:"nll_kind"`
	Metrics    map[string]float64 `json:"metrics"`
	NonFinite  []string           `json:"nonfinite_metrics,omitempty"`
	Protocol   map[string]string  `json:"protocol"`
	Data       DataInfo           `json:"data"`
	Training   *TrainResult       `json:"training,omitempty"`
	Provenance Provenance         `json:"provenance"`
	// Examples, SavedModel and Reevaluated: see examples.go, keep.go, reeval.go.
	Examples    *ExamplesRef   `json:"examples,omitempty"`
	SavedModel  *ModelRef      `json:"model_file,omitempty"`
	Reevaluated []Reevaluation `json:"reevaluated,omitempty"`
}

// Trial statuses.
const (
	StatusOK       = "ok"
	StatusDiverged = "diverged"
	StatusFailed   = "failed"
)

// DataInfo says which data a trial saw.
type DataInfo struct {
	Dim      int      `json:"dim"`
	Kind     string   `json:"kind"`
	Train    int      `json:"n_train"`
	Valid    int      `json:"n_valid"`
	Test     int      `json:"n_test"`
	Protocol []string `json:"protocol"`
}

// Provenance says how a record was produced.
type Provenance struct {
	Spec      json.RawMessage   `json:"spec"` // the resolved trial
	SpecHash  string            `json:"spec_hash"`
	SpecName  string            `json:"spec_name"`
	GoVersion string            `json:"go_version"`
	Modules   map[string]string `json:"modules"`
	Dtype     string            `json:"dtype"`
	CPU       string            `json:"cpu"`
	Cores     int               `json:"cores"`
	BLAS      string            `json:"blas"`
	Commit    string            `json:"commit,omitempty"`
	Started   string            `json:"started"`
	Finished  string            `json:"finished"`
}

var hostOnce struct {
	sync.Once
	cpu, commit string
	modules     map[string]string
}

// hostFacts returns facts about the machine and the build, found once;
// safe for concurrent use (trials run in parallel).
func hostFacts() (cpu, commit string, modules map[string]string) {
	hostOnce.Do(findHostFacts)
	return hostOnce.cpu, hostOnce.commit, hostOnce.modules
}

func findHostFacts() {
	hostOnce.cpu = runtime.GOARCH
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				hostOnce.cpu = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	hostOnce.modules = map[string]string{}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			hostOnce.modules[d.Path] = d.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				hostOnce.commit = s.Value
			}
		}
	}
	if hostOnce.commit == "" {
		if out, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
			hostOnce.commit = strings.TrimSpace(string(out))
			if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
				hostOnce.commit += "+dirty"
			}
		}
	}
}

func newProvenance(spec *Spec, tr Trial, started time.Time) Provenance {
	cpu, commit, mods := hostFacts()
	raw, _ := canonicalJSON(map[string]any{
		"dataset": canonDatasetOf(tr.Dataset), "model": canonModelOf(tr.Model), "seed": tr.Seed, "eval": tr.Eval,
	})
	return Provenance{
		Spec: raw, SpecHash: spec.Hash, SpecName: spec.Name, GoVersion: runtime.Version(), Modules: mods,
		Dtype: tr.Model.Train.Dtype, CPU: cpu, Cores: runtime.NumCPU(), BLAS: nn.BLAS(), Commit: commit,
		Started: started.UTC().Format(time.RFC3339), Finished: time.Now().UTC().Format(time.RFC3339),
	}
}

// WriteFileAtomic writes data to path so that a reader never sees half a
// file and a crash leaves the old file or the new one (see
// atomicfile.Write).
func WriteFileAtomic(path string, data []byte) error { return atomicfile.Write(path, data) }

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	return WriteFileAtomic(path, append(data, '\n'))
}

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
