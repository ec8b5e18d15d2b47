package experiments

import (
	"errors"
	"strings"
	"testing"
)

// TestModelDataCompatibility checks that validation refuses a model type on
// data it cannot take, with a FILE:LINE: KEY: message error, and accepts
// the pairs the types declare.
func TestModelDataCompatibility(t *testing.T) {
	const head = "name: c\nseeds: [1]\ndatasets:\n"
	cases := []struct {
		name, yaml string
		want       string // "" for a valid spec, else the error's prefix
		msg        string
	}{
		{"pixelcnn on ring8", head + "  - ring8\nmodels:\n  - {name: p, type: pixelcnn}\n",
			"c.yaml:6: models[0].type: ", "model p cannot run on data set ring8 (datasets[0], line 4): model type pixelcnn takes binary images; this data set is continuous vectors"},
		{"pixelcnn on continuous mnist", head + "  - mnist\nmodels:\n  - {name: p, type: pixelcnn}\n",
			"c.yaml:6: models[0].type: ", "this data set is continuous images"},
		{"pixelcnn on binarized mnist", head + "  - {name: mnist, preprocess: [binarize]}\nmodels:\n  - {name: p, type: pixelcnn}\n", "", ""},
		{"maf on binarized mnist", head + "  - {name: mnist, preprocess: [binarize]}\nmodels:\n  - {name: m, type: maf}\n",
			"c.yaml:6: models[0].type: ", "model type maf takes continuous vectors or images; this data set is binary images"},
		{"made on everything", head + "  - ring8\n  - {name: mnist, preprocess: [binarize]}\nmodels:\n  - {name: m, type: made}\n", "", ""},
		{"model not on the data set", head + "  - ring8\n  - {name: mnist, label: b, preprocess: [binarize]}\nmodels:\n  - {name: p, type: pixelcnn, datasets: [b]}\n", "", ""},
		{"binarized at a sweep point", head + "  - {name: mnist, preprocess: [binarize]}\nmodels:\n  - {name: p, type: pixelcnn}\n" +
			"sweep:\n  axes:\n    - {path: datasets.mnist.preprocess, values: [[binarize], [dequantize]]}\n",
			"c.yaml:6: models[0].type: ", "cannot run on data set mnist (datasets[0], line 4) at a sweep point"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(c.yaml))
			if c.want == "" {
				if err != nil {
					t.Fatalf("valid spec refused: %v", err)
				}
				return
			}
			var errs SpecErrors
			if !errors.As(err, &errs) {
				t.Fatalf("got %v, want SpecErrors", err)
			}
			if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), c.want) || !strings.Contains(errs[0].Error(), c.msg) {
				t.Errorf("got\n%v\nwant one error %q ... %q", err, c.want, c.msg)
			}
		})
	}
}
