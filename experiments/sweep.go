package experiments

import (
	"fmt"
	"reflect"

	"github.com/genbench/genbench/params"
)

// A spec's sweep: block varies settings of the spec over a grid of values
// or over explicit, element-wise combined lists:
//
//	sweep:
//	  mode: grid            # default; or zip: axes of equal length, taken element-wise
//	  axes:
//	    - {path: "models[realnvp-8].params.hidden", values: [32, 64]}
//	    - {path: models.1.train.lr, values: [1e-3, 3e-4]}
//	    - {path: train.batch_size, values: [128, 256]}
//	    - path: datasets[ring8].std
//	      values: [0.05, 0.1]
//	    - {path: eval.samples, values: [1000, 2500]}
//
// A path names one setting: train.KEY (the global training block: every
// model that does not override KEY follows it), eval.KEY (likewise: a
// model that sets KEY under its own eval: keeps its value),
// models[SEL].params.KEY, models[SEL].train.KEY or datasets[SEL].KEY,
// where SEL is a model name, a data set name (when it is not repeated) or
// a 0-based index. YAML reads '[' inside {...} as the start of a list, so
// in flow style quote a path with brackets, or write it with dots:
// models.SEL.params.KEY, datasets.SEL.KEY. Each value is checked against the schema of its target
// like the same value written in place. The trials are then every sweep
// point × data set × model × seed; a trial that an axis does not touch
// (an axis on another model, say) is run once, not once per point. The
// values the point gives to the axes that touch a trial are stored in its
// record (Record.Sweep). Trial IDs hash the resolved trial only, never the
// point, so a sweep point equal to a plain trial has that trial's ID.

// Sweep modes.
const (
	SweepGrid = "grid" // every combination of the axes' values
	SweepZip  = "zip"  // the i-th values of all axes together
)

// maxSweepPoints bounds the number of sweep points of a spec, and
// maxTrials its trials (data sets × models × points × seeds); both are
// counted before any expansion, in every sweep mode.
const (
	maxSweepPoints = 100000
	maxTrials      = 100000
)

// SweepSpec is a parsed sweep: block.
type SweepSpec struct {
	Mode string // SweepGrid or SweepZip
	Axes []SweepAxis
}

// SweepAxis is one swept setting.
type SweepAxis struct {
	// Path is the canonical path of the setting: models and unrepeated
	// data sets by name, e.g. models[realnvp-8].params.hidden.
	Path string
	// Values are converted to the type of the setting's schema.
	Values []any
	Line   int   // line of the axis in the spec file
	Lines  []int // line of each value

	target sweepTarget
}

// Kinds of sweep targets.
const (
	targetTrain       = iota // global train block
	targetEval               // eval block
	targetModelParams        // models[i].params
	targetModelTrain         // models[i].train
	targetDataset            // datasets[i]
)

type sweepTarget struct {
	kind  int
	index int // model or data set index
	key   string
}

// points enumerates the sweep's points as one value index per axis: for a
// grid the last axis varies fastest.
func (sw *SweepSpec) points() [][]int {
	if sw == nil || len(sw.Axes) == 0 {
		return [][]int{nil}
	}
	if sw.Mode == SweepZip {
		out := make([][]int, len(sw.Axes[0].Values))
		for i := range out {
			pt := make([]int, len(sw.Axes))
			for a := range pt {
				pt[a] = i
			}
			out[i] = pt
		}
		return out
	}
	var out [][]int
	pt := make([]int, len(sw.Axes))
	for {
		out = append(out, append([]int(nil), pt...))
		a := len(pt) - 1
		for ; a >= 0; a-- {
			pt[a]++
			if pt[a] < len(sw.Axes[a].Values) {
				break
			}
			pt[a] = 0
		}
		if a < 0 {
			return out
		}
	}
}

