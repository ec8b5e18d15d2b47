package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/params"
	"github.com/genbench/genbench/results"
)

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
	for _, f := range evalSchema { // schema order: deterministic
		if v, ok := m.EvalOverride[f.Key]; ok {
			setEval(&e, f.Key, v)
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

// Load reads and parses the spec at path.
func Load(path string) (*Spec, error) {
	data, err := readSpecFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses and validates a spec; file names it in errors and in
// Spec.File. A non-nil error is always a SpecErrors.
func Parse(file string, data []byte) (*Spec, error) {
	p := &parser{file: file}
	if p.file == "" {
		p.file = "<spec>"
	}
	spec := p.parse(data)
	if len(p.errs) > 0 {
		return nil, p.sorted()
	}
	spec.File = file
	sum, err := results.HashJSON(spec.canonical())
	if err != nil {
		return nil, SpecErrors{{File: p.file, Line: 1, Key: "spec", Msg: err.Error()}}
	}
	spec.Hash = sum
	return spec, nil
}

// TrialSpecs lists every (data set, model, sweep point, seed) combination
// in spec order: data sets outer, then models, then sweep points, then
// seeds. A trial that several sweep points leave the same (an axis on
// another model) is listed once, with the first such point.
func (s *Spec) TrialSpecs() []Trial {
	var trials []Trial
	seen := map[string]bool{}
	points := s.Sweep.points()
	specs := make([]struct {
		ds         []DatasetSpec
		ms         []ModelSpec
		ev         EvalSpec
		overridden []map[string]bool
	}, len(points))
	for p, pt := range points {
		x := &specs[p]
		x.ds, x.ms, x.ev, x.overridden = s.pointSpec(pt)
	}
	for i := range s.Datasets {
		for j := range s.Models {
			if !s.Models[j].Runs(s.Datasets[i]) {
				continue
			}
			for p, pt := range points {
				x := specs[p]
				var point results.SweepPoint
				if s.Sweep != nil {
					point = results.SweepPoint{}
					for a, ax := range s.Sweep.Axes {
						if ax.touches(i, j, x.overridden) {
							point[ax.Path] = ax.Values[pt[a]]
						}
					}
				}
				for _, seed := range s.Seeds {
					// The id hashes the effective eval block: without
					// overrides, the global one, as before overrides existed.
					eval := x.ms[j].EffectiveEval(x.ev)
					t := Trial{Dataset: x.ds[i], Model: x.ms[j], Seed: seed, Eval: eval, Sweep: point}
					t.ID = trialID(t)
					if seen[t.ID] {
						continue
					}
					seen[t.ID] = true
					trials = append(trials, t)
				}
			}
		}
	}
	return trials
}

func trialID(t Trial) string {
	id, err := results.TrialID(t.Dataset.Name, t.Model.Name, t.Seed, t.identity())
	if err != nil {
		// Parse rejects every value JSON cannot hold.
		panic("experiments: " + err.Error())
	}
	return id
}

// identity is what defines a trial: what its ID hashes and its record
// keeps as provenance.spec.
func (t Trial) identity() any {
	return struct {
		Dataset canonDataset `json:"dataset"`
		Model   canonModel   `json:"model"`
		Seed    uint64       `json:"seed"`
		Eval    EvalSpec     `json:"eval"`
	}{canonDatasetOf(t.Dataset), canonModelOf(t.Model), t.Seed, t.Eval}
}

// Canonical forms: what defines a spec or a trial, without positions.

type canonDataset struct {
	Name   string         `json:"name"`
	Params map[string]any `json:"params"`
}

type canonModel struct {
	Name   string         `json:"name"`
	Type   string         `json:"type"`
	Params map[string]any `json:"params"`
	Train  TrainSpec      `json:"train"`
	// Eval holds the model's eval overrides in the spec's canonical form
	// (its hash and DIR/spec.json) only: a trial hashes its effective eval
	// block instead, so that an override equal to the global value leaves
	// the trial id alone. Omitted when empty, so that specs without
	// overrides hash as before.
	Eval map[string]any `json:"eval,omitempty"`
}

// canonDatasetOf and canonModelOf leave out parameters equal to their
// default: a trial is the same whether a default is spelled out or not.
func canonDatasetOf(d DatasetSpec) canonDataset {
	p := nonNil(d.Params)
	if src, ok := datasets.Lookup(d.Name); ok {
		p = withoutDefaults(p, src.Params)
	}
	return canonDataset{Name: d.Name, Params: p}
}

func canonModelOf(m ModelSpec) canonModel {
	p := nonNil(m.Params)
	if ty, ok := models.Lookup(m.Type); ok {
		p = withoutDefaults(p, ty.Params)
	}
	return canonModel{Name: m.Name, Type: m.Type, Params: p, Train: m.Train}
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func (s *Spec) canonical() any {
	ds := make([]canonDataset, len(s.Datasets))
	for i, d := range s.Datasets {
		ds[i] = canonDatasetOf(d)
	}
	ms := make([]canonModel, len(s.Models))
	for i, m := range s.Models {
		ms[i] = canonModelOf(m)
		ms[i].Eval = m.EvalOverride
	}
	// Which models run on which data sets is part of the spec, not of a
	// trial: the same trial keeps its id whatever filters select it.
	var labels []string
	runsOn := map[string][]string{}
	for _, d := range s.Datasets {
		labels = append(labels, d.Label)
	}
	for _, m := range s.Models {
		if len(m.On) > 0 {
			runsOn[m.Name] = m.On
		}
	}
	if len(runsOn) == 0 {
		labels, runsOn = nil, nil
	}
	return struct {
		Name     string              `json:"name"`
		Seeds    []uint64            `json:"seeds"`
		Datasets []canonDataset      `json:"datasets"`
		Models   []canonModel        `json:"models"`
		Eval     EvalSpec            `json:"eval"`
		Sweep    *canonSweep         `json:"sweep,omitempty"`
		Labels   []string            `json:"dataset_labels,omitempty"`
		RunsOn   map[string][]string `json:"runs_on,omitempty"`
	}{s.Name, s.Seeds, ds, ms, s.Eval, s.Sweep.canonical(), labels, runsOn}
}

// Schemas of the train and eval blocks. The type of each default fixes the
// type of the key; Check rejects impossible values.

var trainSchema = params.Schema{
	{Key: "batch_size", Default: 256, Doc: "examples per minibatch", Check: params.Positive},
	{Key: "epochs", Default: 50, Doc: "passes over the training set", Check: params.Positive},
	{Key: "lr", Default: 1e-3, Doc: "Adam step size", Check: params.Positive},
	{Key: "patience", Default: 10, Doc: "epochs without validation improvement before stopping; 0 = never stop early", Check: params.Nonnegative},
	{Key: "dtype", Default: "float32", Doc: "float32 or float64", Check: params.OneOf("float32", "float64")},
	{Key: "time_budget", Default: 0.0, Doc: "seconds per trial, 0 = none", Check: params.Nonnegative},
	{Key: "max_steps", Default: 0, Doc: "optimisation steps per trial, 0 = none", Check: params.Nonnegative},
	{Key: "lr_decay", Default: 1.0, Doc: "multiply lr by this when validation has not improved for lr_patience epochs; 1 = off", Check: decayCheck},
	{Key: "lr_patience", Default: 5, Doc: "epochs without improvement before lr decays", Check: params.Positive},
	{Key: "warmup_steps", Default: 0, Doc: "linear lr warm-up steps", Check: params.Nonnegative},
	{Key: "lr_schedule", Default: "constant", Doc: "constant, or cosine: anneal the lr to 0 along half a cosine over the steps of epochs (or max_steps if fewer), after any warm-up; set epochs to what the time budget allows", Check: params.OneOf("constant", "cosine")},
	{Key: "memory_limit", Default: "auto", Doc: "memory a trial may take, checked against an estimate before it runs: auto (this machine's memory) or a size such as 8GiB", Check: checkMemoryLimit},
	{Key: "diverge_loss", Default: defaultDivergeLoss, Doc: "a training or validation loss beyond this many nats per data dimension (in absolute value) ends the trial as diverged; a large value turns the rule off", Check: params.Positive},
	{Key: "diverge_margin", Default: defaultDivergeMargin, Doc: "a validation NLL this many nats per data dimension above the data's trivial floor (diagonal Gaussian or independent Bernoullis fitted to the training split) for diverge_epochs epochs ends the trial as diverged", Check: params.Positive},
	{Key: "diverge_epochs", Default: defaultDivergeEpochs, Doc: "epochs in a row above the diverge_margin bound before a trial counts as diverged", Check: params.Positive},
	{Key: "keep_model", Default: true, Doc: "keep the trained model in DIR/models/<trial>.bin for genbench eval; false for huge sweeps"},
	{Key: "min_delta", Default: 0.0, Doc: "least drop of the validation loss (nats) that counts as an improvement for patience and lr_patience; the best state is kept regardless", Check: params.Nonnegative},
}

var evalSchema = params.Schema{
	{Key: "metrics", Default: []string{"nll", "bits_per_dim", "true_nll", "sampling_speed"}, Doc: "metrics to compute"},
	{Key: "samples", Default: 2500, Doc: "samples generated for sample-based metrics", Check: params.Positive},
	{Key: "importance_k", Default: 1000, Doc: "importance samples for VAE NLL estimates", Check: params.Positive},
	{Key: "speed_batch", Default: 1000, Doc: "batch size of the sampling-speed measurement", Check: params.Positive},
	{Key: "speed_repeats", Default: 5, Doc: "repeats of the sampling-speed measurement", Check: params.Positive},
	{Key: "max_test", Default: 0, Doc: "evaluate on at most this many test examples, 0 = all", Check: params.Nonnegative},
}

// TrainKeys and EvalKeys return the keys of a spec's train: and eval:
// blocks with their defaults and documentation (for genbench list).
func TrainKeys() params.Schema { return append(params.Schema(nil), trainSchema...) }

// EvalKeys: see TrainKeys.
func EvalKeys() params.Schema { return append(params.Schema(nil), evalSchema...) }

func decayCheck(v any) error {
	if f, ok := v.(float64); !ok || !(f > 0 && f <= 1) {
		return fmt.Errorf("must be in (0, 1], got %v", v)
	}
	return nil
}

func setTrain(t *TrainSpec, key string, v any) {
	switch key {
	case "batch_size":
		t.BatchSize = v.(int)
	case "epochs":
		t.Epochs = v.(int)
	case "lr":
		t.LR = v.(float64)
	case "patience":
		t.Patience = v.(int)
	case "dtype":
		t.Dtype = v.(string)
	case "time_budget":
		t.TimeBudget = v.(float64)
	case "max_steps":
		t.MaxSteps = v.(int)
	case "lr_decay":
		t.LRDecay = v.(float64)
	case "lr_patience":
		t.LRPatience = v.(int)
	case "warmup_steps":
		t.Warmup = v.(int)
	case "min_delta":
		t.MinDelta = v.(float64)
	case "diverge_loss":
		t.DivergeLoss = zeroIfDefault(v.(float64), defaultDivergeLoss)
	case "diverge_margin":
		t.DivergeMargin = zeroIfDefault(v.(float64), defaultDivergeMargin)
	case "diverge_epochs":
		t.DivergeEpochs = int(zeroIfDefault(float64(v.(int)), defaultDivergeEpochs))
	case "memory_limit":
		t.MemoryLimit = v.(string)
		if t.MemoryLimit == "auto" {
			t.MemoryLimit = ""
		}
	case "keep_model":
		t.DropModel = !v.(bool)
	case "lr_schedule":
		t.Schedule = v.(string)
		if t.Schedule == "constant" {
			t.Schedule = ""
		}
	default:
		panic("experiments: no train key " + key)
	}
}

// zeroIfDefault stores a default as 0, which JSON omits.
func zeroIfDefault(v, def float64) float64 {
	if v == def {
		return 0
	}
	return v
}

func setEval(e *EvalSpec, key string, v any) {
	switch key {
	case "metrics":
		e.Metrics = append([]string(nil), v.([]string)...)
	case "samples":
		e.Samples = v.(int)
	case "importance_k":
		e.ImportanceK = v.(int)
	case "speed_batch":
		e.SpeedBatch = v.(int)
	case "speed_repeats":
		e.SpeedRepeats = v.(int)
	case "max_test":
		e.MaxTest = v.(int)
	default:
		panic("experiments: no eval key " + key)
	}
}

func defaultTrain() TrainSpec {
	var t TrainSpec
	for _, f := range trainSchema {
		setTrain(&t, f.Key, f.Default)
	}
	return t
}

func defaultEval() EvalSpec {
	var e EvalSpec
	for _, f := range evalSchema {
		setEval(&e, f.Key, f.Default)
	}
	return e
}

var (
	topKeys     = []string{"datasets", "eval", "models", "name", "seeds", "sweep", "train"}
	modelKeys   = []string{"datasets", "eval", "name", "params", "train", "type"}
	specNameRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	yamlErrorRE = regexp.MustCompile(`(?s)^yaml: line (\d+): (.*)$`)
)

// parser walks the YAML node tree and collects every error.
type parser struct {
	file string
	errs SpecErrors
}

func (p *parser) errorf(line int, key, format string, args ...any) {
	if line < 1 {
		line = 1
	}
	p.errs = append(p.errs, SpecError{File: p.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// sorted returns the errors sorted by line, without repeats.
func (p *parser) sorted() SpecErrors {
	out := make(SpecErrors, 0, len(p.errs))
	seen := map[SpecError]bool{}
	for _, e := range p.errs {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

func (p *parser) parse(data []byte) *Spec {
	if len(data) > MaxSpecBytes {
		p.errorf(1, "spec", "the file is larger than %d bytes; a spec is a few kilobytes", MaxSpecBytes)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorf(1, "spec", "the spec is empty; want a mapping with keys %s", strings.Join(topKeys, ", "))
		} else {
			p.syntax(err, data)
		}
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		p.errorf(next.Line, "spec", "a second YAML document starts here; a spec is a single document")
	} else if !errors.Is(err, io.EOF) {
		p.syntax(err, data)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		p.errorf(doc.Line, "spec", "want a mapping with keys %s", strings.Join(topKeys, ", "))
		return nil
	}
	if !p.checkExpansion(&doc) {
		return nil
	}
	return p.spec(doc.Content[0])
}

// yamlParserErrors are the messages of yaml.v3's parser (as opposed to its
// scanner): it reports their line 0-based, so one is added.
var yamlParserErrors = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// bracketPathRE spots an unquoted sweep path with brackets in a flow mapping.
var bracketPathRE = regexp.MustCompile(`\{.*path:\s*[A-Za-z_]+\[`)

var unknownAnchorRE = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)

func (p *parser) syntax(err error, data []byte) {
	msg := err.Error()
	if m := yamlErrorRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if yamlParserErrors[m[2]] {
			line++
		}
		hint := ""
		if lines := strings.Split(string(data), "\n"); line >= 1 && line <= len(lines) && bracketPathRE.MatchString(lines[line-1]) {
			hint = `; inside {...} YAML takes '[' for a list: quote the path ("models[x].params.y") or use dots (models.x.params.y)`
		}
		p.errorf(line, "yaml", "syntax error: %s%s", m[2], hint)
		return
	}
	line := 1
	if m := unknownAnchorRE.FindStringSubmatch(msg); m != nil {
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			line += bytes.Count(data[:i], []byte("\n"))
		}
	}
	// Errors without a position (parser errors on the first line, reader
	// errors) are reported at line 1 or, for aliases, where the alias is.
	p.errorf(line, "yaml", "syntax error: %s", strings.TrimPrefix(msg, "yaml: "))
}

func (p *parser) spec(root *yaml.Node) *Spec {
	root = resolve(root)
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		p.errorf(root.Line, "spec", "the spec is empty; want a mapping with keys %s", strings.Join(topKeys, ", "))
		return nil
	}
	if root.Kind != yaml.MappingNode {
		p.errorf(root.Line, "spec", "want a mapping with keys %s, got %s", strings.Join(topKeys, ", "), describeNode(root))
		return nil
	}
	m := p.mapping(root, "")
	p.onlyKeys(m, "", topKeys, func(k string) string {
		if _, ok := trainSchema.Lookup(k); ok {
			return "; training settings go under train:"
		}
		if _, ok := evalSchema.Lookup(k); ok {
			return "; evaluation settings go under eval:"
		}
		return ""
	})
	p.require(m, "", "name", "seeds", "datasets", "models")

	s := &Spec{Train: defaultTrain(), Eval: defaultEval()}
	if n := m.get("name"); n != nil {
		if name, ok := p.str(n, "name"); ok {
			if !specNameRE.MatchString(name) {
				p.errorf(resolve(n).Line, "name", "%q: want letters, digits, '.', '_' or '-', starting with a letter or digit", name)
			}
			s.Name = name
		}
	}
	if n := m.get("seeds"); n != nil {
		s.Seeds = p.seeds(n)
	}
	globalLines := map[string]int{}
	if n := m.get("train"); n != nil {
		globalLines = p.train(n, "train", &s.Train)
	}
	if n := m.get("eval"); n != nil {
		p.eval(n, "eval", &s.Eval)
	}
	var dsInfo []datasetInfo
	if n := m.get("datasets"); n != nil {
		s.Datasets, dsInfo = p.datasets(n)
	}
	var modelLines []map[string]int
	var modelOK []bool
	if n := m.get("models"); n != nil {
		s.Models, modelLines, modelOK = p.models(n, s.Train)
	}
	p.checkLabels(s, m.get("models"))
	for _, lines := range modelLines {
		keys := map[string]bool{}
		for k := range lines {
			keys[k] = true
		}
		s.overrides = append(s.overrides, keys)
	}
	sweepOK := true
	if n := m.get("sweep"); n != nil {
		before := len(p.errs)
		s.Sweep = p.sweep(n, s, dsInfo, modelOK)
		sweepOK = s.Sweep != nil && len(p.errs) == before
		if sweepOK {
			sweepOK = p.checkTrialCount(s, s.Sweep, resolve(n).Line, "sweep")
		}
	} else if n := m.get("seeds"); n != nil {
		sweepOK = p.checkTrialCount(s, nil, resolve(n).Line, "seeds")
	}
	if sweepOK {
		p.checkBatch(s, dsInfo, globalLines, modelLines, modelOK)
		p.checkModelData(s, dsInfo, modelOK)
		if s.Sweep != nil {
			p.checkSweepBatches(s, dsInfo, modelOK)
		}
		p.checkMemory(s, dsInfo, modelOK, m)
	}
	return s
}

func (p *parser) seeds(n *yaml.Node) []uint64 {
	seq, ok := p.sequence(n, "seeds")
	if !ok {
		return nil
	}
	if len(seq.Content) == 0 {
		p.errorf(seq.Line, "seeds", "must list at least one seed")
		return nil
	}
	var seeds []uint64
	first := map[uint64]int{}
	for i, item := range seq.Content {
		item = resolve(item)
		key := fmt.Sprintf("seeds[%d]", i)
		seed, ok := p.seed(item, key)
		if !ok {
			continue
		}
		if j, dup := first[seed]; dup {
			p.errorf(item.Line, key, "duplicate seed %d (also seeds[%d])", seed, j)
			continue
		}
		first[seed] = i
		seeds = append(seeds, seed)
	}
	return seeds
}

// seed reads a non-negative integer.
func (p *parser) seed(n *yaml.Node, key string) (uint64, bool) {
	v := nodeValue(n)
	switch x := v.(type) {
	case int:
		if x >= 0 {
			return uint64(x), true
		}
		p.errorf(n.Line, key, "must not be negative, got %d", x)
		return 0, false
	case uint64:
		return x, true
	case float64:
		if x == math.Trunc(x) && x >= 0 && x <= 1<<53 {
			return uint64(x), true
		}
	}
	p.errorf(n.Line, key, "want a non-negative integer, got %s", params.Describe(v))
	return 0, false
}

// train reads a train block into t, over what t holds, and returns the line
// of each key given; keys given with a wrong value map to line 0.
func (p *parser) train(n *yaml.Node, path string, t *TrainSpec) map[string]int {
	lines := map[string]int{}
	m, ok := p.mappingOf(n, path)
	if !ok {
		return lines
	}
	p.onlyKeys(m, path, trainSchema.Keys(), schemaHint(evalSchema, "; evaluation settings go under eval:"))
	for _, k := range m.order {
		f, ok := trainSchema.Lookup(k)
		if !ok {
			continue
		}
		val := resolve(m.fields[k].val)
		lines[k] = 0
		if v, ok := p.convert(f, val, join(path, k)); ok {
			setTrain(t, k, v)
			lines[k] = val.Line
		}
	}
	return lines
}

// eval reads an eval block at path (eval, or models[i].eval for a
// model's overrides) into e, over what e holds, and returns the values
// given, converted; keys with a wrong value are reported and left out.
func (p *parser) eval(n *yaml.Node, path string, e *EvalSpec) map[string]any {
	given := map[string]any{}
	m, ok := p.mappingOf(n, path)
	if !ok {
		return given
	}
	p.onlyKeys(m, path, evalSchema.Keys(), schemaHint(trainSchema, "; training settings go under train:"))
	for _, k := range m.order {
		f, ok := evalSchema.Lookup(k)
		if !ok {
			continue
		}
		if k == "metrics" {
			if list, ok := p.metrics(m.fields[k].val, join(path, k)); ok {
				setEval(e, k, list)
				given[k] = list
			}
			continue
		}
		if v, ok := p.convert(f, m.fields[k].val, join(path, k)); ok {
			setEval(e, k, v)
			given[k] = v
		}
	}
	return given
}

// schemaHint returns an onlyKeys hint: advice for the keys of schema.
func schemaHint(schema params.Schema, advice string) func(string) string {
	return func(k string) string {
		if _, ok := schema.Lookup(k); ok {
			return advice
		}
		return ""
	}
}

func metricNames() []string { return metrics.Names() }

func (p *parser) metrics(n *yaml.Node, path string) ([]string, bool) {
	seq, ok := p.sequence(n, path)
	if !ok {
		return nil, false
	}
	if len(seq.Content) == 0 {
		p.errorf(seq.Line, path, "must name at least one metric (%s)", validList(metricNames(), "metrics"))
		return nil, false
	}
	list := []string{}
	first := map[string]int{}
	good := true
	for i, item := range seq.Content {
		key := fmt.Sprintf("%s[%d]", path, i)
		name, ok := p.str(item, key)
		if !ok {
			good = false
			continue
		}
		line := resolve(item).Line
		if !metrics.Known(name) {
			p.errorf(line, key, "unknown metric %q (%s)", name, validList(metricNames(), "metrics"))
			good = false
			continue
		}
		if j, dup := first[name]; dup {
			p.errorf(line, key, "duplicate metric %q (also %s[%d])", name, path, j)
			good = false
			continue
		}
		first[name] = i
		list = append(list, name)
	}
	return list, good
}

// datasetInfo keeps what the batch-size check needs about a data set entry.
type datasetInfo struct {
	ok         bool // name known and every parameter valid
	schema     params.Schema
	nTrainLine int // line of n_train when given, else 0
}

func (p *parser) datasets(n *yaml.Node) ([]DatasetSpec, []datasetInfo) {
	seq, ok := p.sequence(n, "datasets")
	if !ok {
		return nil, nil
	}
	if len(seq.Content) == 0 {
		p.errorf(seq.Line, "datasets", "must list at least one data set (%s)", validList(datasets.Names(), "data sets"))
		return nil, nil
	}
	var list []DatasetSpec
	var infos []datasetInfo
	first := map[string]int{}
	for i, item := range seq.Content {
		item = resolve(item)
		d, info := p.dataset(item, fmt.Sprintf("datasets[%d]", i), i, first)
		list = append(list, d)
		infos = append(infos, info)
	}
	return list, infos
}

// dataset reads one entry of the datasets list; first maps the canonical
// JSON of each valid entry to its index, to refuse repeated entries.
func (p *parser) dataset(item *yaml.Node, path string, i int, first map[string]int) (DatasetSpec, datasetInfo) {
	d := DatasetSpec{Params: map[string]any{}, Line: item.Line}
	var m *mapNode
	nameLine := item.Line
	if item.Kind == yaml.ScalarNode && item.ShortTag() == "!!str" {
		d.Name = item.Value // shorthand: "- ring8"
	} else {
		var ok bool
		if m, ok = p.mappingOf(item, path); !ok {
			return d, datasetInfo{}
		}
		if !p.require(m, path, "name") {
			return d, datasetInfo{}
		}
		nameNode := resolve(m.get("name"))
		nameLine = nameNode.Line
		if d.Name, ok = p.str(nameNode, path+".name"); !ok {
			return d, datasetInfo{}
		}
		if ln := m.get("label"); ln != nil {
			if label, ok := p.str(resolve(ln), path+".label"); ok {
				if label == "" {
					p.errorf(resolve(ln).Line, path+".label", "must not be empty")
				}
				d.Label = label
			}
		}
	}
	if d.Label == "" {
		d.Label = d.Name
	}
	if d.Name == "" {
		p.errorf(nameLine, path+".name", "must not be empty (%s)", validList(datasets.Names(), "data sets"))
		return d, datasetInfo{}
	}
	src, ok := datasets.Lookup(d.Name)
	if !ok {
		p.errorf(nameLine, path+".name", "unknown data set %q (%s)", d.Name, validList(datasets.Names(), "data sets"))
		return d, datasetInfo{}
	}
	info := datasetInfo{ok: true, schema: src.Params}
	if m != nil {
		valid := append([]string{"label", "name"}, src.Params.Keys()...)
		sort.Strings(valid)
		for _, k := range m.order {
			if k == "name" || k == "label" {
				continue
			}
			fld := m.fields[k]
			f, known := src.Params.Lookup(k)
			if !known {
				hint := ""
				if k == "params" {
					hint = "; data set parameters sit beside name, not under params:"
				}
				p.errorf(fld.key.Line, join(path, k), "unknown parameter of data set %s (valid: %s)%s", d.Name, strings.Join(valid, ", "), hint)
				info.ok = false
				continue
			}
			v, ok := p.convert(f, fld.val, join(path, k))
			if !ok {
				info.ok = false
				continue
			}
			d.Params[k] = v
			if k == "n_train" {
				info.nTrainLine = resolve(fld.val).Line
			}
		}
	}
	if info.ok {
		if b, err := results.CanonicalJSON(canonDatasetOf(d)); err == nil {
			if j, dup := first[string(b)]; dup {
				p.errorf(item.Line, path, "same data set and parameters as datasets[%d]", j)
			} else {
				first[string(b)] = i
			}
		}
	}
	return d, info
}

// models reads the models list. It returns, index by index with the list,
// the lines of each model's train overrides and whether the entry is sound
// enough for the batch-size check.
func (p *parser) models(n *yaml.Node, global TrainSpec) ([]ModelSpec, []map[string]int, []bool) {
	seq, ok := p.sequence(n, "models")
	if !ok {
		return nil, nil, nil
	}
	if len(seq.Content) == 0 {
		p.errorf(seq.Line, "models", "must list at least one model (model types: %s)", validList(models.Names(), "model types"))
		return nil, nil, nil
	}
	var list []ModelSpec
	var lines []map[string]int
	var oks []bool
	type first struct{ index, line int }
	firstName := map[string]first{}
	for i, item := range seq.Content {
		item = resolve(item)
		path := fmt.Sprintf("models[%d]", i)
		ms := ModelSpec{Params: map[string]any{}, Train: global, Line: item.Line}
		m, ok := p.mappingOf(item, path)
		if !ok {
			list, lines, oks = append(list, ms), append(lines, nil), append(oks, false)
			continue
		}
		// The type first: its schema gives hints about misplaced keys.
		var typ models.Type
		typeOK := false
		if tn := m.get("type"); tn != nil {
			tn = resolve(tn)
			if name, ok := p.str(tn, path+".type"); ok {
				ms.Type = name
				if typ, typeOK = models.Lookup(name); !typeOK {
					p.errorf(tn.Line, path+".type", "unknown model type %q (%s)", name, validList(models.Names(), "model types"))
				}
			}
		}
		p.onlyKeys(m, path, modelKeys, func(k string) string {
			if _, ok := typ.Params.Lookup(k); typeOK && ok {
				return "; model parameters go under params:"
			}
			if _, ok := trainSchema.Lookup(k); ok {
				return "; training settings go under train:"
			}
			if _, ok := evalSchema.Lookup(k); ok {
				return "; evaluation settings go under eval:"
			}
			return ""
		})
		p.require(m, path, "name", "type")
		good := typeOK
		if nn := m.get("name"); nn != nil {
			nn = resolve(nn)
			if name, ok := p.str(nn, path+".name"); ok {
				ms.Name = name
				if name == "" {
					p.errorf(nn.Line, path+".name", "must not be empty")
				} else if f, dup := firstName[name]; dup {
					p.errorf(nn.Line, path+".name", "duplicate model name %q (first used by models[%d], line %d)", name, f.index, f.line)
				} else {
					firstName[name] = first{i, nn.Line}
				}
			} else {
				good = false
			}
		} else {
			good = false
		}
		if pn := m.get("params"); pn != nil {
			if pm, ok := p.mappingOf(pn, path+".params"); ok && typeOK {
				for _, k := range pm.order {
					fld := pm.fields[k]
					f, known := typ.Params.Lookup(k)
					if !known {
						if len(typ.Params) == 0 {
							p.errorf(fld.key.Line, path+".params."+k, "unknown parameter: model type %s takes none", ms.Type)
						} else {
							p.errorf(fld.key.Line, path+".params."+k, "unknown parameter of model type %s (valid: %s)", ms.Type, strings.Join(typ.Params.Keys(), ", "))
						}
						continue
					}
					if v, ok := p.convert(f, fld.val, path+".params."+k); ok {
						ms.Params[k] = v
					}
				}
			}
		}
		if on := m.get("datasets"); on != nil {
			ms.On = p.labels(on, path+".datasets")
			if ms.On == nil {
				good = false
			}
		}
		over := map[string]int{}
		if tn := m.get("train"); tn != nil {
			over = p.train(tn, path+".train", &ms.Train)
		}
		if en := m.get("eval"); en != nil {
			var scratch EvalSpec
			if given := p.eval(en, path+".eval", &scratch); len(given) > 0 {
				ms.EvalOverride = given
			}
		}
		list, lines, oks = append(list, ms), append(lines, over), append(oks, good)
	}
	return list, lines, oks
}

// checkBatch refuses batch sizes larger than a data set's training split.
func (p *parser) checkBatch(s *Spec, infos []datasetInfo, globalLines map[string]int, modelLines []map[string]int, modelOK []bool) {
	for i, d := range s.Datasets {
		info := infos[i]
		if !info.ok {
			continue
		}
		f, ok := info.schema.Lookup("n_train")
		if !ok {
			continue
		}
		if _, isInt := f.Default.(int); !isInt {
			continue
		}
		set, err := info.schema.Resolve(d.Params)
		if err != nil {
			continue
		}
		nTrain := set.Int("n_train")
		dsName := fmt.Sprintf("%s (datasets[%d], line %d)", d.Name, i, d.Line)
		for j, m := range s.Models {
			if !m.Runs(d) {
				continue
			}
			if s.sweptBatch(i, j) {
				continue // checked at each sweep point
			}
			bs := m.Train.BatchSize
			modelLine, overridden := modelLines[j]["batch_size"]
			globalLine, given := globalLines["batch_size"]
			if !modelOK[j] || bs <= nTrain || (overridden && modelLine == 0) || (!overridden && given && globalLine == 0) {
				continue // a wrong batch_size is reported already
			}
			switch {
			case overridden:
				p.errorf(modelLine, fmt.Sprintf("models[%d].train.batch_size", j),
					"batch size %d of model %s is larger than n_train %d of data set %s", bs, m.Name, nTrain, dsName)
			case given:
				p.errorf(globalLine, "train.batch_size",
					"batch size %d is larger than n_train %d of data set %s", bs, nTrain, dsName)
			default:
				line := info.nTrainLine
				if line == 0 {
					line = d.Line
				}
				p.errorf(line, fmt.Sprintf("datasets[%d].n_train", i),
					"n_train %d of data set %s is smaller than the default batch size %d; set train.batch_size", nTrain, d.Name, bs)
			}
		}
	}
}

// YAML helpers.

type field struct{ key, val *yaml.Node }

type mapNode struct {
	node   *yaml.Node
	fields map[string]field
	order  []string
}

func (m *mapNode) get(k string) *yaml.Node {
	if f, ok := m.fields[k]; ok {
		return f.val
	}
	return nil
}

// mappingOf checks that n is a mapping; it reports a wrong kind.
func (p *parser) mappingOf(n *yaml.Node, path string) (*mapNode, bool) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, path, "want a mapping, got %s", describeNode(n))
		return nil, false
	}
	return p.mapping(n, path), true
}

// mapping collects the keys of a mapping node, reporting repeated keys.
// YAML merge keys (<<: *base, or <<: [*a, *b]) bring in the keys of the
// mappings they name that the mapping does not give itself (the first
// mapping listed wins); merged keys keep the lines where they are written.
func (p *parser) mapping(n *yaml.Node, path string) *mapNode {
	m := &mapNode{node: n, fields: map[string]field{}}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if isMergeKey(k) {
			merges = append(merges, v)
			continue
		}
		if prev, dup := m.fields[k.Value]; dup {
			p.errorf(k.Line, join(path, k.Value), "key given twice (first at line %d)", prev.key.Line)
			continue
		}
		m.fields[k.Value] = field{key: k, val: v}
		m.order = append(m.order, k.Value)
	}
	for _, v := range merges {
		for _, f := range p.mergedFields(v, path) {
			if _, given := m.fields[f.key.Value]; !given {
				m.fields[f.key.Value] = f
				m.order = append(m.order, f.key.Value)
			}
		}
	}
	return m
}

