package experiments

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/params"
	"github.com/genbench/genbench/results"
)

var sweepKeys = []string{"axes", "mode"}
var axisKeys = []string{"path", "values"}

// sweep reads the sweep: block. s holds the parsed data sets and models;
// modelOK[j] and dsInfo[i] say which entries parsed cleanly (axes on
// broken entries are not checked further: their error is reported
// already).
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
	good := p.sweepMode(m, sw)
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
		ax, keep, ok := p.axis(resolve(item), i, first, s, dsInfo, modelOK)
		good = good && ok
		if keep {
			sw.Axes = append(sw.Axes, ax)
		}
	}
	if !good || len(sw.Axes) != len(seq.Content) || !p.checkAxesShape(sw, seq) {
		return nil
	}
	return sw
}

// sweepMode reads sweep.mode into sw; it reports whether it is sound.
func (p *parser) sweepMode(m *mapNode, sw *SweepSpec) bool {
	mn := m.get("mode")
	if mn == nil {
		return true
	}
	mode, ok := p.str(mn, "sweep.mode")
	switch {
	case !ok:
		return false
	case mode != SweepGrid && mode != SweepZip:
		p.errorf(resolve(mn).Line, "sweep.mode", "%q is not one of %s, %s", mode, SweepGrid, SweepZip)
		return false
	}
	sw.Mode = mode
	return true
}

// axis reads sweep.axes[i]; first maps the canonical path of each axis
// read so far to its index. It returns the axis, whether to keep it (its
// target entry parsed cleanly and it reached its values), and whether it
// is sound (no error reported).
func (p *parser) axis(item *yaml.Node, i int, first map[string]int, s *Spec, dsInfo []datasetInfo, modelOK []bool) (ax SweepAxis, keep, good bool) {
	path := fmt.Sprintf("sweep.axes[%d]", i)
	am, ok := p.mappingOf(item, path)
	if !ok {
		return ax, false, false
	}
	p.onlyKeys(am, path, axisKeys, nil)
	if !p.require(am, path, "path", "values") {
		return ax, false, false
	}
	pathNode := resolve(am.get("path"))
	raw, ok := p.str(pathNode, path+".path")
	if !ok {
		return ax, false, false
	}
	ax.Line = item.Line
	field, known, ok := p.sweepTarget(raw, pathNode.Line, path+".path", s, dsInfo, modelOK, &ax)
	if !ok {
		return ax, false, false
	}
	if j, dup := first[ax.Path]; dup {
		p.errorf(pathNode.Line, path+".path", "%s is swept twice (also sweep.axes[%d])", ax.Path, j)
		return ax, false, false
	}
	first[ax.Path] = i
	vals, ok := p.sequence(am.get("values"), path+".values")
	if !ok {
		return ax, false, false
	}
	if len(vals.Content) == 0 {
		p.errorf(vals.Line, path+".values", "must list at least one value")
		return ax, false, false
	}
	if len(vals.Content) > maxSweepPoints {
		p.errorf(vals.Line, path+".values", "%d values: more than %d sweep points", len(vals.Content), maxSweepPoints)
		return ax, false, false
	}
	if !known {
		return ax, false, true // the target's entry is broken; reported already
	}
	return ax, true, p.axisValues(&ax, vals, path, field)
}

