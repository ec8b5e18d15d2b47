package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/params"
	"github.com/genbench/genbench/results"
)

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
	m, ok := p.mappingOf(n, path)
	if !ok {
		return map[string]int{}
	}
	p.onlyKeys(m, path, trainSchema.Keys(), schemaHint(evalSchema, "; evaluation settings go under eval:"))
	_, lines := readKeys(p, trainKeys, m, path, t)
	return lines
}

// eval reads an eval block at path (eval, or models[i].eval for a
// model's overrides) into e, over what e holds, and returns the values
// given, converted; keys with a wrong value are reported and left out.
func (p *parser) eval(n *yaml.Node, path string, e *EvalSpec) map[string]any {
	m, ok := p.mappingOf(n, path)
	if !ok {
		return map[string]any{}
	}
	p.onlyKeys(m, path, evalSchema.Keys(), schemaHint(trainSchema, "; training settings go under train:"))
	given, _ := readKeys(p, evalKeys, m, path, e)
	return given
}

// readKeys reads the declared keys of the mapping m at path into s, over
// what s holds, each as its declaration says; it skips undeclared keys
// (onlyKeys reports them). It returns the values given, converted, and
// the line of each key given (0 for a key whose value is wrong).
func readKeys[S any](p *parser, keys keyTable[S], m *mapNode, path string, s *S) (map[string]any, map[string]int) {
	given, lines := map[string]any{}, map[string]int{}
	for _, k := range m.order {
		key, ok := keys.lookup(k)
		if !ok {
			continue
		}
		val := resolve(m.fields[k].val)
		lines[k] = 0
		var v any
		if key.read != nil {
			v, ok = key.read(p, val, join(path, k))
		} else {
			v, ok = p.convert(key.Field, val, join(path, k))
		}
		if ok {
			key.set(s, v)
			given[k], lines[k] = v, val.Line
		}
	}
	return given, lines
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
