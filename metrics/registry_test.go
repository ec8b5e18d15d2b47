package metrics

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestRegisterRefusesIncompleteDeclarations(t *testing.T) {
	compute := func(*Input, *Output) error { return nil }
	tests := []struct {
		name string
		m    Metric
		want string
	}{
		{"no keys", Metric{Name: "t_nokeys", Doc: "d", Compute: compute}, "declares no record keys"},
		{"no direction", Metric{Name: "t_nodir", Doc: "d", Keys: []Key{{Name: "t_nodir"}}, Compute: compute}, "has no direction"},
		{"no doc", Metric{Name: "t_nodoc", Keys: []Key{{Name: "t_nodoc", Better: Lower}}}, "needs a name and a doc line"},
		{"duplicate metric", Metric{Name: "nll", Doc: "d", Keys: []Key{{Name: "t_dup", Better: Lower}}}, "duplicate metric nll"},
		{"key of another metric", Metric{Name: "t_key", Doc: "d", Keys: []Key{{Name: "test_nll", Better: Lower}}}, "already declared by nll"},
		{"key twice", Metric{Name: "t_twice", Doc: "d", Keys: []Key{{Name: "t_k", Better: Lower}, {Name: "t_k", Better: Lower}}}, "declared twice"},
		{"also itself", Metric{Name: "t_also", Doc: "d", Also: []string{"t_also"}, Keys: []Key{{Name: "t_also", Better: Lower}}}, "names itself"},
		{"samples but deterministic", Metric{Name: "t_det", Doc: "d", Needs: NeedsSamples, Keys: []Key{{Name: "t_det", Better: Lower}}, Compute: compute}, "declared Deterministic"},
		{"unknown stochastic", Metric{Name: "t_stoch", Doc: "d", Stochastic: 7, Keys: []Key{{Name: "t_stoch", Better: Lower}}}, "unknown Stochastic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(r.(string), tt.want) {
					t.Errorf("panic %v, want one containing %q", r, tt.want)
				}
			}()
			Register(tt.m)
		})
	}
}

// TestRegistryIsConsistent checks the declarations the harness relies on:
// an evaluation order without ties, Also and column totals that exist,
// distinct column ranks.
func TestRegistryIsConsistent(t *testing.T) {
	orders := map[int]string{}
	ranks := map[int]string{}
	for _, m := range All() {
		if m.Compute != nil {
			if other, dup := orders[m.Order]; dup {
				t.Errorf("%s and %s share Order %d: their random draws would be ordered by name", m.Name, other, m.Order)
			}
			orders[m.Order] = m.Name
		}
		for _, a := range m.Also {
			if !Known(a) {
				t.Errorf("%s: Also names %s, not a computed metric", m.Name, a)
			}
		}
		for _, k := range m.Keys {
			if k.Column == nil {
				continue
			}
			if other, dup := ranks[k.Column.Rank]; dup {
				t.Errorf("columns %s and %s share rank %d", k.Name, other, k.Column.Rank)
			}
			ranks[k.Column.Rank] = k.Name
			if k.Column.Format == CountOf {
				if tk, _, ok := KeyOf(k.Column.Total); !ok || tk.Name != k.Column.Total {
					t.Errorf("column %s: total %q is not a declared key", k.Name, k.Column.Total)
				}
			}
		}
	}
	want := []string{"bits_per_dim", "class_coverage", "diagnostics", "fd", "kid", "mode_coverage", "nll", "parzen", "precision_recall", "sampling_speed", "true_nll"}
	if got := Names(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Names() = %v, want %v (training keys are not a metric a spec may ask for)", got, want)
	}
}

func TestKeyOf(t *testing.T) {
	tests := []struct {
		key, metric, decl string
	}{
		{"test_nll", "nll", "test_nll"},
		{"test_nll_stderr", "nll", "test_nll_stderr"},
		{"samples_per_sec", "sampling_speed", "samples_per_sec"},
		{"train_seconds", "training", "train_seconds"},
		{"kl_dim_17", "diagnostics", "*"},
	}
	for _, tt := range tests {
		k, m, ok := KeyOf(tt.key)
		if !ok || m.Name != tt.metric || k.Name != tt.decl {
			t.Errorf("KeyOf(%s) = %s of %s, %v; want %s of %s", tt.key, k.Name, m.Name, ok, tt.decl, tt.metric)
		}
	}
	if k, _, _ := KeyOf("test_nll_stderr"); k.Qualifies != "test_nll" {
		t.Errorf("test_nll_stderr qualifies %q, want test_nll", k.Qualifies)
	}
}

func TestRunRefusesUndeclaredKeys(t *testing.T) {
	m := Metric{Name: "t_undeclared", Doc: "d", Keys: []Key{{Name: "t_a", Better: Lower}},
		Compute: func(_ *Input, out *Output) error { out.Put("t_a", 1); out.Put("t_b", 2); return nil }}
	err := NewOutput().Run(m, &Input{})
	if err == nil || !strings.Contains(err.Error(), "undeclared keys [t_b]") {
		t.Errorf("Run = %v, want an error naming t_b", err)
	}
}