// blockKey looks up key in the train or eval block's declaration; it
// returns the key's field, why it cannot be swept ("" when it can), and
// the kind of sweep target of the block.
func blockKey(block, key string) (params.Field, string, bool, int) {
	if block == "eval" {
		k, ok := evalKeys.lookup(key)
		return k.Field, k.noSweep, ok, targetEval
	}
	k, ok := trainKeys.lookup(key)
	return k.Field, k.noSweep, ok, targetTrain
}

// pointSpec applies one sweep point to copies of the spec's data sets,
// models and eval block. overridden[j][key] reports whether model j sets
// train key itself (in the spec or through a models[j].train axis), and
// overridden[j]["eval."+key] whether it sets eval key itself (the eval
// axes leave it alone: its trials keep its own value, see
// ModelSpec.EffectiveEval).
func (s *Spec) pointSpec(pt []int) (ds []DatasetSpec, ms []ModelSpec, ev EvalSpec, overridden []map[string]bool) {
	ds = make([]DatasetSpec, len(s.Datasets))
	for i, d := range s.Datasets {
		d.Params = cloneParams(d.Params)
		ds[i] = d
	}
	ms = make([]ModelSpec, len(s.Models))
	overridden = make([]map[string]bool, len(s.Models))
	for j, m := range s.Models {
		m.Params = cloneParams(m.Params)
		ms[j] = m
		overridden[j] = map[string]bool{}
		if j < len(s.overrides) {
			for k := range s.overrides[j] {
				overridden[j][k] = true
			}
		}
		for k := range m.EvalOverride {
			overridden[j]["eval."+k] = true
		}
	}
	ev = s.Eval
	ev.Metrics = append([]string(nil), s.Eval.Metrics...)
	if s.Sweep == nil {
		return ds, ms, ev, overridden
	}
	for a, ax := range s.Sweep.Axes {
		if ax.target.kind == targetModelTrain {
			overridden[ax.target.index][ax.target.key] = true
		}
		_ = a
	}
	for a, ax := range s.Sweep.Axes {
		v := ax.Values[pt[a]]
		t := ax.target
		switch t.kind {
		case targetTrain:
			for j := range ms {
				if !overridden[j][t.key] {
					trainKeys.set(&ms[j].Train, t.key, v)
				}
			}
		case targetEval:
			evalKeys.set(&ev, t.key, v)
		case targetModelParams:
			ms[t.index].Params[t.key] = v
		case targetModelTrain:
			trainKeys.set(&ms[t.index].Train, t.key, v)
		case targetDataset:
			ds[t.index].Params[t.key] = v
		}
	}
	return ds, ms, ev, overridden
}

// touches reports whether axis a of the sweep changes trials of data set
// i and model j.
func (ax *SweepAxis) touches(i, j int, overridden []map[string]bool) bool {
	switch ax.target.kind {
	case targetTrain:
		return !overridden[j][ax.target.key]
	case targetEval:
		return !overridden[j]["eval."+ax.target.key]
	case targetModelParams, targetModelTrain:
		return ax.target.index == j
	case targetDataset:
		return ax.target.index == i
	}
	return false
}

