package experiments

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/results"
)

// countingDensity counts the calls evaluation makes to an exact model.
type countingDensity struct {
	models.Model
	logProbs, samples int
}

func (c *countingDensity) LogProb(x *mat.Dense) ([]float64, error) {
	c.logProbs++
	return c.Model.(models.Density).LogProb(x)
}

func (c *countingDensity) Sample(n int, rng *rand.Rand) (*mat.Dense, error) {
	c.samples++
	return c.Model.Sample(n, rng)
}

// countingEstimator counts the calls evaluation makes to a model whose
// likelihood is an importance-sampled estimate with a bound besides.
type countingEstimator struct {
	models.Model
	estimates, bounds int
}

func (c *countingEstimator) LogProbEstimate(x *mat.Dense, k int, rng *rand.Rand) ([]float64, error) {
	c.estimates++
	return c.Model.(models.Estimator).LogProbEstimate(x, k, rng)
}

func (c *countingEstimator) LowerBound(x *mat.Dense) ([]float64, error) {
	c.bounds++
	return c.Model.(models.Bounded).LowerBound(x)
}

// evalSeedsFixture is ring8 data and an untrained model of the type.
func evalSeedsFixture(t *testing.T, typ string, params map[string]any) (*datasets.Data, models.Model) {
	t.Helper()
	d, err := datasets.Build("ring8", map[string]any{"std": 0.1, "n_train": 256, "n_valid": 128, "n_test": 128}, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := models.New(typ, params, models.Config{Dim: d.Dim, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	return d, m
}

var evalSeedsSpec = EvalSpec{Metrics: []string{"nll", "mode_coverage", "parzen"}, Samples: 200, ImportanceK: 8}

// One evaluation seed gives Evaluate's bits under the run's evaluation
// stream, with nothing recorded per seed.
func TestEvalSeedsOneIsEvaluate(t *testing.T) {
	d, m := evalSeedsFixture(t, "maf", map[string]any{"layers": 2, "hidden": 8})
	want, err := Evaluate(m, d, evalSeedsSpec, rand.New(rand.NewPCG(streamSeed(9, "eval"), 0)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := EvaluateSeeds(m, d, evalSeedsSpec, 9, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("EvaluateSeeds(1) differs from Evaluate:\n%+v\n%+v", got, want)
	}
}

// Three evaluation seeds: every stochastic key has three values whose
// mean is the metric and whose first is the one-seed value; deterministic
// keys are those of one seed; the seeds are the run's then two others.
func TestEvalSeedsThree(t *testing.T) {
	d, m := evalSeedsFixture(t, "maf", map[string]any{"layers": 2, "hidden": 8})
	one, err := EvaluateSeeds(m, d, evalSeedsSpec, 9, 1)
	if err != nil {
		t.Fatal(err)
	}
	three, err := EvaluateSeeds(m, d, evalSeedsSpec, 9, 3)
	if err != nil {
		t.Fatal(err)
	}
	es := three.Seeds
	if es == nil || len(es.Seeds) != 3 || es.Seeds[0] != evalSeed(9) || es.Seeds[1] == es.Seeds[2] || es.Seeds[0] == es.Seeds[1] {
		t.Fatalf("seeds %+v, want 3 distinct, the first evalSeed(9) = %d", es, evalSeed(9))
	}
	for _, key := range []string{"modes_covered", "high_quality_frac", "parzen_nll"} {
		vs, ok := es.Of(key)
		if !ok || len(vs) != 3 {
			t.Fatalf("%s: values %v, want 3", key, vs)
		}
		if mean := (vs[0] + vs[1] + vs[2]) / 3; three.Metrics[key] != mean {
			t.Errorf("%s = %v, want the mean of %v = %v", key, three.Metrics[key], vs, mean)
		}
		if vs[0] != one.Metrics[key] {
			t.Errorf("%s: first seed's value %v, one-seed value %v", key, vs[0], one.Metrics[key])
		}
	}
	if hq, _ := es.Of("high_quality_frac"); hq[0] == hq[1] && hq[1] == hq[2] {
		t.Errorf("high_quality_frac %v is the same under three evaluation streams", hq)
	}
	for _, key := range []string{"test_nll", "true_nll", "params"} {
		if _, ok := es.Of(key); ok {
			t.Errorf("deterministic %s was repeated", key)
		}
		if three.Metrics[key] != one.Metrics[key] {
			t.Errorf("%s = %v with 3 seeds, %v with one", key, three.Metrics[key], one.Metrics[key])
		}
	}
	if !reflect.DeepEqual(three.Examples, one.Examples) {
		t.Error("per-example values differ from the one-seed evaluation's")
	}
	if note := three.Protocol["eval_seeds"]; !strings.Contains(note, "mean of 3 evaluation seeds") || !strings.Contains(note, "modes_covered") {
		t.Errorf("protocol note %q", note)
	}
}

// Deterministic metrics and inputs are computed once however many
// evaluation seeds: an exact log-density and a bound once, samples and
// importance-sampled estimates once per seed.
func TestEvalSeedsCountCalls(t *testing.T) {
	d, m := evalSeedsFixture(t, "maf", map[string]any{"layers": 2, "hidden": 8})
	calls := func(n int) (int, int) {
		c := &countingDensity{Model: m}
		if _, err := EvaluateSeeds(c, d, evalSeedsSpec, 9, n); err != nil {
			t.Fatal(err)
		}
		return c.logProbs, c.samples
	}
	lp1, s1 := calls(1)
	lp3, s3 := calls(3)
	if lp1 != 1 || lp3 != 1 || s1 == 0 || s3 != 3*s1 {
		t.Errorf("exact model: LogProb %d, %d calls (want 1, 1); Sample %d, %d (want s, 3s)", lp1, lp3, s1, s3)
	}
	dv, vae := evalSeedsFixture(t, "vae", map[string]any{"latent": 2, "hidden": 8})
	ce := &countingEstimator{Model: vae}
	e, err := EvaluateSeeds(ce, dv, EvalSpec{Metrics: []string{"nll"}, ImportanceK: 4}, 9, 3)
	if err != nil {
		t.Fatal(err)
	}
	if ce.estimates != 3 || ce.bounds != 1 {
		t.Errorf("estimated model: %d estimates (want 3), %d bounds (want 1)", ce.estimates, ce.bounds)
	}
	nll, ok := e.Seeds.Of("test_nll")
	if !ok || nll[0] == nll[1] {
		t.Errorf("importance-sampled test_nll under 3 seeds: %v", nll)
	}
	if bound, _ := e.Seeds.Of("test_nll_bound"); len(bound) != 3 || bound[0] != bound[1] || bound[1] != bound[2] {
		t.Errorf("the deterministic bound, carried over, differs between seeds: %v", bound)
	}
}

// A non-finite value under one seed makes the mean non-finite, kept out
// of the metrics and listed, as for one seed.
func TestEvalSeedsNonFinite(t *testing.T) {
	first := &Evaluation{Metrics: map[string]float64{"a": 1, "b": 2, "params": 3}, Protocol: map[string]string{}}
	runs := []*Evaluation{first, {Metrics: map[string]float64{"a": 3}, NonFinite: []string{"b"}}}
	averageSeeds(first, runs, []uint64{1, 2})
	if first.Metrics["a"] != 2 || first.Metrics["params"] != 3 || !reflect.DeepEqual(first.NonFinite, []string{"b"}) {
		t.Errorf("metrics %v, non-finite %v; want a = 2, params untouched, b non-finite", first.Metrics, first.NonFinite)
	}
	if _, ok := first.Metrics["b"]; ok {
		t.Error("non-finite b kept in the metrics")
	}
	if b, _ := first.Seeds.Of("b"); len(b) != 2 || b[0] != 2 || !math.IsNaN(b[1]) {
		t.Errorf("b per seed %v, want [2 NaN]", b)
	}
}

// eval_seeds at its default leaves trial IDs and the spec hash as they
// were before the key existed; 3 changes both; 0 is refused.
func TestEvalSeedsKeyKeepsIDs(t *testing.T) {
	parse := func(extra string) (*Spec, error) { return Parse("min.yaml", []byte(minimal+extra)) }
	plain, _ := parse("")
	spelled, err := parse("eval: {eval_seeds: 1}\n")
	if err != nil {
		t.Fatal(err)
	}
	three, err := parse("eval: {eval_seeds: 3}\n")
	if err != nil {
		t.Fatal(err)
	}
	id := func(s *Spec) string { return s.TrialSpecs()[0].ID }
	if id(plain) != id(spelled) || plain.Hash != spelled.Hash {
		t.Errorf("eval_seeds 1 changed the trial ID (%s vs %s) or the spec hash", id(plain), id(spelled))
	}
	if id(plain) == id(three) || three.TrialSpecs()[0].Eval.evalSeedCount() != 3 {
		t.Errorf("eval_seeds 3 kept the trial ID %s or was not stored", id(plain))
	}
	if _, err := parse("eval: {eval_seeds: 0}\n"); err == nil || !strings.Contains(err.Error(), "eval.eval_seeds") {
		t.Errorf("eval_seeds 0: %v, want an error naming the key", err)
	}
}

const evalSeedsRunSpec = `name: es
seeds: [4]
datasets:
  - {name: ring8, std: 0.1, n_train: 256, n_valid: 128, n_test: 128}
models:
  - {name: nvp, type: realnvp, params: {layers: 2, hidden: 8}}
train: {batch_size: 64, epochs: 1}
eval: {metrics: [nll, mode_coverage], samples: 200%s}
`

// The golden check: a run with eval_seeds spelled out at its default
// writes the same records as one without the key (same trial, same
// numbers bar timings, no per-seed values); a run with 3 records them.
func TestEvalSeedsRunRecords(t *testing.T) {
	plain := runTiny(t, strings.Replace(evalSeedsRunSpec, "%s", "", 1), t.TempDir())
	spelled := runTiny(t, strings.Replace(evalSeedsRunSpec, "%s", ", eval_seeds: 1", 1), t.TempDir())
	three := runTiny(t, strings.Replace(evalSeedsRunSpec, "%s", ", eval_seeds: 3", 1), t.TempDir())
	p, s, th := plain.Records[0], spelled.Records[0], three.Records[0]
	if p.Trial != s.Trial || !reflect.DeepEqual(stableMetrics(plain.Records)[p.Trial], stableMetrics(spelled.Records)[s.Trial]) ||
		!reflect.DeepEqual(p.Protocol, s.Protocol) || s.EvalSeeds != nil || p.Examples.SHA256 != s.Examples.SHA256 {
		t.Errorf("eval_seeds: 1 changed the record:\n%v %v\n%v %v", p.Trial, p.Metrics, s.Trial, s.Metrics)
	}
	vs, ok := th.EvalSeeds.Of("modes_covered")
	if !ok || len(vs) != 3 || vs[0] != p.Metrics["modes_covered"] || th.Metrics["test_nll"] != p.Metrics["test_nll"] {
		t.Errorf("eval_seeds 3: modes_covered per seed %v (first want %v), test_nll %v (want %v)",
			vs, p.Metrics["modes_covered"], th.Metrics["test_nll"], p.Metrics["test_nll"])
	}
	if !strings.Contains(th.Protocol["eval_seeds"], "mean of 3 evaluation seeds") {
		t.Errorf("protocol note %q", th.Protocol["eval_seeds"])
	}
}

// genbench eval adds evaluation seeds to a run made with one, without
// training, keeping the first seed's values and recording it; a plain
// re-evaluation keeps them; fewer seeds on part of the metrics is refused.
func TestReevaluateAddsEvalSeeds(t *testing.T) {
	dir := t.TempDir()
	text := strings.Replace(evalSeedsRunSpec, "%s", "", 1)
	before := runTiny(t, text, dir).Records[0]
	spec, _ := Parse("es.yaml", []byte(text))
	reeval := func(n int, metrics ...string) (*results.Record, *ReevalOutcome) {
		t.Helper()
		out, err := Reevaluate(spec, ReevalOptions{Out: dir, EvalSeeds: n, Metrics: metrics})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := results.ReadRecord(results.RecordPath(dir, before.Trial))
		if err != nil {
			t.Fatal(err)
		}
		return rec, out
	}
	rec, out := reeval(3)
	vs, ok := rec.EvalSeeds.Of("modes_covered")
	if out.Reevaluated != 1 || !ok || len(vs) != 3 || vs[0] != before.Metrics["modes_covered"] {
		t.Fatalf("outcome %+v, modes_covered per seed %v (first want %v)", out, vs, before.Metrics["modes_covered"])
	}
	if rec.Metrics["train_steps"] != before.Metrics["train_steps"] || rec.Metrics["test_nll"] != before.Metrics["test_nll"] {
		t.Error("re-evaluation changed training or a deterministic metric")
	}
	last := rec.Reevaluated[len(rec.Reevaluated)-1]
	if last.EvalSeeds != 3 || !strings.Contains(rec.Protocol["reevaluated"], "3 evaluation seeds") {
		t.Errorf("re-evaluation not recorded with its seeds: %+v, %q", last, rec.Protocol["reevaluated"])
	}
	if rec, _ = reeval(0); rec.EvalSeeds == nil || len(rec.EvalSeeds.Seeds) != 3 {
		t.Errorf("a plain re-evaluation dropped the evaluation seeds: %+v", rec.EvalSeeds)
	}
	if _, out = reeval(5, "nll"); len(out.Failed) != 1 || !strings.Contains(out.Failed[0], "modes_covered") {
		t.Errorf("5 seeds on nll only: %+v, want a failure naming modes_covered", out)
	}
}
