package datasets

import (
	"maps"
	"slices"
	"testing"
)

// TestFormMatchesBuild checks that every source's Form predicts the Kind
// and Shape of the data Build makes, for each preprocessing it offers.
func TestFormMatchesBuild(t *testing.T) {
	for _, tc := range small {
		src, _ := Lookup(tc.name)
		if src.Form == nil {
			t.Errorf("%s: no Form", tc.name)
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
			f := src.Form(p)
			d := mustBuild(t, tc.name, user, 1)
			if f.Kind != d.Kind || !slices.Equal(f.Shape, d.Shape) {
				t.Errorf("%s %v: Form says %s %v, Build made %s %v", tc.name, user["preprocess"], f.Kind, f.Shape, d.Kind, d.Shape)
			}
		}
	}
}
