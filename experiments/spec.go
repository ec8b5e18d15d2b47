package experiments

import (
	"fmt"
	"slices"
	"strings"

	"github.com/genbench/genbench/results"
)

// The data types of a parsed spec.

// Spec is a parsed, validated experiment spec with every default filled in.
type Spec struct {
	Name     string
	File     string // path it was read from
	Seeds    []uint64
	Datasets []DatasetSpec
	Models   []ModelSpec
	Train    TrainSpec // global defaults
	Eval     EvalSpec
	Sweep    *SweepSpec // nil without a sweep: block
	Hash     string     // sha256 hex of the canonical JSON of the resolved spec (without File)

	overrides []map[string]bool // train keys each model sets itself
}

// DatasetSpec is one entry of the spec's datasets list.
type DatasetSpec struct {
	Name string
	// Params holds the parameters the user gave (and only those), converted
	// to the types of the data set's schema. Never nil.
	Params map[string]any
	// Label names the entry for models' datasets filters; it defaults to
	// Name and is not part of the trial's identity.
	Label string
	Line  int // line of the entry in the spec file
}

// ModelSpec is one entry of the spec's models list.
type ModelSpec struct {
	Name, Type string
	// Params holds the parameters the user gave under params: (and only
	// those), converted to the types of the model type's schema. Never nil.
	Params map[string]any
	// Train is the global train block merged with the model's overrides.
	Train TrainSpec
	// EvalOverride holds the eval keys the model sets itself under eval:
	// (and only those), converted to the types of the eval schema; nil
	// without overrides. The model's trials are evaluated with
	// EffectiveEval: the global eval block with these keys replaced.
	EvalOverride map[string]any
	// On lists the labels of the data sets the model runs on; empty means
	// every data set of the spec.
	On   []string
	Line int // line of the entry in the spec file
}

// Runs reports whether the model is trained on the data set d.
func (m ModelSpec) Runs(d DatasetSpec) bool {
	return len(m.On) == 0 || slices.Contains(m.On, d.Label)
}

// EffectiveEval returns the eval block the model's trials use: global
// with the keys of m.EvalOverride replacing its own. It shares no slice
// with global or the override.
func (m ModelSpec) EffectiveEval(global EvalSpec) EvalSpec {
	e := global
	e.Metrics = append([]string(nil), global.Metrics...)
	for _, k := range evalKeys { // declaration order: deterministic
		if v, ok := m.EvalOverride[k.Key]; ok {
			k.set(&e, v)
		}
	}
	return e
}

// TrainSpec holds the training settings of a model.
type TrainSpec struct {
	BatchSize  int     `json:"batch_size"`   // default 256
	Epochs     int     `json:"epochs"`       // default 50
	LR         float64 `json:"lr"`           // default 1e-3
	Patience   int     `json:"patience"`     // epochs without validation improvement before stopping; 0 = never stop early; default 10
	Dtype      string  `json:"dtype"`        // float32 (default) | float64
	TimeBudget float64 `json:"time_budget"`  // seconds per trial, 0 = none
	MaxSteps   int     `json:"max_steps"`    // 0 = none
	LRDecay    float64 `json:"lr_decay"`     // multiply lr by this when validation has not improved for lr_patience epochs; 1 = off (default 1)
	LRPatience int     `json:"lr_patience"`  // default 5
	Warmup     int     `json:"warmup_steps"` // linear lr warm-up steps, default 0
	// MinDelta is the least drop of the validation loss that counts as an
	// improvement for patience and lr decay (default 0: any drop); the best
	// state is kept regardless. Omitted when 0, so that trial ids of specs
	// without it are unchanged.
	MinDelta float64 `json:"min_delta,omitempty"`
	// Schedule is the lr schedule over the steps of Epochs (or MaxSteps,
	// if fewer): "" (constant, the default) or "cosine", which anneals
	// the lr to 0 along half a cosine after any warm-up. Plateau decay
	// (LRDecay) multiplies whatever the schedule gives. Omitted when
	// constant, so that trial ids of specs without it are unchanged.
	Schedule string `json:"lr_schedule,omitempty"`
	// MemoryLimit is the memory a trial may take: "" (auto: the
	// machine's memory) or a size such as "8GiB" (see EstimateMemory). It changes
	// no result, so it is not part of a trial's identity.
	MemoryLimit string `json:"-"`
	// DivergeLoss, DivergeMargin and DivergeEpochs set the divergence
	// rules (see diverge.go); 0 means the default, omitted so that trial
	// ids of specs without them are unchanged.
	DivergeLoss   float64 `json:"diverge_loss,omitempty"`
	DivergeMargin float64 `json:"diverge_margin,omitempty"`
	DivergeEpochs int     `json:"diverge_epochs,omitempty"`
	// DropModel is set by keep_model: false: the trained model is not kept
	// in DIR/models. The zero value keeps it. It changes what a run stores,
	// not what a trial computes, so it is left out of trial ids and the
	// spec hash.
	DropModel bool `json:"-"`
}

// EvalSpec holds the evaluation settings of the spec.
type EvalSpec struct {
	Metrics      []string `json:"metrics"`       // default [nll, bits_per_dim, true_nll, sampling_speed]
	Samples      int      `json:"samples"`       // samples generated for sample-based metrics, default 2500
	ImportanceK  int      `json:"importance_k"`  // importance samples for VAE NLL estimates, default 1000
	SpeedBatch   int      `json:"speed_batch"`   // default 1000
	SpeedRepeats int      `json:"speed_repeats"` // default 5
	MaxTest      int      `json:"max_test"`      // evaluate on at most this many test examples, 0 = all
	// FDSamples is n of FD and KID; 0 stands for the default, 2000, so
	// that trial IDs made before the key existed stay the same.
	FDSamples int `json:"fd_samples,omitempty"`
	// EvalSeeds is the number of evaluation seeds of the stochastic
	// metrics; 0 stands for the default, 1, so that trial IDs made
	// before the key existed stay the same.
	EvalSeeds int `json:"eval_seeds,omitempty"`
}

// evalSeedCount is the number of evaluation seeds (eval.eval_seeds).
func (e EvalSpec) evalSeedCount() int { return max(e.EvalSeeds, 1) }

// defaultFDSamples is the default of eval.fd_samples: above the 512
// features of the classifiers, so that covariances have full rank.
const defaultFDSamples = 2000

// fdSamples is n of FD and KID.
func (e EvalSpec) fdSamples() int {
	if e.FDSamples == 0 {
		return defaultFDSamples
	}
	return e.FDSamples
}

// Trial is one (data set, model, seed) combination of a spec.
type Trial struct {
	// ID is readable and stable: "<dataset>-<model>-s<seed>-<12 hex>", the
	// hex being a hash of everything that defines the trial.
	ID      string
	Dataset DatasetSpec
	Model   ModelSpec
	Seed    uint64
	// Eval is the trial's effective eval block: the spec's (at the sweep
	// point) with the model's overrides (Model.EvalOverride) applied.
	Eval EvalSpec
	// Sweep holds the values of the sweep axes that touch this trial; nil
	// without a sweep.
	Sweep results.SweepPoint
}

// SpecError is one mistake in a spec, with its position. Key is the dotted
// path of the offending setting, such as models[1].params.hidden.
type SpecError struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e SpecError) Error() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Key, e.Msg)
}

// SpecErrors lists every mistake found in a spec, sorted by line; Error
// gives one per line.
type SpecErrors []SpecError

func (es SpecErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}
