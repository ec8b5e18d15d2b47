// Package experiments parses experiment specs and runs their trials:
// training, evaluation and results.
//
// A spec (Parse, Load) lists data sets, models, seeds, training and
// evaluation settings and optionally a sweep (SweepSpec); TrialSpecs
// expands it into trials with stable IDs. A model entry may override keys
// of the global train: and eval: blocks with its own train: and eval:
// (ModelSpec.Train, ModelSpec.EvalOverride); a trial's Eval, and its ID,
// use the effective block (ModelSpec.EffectiveEval), so models without
// overrides keep their IDs. Run trains the trials, several at once
// (Options.Jobs), optionally one shard of them (Options.Shard), with a
// checkpoint per epoch, on interruption and every few minutes within long
// epochs (checkpoint.go), so that an interrupted run resumes exactly.
// Evaluate computes the metrics of the metrics registry that a trial asks
// for, preparing the inputs each declares it needs (metrics.Input);
// validation refuses a model type on data it does not accept
// (models.Type.Accepts against datasets.Source.Layout). Summarize aggregates records over seeds, Baseline and Check
// compare a results folder with recorded numbers, and Merge combines shard
// folders.
package experiments
