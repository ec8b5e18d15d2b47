package experiments

import (
	"math"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/genbench/genbench/params"
)

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
