package results

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/genbench/genbench/internal/jsonnum"
)

// Record is one finished trial, as written to DIR/trials/<trial>.json.
type Record struct {
	Trial      string             `json:"trial"`
	Model      string             `json:"model"`
	Type       string             `json:"type"`
	Family     string             `json:"family"`
	ModelInfo  *ModelInfo         `json:"model_info,omitempty"` // nil in records written before it: unknown
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
	// Examples, SavedModel and Reevaluated: the per-example sidecar, the
	// kept model and the re-evaluations of the trial, when there are.
	Examples    *ExamplesRef   `json:"examples,omitempty"`
	SavedModel  *ModelRef      `json:"model_file,omitempty"`
	Reevaluated []Reevaluation `json:"reevaluated,omitempty"`
	// EvalSeeds holds the values of the stochastic metrics under each
	// evaluation seed when there were several; nil with one.
	EvalSeeds *EvalSeeds `json:"eval_seeds,omitempty"`
}

// EvalSeeds records a trial evaluated under several evaluation seeds
// (eval.eval_seeds, or genbench eval -eval-seeds): the seeds of the
// evaluation streams, the first being the run's own, and every key of
// the stochastic metrics under each, in seed order. The record's value
// of such a key is the mean of its values (non-finite when one is).
type EvalSeeds struct {
	Seeds  []uint64                   `json:"seeds"`
	Values map[string][]jsonnum.Float `json:"values"`
}

// Of returns the values of key under each evaluation seed (NaN for a
// non-finite one), false when the key was not repeated.
func (e *EvalSeeds) Of(key string) ([]float64, bool) {
	if e == nil {
		return nil, false
	}
	vs, ok := e.Values[key]
	if !ok {
		return nil, false
	}
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i] = float64(v)
	}
	return out, true
}

// ModelInfo records the facts about a trial's model type that reports
// act on (models.Type declares them), so that a report never decides from
// a type's name. Records written before it have none: readers fall back on
// the model registry when the type is registered there.
type ModelInfo struct {
	// Sampling is the unit of sequential passes per sample batch: "none"
	// (a fixed number of passes), "D" (one per dimension) or "C·H·W" (one
	// per pixel and channel).
	Sampling string `json:"sampling"`
	// Baseline marks a closed-form fit, the floor trained models must beat.
	Baseline bool `json:"closed_form_baseline"`
	// Accepts lists the data the type takes: vectors, images, binary,
	// continuous.
	Accepts []string `json:"accepts"`
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
	// Spec is the resolved trial {dataset, model, seed, eval} in canonical
	// JSON: what the trial ID hashes (see TrialID).
	Spec      json.RawMessage   `json:"spec"`
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

// EpochLog is one point of a training curve.
type EpochLog struct {
	Epoch     int     `json:"epoch"`
	Steps     int     `json:"steps"`
	TrainLoss float64 `json:"train_loss"`
	ValidLoss float64 `json:"valid_loss"`
	LR        float64 `json:"lr"`
	Seconds   float64 `json:"seconds"`
}

// epochLogJSON writes non-finite losses as null: a diverging epoch must
// still be recorded, and JSON has no NaN.
type epochLogJSON struct {
	Epoch     int      `json:"epoch"`
	Steps     int      `json:"steps"`
	TrainLoss *float64 `json:"train_loss"`
	ValidLoss *float64 `json:"valid_loss"`
	LR        float64  `json:"lr"`
	Seconds   float64  `json:"seconds"`
}

func finiteOrNil(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func nilToNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// MarshalJSON implements json.Marshaler.
func (e EpochLog) MarshalJSON() ([]byte, error) {
	return json.Marshal(epochLogJSON{e.Epoch, e.Steps, finiteOrNil(e.TrainLoss), finiteOrNil(e.ValidLoss), e.LR, e.Seconds})
}

// UnmarshalJSON implements json.Unmarshaler; null reads back as NaN.
func (e *EpochLog) UnmarshalJSON(b []byte) error {
	var j epochLogJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*e = EpochLog{j.Epoch, j.Steps, nilToNaN(j.TrainLoss), nilToNaN(j.ValidLoss), j.LR, j.Seconds}
	return nil
}

// TrainResult is what training produced besides the trained model.
type TrainResult struct {
	Curve     []EpochLog `json:"curve"`
	Steps     int        `json:"steps"`
	Epochs    int        `json:"epochs"`
	BestEpoch int        `json:"best_epoch"`
	Seconds   float64    `json:"seconds"`
	Stopped   string     `json:"stopped"`    // why training ended: "epochs", "patience", "time_budget", "max_steps", "closed_form"
	ValidKind string     `json:"valid_kind"` // what the validation loss is: "nll", "negative_elbo", "model_loss", "none"
	// Resumed lists the finished epochs at which training continued from a
	// checkpoint after an interruption; empty for an uninterrupted run.
	Resumed []int `json:"resumed_at_epochs,omitempty"`
}

// ConfigLabel names the record's configuration: the model, with its sweep
// point in brackets when it has one ("maf[train.lr=0.001]").
func (r *Record) ConfigLabel() string {
	if len(r.Sweep) == 0 {
		return r.Model
	}
	return r.Model + "[" + r.Sweep.String() + "]"
}

// SweepPoint holds the values a sweep point gives to the axes that touch
// one trial, by canonical axis path.
type SweepPoint map[string]any

// String formats the point as "path=value, ..." in path order.
func (p SweepPoint) String() string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, FormatValue(p[k]))
	}
	return strings.Join(parts, ", ")
}

// FormatValue writes a spec value as sweep points and protocol notes show
// it: numbers in their shortest form, lists as [a b c].
func FormatValue(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []string:
		return "[" + strings.Join(x, " ") + "]"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = FormatValue(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprint(v)
}

// ExamplesRef is a record's reference to its per-example sidecar.
type ExamplesRef struct {
	File     string `json:"file"`      // relative to the results folder: examples/<trial-id>.bin
	SHA256   string `json:"sha256"`    // of the whole file
	N        int    `json:"n"`         // number of test examples
	Kind     string `json:"kind"`      // exact, bound or estimate (models.NLLKind)
	TestHash string `json:"test_hash"` // SHA-256 of the test matrix (see TestHash)
	// EvalSeed seeds the evaluation stream (importance samples of an
	// estimate): equal for every model of a spec at one training seed.
	// With several evaluation seeds (Record.EvalSeeds) the sidecar keeps
	// the values under the first, the run's own, so that examples still
	// pair across models.
	EvalSeed uint64 `json:"eval_seed"`
}

// ModelRef is a record's reference to its kept model,
// DIR/models/<trial-id>.bin: what the model's Save wrote after training
// (the weights that were evaluated), so that `genbench eval` can compute
// new metrics on old runs without training again.
type ModelRef struct {
	File   string `json:"file"` // relative to the results folder: models/<trial-id>.bin
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// Reevaluation notes one `genbench eval` of a record: when, which metrics
// it wrote, under how many evaluation seeds, and the code version that
// computed them.
type Reevaluation struct {
	At      string   `json:"at"` // RFC 3339, UTC
	Metrics []string `json:"metrics"`
	Commit  string   `json:"commit,omitempty"`
	// EvalSeeds is the number of evaluation seeds of the stochastic
	// metrics (omitted for one).
	EvalSeeds int `json:"eval_seeds,omitempty"`
}
