package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/genbench/genbench/results"
)

func TestClassSection(t *testing.T) {
	shares := func(v ...float64) map[string]float64 {
		m := map[string]float64{}
		for i, x := range v {
			m[classShareKey(i)] = x
		}
		return m
	}
	named := &results.Artifacts{Format: 1, Shape: []int{1, 1, 1}, Samples: [][]float64{{0}}, ClassNames: []string{"T-shirt/top", "Trouser", "Pullover"}}
	tests := []struct {
		name  string
		rows  []*Row
		wants []string
		lacks []string
	}{
		{"names from an artifact", []*Row{
			nnRow("gan", "gan", "none", shares(0.5, 0.5, 0), nil, 1),
			nnRow("vae", "vae", "bound", shares(0.2, 0.3, 0.5), map[uint64]*results.Artifacts{1: named}, 1),
			nnRow("flow", "flow", "exact", map[string]float64{"test_nll": 1}, nil, 1),
		}, []string{"| model | T-shirt/top | Trouser | Pullover |", "| gan | 50.0% | 50.0% | 0.0% |", "| vae | 20.0% | 30.0% | 50.0% |", "1/3 in each"}, []string{"| flow |"}},
		{"numbers without names", []*Row{
			nnRow("gan", "gan", "none", shares(0.25, 0.75), nil, 1),
		}, []string{"| model | 0 | 1 |", "| gan | 25.0% | 75.0% |"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var md bytes.Buffer
			if err := writeMarkdown(&md, classSection(&DataSet{Rows: tc.rows})); err != nil {
				t.Fatal(err)
			}
			got := strings.ReplaceAll(md.String(), `\_`, "_")
			for _, w := range tc.wants {
				if !strings.Contains(got, w) {
					t.Errorf("lacks %q:\n%s", w, got)
				}
			}
			for _, l := range tc.lacks {
				if strings.Contains(got, l) {
					t.Errorf("has %q:\n%s", l, got)
				}
			}
		})
	}
	if b := classSection(&DataSet{Rows: []*Row{nnRow("flow", "flow", "exact", nil, nil, 1)}}); b != nil {
		t.Errorf("a data set without class shares got %d blocks", len(b))
	}
}