// onlyKeys reports keys outside valid; hint may add advice for a key.
func (p *parser) onlyKeys(m *mapNode, path string, valid []string, hint func(string) string) {
	for _, k := range m.order {
		if contains(valid, k) {
			continue
		}
		h := ""
		if hint != nil {
			h = hint(k)
		}
		p.errorf(m.fields[k].key.Line, join(path, k), "unknown key (valid: %s)%s", strings.Join(valid, ", "), h)
	}
}

// require reports missing keys at the line of the mapping.
func (p *parser) require(m *mapNode, path string, keys ...string) bool {
	ok := true
	for _, k := range keys {
		if _, has := m.fields[k]; !has {
			p.errorf(m.node.Line, join(path, k), "missing required key")
			ok = false
		}
	}
	return ok
}

func (p *parser) sequence(n *yaml.Node, path string) (*yaml.Node, bool) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		p.errorf(n.Line, path, "want a list, got %s", describeNode(n))
		return nil, false
	}
	return n, true
}

func (p *parser) str(n *yaml.Node, path string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		p.errorf(n.Line, path, "want a string, got %s", describeNode(n))
		return "", false
	}
	return n.Value, true
}

// convert turns a node into the field's type with the field's checks.
func (p *parser) convert(f params.Field, n *yaml.Node, path string) (any, bool) {
	n = resolve(n)
	v := nodeValue(n)
	if x, bad := nonFinite(v); bad {
		p.errorf(n.Line, path, "want a finite number, got %v", x)
		return nil, false
	}
	out, err := f.Convert(v)
	if err != nil {
		p.errorf(n.Line, path, "%v", err)
		return nil, false
	}
	return out, true
}

