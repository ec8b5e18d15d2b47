package experiments

import (
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/genbench/genbench/params"
	"github.com/genbench/genbench/results"
)

// A spec's sweep: block varies settings of the spec over a grid of values
// or over explicit, element-wise combined lists:
//
//	sweep:
//	  mode: grid            # default; zip: axes of equal length, taken element-wise; random: see sweep_random.go
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
	SweepGrid   = "grid"   // every combination of the axes' values
	SweepZip    = "zip"    // the i-th values of all axes together
	SweepRandom = "random" // points drawn from ranges and value lists under a seed
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
	Mode string // SweepGrid, SweepZip or SweepRandom
	Axes []SweepAxis
	// Points and Seed: in mode random, the number of points drawn and
	// the seed of the draw (independent of the trials' seeds).
	Points int
	Seed   uint64
}

// SweepAxis is one swept setting.
type SweepAxis struct {
	// Path is the canonical path of the setting: models and unrepeated
	// data sets by name, e.g. models[realnvp-8].params.hidden.
	Path string
	// Values are converted to the type of the setting's schema. In mode
	// random they are the drawn values, one per point.
	Values []any
	Line   int   // line of the axis in the spec file
	Lines  []int // line of each value
	// Choices and Range are what mode random draws from: the listed
	// values (uniformly), or a range (nil for a list).
	Choices []any
	Range   *SweepRange

	target sweepTarget
	field  params.Field // schema of the target
	keys   []string     // in mode random, the key of each drawn value
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

var sweepKeys = []string{"axes", "mode", "points", "seed"}
var axisKeys = []string{"path", "range", "scale", "values"}

// sweep reads the sweep: block. s holds the parsed data sets and models;
// overrides[j] are the train keys model j sets itself; modelOK[j] and
// dsInfo[i] say which entries parsed cleanly (axes on broken entries are
// not checked further: their error is reported already).
func (p *parser) sweep(n *yaml.Node, s *Spec, dsInfo []datasetInfo, modelOK []bool) *SweepSpec {
	m, ok := p.mappingOf(n, "sweep")
	if !ok {
		return nil
	}
	p.onlyKeys(m, "sweep", sweepKeys, nil)
	if !p.require(m, "sweep", "axes") {
		return nil
	}
	sw := &SweepSpec{Mode: SweepGrid}
	good := true
	if mn := m.get("mode"); mn != nil {
		mode, ok := p.str(mn, "sweep.mode")
		switch {
		case !ok:
			good = false
		case mode != SweepGrid && mode != SweepZip && mode != SweepRandom:
			p.errorf(resolve(mn).Line, "sweep.mode", "%q is not one of %s, %s, %s", mode, SweepGrid, SweepZip, SweepRandom)
			good = false
		default:
			sw.Mode = mode
		}
	}
	if good { // with a bad mode, points: and seed: cannot be judged
		good = p.randomSettings(m, sw)
	}
	seq, ok := p.sequence(m.get("axes"), "sweep.axes")
	if !ok {
		return nil
	}
	if len(seq.Content) == 0 {
		p.errorf(seq.Line, "sweep.axes", "must list at least one axis {path: ..., values: [...]}")
		return nil
	}
	first := map[string]int{}
	for i, item := range seq.Content {
		ax, known, ok := p.sweepAxis(resolve(item), fmt.Sprintf("sweep.axes[%d]", i), i, sw.Mode, s, dsInfo, modelOK, first)
		good = good && ok
		if ok && known {
			sw.Axes = append(sw.Axes, ax)
		}
	}
	if !good || len(sw.Axes) != len(seq.Content) {
		return nil
	}
	switch sw.Mode {
	case SweepRandom:
		good = p.drawPoints(sw)
	case SweepZip:
		for i, ax := range sw.Axes[1:] {
			if len(ax.Values) != len(sw.Axes[0].Values) {
				p.errorf(ax.Line, fmt.Sprintf("sweep.axes[%d].values", i+1),
					"mode zip takes axes of equal length: %d values, sweep.axes[0] has %d", len(ax.Values), len(sw.Axes[0].Values))
				good = false
			}
		}
	case SweepGrid:
		points := 1
		for _, ax := range sw.Axes {
			points *= len(ax.Values)
			if points > maxSweepPoints {
				p.errorf(seq.Line, "sweep.axes", "more than %d sweep points", maxSweepPoints)
				return nil
			}
		}
	}
	if !good {
		return nil
	}
	return sw
}

// sweepAxis reads axis i of the sweep at path; known is false when the
// axis targets an entry whose own errors are reported already, ok false
// when the axis itself is wrong. first maps each axis path to its index.
func (p *parser) sweepAxis(item *yaml.Node, path string, i int, mode string, s *Spec, dsInfo []datasetInfo, modelOK []bool, first map[string]int) (ax SweepAxis, known, ok bool) {
	am, ok := p.mappingOf(item, path)
	if !ok {
		return ax, false, false
	}
	p.onlyKeys(am, path, axisKeys, nil)
	if !p.axisSource(am, path, mode) {
		return ax, false, false
	}
	pathNode := resolve(am.get("path"))
	raw, ok := p.str(pathNode, path+".path")
	if !ok {
		return ax, false, false
	}
	ax = SweepAxis{Line: item.Line}
	field, known, ok := p.sweepTarget(raw, pathNode.Line, path+".path", s, dsInfo, modelOK, &ax)
	if !ok {
		return ax, false, false
	}
	if j, dup := first[ax.Path]; dup {
		p.errorf(pathNode.Line, path+".path", "%s is swept twice (also sweep.axes[%d])", ax.Path, j)
		return ax, false, false
	}
	first[ax.Path] = i
	ax.field = field
	if am.get("range") != nil {
		return ax, known, p.axisRange(am, path, known, &ax)
	}
	return ax, known, p.axisValues(am.get("values"), path, known, &ax)
}

// axisValues reads the values list of an axis into ax.Values and
// ax.Lines, each converted for the axis's target.
func (p *parser) axisValues(n *yaml.Node, path string, known bool, ax *SweepAxis) bool {
	vals, ok := p.sequence(n, path+".values")
	if !ok {
		return false
	}
	if len(vals.Content) == 0 {
		p.errorf(vals.Line, path+".values", "must list at least one value")
		return false
	}
	if len(vals.Content) > maxSweepPoints {
		p.errorf(vals.Line, path+".values", "%d values: more than %d sweep points", len(vals.Content), maxSweepPoints)
		return false
	}
	good := true
	seen := map[string]int{}
	for k, vn := range vals.Content {
		vn = resolve(vn)
		key := fmt.Sprintf("%s.values[%d]", path, k)
		if !known {
			continue // the target's entry is broken; reported already
		}
		v, ok := p.convertFor(ax.field, vn, key, ax.Path)
		if !ok {
			good = false
			continue
		}
		b, err := results.CanonicalJSON(v)
		if err == nil {
			if j, dup := seen[string(b)]; dup {
				p.errorf(vn.Line, key, "value %s repeated (also values[%d])", results.FormatValue(v), j)
				good = false
				continue
			}
			seen[string(b)] = k
		}
		ax.Values = append(ax.Values, v)
		ax.Lines = append(ax.Lines, vn.Line)
	}
	return good
}

// convertFor converts a swept value like convert, naming the target.
func (p *parser) convertFor(f params.Field, n *yaml.Node, key, target string) (any, bool) {
	v := nodeValue(n)
	if x, bad := nonFinite(v); bad {
		p.errorf(n.Line, key, "want a finite number for %s, got %v", target, x)
		return nil, false
	}
	out, err := f.Convert(v)
	if err != nil {
		p.errorf(n.Line, key, "%s: %v", target, err)
		return nil, false
	}
	return out, true
}

// points enumerates the sweep's points as one value index per axis: for a
// grid the last axis varies fastest.
func (sw *SweepSpec) points() [][]int {
	if sw == nil || len(sw.Axes) == 0 {
		return [][]int{nil}
	}
	if sw.Mode != SweepGrid { // zip and random: the i-th values together
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
					p.errorf(ax.Lines[pt[a]], ax.valueKey(a, pt[a]),
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

// canonSweep is the sweep as it enters the spec hash and spec.json. The
// fields of mode random are left out of the others, so that their hashes
// stay as they were.
type canonSweep struct {
	Mode   string      `json:"mode"`
	Points int         `json:"points,omitempty"`
	Seed   *uint64     `json:"seed,omitempty"`
	Axes   []canonAxis `json:"axes"`
}

// canonAxis is an axis: its values, or in mode random what it draws from
// (values or range and scale) and the values drawn.
type canonAxis struct {
	Path   string `json:"path"`
	Values []any  `json:"values,omitempty"`
	Range  []any  `json:"range,omitempty"`
	Scale  string `json:"scale,omitempty"`
	Drawn  []any  `json:"drawn,omitempty"`
}

func (sw *SweepSpec) canonical() *canonSweep {
	if sw == nil {
		return nil
	}
	c := &canonSweep{Mode: sw.Mode}
	if sw.Mode == SweepRandom {
		seed := sw.Seed
		c.Points, c.Seed = sw.Points, &seed
	}
	for _, ax := range sw.Axes {
		c.Axes = append(c.Axes, ax.canonical(sw.Mode))
	}
	return c
}

func (ax *SweepAxis) canonical(mode string) canonAxis {
	if mode != SweepRandom {
		return canonAxis{Path: ax.Path, Values: ax.Values}
	}
	c := canonAxis{Path: ax.Path, Values: ax.Choices, Drawn: ax.Values}
	if r := ax.Range; r != nil {
		c.Range, c.Scale = []any{r.Lo, r.Hi}, r.Scale
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
