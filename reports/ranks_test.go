package reports

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/compare"
	"github.com/genbench/genbench/results"
	"github.com/genbench/genbench/stats"
)

// rankModel is a synthetic model: per example, the shared base
// log-likelihood worse by shift nats, plus its own noise of sd noise.
type rankModel struct {
	name         string
	shift, noise float64
}

// writeRankFolder writes a results folder of the models on one data set
// at seeds 1..seeds: records, and per-example sidecars when sidecars is
// set. Every model scores the same test examples at a seed (common random
// numbers), as the runner makes them.
func writeRankFolder(t *testing.T, dir string, seeds int, sidecars bool, models []rankModel) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	for s := 1; s <= seeds; s++ {
		base := make([]float64, 500)
		for i := range base {
			base[i] = -2 + rng.NormFloat64()
		}
		th := results.TestHash(mat.NewDense(1, 1, []float64{float64(s)}))
		for _, m := range models {
			logp := make([]float64, len(base))
			nll := 0.0
			for i, v := range base {
				logp[i] = v - m.shift + m.noise*rng.NormFloat64()
				nll -= logp[i] / float64(len(base))
			}
			rec := &results.Record{Trial: fmt.Sprintf("toy-%s-s%d", m.name, s), Model: m.name, Type: "realnvp", Family: "flow",
				Dataset: "toy", Seed: uint64(s), Status: results.StatusOK, NLLKind: "exact",
				Metrics: map[string]float64{"test_nll": nll}}
			if sidecars {
				ref, err := results.WriteExamples(dir, rec.Trial, "exact", logp, th)
				if err != nil {
					t.Fatal(err)
				}
				ref.EvalSeed = uint64(100 + s)
				rec.Examples = ref
			}
			if err := results.WriteRecord(dir, rec); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// The rank cells say "best", "tied with best" or a rank from the paired
// comparisons of records and sidecars, and "untested" where no test can
// decide; the section says why.
func TestRanksFromPairedComparisons(t *testing.T) {
	flow, weak := rankModel{"flow", 0, 0}, rankModel{"weak", 0.05, 0.01}
	// twin differs from flow by pure example noise: no real difference.
	twin, poor := rankModel{"twin", 0, 0.3}, rankModel{"poor", 0.2, 0.01}
	cases := []struct {
		name     string
		seeds    int
		sidecars bool
		models   []rankModel
		want     map[string][]string // model: acceptable rank cells
		section  []string            // in the report's markdown
	}{
		{"clear winner", 3, true, []rankModel{flow, weak},
			map[string][]string{"flow": {"best"}, "weak": {"2 of 2"}},
			[]string{"random-effects-hksj", "**flow better**", "500 examples/seed"}},
		{"a tie and a loser", 3, true, []rankModel{flow, twin, poor},
			map[string][]string{"flow": {"best", "tied with best"}, "twin": {"best", "tied with best"}, "poor": {"3 of 3"}},
			[]string{"not significant", "**flow better**"}},
		{"one seed with sidecars compares the trained networks", 1, true, []rankModel{flow, weak},
			map[string][]string{"flow": {"best"}, "weak": {"2 of 2"}},
			[]string{"paired-z", "One seed: test-example sampling only"}},
		{"one seed without sidecars cannot be tested", 1, false, []rankModel{flow, weak},
			map[string][]string{"flow": {"1 of 2, untested"}, "weak": {"2 of 2, untested"}},
			[]string{"1 pair of 1 untested: one common seed and no per-example values, so no test is possible", "| untested |"}},
		{"two seeds without sidecars cannot reach α", 2, false, []rankModel{flow, weak},
			map[string][]string{"flow": {"1 of 2, untested"}, "weak": {"2 of 2, untested"}},
			[]string{"sign-flip-exact", "smallest p-value is 0.5 &gt; α = 0.05"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeRankFolder(t, dir, c.seeds, c.sidecars, c.models)
			r, err := build(dir, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Sets) != 1 {
				t.Fatalf("%d data sets, want 1", len(r.Sets))
			}
			got := map[string]string{}
			for row, s := range r.rankStrings(r.Sets[0]) {
				got[row.Model] = s
			}
			seen := map[string]bool{}
			for model, ok := range c.want {
				if !slices.Contains(ok, got[model]) {
					t.Errorf("%s: rank %q, want one of %q", model, got[model], ok)
				}
				seen[got[model]] = true
			}
			if slices.Contains(c.want["flow"], "best") && !seen["best"] {
				t.Errorf("no row is best: %v", got)
			}
			var md bytes.Buffer
			if err := r.WriteMarkdown(&md); err != nil {
				t.Fatal(err)
			}
			for _, s := range append(c.section, "## Which differences are real", "α = 0.05 after Holm") {
				if !strings.Contains(md.String(), s) {
					t.Errorf("report lacks %q", s)
				}
			}
		})
	}
}

// rankRows on hand-made pairs: the marks follow significance and whether
// a test could reject, never the gap between means alone.
func TestRankRowsMarks(t *testing.T) {
	row := func(label, kind string, nll float64) *Row {
		return &Row{Label: label, Model: label, Kind: kind,
			OK: []*results.Record{{Status: results.StatusOK, Metrics: map[string]float64{"test_nll": nll}}}}
	}
	pair := func(a, b string, significant bool, minP float64) compare.PairResult {
		p := compare.PairResult{A: a, B: b, Significant: significant}
		p.PValue = 0.01
		p.Detail.Primary = stats.Result{Alpha: 0.05, MinP: minP}
		return p
	}
	cases := []struct {
		name  string
		rows  []*Row
		pairs []compare.PairResult
		want  map[string]string
	}{
		{"winner, loser and tie", []*Row{row("a", "exact", 1), row("b", "exact", 2), row("c", "exact", 1.1)},
			[]compare.PairResult{pair("a", "b", true, 0), pair("a", "c", false, 0), pair("b", "c", true, 0)},
			map[string]string{"a": "best", "b": "3 of 3", "c": "tied with best"}},
		{"no pair with the best", []*Row{row("a", "exact", 1), row("b", "exact", 2)}, nil,
			map[string]string{"a": "1 of 2, untested", "b": "2 of 2, untested"}},
		{"a test that cannot reject", []*Row{row("a", "exact", 1), row("b", "exact", 2)},
			[]compare.PairResult{pair("a", "b", false, 0.5)},
			map[string]string{"a": "1 of 2, untested", "b": "2 of 2, untested"}},
		{"kinds apart", []*Row{row("a", "exact", 1), row("b", "bound", 0.5), row("g", "none", 0)}, nil,
			map[string]string{"a": "1 of 1", "b": "1 of 1", "g": ""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ranks := rankRows(c.rows, c.pairs)
			for _, r := range c.rows {
				got := ""
				if k, ok := ranks[r]; ok {
					got = k.String()
				}
				if got != c.want[r.Label] {
					t.Errorf("%s: %q, want %q", r.Label, got, c.want[r.Label])
				}
			}
		})
	}
}