func cloneParams(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// checkSweepBatches refuses sweep points whose batch size is larger than a
// data set's training split, at the line of a swept value that made it so.
func (p *parser) checkSweepBatches(s *Spec, infos []datasetInfo, modelOK []bool) {
	sw := s.Sweep
	for _, pt := range sw.points() {
		ds, ms, _, overridden := s.pointSpec(pt)
		for i, d := range ds {
			if !infos[i].ok {
				continue
			}
			f, ok := infos[i].schema.Lookup("n_train")
			if !ok {
				continue
			}
			if _, isInt := f.Default.(int); !isInt {
				continue
			}
			set, err := infos[i].schema.Resolve(d.Params)
			if err != nil {
				continue
			}
			nTrain := set.Int("n_train")
			for j, m := range ms {
				if !modelOK[j] || !m.Runs(d) || m.Train.BatchSize <= nTrain {
					continue
				}
				// Blame a swept batch size or n_train touching this trial.
				for a, ax := range sw.Axes {
					if !ax.touches(i, j, overridden) || (ax.target.key != "batch_size" && ax.target.key != "n_train") {
						continue
					}
					p.errorf(ax.Lines[pt[a]], fmt.Sprintf("sweep.axes[%d].values[%d]", a, pt[a]),
						"batch size %d of model %s is larger than n_train %d of data set %s (datasets[%d]) at this sweep point",
						m.Train.BatchSize, m.Name, nTrain, d.Name, i)
					break
				}
			}
		}
	}
}

// sweptBatch reports whether the sweep changes the batch size of model j
// or the n_train of data set i, so that the spec's own values need no
// check against each other.
func (s *Spec) sweptBatch(i, j int) bool {
	if s.Sweep == nil {
		return false
	}
	_, _, _, overridden := s.pointSpec(make([]int, len(s.Sweep.Axes)))
	for _, ax := range s.Sweep.Axes {
		if ax.touches(i, j, overridden) && (ax.target.key == "batch_size" || ax.target.key == "n_train") {
			return true
		}
	}
	return false
}

// canonSweep is the sweep as it enters the spec hash and spec.json.
type canonSweep struct {
	Mode string      `json:"mode"`
	Axes []canonAxis `json:"axes"`
}

type canonAxis struct {
	Path   string `json:"path"`
	Values []any  `json:"values"`
}

func (sw *SweepSpec) canonical() *canonSweep {
	if sw == nil {
		return nil
	}
	c := &canonSweep{Mode: sw.Mode}
	for _, ax := range sw.Axes {
		c.Axes = append(c.Axes, canonAxis{Path: ax.Path, Values: ax.Values})
	}
	return c
}

// withoutDefaults drops the parameters equal to their schema default, so
// that a trial's ID does not depend on whether a default was spelled out.
func withoutDefaults(user map[string]any, schema params.Schema) map[string]any {
	out := make(map[string]any, len(user))
	for k, v := range user {
		if f, ok := schema.Lookup(k); ok && reflect.DeepEqual(f.Default, v) {
			continue
		}
		out[k] = v
	}
	return out
}

// SweepPoints is the number of sweep points of the spec (1 without a
// sweep).
func (s *Spec) SweepPoints() int {
	return len(s.Sweep.points())
}

// trialCount is the number of trials of the spec with sweep sw (nil for
// none), counted without expanding them: for each (data set, model) pair
// that runs, the points that differ for it (the axes touching it: their
// product in a grid, the common length in a zip, 1 if none) times the
// seeds. TrialSpecs may list fewer (points that leave a trial the same
// are listed once), never more.
func (s *Spec) trialCount(sw *SweepSpec) float64 {
	var overridden []map[string]bool
	if sw != nil {
		tmp := *s
		tmp.Sweep = sw
		_, _, _, overridden = tmp.pointSpec(make([]int, len(sw.Axes)))
	}
	total := 0.0
	for i, d := range s.Datasets {
		for j, m := range s.Models {
			if !m.Runs(d) {
				continue
			}
			points := 1.0
			if sw != nil {
				for _, ax := range sw.Axes {
					if !ax.touches(i, j, overridden) {
						continue
					}
					if sw.Mode == SweepZip {
						points = float64(len(ax.Values))
					} else {
						points *= float64(len(ax.Values))
					}
				}
			}
			total += points * float64(len(s.Seeds))
		}
	}
	return total
}

// checkTrialCount refuses a spec of more than maxTrials trials, at the
// sweep block (or the seeds, without a sweep).
func (p *parser) checkTrialCount(s *Spec, sw *SweepSpec, line int, key string) bool {
	n := s.trialCount(sw)
	if n <= maxTrials {
		return true
	}
	p.errorf(line, key, "%.0f trials (data sets × models × sweep points × seeds): more than %d", n, maxTrials)
	return false
}
