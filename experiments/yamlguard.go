package experiments

import (
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"
)

// Bounds on what the spec reader accepts, so that a hostile or mistaken
// file (an alias bomb, /dev/zero) gets a clear error in milliseconds and
// bounded memory. Real specs are a few kilobytes and a few thousand nodes.
const (
	// MaxSpecBytes bounds a spec file's size.
	MaxSpecBytes = 1 << 20
	// maxSpecNodes bounds the nodes of a spec with every alias expanded:
	// the reader walks aliased values once per reference, so nine levels
	// of nine references to the level below (nine bytes each) would make
	// it walk 9⁹ nodes.
	maxSpecNodes = 1 << 20
)

// readSpecFile reads at most MaxSpecBytes+1 bytes of path.
func readSpecFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSpecBytes+1))
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	return data, nil
}

// expansion counts the nodes of a tree with aliases expanded, memoised
// per node so that the count itself takes time linear in the tree; the
// count saturates above the limit.
type expansion struct {
	size  map[*yaml.Node]int
	limit int
	// at is the first node whose expansion passed the limit.
	at *yaml.Node
}

func (e *expansion) count(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	if s, ok := e.size[n]; ok {
		return s
	}
	e.size[n] = e.limit + 1 // a node that contains itself never ends
	total := 1
	if n.Kind == yaml.AliasNode {
		total = e.count(n.Alias)
	}
	for _, c := range n.Content {
		total += e.count(c)
		if total > e.limit {
			break
		}
	}
	total = min(total, e.limit+1)
	if total > e.limit && e.at == nil {
		e.at = n // the innermost node past the limit: returns come inside out
	}
	e.size[n] = total
	return total
}

// checkExpansion reports a document whose aliases expand to more than
// maxSpecNodes nodes, at the innermost node that does.
func (p *parser) checkExpansion(doc *yaml.Node) bool {
	e := &expansion{size: map[*yaml.Node]int{}, limit: maxSpecNodes}
	if e.count(doc) <= maxSpecNodes {
		return true
	}
	line := doc.Line
	if e.at != nil {
		line = e.at.Line
	}
	p.errorf(line, "yaml", "aliases expand the spec to more than %d values; a spec refers to an anchor a few times, not in nested lists of references", maxSpecNodes)
	return false
}

// isMergeKey reports a YAML merge key: a plain << (a quoted "<<" is an
// ordinary key).
func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
}

// mergedFields lists the fields a merge key's value brings, earlier
// mappings first; it reports a value that is not a mapping or a list of
// mappings.
func (p *parser) mergedFields(v *yaml.Node, path string) []field {
	v = resolve(v)
	var maps []*yaml.Node
	switch v.Kind {
	case yaml.MappingNode:
		maps = []*yaml.Node{v}
	case yaml.SequenceNode:
		for _, c := range v.Content {
			maps = append(maps, resolve(c))
		}
	}
	var out []field
	for _, mn := range maps {
		if mn.Kind != yaml.MappingNode {
			p.errorf(v.Line, join(path, "<<"), "a merge key takes a mapping or a list of mappings (*anchor, [*a, *b]), got %s", describeNode(mn))
			return nil
		}
		sub := p.mapping(mn, path)
		for _, k := range sub.order {
			out = append(out, sub.fields[k])
		}
	}
	if len(maps) == 0 {
		p.errorf(v.Line, join(path, "<<"), "a merge key takes a mapping or a list of mappings (*anchor, [*a, *b]), got %s", describeNode(v))
	}
	return out
}
