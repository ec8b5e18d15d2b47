package experiments

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/genbench/genbench/params"
	"github.com/genbench/genbench/results"
)

// The keys of a spec's train: and eval: blocks are declared once, in
// trainKeys and evalKeys: name, default (whose Go type is the key's type),
// doc, check, and how a value is stored in TrainSpec or EvalSpec. The
// parser, the sweep paths, the defaults, genbench list (TrainKeys,
// EvalKeys) and the README's key tables (keysMarkdown) all read them.

// specKey declares one key of a block whose settings S holds.
type specKey[S any] struct {
	params.Field
	// set stores a value, already converted to the type of Default and
	// checked, in s.
	set func(s *S, v any)
	// read, when set, replaces the generic conversion of the parser (for
	// errors that name each bad item of a list).
	read func(p *parser, n *yaml.Node, path string) (any, bool)
	// noSweep, when set, is why the key cannot be swept.
	noSweep string
}

// keyTable is the declaration of a block's keys, in documentation order.
type keyTable[S any] []specKey[S]

// into returns a setter that stores a value of type V in the field of S
// that field selects.
func into[S, V any](field func(*S) *V) func(*S, any) {
	return func(s *S, v any) { *field(s) = v.(V) }
}

func (t keyTable[S]) schema() params.Schema {
	out := make(params.Schema, len(t))
	for i, k := range t {
		out[i] = k.Field
	}
	return out
}

func (t keyTable[S]) lookup(key string) (specKey[S], bool) {
	for _, k := range t {
		if k.Key == key {
			return k, true
		}
	}
	return specKey[S]{}, false
}

// set stores v under key; an undeclared key is a programming error.
func (t keyTable[S]) set(s *S, key string, v any) {
	k, ok := t.lookup(key)
	if !ok {
		panic("experiments: no spec key " + key)
	}
	k.set(s, v)
}

// defaults returns the settings with every key at its default.
func (t keyTable[S]) defaults() S {
	var s S
	for _, k := range t {
		k.set(&s, k.Default)
	}
	return s
}

var trainKeys = keyTable[TrainSpec]{
	{Field: params.Field{Key: "batch_size", Default: 256, Doc: "examples per minibatch", Check: params.Positive},
		set: into(func(t *TrainSpec) *int { return &t.BatchSize })},
	{Field: params.Field{Key: "epochs", Default: 50, Doc: "passes over the training set", Check: params.Positive},
		set: into(func(t *TrainSpec) *int { return &t.Epochs })},
	{Field: params.Field{Key: "lr", Default: 1e-3, Doc: "Adam step size", Check: params.Positive},
		set: into(func(t *TrainSpec) *float64 { return &t.LR })},
	{Field: params.Field{Key: "patience", Default: 10, Doc: "epochs without validation improvement before stopping; 0 = never stop early", Check: params.Nonnegative},
		set: into(func(t *TrainSpec) *int { return &t.Patience })},
	{Field: params.Field{Key: "dtype", Default: "float32", Doc: "float32 or float64", Check: params.OneOf("float32", "float64")},
		set: into(func(t *TrainSpec) *string { return &t.Dtype })},
	{Field: params.Field{Key: "time_budget", Default: 0.0, Doc: "seconds per trial, 0 = none", Check: params.Nonnegative},
		set: into(func(t *TrainSpec) *float64 { return &t.TimeBudget })},
	{Field: params.Field{Key: "max_steps", Default: 0, Doc: "optimisation steps per trial, 0 = none", Check: params.Nonnegative},
		set: into(func(t *TrainSpec) *int { return &t.MaxSteps })},
	{Field: params.Field{Key: "lr_decay", Default: 1.0, Doc: "multiply lr by this when validation has not improved for lr_patience epochs; 1 = off", Check: decayCheck},
		set: into(func(t *TrainSpec) *float64 { return &t.LRDecay })},
	{Field: params.Field{Key: "lr_patience", Default: 5, Doc: "epochs without improvement before lr decays", Check: params.Positive},
		set: into(func(t *TrainSpec) *int { return &t.LRPatience })},
	{Field: params.Field{Key: "warmup_steps", Default: 0, Doc: "linear lr warm-up steps", Check: params.Nonnegative},
		set: into(func(t *TrainSpec) *int { return &t.Warmup })},
	{Field: params.Field{Key: "lr_schedule", Default: "constant", Doc: "constant, or cosine: anneal the lr to 0 along half a cosine over the steps of epochs (or max_steps if fewer), after any warm-up; set epochs to what the time budget allows", Check: params.OneOf("constant", "cosine")},
		// constant is stored as "", which JSON omits: trial ids of specs
		// without a schedule stay as they were.
		set: func(t *TrainSpec, v any) { t.Schedule = emptyIf(v.(string), "constant") }},
	{Field: params.Field{Key: "memory_limit", Default: "auto", Doc: "memory a trial may take, checked against an estimate before it runs: auto (this machine's memory) or a size such as 8GiB", Check: checkMemoryLimit},
		set: func(t *TrainSpec, v any) { t.MemoryLimit = emptyIf(v.(string), "auto") }},
	{Field: params.Field{Key: "diverge_loss", Default: defaultDivergeLoss, Doc: "a training or validation loss beyond this many nats per data dimension (in absolute value) ends the trial as diverged; a large value turns the rule off", Check: params.Positive},
		set: func(t *TrainSpec, v any) { t.DivergeLoss = zeroIfDefault(v.(float64), defaultDivergeLoss) }},
	{Field: params.Field{Key: "diverge_margin", Default: defaultDivergeMargin, Doc: "a validation NLL this many nats per data dimension above the data's trivial floor (diagonal Gaussian or independent Bernoullis fitted to the training split) for diverge_epochs epochs ends the trial as diverged", Check: params.Positive},
		set: func(t *TrainSpec, v any) { t.DivergeMargin = zeroIfDefault(v.(float64), defaultDivergeMargin) }},
	{Field: params.Field{Key: "diverge_epochs", Default: defaultDivergeEpochs, Doc: "epochs in a row above the diverge_margin bound before a trial counts as diverged", Check: params.Positive},
		set: func(t *TrainSpec, v any) {
			t.DivergeEpochs = int(zeroIfDefault(float64(v.(int)), defaultDivergeEpochs))
		}},
	{Field: params.Field{Key: "keep_model", Default: true, Doc: "keep the trained model in DIR/models/<trial>.bin for genbench eval; false for huge sweeps"},
		set: func(t *TrainSpec, v any) { t.DropModel = !v.(bool) }},
	{Field: params.Field{Key: "min_delta", Default: 0.0, Doc: "least drop of the validation loss (nats) that counts as an improvement for patience and lr_patience; the best state is kept regardless", Check: params.Nonnegative},
		set: into(func(t *TrainSpec) *float64 { return &t.MinDelta })},
}