// axisValues converts the values of the axis at path to its target's
// type, refusing repeats; it reports whether every value is sound.
func (p *parser) axisValues(ax *SweepAxis, vals *yaml.Node, path string, field params.Field) bool {
	good := true
	seen := map[string]int{}
	for k, vn := range vals.Content {
		vn = resolve(vn)
		key := fmt.Sprintf("%s.values[%d]", path, k)
		v, ok := p.convertFor(field, vn, key, ax.Path)
		if !ok {
			good = false
			continue
		}
		if b, err := results.CanonicalJSON(v); err == nil {
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

// checkAxesShape refuses zipped axes of unequal lengths and grids of
// more than maxSweepPoints points.
func (p *parser) checkAxesShape(sw *SweepSpec, seq *yaml.Node) bool {
	good := true
	switch sw.Mode {
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
				return false
			}
		}
	}
	return good
}

// sweepForms lists the paths an axis may take, for errors.
const sweepForms = "want train.KEY, eval.KEY, models[NAME or INDEX].params.KEY, models[NAME or INDEX].train.KEY or datasets[NAME or INDEX].KEY (or with dots: models.NAME.params.KEY)"

// sweepTarget resolves an axis path into ax.Path and ax.target. It
// returns the schema field of the target, known=false when the target
// entry itself is broken (its errors are reported elsewhere), and ok=false
// when the path is wrong (reported at line under key).
func (p *parser) sweepTarget(raw string, line int, key string, s *Spec, dsInfo []datasetInfo, modelOK []bool, ax *SweepAxis) (f params.Field, known, ok bool) {
	var msg string
	section, sel, rest, hasSel := splitPath(raw)
	switch section {
	case "seeds":
		msg = "seeds are not swept here: list them under seeds:"
	case "name":
		msg = "the spec's name cannot be swept"
	case "train", "eval":
		if hasSel || len(rest) != 1 {
			msg = fmt.Sprintf("%q: %s", raw, sweepForms)
		} else {
			f, msg = blockTarget(raw, section, rest[0], ax)
			known = true
		}
	case "models":
		f, known, msg = modelTarget(raw, sel, rest, hasSel, s, modelOK, ax)
	case "datasets":
		if !hasSel || len(rest) != 1 {
			msg = fmt.Sprintf("%q: %s", raw, sweepForms)
		} else {
			f, known, msg = datasetTarget(raw, sel, rest[0], s, dsInfo, ax)
		}
	default:
		msg = fmt.Sprintf("%q: %s", raw, sweepForms)
	}
	if msg != "" {
		p.errorf(line, key, "%s", msg)
		return params.Field{}, false, false
	}
	return f, known, true
}

// blockTarget resolves train.KEY or eval.KEY; a non-empty message says
// what is wrong.
func blockTarget(raw, block, key string, ax *SweepAxis) (params.Field, string) {
	f, noSweep, ok, kind := blockKey(block, key)
	if !ok {
		schema := trainSchema
		if kind == targetEval {
			schema = evalSchema
		}
		return f, fmt.Sprintf("%q: unknown key %s (valid: %s)", raw, key, strings.Join(schema.Keys(), ", "))
	}
	if noSweep != "" {
		return f, fmt.Sprintf("%s.%s cannot be swept: %s", block, key, noSweep)
	}
	ax.Path = block + "." + key
	ax.target = sweepTarget{kind: kind, key: key}
	return f, ""
}

// modelTarget resolves models[SEL].params.KEY or models[SEL].train.KEY;
// known is false when the model's entry is broken.
func modelTarget(raw, sel string, rest []string, hasSel bool, s *Spec, modelOK []bool, ax *SweepAxis) (f params.Field, known bool, msg string) {
	if hasSel && len(rest) == 2 && rest[0] == "eval" {
		return f, false, fmt.Sprintf("%q: a model's eval overrides cannot be swept; sweep eval.%s (models that set %s under their own eval: keep their value)", raw, rest[1], rest[1])
	}
	if !hasSel || len(rest) != 2 || (rest[0] != "params" && rest[0] != "train") {
		return f, false, fmt.Sprintf("%q: %s", raw, sweepForms)
	}
	names := make([]string, len(s.Models))
	for i, m := range s.Models {
		names[i] = m.Name
	}
	j := selectEntry(sel, names)
	if j < 0 {
		return f, false, fmt.Sprintf("%q: no model %q (models: %s; or an index 0 to %d)", raw, sel, strings.Join(names, ", "), len(s.Models)-1)
	}
	if !modelOK[j] {
		return f, false, ""
	}
	m := s.Models[j]
	if rest[0] == "train" {
		f, ok := trainSchema.Lookup(rest[1])
		if !ok {
			return f, false, fmt.Sprintf("%q: unknown key %s (valid: %s)", raw, rest[1], strings.Join(trainSchema.Keys(), ", "))
		}
		ax.Path = fmt.Sprintf("models[%s].train.%s", m.Name, rest[1])
		ax.target = sweepTarget{kind: targetModelTrain, index: j, key: rest[1]}
		return f, true, ""
	}
	ty, _ := models.Lookup(m.Type)
	f, ok := ty.Params.Lookup(rest[1])
	if !ok {
		if len(ty.Params) == 0 {
			return f, false, fmt.Sprintf("%q: model type %s takes no parameters", raw, m.Type)
		}
		return f, false, fmt.Sprintf("%q: unknown parameter %s of model type %s (valid: %s)", raw, rest[1], m.Type, strings.Join(ty.Params.Keys(), ", "))
	}
	ax.Path = fmt.Sprintf("models[%s].params.%s", m.Name, rest[1])
	ax.target = sweepTarget{kind: targetModelParams, index: j, key: rest[1]}
	return f, true, ""
}

// selectEntry finds the entry sel names: the entry of that name (the
// last, should names repeat), or a 0-based index written plainly; -1 when
// none.
func selectEntry(sel string, names []string) int {
	found := -1
	for i, n := range names {
		if n == sel {
			found = i
		}
	}
	if found >= 0 {
		return found
	}
	if k, err := strconv.Atoi(sel); err == nil && k >= 0 && k < len(names) && strconv.Itoa(k) == sel {
		return k
	}
	return -1
}

// datasetTarget resolves datasets[SEL].KEY; known is false when the data
// set's entry is broken.
func datasetTarget(raw, sel, key string, s *Spec, dsInfo []datasetInfo, ax *SweepAxis) (f params.Field, known bool, msg string) {
	var idx []int
	names := make([]string, len(s.Datasets))
	for i, d := range s.Datasets {
		names[i] = d.Name
		if d.Name == sel {
			idx = append(idx, i)
		}
	}
	if len(idx) > 1 {
		return f, false, fmt.Sprintf("%q: data set %s is listed %d times; name it by index (datasets[%d], ...)", raw, sel, len(idx), idx[0])
	}
	i := selectEntry(sel, names)
	if i < 0 {
		return f, false, fmt.Sprintf("%q: no data set %q (datasets: %s; or an index 0 to %d)", raw, sel, strings.Join(names, ", "), len(s.Datasets)-1)
	}
	if !dsInfo[i].ok {
		return f, false, ""
	}
	d := s.Datasets[i]
	src, _ := datasets.Lookup(d.Name)
	f, ok := src.Params.Lookup(key)
	if !ok {
		return f, false, fmt.Sprintf("%q: unknown parameter %s of data set %s (valid: %s)", raw, key, d.Name, strings.Join(src.Params.Keys(), ", "))
	}
	// Name a data set by index only when its name is repeated.
	label := d.Name
	for k, o := range s.Datasets {
		if k != i && o.Name == d.Name {
			label = strconv.Itoa(i)
		}
	}
	ax.Path = fmt.Sprintf("datasets[%s].%s", label, key)
	ax.target = sweepTarget{kind: targetDataset, index: i, key: key}
	return f, true, ""
}

// splitPath cuts "models[a b].params.hidden" or "models.a b.params.hidden"
// into "models", "a b", ["params", "hidden"], and "datasets.x.std" into
// "datasets", "x", ["std"] (keys hold no dots; names may).
func splitPath(raw string) (section, sel string, rest []string, hasSel bool) {
	s := strings.TrimSpace(raw)
	if i := strings.IndexByte(s, '['); i >= 0 {
		j := strings.LastIndexByte(s, ']')
		if j < i {
			return s, "", nil, false
		}
		section, sel, hasSel = s[:i], s[i+1:j], true
		s = s[j+1:]
		if s == "" {
			return section, sel, nil, true
		}
		if s[0] != '.' {
			return section, sel, []string{s}, true
		}
		return section, sel, strings.Split(s[1:], "."), true
	}
	parts := strings.Split(s, ".")
	switch {
	case parts[0] == "models" && len(parts) >= 4:
		return parts[0], strings.Join(parts[1:len(parts)-2], "."), parts[len(parts)-2:], true
	case parts[0] == "datasets" && len(parts) >= 3:
		return parts[0], strings.Join(parts[1:len(parts)-1], "."), parts[len(parts)-1:], true
	}
	return parts[0], "", parts[1:], false
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
