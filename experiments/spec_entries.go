package experiments

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/params"
	"github.com/genbench/genbench/results"
)

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
		p.datasetParams(m, path, &d, &info)
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

// datasetParams reads the parameters beside a data set's name against
// its schema (info.schema) into d.Params; info.ok turns false on a wrong
// one and info.nTrainLine records where n_train is given.
func (p *parser) datasetParams(m *mapNode, path string, d *DatasetSpec, info *datasetInfo) {
	valid := append([]string{"label", "name"}, info.schema.Keys()...)
	sort.Strings(valid)
	for _, k := range m.order {
		if k == "name" || k == "label" {
			continue
		}
		fld := m.fields[k]
		f, known := info.schema.Lookup(k)
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
	firstName := map[string]firstUse{}
	for i, item := range seq.Content {
		ms, over, good := p.model(resolve(item), i, global, firstName)
		list, lines, oks = append(list, ms), append(lines, over), append(oks, good)
	}
	return list, lines, oks
}

// firstUse is where a model name is first used.
type firstUse struct{ index, line int }

// model reads models[i]; firstName holds the names of the models before
// it. It returns the model, the lines of its train overrides and whether
// it is sound enough for the batch-size check.
func (p *parser) model(item *yaml.Node, i int, global TrainSpec, firstName map[string]firstUse) (ModelSpec, map[string]int, bool) {
	path := fmt.Sprintf("models[%d]", i)
	ms := ModelSpec{Params: map[string]any{}, Train: global, Line: item.Line}
	m, ok := p.mappingOf(item, path)
	if !ok {
		return ms, nil, false
	}
	// The type first: its schema gives hints about misplaced keys.
	typ, typeOK := p.modelType(m, path, &ms)
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
	good := p.modelName(m, path, i, &ms, firstName) && typeOK
	if pn := m.get("params"); pn != nil {
		if pm, ok := p.mappingOf(pn, path+".params"); ok && typeOK {
			p.modelParams(pm, path+".params", typ, &ms)
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
		if _, ok := ms.EvalOverride["fd_samples"]; ok {
			p.errorf(en.Line, path+".eval.fd_samples", "is the spec's to set, in the top-level eval block: FD is biased in n, so every model is measured at the same n")
		}
	}
	return ms, over, good
}

// modelType reads a model's type into ms.Type and returns its
// registration, if known.
func (p *parser) modelType(m *mapNode, path string, ms *ModelSpec) (models.Type, bool) {
	tn := m.get("type")
	if tn == nil {
		return models.Type{}, false
	}
	tn = resolve(tn)
	name, ok := p.str(tn, path+".type")
	if !ok {
		return models.Type{}, false
	}
	ms.Type = name
	typ, ok := models.Lookup(name)
	if !ok {
		p.errorf(tn.Line, path+".type", "unknown model type %q (%s)", name, validList(models.Names(), "model types"))
	}
	return typ, ok
}

// modelName reads a model's name into ms.Name, refusing empty and
// repeated names; it reports whether a name string was given.
func (p *parser) modelName(m *mapNode, path string, i int, ms *ModelSpec, firstName map[string]firstUse) bool {
	nn := m.get("name")
	if nn == nil {
		return false
	}
	nn = resolve(nn)
	name, ok := p.str(nn, path+".name")
	if !ok {
		return false
	}
	ms.Name = name
	if name == "" {
		p.errorf(nn.Line, path+".name", "must not be empty")
	} else if f, dup := firstName[name]; dup {
		p.errorf(nn.Line, path+".name", "duplicate model name %q (first used by models[%d], line %d)", name, f.index, f.line)
	} else {
		firstName[name] = firstUse{i, nn.Line}
	}
	return true
}

// modelParams reads a model's params: mapping against its type's schema.
func (p *parser) modelParams(pm *mapNode, path string, typ models.Type, ms *ModelSpec) {
	for _, k := range pm.order {
		fld := pm.fields[k]
		f, known := typ.Params.Lookup(k)
		if !known {
			if len(typ.Params) == 0 {
				p.errorf(fld.key.Line, path+"."+k, "unknown parameter: model type %s takes none", ms.Type)
			} else {
				p.errorf(fld.key.Line, path+"."+k, "unknown parameter of model type %s (valid: %s)", ms.Type, strings.Join(typ.Params.Keys(), ", "))
			}
			continue
		}
		if v, ok := p.convert(f, fld.val, path+"."+k); ok {
			ms.Params[k] = v
		}
	}
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
