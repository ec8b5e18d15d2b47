package experiments

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/params"
)

// Resolving a sweep axis's path to the setting it varies.

// sweepTarget resolves an axis path. It returns the schema field of the
// target and known=false when the target entry itself is broken (its
// errors are reported elsewhere).
func (p *parser) sweepTarget(raw string, line int, key string, s *Spec, dsInfo []datasetInfo, modelOK []bool, ax *SweepAxis) (params.Field, bool, bool) {
	fail := func(format string, args ...any) (params.Field, bool, bool) {
		return p.targetFail(line, key, format, args...)
	}
	section, sel, rest, hasSel := splitPath(raw)
	switch section {
	case "seeds":
		return fail("seeds are not swept here: list them under seeds:")
	case "name":
		return fail("the spec's name cannot be swept")
	case "train", "eval":
		if hasSel || len(rest) != 1 {
			return fail("%q: %s", raw, sweepPathForms)
		}
		schema := trainSchema
		kind := targetTrain
		if section == "eval" {
			schema, kind = evalSchema, targetEval
		}
		f, ok := schema.Lookup(rest[0])
		if !ok {
			return fail("%q: unknown key %s (valid: %s)", raw, rest[0], strings.Join(schema.Keys(), ", "))
		}
		if section == "eval" && rest[0] == "metrics" {
			return fail("eval.metrics cannot be swept: every metric is computed for every trial")
		}
		ax.Path = section + "." + rest[0]
		ax.target = sweepTarget{kind: kind, key: rest[0]}
		return f, true, true
	case "models":
		return p.modelSweepTarget(raw, sel, rest, hasSel, line, key, s, modelOK, ax)
	case "datasets":
		return p.datasetSweepTarget(raw, sel, rest, hasSel, line, key, s, dsInfo, ax)
	}
	return fail("%q: %s", raw, sweepPathForms)
}

// sweepPathForms lists the forms of a sweep axis path, for errors.
const sweepPathForms = "want train.KEY, eval.KEY, models[NAME or INDEX].params.KEY, models[NAME or INDEX].train.KEY or datasets[NAME or INDEX].KEY (or with dots: models.NAME.params.KEY)"

// targetFail reports a bad axis path (sweepTarget's results for it).
func (p *parser) targetFail(line int, key, format string, args ...any) (params.Field, bool, bool) {
	p.errorf(line, key, format, args...)
	return params.Field{}, false, false
}

// modelSweepTarget resolves models[SEL].params.KEY and
// models[SEL].train.KEY (see sweepTarget).
func (p *parser) modelSweepTarget(raw, sel string, rest []string, hasSel bool, line int, key string, s *Spec, modelOK []bool, ax *SweepAxis) (params.Field, bool, bool) {
	fail := func(format string, args ...any) (params.Field, bool, bool) {
		return p.targetFail(line, key, format, args...)
	}
	if hasSel && len(rest) == 2 && rest[0] == "eval" {
		return fail("%q: a model's eval overrides cannot be swept; sweep eval.%s (models that set %s under their own eval: keep their value)", raw, rest[1], rest[1])
	}
	if !hasSel || len(rest) != 2 || (rest[0] != "params" && rest[0] != "train") {
		return fail("%q: %s", raw, sweepPathForms)
	}
	j := -1
	var names []string
	for i, m := range s.Models {
		names = append(names, m.Name)
		if m.Name == sel {
			j = i
		}
	}
	if j < 0 {
		if k, err := strconv.Atoi(sel); err == nil && k >= 0 && k < len(s.Models) && strconv.Itoa(k) == sel {
			j = k
		} else {
			return fail("%q: no model %q (models: %s; or an index 0 to %d)", raw, sel, strings.Join(names, ", "), len(s.Models)-1)
		}
	}
	if !modelOK[j] {
		return params.Field{}, false, true
	}
	m := s.Models[j]
	if rest[0] == "train" {
		f, ok := trainSchema.Lookup(rest[1])
		if !ok {
			return fail("%q: unknown key %s (valid: %s)", raw, rest[1], strings.Join(trainSchema.Keys(), ", "))
		}
		ax.Path = fmt.Sprintf("models[%s].train.%s", m.Name, rest[1])
		ax.target = sweepTarget{kind: targetModelTrain, index: j, key: rest[1]}
		return f, true, true
	}
	ty, _ := models.Lookup(m.Type)
	f, ok := ty.Params.Lookup(rest[1])
	if !ok {
		if len(ty.Params) == 0 {
			return fail("%q: model type %s takes no parameters", raw, m.Type)
		}
		return fail("%q: unknown parameter %s of model type %s (valid: %s)", raw, rest[1], m.Type, strings.Join(ty.Params.Keys(), ", "))
	}
	ax.Path = fmt.Sprintf("models[%s].params.%s", m.Name, rest[1])
	ax.target = sweepTarget{kind: targetModelParams, index: j, key: rest[1]}
	return f, true, true
}

// datasetSweepTarget resolves datasets[SEL].KEY (see sweepTarget).
func (p *parser) datasetSweepTarget(raw, sel string, rest []string, hasSel bool, line int, key string, s *Spec, dsInfo []datasetInfo, ax *SweepAxis) (params.Field, bool, bool) {
	fail := func(format string, args ...any) (params.Field, bool, bool) {
		return p.targetFail(line, key, format, args...)
	}
	if !hasSel || len(rest) != 1 {
		return fail("%q: %s", raw, sweepPathForms)
	}
	var idx []int
	var names []string
	for i, d := range s.Datasets {
		names = append(names, d.Name)
		if d.Name == sel {
			idx = append(idx, i)
		}
	}
	i := -1
	switch {
	case len(idx) == 1:
		i = idx[0]
	case len(idx) > 1:
		return fail("%q: data set %s is listed %d times; name it by index (datasets[%d], ...)", raw, sel, len(idx), idx[0])
	default:
		if k, err := strconv.Atoi(sel); err == nil && k >= 0 && k < len(s.Datasets) && strconv.Itoa(k) == sel {
			i = k
		} else {
			return fail("%q: no data set %q (datasets: %s; or an index 0 to %d)", raw, sel, strings.Join(names, ", "), len(s.Datasets)-1)
		}
	}
	if !dsInfo[i].ok {
		return params.Field{}, false, true
	}
	d := s.Datasets[i]
	src, _ := datasets.Lookup(d.Name)
	f, ok := src.Params.Lookup(rest[0])
	if !ok {
		return fail("%q: unknown parameter %s of data set %s (valid: %s)", raw, rest[0], d.Name, strings.Join(src.Params.Keys(), ", "))
	}
	// Name a data set by index only when its name is repeated.
	label := d.Name
	for k, o := range s.Datasets {
		if k != i && o.Name == d.Name {
			label = strconv.Itoa(i)
		}
	}
	ax.Path = fmt.Sprintf("datasets[%s].%s", label, rest[0])
	ax.target = sweepTarget{kind: targetDataset, index: i, key: rest[0]}
	return f, true, true
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