func mustRun(t *testing.T, name string, in *Input) *Output {
	t.Helper()
	m, ok := Lookup(name)
	if !ok {
		t.Fatalf("metric %s not registered", name)
	}
	out := NewOutput()
	if err := out.Run(m, in); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestComputeClosedForm checks registered metrics on inputs whose results
// are known exactly.
func TestComputeClosedForm(t *testing.T) {
	const dim = 4
	test := mat.NewDense(3, dim, nil)
	logp := []float64{-dim * math.Ln2, -dim * math.Ln2, -dim * math.Ln2} // 1 bit per binary dimension
	in := &Input{Test: test, Kind: "exact", LogLik: logp, Data: Data{Dim: dim, Binary: true}}

	out := mustRun(t, "bits_per_dim", in)
	assertClose(t, "bits_per_dim", out.Values["bits_per_dim"], 1, 1e-12)
	if out.Values["bits_per_dim_n"] != 3 || out.Notes["bits_per_dim"] != "NLL/(D ln2) on binary data" {
		t.Errorf("bits_per_dim: n %v, note %q", out.Values["bits_per_dim_n"], out.Notes["bits_per_dim"])
	}

	out = mustRun(t, "nll", in)
	assertClose(t, "test_nll", out.Values["test_nll"], dim*math.Ln2, 1e-12)
	assertClose(t, "test_nll_stderr", out.Values["test_nll_stderr"], 0, 1e-12)
	if _, ok := out.Values["importance_k"]; ok {
		t.Error("an exact NLL wrote importance_k")
	}

	in.TrueLogLik = []float64{-1, -2, -3}
	out = mustRun(t, "true_nll", in)
	assertClose(t, "true_nll", out.Values["true_nll"], 2, 1e-12)
	assertClose(t, "nll_gap", out.Values["nll_gap"], dim*math.Ln2-2, 1e-12)

	est := &Input{Test: test, Kind: "estimate", LogLik: []float64{math.Inf(-1), -1}, Settings: Settings{ImportanceK: 7}}
	out = mustRun(t, "nll", est)
	if out.Values["importance_k"] != 7 || out.Values["test_nll_nonfinite"] != 1 || out.Values["test_nll"] != 1 {
		t.Errorf("estimated NLL: %v", out.Values)
	}

	none := mustRun(t, "bits_per_dim", &Input{Test: test, Kind: "none", Data: Data{Dim: dim, Binary: true}})
	if len(none.Values) != 0 {
		t.Errorf("bits/dim without a likelihood wrote %v", none.Values)
	}
}

// TestSamplesAreSharedWithinAnEvaluation checks that metrics judging
// samples of one size judge the same draw, and that Parzen draws its own.
func TestSamplesAreSharedWithinAnEvaluation(t *testing.T) {
	draws := 0
	modes := [][]float64{{1, 0}, {-1, 0}}
	in := &Input{Rand: rand.New(rand.NewPCG(1, 2)), Settings: Settings{Samples: 4}, Data: Data{Modes: modes, ModeStd: 0.1},
		Draw: func(n int, _ *rand.Rand) (*mat.Dense, error) {
			draws++
			x := mat.NewDense(n, 2, nil)
			for i := 0; i < n; i++ {
				x.Set(i, 0, float64(1-2*(i%2)))
			}
			return x, nil
		}}
	out := mustRun(t, "mode_coverage", in)
	if out.Values["modes_covered"] != 2 || out.Values["high_quality_frac"] != 1 {
		t.Errorf("mode coverage of samples on both modes: %v", out.Values)
	}
	if _, err := in.Samples(4); err != nil || draws != 1 {
		t.Errorf("a second Samples(4) drew again: %d draws, %v", draws, err)
	}
	if _, err := in.Samples(5); err != nil || draws != 2 {
		t.Errorf("Samples(5) did not draw: %d draws, %v", draws, err)
	}
}

// TestStochasticDeclarations checks which metrics evaluation seeds repeat:
// every sample-based metric, the NLL and bits/dim only for importance-
// sampled estimates, never the data's own NLL or the sampling speed (a
// timing).
func TestStochasticDeclarations(t *testing.T) {
	tests := []struct {
		metric string
		kind   string
		want   bool
	}{
		{"nll", "exact", false}, {"nll", "bound", false}, {"nll", "estimate", true},
		{"bits_per_dim", "exact", false}, {"bits_per_dim", "estimate", true},
		{"true_nll", "estimate", false}, {"sampling_speed", "exact", false},
		{"mode_coverage", "exact", true}, {"class_coverage", "bound", true}, {"fd", "none", true},
		{"kid", "none", true}, {"precision_recall", "exact", true}, {"parzen", "none", true},
		{"diagnostics", "bound", true},
	}
	for _, tt := range tests {
		m, ok := Lookup(tt.metric)
		if !ok {
			t.Fatalf("no metric %s", tt.metric)
		}
		if got := m.StochasticFor(tt.kind); got != tt.want {
			t.Errorf("%s.StochasticFor(%s) = %v, want %v", tt.metric, tt.kind, got, tt.want)
		}
	}
	keys := []struct {
		key, kind         string
		stochastic, known bool
	}{
		{"test_nll", "estimate", true, true}, {"test_nll_stderr", "exact", false, true},
		{"modes_covered", "exact", true, true}, {"active_units", "bound", true, true}, {"train_seconds", "exact", false, true},
	}
	for _, k := range keys {
		// active_units matches the diagnostics' "*" pattern, as any
		// key no other metric declares does.
		if s, ok := KeyStochastic(k.key, k.kind); s != k.stochastic || ok != k.known {
			t.Errorf("KeyStochastic(%s, %s) = %v, %v; want %v, %v", k.key, k.kind, s, ok, k.stochastic, k.known)
		}
	}
}
