package datasets

import (
	"maps"
	"slices"
	"testing"
)

// TestLayoutPerPreprocessing checks that every source's Layout predicts
// the Kind and Shape of the data Build makes, binarized or not.
func TestLayoutPerPreprocessing(t *testing.T) {
	for _, tc := range small {
		src, _ := Lookup(tc.name)
		if src.Layout == nil {
			t.Errorf("%s: no Layout", tc.name)
			continue
		}
		variants := []map[string]any{tc.user}
		if _, ok := src.Params.Lookup("preprocess"); ok {
			bin := maps.Clone(tc.user)
			bin["preprocess"] = []string{"binarize"}
			variants = append(variants, bin)
		}
		for _, user := range variants {
			p, err := src.Params.Resolve(user)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			f := src.Layout(p)
			d := mustBuild(t, tc.name, user, 1)
			if f.Kind != d.Kind || !slices.Equal(f.Shape, d.Shape) {
				t.Errorf("%s %v: Layout says %s %v, Build made %s %v", tc.name, user["preprocess"], f.Kind, f.Shape, d.Kind, d.Shape)
			}
		}
	}
}