var evalKeys = keyTable[EvalSpec]{
	{Field: params.Field{Key: "metrics", Default: []string{"nll", "bits_per_dim", "true_nll", "sampling_speed"}, Doc: "metrics to compute"},
		set:     func(e *EvalSpec, v any) { e.Metrics = append([]string(nil), v.([]string)...) },
		read:    func(p *parser, n *yaml.Node, path string) (any, bool) { return p.metrics(n, path) },
		noSweep: "every metric is computed for every trial"},
	{Field: params.Field{Key: "samples", Default: 2500, Doc: "samples generated for sample-based metrics", Check: params.Positive},
		set: into(func(e *EvalSpec) *int { return &e.Samples })},
	{Field: params.Field{Key: "importance_k", Default: 1000, Doc: "importance samples for VAE NLL estimates", Check: params.Positive},
		set: into(func(e *EvalSpec) *int { return &e.ImportanceK })},
	{Field: params.Field{Key: "speed_batch", Default: 1000, Doc: "batch size of the sampling-speed measurement", Check: params.Positive},
		set: into(func(e *EvalSpec) *int { return &e.SpeedBatch })},
	{Field: params.Field{Key: "speed_repeats", Default: 5, Doc: "repeats of the sampling-speed measurement", Check: params.Positive},
		set: into(func(e *EvalSpec) *int { return &e.SpeedRepeats })},
	{Field: params.Field{Key: "max_test", Default: 0, Doc: "evaluate on at most this many test examples, 0 = all", Check: params.Nonnegative},
		set: into(func(e *EvalSpec) *int { return &e.MaxTest })},
	{Field: params.Field{Key: "fd_samples", Default: defaultFDSamples, Doc: "n of fd and kid: samples drawn, test rows as reference and validation rows for the floor (lowered to the smaller real split); spec-wide, so that every model is measured at the same n", Check: params.Range(2, 1e7)},
		set: func(e *EvalSpec, v any) { e.FDSamples = int(zeroIfDefault(float64(v.(int)), defaultFDSamples)) }},
	{Field: params.Field{Key: "eval_seeds", Default: 1, Doc: "evaluation seeds: the stochastic metrics (those drawing samples, an importance-sampled NLL) are computed under this many independent evaluation streams, the first the one a single evaluation uses, and recorded as their mean with every value in the record's eval_seeds; deterministic metrics are computed once", Check: params.Range(1, 1000)},
		set: func(e *EvalSpec, v any) { e.EvalSeeds = int(zeroIfDefault(float64(v.(int)), 1)) }},
}

// The schemas of the two blocks, as the parser and genbench list see them.
var (
	trainSchema = trainKeys.schema()
	evalSchema  = evalKeys.schema()
)

// TrainKeys and EvalKeys return the keys of a spec's train: and eval:
// blocks with their defaults and documentation (for genbench list).
func TrainKeys() params.Schema { return trainKeys.schema() }

// EvalKeys: see TrainKeys.
func EvalKeys() params.Schema { return evalKeys.schema() }

func defaultTrain() TrainSpec { return trainKeys.defaults() }

func defaultEval() EvalSpec { return evalKeys.defaults() }

func decayCheck(v any) error {
	if f, ok := v.(float64); !ok || !(f > 0 && f <= 1) {
		return fmt.Errorf("must be in (0, 1], got %v", v)
	}
	return nil
}

// zeroIfDefault stores a default as 0, which JSON omits.
func zeroIfDefault(v, def float64) float64 {
	if v == def {
		return 0
	}
	return v
}

// emptyIf stores the named default of a string key as "", which JSON
// omits or the code reads as the default.
func emptyIf(v, def string) string {
	if v == def {
		return ""
	}
	return v
}

// markdownEscaper keeps a doc string one table cell of plain text.
var markdownEscaper = strings.NewReplacer("<", "&lt;", ">", "&gt;", "|", `\|`)

// keysMarkdown documents the train and eval keys as the README's tables.
func keysMarkdown() string {
	var b strings.Builder
	table := func(title string, schema params.Schema) {
		fmt.Fprintf(&b, "%s\n\n| key | default | meaning |\n|---|---|---|\n", title)
		for _, f := range schema {
			fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", f.Key, results.FormatValue(f.Default), markdownEscaper.Replace(f.Doc))
		}
	}
	table("Keys of `train:` (and of a model's own `train:`):", trainSchema)
	b.WriteString("\n")
	table("Keys of `eval:` (and of a model's own `eval:`):", evalSchema)
	return b.String()
}