func nonFinite(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return x, true
		}
	case []any:
		for _, e := range x {
			if f, bad := nonFinite(e); bad {
				return f, true
			}
		}
	case map[string]any:
		for _, e := range x {
			if f, bad := nonFinite(e); bad {
				return f, true
			}
		}
	}
	return 0, false
}

// resolve follows aliases, keeping the position of the alias.
func resolve(n *yaml.Node) *yaml.Node {
	if n == nil || n.Kind != yaml.AliasNode {
		return n
	}
	line, col := n.Line, n.Column
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	c := *n
	c.Line, c.Column = line, col
	return &c
}

// nodeValue decodes a node into plain Go values: nil, bool, int, uint64,
// float64, string, []any and map[string]any.
func nodeValue(n *yaml.Node) any {
	n = resolve(n)
	switch n.Kind {
	case yaml.SequenceNode:
		list := make([]any, len(n.Content))
		for i, c := range n.Content {
			list[i] = nodeValue(c)
		}
		return list
	case yaml.MappingNode:
		m := map[string]any{}
		var merges []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := resolve(n.Content[i]); isMergeKey(k) {
				merges = append(merges, n.Content[i+1])
			} else {
				m[k.Value] = nodeValue(n.Content[i+1])
			}
		}
		for _, v := range merges {
			var maps []any
			switch x := nodeValue(v).(type) {
			case map[string]any:
				maps = []any{x}
			case []any:
				maps = x
			}
			for _, mm := range maps {
				sub, _ := mm.(map[string]any)
				for k, x := range sub {
					if _, given := m[k]; !given {
						m[k] = x
					}
				}
			}
		}
		return m
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return n.Value
		}
		return v
	}
	return nil
}

