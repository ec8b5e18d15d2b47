package experiments

import (
	"testing"

	"github.com/genbench/genbench/metrics"
)

// TestDefaultRulesMatchQuickBaseline checks that the rules derived from the
// metric registry are those the recorded quick baseline holds, except for
// keys whose default rule was deliberately made a check (they were only
// reported before the registry gave every key a direction).
func TestDefaultRulesMatchQuickBaseline(t *testing.T) {
	b, err := ReadBaseline("baselines/quick.json")
	if err != nil {
		t.Fatal(err)
	}
	tightened := map[string]Rule{
		"classes_covered": {Direction: Higher},
		"class_kl":        {Direction: Lower, RelTol: 0.1, AbsTol: 0.02},
		"precision":       {Direction: Higher, RelTol: 0.02, AbsTol: 0.02},
		"recall":          {Direction: Higher, RelTol: 0.02, AbsTol: 0.02},
		"coverage":        {Direction: Higher, RelTol: 0.02, AbsTol: 0.02},
		"classes_total":   {Direction: Equal},
	}
	for name, rule := range b.Rules {
		want := rule
		if r, ok := tightened[name]; ok {
			want = r
		}
		if got := DefaultRule(name); got != want {
			t.Errorf("DefaultRule(%s) = %+v, want %+v", name, got, want)
		}
	}
}

// TestEveryDeclaredKeyHasARule checks that no declared key falls back on
// the report-only default rule by accident: keys without a better
// direction are reported, all others are checked.
func TestEveryDeclaredKeyHasARule(t *testing.T) {
	for _, m := range metrics.All() {
		for _, k := range m.Keys {
			r := DefaultRule(k.Name)
			if k.Better != metrics.Neither && !k.Stable && r.Direction == Report {
				t.Errorf("%s.%s: %v but its default rule only reports", m.Name, k.Name, k.Better)
			}
		}
	}
}
