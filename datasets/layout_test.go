package datasets

import (
	"reflect"
	"testing"
)

// TestLayoutMatchesBuiltData: every source tells its layout without
// building, and the layout is what Build makes.
func TestLayoutMatchesBuiltData(t *testing.T) {
	small := map[string]any{"n_train": 20, "n_valid": 10, "n_test": 10}
	extra := map[string][]map[string]any{
		"gmm":           {{"dim": 5}},
		"gaussian":      {{"dim": 3}},
		"mnist":         {{"preprocess": []string{"binarize"}}, {}},
		"stacked_mnist": {{"preprocess": []string{"binarize"}}},
	}
	for _, name := range Names() {
		src, _ := Lookup(name)
		if src.Layout == nil {
			t.Errorf("%s: no Layout", name)
			continue
		}
		for _, more := range append(extra[name], nil) {
			user := map[string]any{}
			for k, v := range small {
				user[k] = v
			}
			for k, v := range more {
				user[k] = v
			}
			d, err := Build(name, user, 1)
			if err != nil {
				t.Fatalf("%s %v: %v", name, user, err)
			}
			p, _ := src.Params.Resolve(user)
			got := src.Layout(p)
			want := Layout{Dim: d.Dim, Kind: d.Kind, Shape: d.Shape}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %v: layout %+v, built %+v", name, more, got, want)
			}
		}
	}
}
