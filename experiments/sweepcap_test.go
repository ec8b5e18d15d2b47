package experiments

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// values lists 0..n-1 as a YAML flow list.
func values(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprint(i + 1)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// TestTrialCapCountsTrials: the caps count trials (data sets × models ×
// points × seeds) in every sweep mode, before expanding anything (issue
// 14, case 4), and a count equal to TrialSpecs' is accepted.
func TestTrialCapCountsTrials(t *testing.T) {
	head := "name: cap\nseeds: %s\ndatasets: [{name: ring8, n_train: 500}]\nmodels: [{name: g, type: realnvp}, {name: h, type: realnvp}]\n"
	cases := []struct {
		name, text, want string
	}{
		{"zip of more values than points", fmt.Sprintf(head, "[1]") +
			"sweep:\n  mode: zip\n  axes:\n    - {path: \"models[g].params.hidden\", values: " + values(maxSweepPoints+1) + "}\n",
			"cap.yaml:8: sweep.axes[0].values: 100001 values: more than 100000 sweep points"},
		{"grid × seeds", fmt.Sprintf(head, values(10)) +
			"sweep:\n  axes:\n    - {path: train.lr, values: " + values(300) + "}\n    - {path: train.epochs, values: " + values(300) + "}\n",
			"cap.yaml:6: sweep: 1800000 trials (data sets × models × sweep points × seeds): more than 100000"},
		{"zip × models × seeds", fmt.Sprintf(head, values(20)) +
			"sweep:\n  mode: zip\n  axes:\n    - {path: train.lr, values: " + values(5000) + "}\n",
			"cap.yaml:6: sweep: 200000 trials"},
		{"seeds without a sweep", fmt.Sprintf(head, values(50001)), "cap.yaml:2: seeds: 100002 trials"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse("cap.yaml", []byte(c.text))
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %v", took)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %.300v, want %q", err, c.want)
			}
		})
	}
}

// TestTrialCountMatchesTrialSpecs: the count is exact when no point
// repeats a trial, and an upper bound otherwise.
func TestTrialCountMatchesTrialSpecs(t *testing.T) {
	spec := mustParse(t, `name: count
seeds: [1, 2]
datasets: [{name: ring8, n_train: 500}, {name: grid25, n_train: 500}]
models:
  - {name: g, type: realnvp}
  - {name: h, type: realnvp, datasets: [ring8]}
  - {name: k, type: maf, train: {lr: 0.1}}
sweep:
  axes:
    - {path: "models[g].params.hidden", values: [4, 8, 16]}
    - {path: train.lr, values: [0.01, 0.001]}
`)
	if got, want := spec.trialCount(spec.Sweep), float64(len(spec.TrialSpecs())); got != want {
		t.Errorf("trialCount %v, TrialSpecs %v", got, want)
	}
}
