package experiments

import (
	"strings"
	"testing"
)

// TestMetricsFor checks which metrics a spec's list brings: those asked
// for, their Also (one step, not transitively) and the always-computed
// diagnostics, in evaluation order.
func TestMetricsFor(t *testing.T) {
	tests := []struct {
		asked []string
		want  string
	}{
		{nil, "diagnostics"},
		{[]string{"nll"}, "nll true_nll diagnostics"},
		{[]string{"bits_per_dim"}, "nll bits_per_dim diagnostics"},
		{[]string{"precision_recall"}, "class_coverage precision_recall diagnostics"},
		{[]string{"parzen", "sampling_speed", "mode_coverage"}, "sampling_speed mode_coverage parzen diagnostics"},
	}
	for _, tt := range tests {
		var got []string
		for _, m := range metricsFor(tt.asked) {
			got = append(got, m.Name)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("metricsFor(%v) = %v, want %s", tt.asked, got, tt.want)
		}
	}
}
