package experiments

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// aliasBomb is a spec with levels of nine references to the level below,
// the last level used as the train block (issue 14, case 3).
func aliasBomb(levels int) string {
	var b strings.Builder
	b.WriteString("name: bomb\nseeds: [1]\ndatasets: [ring8]\nmodels: [{name: g, type: gaussian}]\n")
	b.WriteString(`l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]` + "\n")
	for i := 1; i < levels; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 9), ", ")
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, refs)
	}
	fmt.Fprintf(&b, "train: *l%d\n", levels-1)
	return b.String()
}

// TestAliasBombIsRefusedQuickly: nested aliases are refused, or
// described, in milliseconds and without expanding them.
func TestAliasBombIsRefusedQuickly(t *testing.T) {
	for _, c := range []struct {
		levels int
		want   string
	}{
		{5, "bomb.yaml:10: train: want a mapping, got a list"},
		{7, "bomb.yaml:11: yaml: aliases expand the spec to more than"},
		{9, "bomb.yaml:11: yaml: aliases expand the spec to more than"},
	} {
		t.Run(fmt.Sprint(c.levels), func(t *testing.T) {
			start := time.Now()
			_, err := Parse("bomb.yaml", []byte(aliasBomb(c.levels)))
			if took := time.Since(start); took > time.Second {
				t.Errorf("took %v", took)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

// TestSpecSizeIsBounded: a file larger than MaxSpecBytes (an endless
// one: /dev/zero) is refused after reading MaxSpecBytes+1 bytes.
func TestSpecSizeIsBounded(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.yaml")
	text := "name: big\n# " + strings.Repeat("x", MaxSpecBytes) + "\n"
	if err := os.WriteFile(big, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := []string{big}
	if _, err := os.Stat("/dev/zero"); err == nil {
		paths = append(paths, "/dev/zero")
	}
	for _, path := range paths {
		start := time.Now()
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), path+":1: spec: the file is larger than") {
			t.Errorf("%s: error %v", path, err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s: took %v", path, took)
		}
	}
}

// TestMergeKeys: YAML merge keys share settings between entries; keys
// given beside a merge key win; errors point at the line where the
// offending text is written.
func TestMergeKeys(t *testing.T) {
	const spec = `name: merge
seeds: [1]
datasets: [ring8]
models:
  - &flow
    name: a
    type: realnvp
    params: &p {layers: 2, hidden: 8}
    train: {epochs: 3}
  - <<: *flow
    name: b
  - name: c
    <<: [*flow]
    params: {<<: *p, hidden: 16}
`
	s, err := Parse("merge.yaml", []byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Models) != 3 {
		t.Fatalf("%d models", len(s.Models))
	}
	for i, want := range []struct {
		name   string
		hidden int
	}{{"a", 8}, {"b", 8}, {"c", 16}} {
		m := s.Models[i]
		if m.Name != want.name || m.Type != "realnvp" || m.Params["hidden"] != want.hidden || m.Params["layers"] != 2 || m.Train.Epochs != 3 {
			t.Errorf("models[%d] = %s %s %v epochs %d; want %s with hidden %d, layers 2, epochs 3",
				i, m.Name, m.Type, m.Params, m.Train.Epochs, want.name, want.hidden)
		}
	}
	bad := []struct{ name, text, want string }{
		{"bad merged value", strings.Replace(spec, "hidden: 8}", "hidden: -8}", 1), "merge.yaml:8: models[0].params.hidden: "},
		{"bad own value", strings.Replace(spec, "name: b\n", "name: b\n    train: {epochs: 0}\n", 1), "merge.yaml:12: models[1].train.epochs: "},
		{"merge of a scalar", strings.Replace(spec, "<<: *flow\n", "<<: 3\n", 1), "merge.yaml:10: models[1].<<: a merge key takes a mapping"},
		{"unknown merged key", strings.Replace(spec, "type: realnvp\n", "type: realnvp\n    colour: red\n", 1), "merge.yaml:8: models[0].colour: unknown key"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("merge.yaml", []byte(c.text))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

// FuzzParse: no input makes Parse panic or run away; every refusal is a
// SpecErrors with positions. The seed corpus holds the alias bomb, merge
// keys and the shipped specs.
func FuzzParse(f *testing.F) {
	f.Add([]byte(aliasBomb(9)))
	f.Add([]byte(aliasBomb(4)))
	f.Add([]byte(tinySpec))
	f.Add([]byte(caseOneSpec))
	f.Add([]byte("a: &a {b: 1}\nc: {<<: *a}\n"))
	f.Add([]byte("<<: [*x]\n"))
	files, _ := filepath.Glob("*.yaml")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		spec, err := Parse("fuzz.yaml", data)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("Parse took %v", took)
		}
		if err != nil {
			if _, ok := err.(SpecErrors); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if spec.Hash == "" || len(spec.Models) == 0 || len(spec.Datasets) == 0 {
			t.Fatalf("accepted an incomplete spec: %+v", spec)
		}
	})
}