// describeNode says what a node holds without decoding collections,
// however large.
func describeNode(n *yaml.Node) string {
	switch resolve(n).Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return params.Describe(nodeValue(n))
}

func validList(names []string, what string) string {
	if len(names) == 0 {
		return "no " + what + " are registered"
	}
	return "valid: " + strings.Join(names, ", ")
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// labels reads a model's datasets filter: a list of data set labels.
func (p *parser) labels(n *yaml.Node, path string) []string {
	seq, ok := p.sequence(n, path)
	if !ok {
		return nil
	}
	if len(seq.Content) == 0 {
		p.errorf(seq.Line, path, "must name at least one data set label (or leave the key out to run on every data set)")
		return nil
	}
	var out []string
	for i, item := range seq.Content {
		if l, ok := p.str(resolve(item), fmt.Sprintf("%s[%d]", path, i)); ok {
			out = append(out, l)
		}
	}
	return out
}

// checkLabels refuses models' datasets filters that name no data set.
func (p *parser) checkLabels(s *Spec, modelsNode *yaml.Node) {
	var valid []string
	for _, d := range s.Datasets {
		if d.Label != "" && !slices.Contains(valid, d.Label) {
			valid = append(valid, d.Label)
		}
	}
	sort.Strings(valid)
	var seq *yaml.Node
	if modelsNode != nil {
		seq = resolve(modelsNode)
	}
	for j, m := range s.Models {
		line := m.Line
		if seq != nil && seq.Kind == yaml.SequenceNode && j < len(seq.Content) {
			if mm := resolve(seq.Content[j]); mm.Kind == yaml.MappingNode {
				for k := 0; k+1 < len(mm.Content); k += 2 {
					if mm.Content[k].Value == "datasets" {
						line = resolve(mm.Content[k+1]).Line
					}
				}
			}
		}
		for i, l := range m.On {
			if !slices.Contains(valid, l) {
				p.errorf(line, fmt.Sprintf("models[%d].datasets[%d]", j, i), "no data set labelled %q (labels: %s)", l, strings.Join(valid, ", "))
			}
		}
	}
}
