package compare

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/results"
)

// syntheticRecord writes a sidecar of logp and returns an ok record
// pointing to it, whose test_nll is the mean of −logp.
func syntheticRecord(t *testing.T, dir, model, kind string, seed uint64, logp []float64, testHash string) *results.Record {
	t.Helper()
	id := results.SanitizeID(model) + "-s" + string(rune('0'+seed))
	ref, err := results.WriteExamples(dir, id, kind, logp, testHash)
	if err != nil {
		t.Fatal(err)
	}
	ref.EvalSeed = 1000 + seed // equal for every model at one training seed, as the runner makes it
	nll := 0.0
	for _, v := range logp {
		nll -= v / float64(len(logp))
	}
	return &results.Record{Trial: id, Model: model, Dataset: "toy", Seed: seed, Status: results.StatusOK, NLLKind: kind,
		Metrics: map[string]float64{"test_nll": nll, "modes_covered": float64(6 + seed)}, Examples: ref}
}

// Two entries of the same model under different names are not
// significantly different; a model worse by 0.05 nats per example is,
// after Holm over the data set's three pairs; a bound is never compared
// with an exact NLL.
func TestComparePairs(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	var recs []*results.Record
	for seed := uint64(1); seed <= 3; seed++ {
		th := results.TestHash(mat.NewDense(1, 1, []float64{float64(seed)}))
		base := make([]float64, 500)
		worse := make([]float64, 500)
		for i := range base {
			base[i] = -2 + rng.NormFloat64()
			worse[i] = base[i] - 0.05 + 0.01*rng.NormFloat64()
		}
		recs = append(recs,
			syntheticRecord(t, dir, "flow", "exact", seed, base, th),
			syntheticRecord(t, dir, "flow-copy", "exact", seed, base, th),
			syntheticRecord(t, dir, "weak", "exact", seed, worse, th),
			syntheticRecord(t, dir, "vae", "bound", seed, worse, th))
	}
	c, err := Records(dir, recs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Pairs) != 3 {
		t.Fatalf("%d pairs, want 3 (exact models only)", len(c.Pairs))
	}
	want := map[string]string{
		"flow/flow-copy": "not significant",
		"flow/weak":      "flow better",
		"flow-copy/weak": "flow-copy better",
	}
	for _, p := range c.Pairs {
		key := p.A + "/" + p.B
		if identical := strings.Contains(p.Note, "trained to the same bits"); identical != (key == "flow/flow-copy") {
			t.Errorf("%s: note %q: the identical-entries note belongs to flow/flow-copy only", key, p.Note)
		}
		if p.Verdict != want[key] {
			t.Errorf("%s: verdict %q, want %q (p_holm %v, difference %v, note %s)", key, p.Verdict, want[key], p.PHolm, p.Difference, p.Note)
		}
		if !p.PerExample || p.Family != 3 || len(p.Seeds) != 3 {
			t.Errorf("%s: per-example %v, Holm family %d, seeds %v", key, p.PerExample, p.Family, p.Seeds)
		}
		if p.Verdict != "not significant" && (math.Abs(float64(p.Difference)+0.05) > 0.01 || !(p.CILow < p.Difference && p.Difference < p.CIHigh)) {
			t.Errorf("%s: difference %v [%v, %v], want about −0.05 inside its interval", key, p.Difference, p.CILow, p.CIHigh)
		}
		if float64(p.PHolm) < float64(p.PValue) {
			t.Errorf("%s: Holm p %v below raw p %v", key, p.PHolm, p.PValue)
		}
	}
	if len(c.Intervals) != 4 || c.Intervals[0].Interval.NSeeds != 3 || math.IsNaN(c.Intervals[0].Interval.CILow) {
		t.Errorf("sample-metric intervals: %+v", c.Intervals)
	}
	b, err := json.Marshal(c)
	if err != nil || !strings.Contains(string(b), `"significant":true`) || !strings.Contains(string(b), `"p_holm"`) {
		t.Errorf("JSON (%v): %.300s", err, b)
	}
	only, err := Records(dir, recs, Options{Only: []string{"weak", "flow"}})
	if err != nil || len(only.Pairs) != 1 || only.Pairs[0].Family != 3 {
		t.Errorf("A B filter: %v, %+v", err, only)
	}
	if s := Table(c); !strings.Contains(s, "flow better") || !strings.Contains(s, "500 examples/seed") {
		t.Errorf("table:\n%s", s)
	}
}

// A sidecar that does not match its record is not paired: the pair falls
// back to per-seed NLLs and says why.
func TestCompareRefusesMismatchedSidecars(t *testing.T) {
	dir := t.TempDir()
	th := results.TestHash(mat.NewDense(1, 1, []float64{1}))
	a := syntheticRecord(t, dir, "a", "exact", 1, []float64{-1, -2, -3}, th)
	b := syntheticRecord(t, dir, "b", "exact", 1, []float64{-1.5, -2, -3}, results.TestHash(mat.NewDense(1, 1, []float64{2})))
	c, err := Records(dir, []*results.Record{a, b}, Options{})
	if err != nil || len(c.Pairs) != 1 {
		t.Fatalf("%v, %+v", err, c)
	}
	p := c.Pairs[0]
	if p.PerExample || !strings.Contains(p.Note, "different test sets") {
		t.Errorf("paired across test sets: per-example %v, note %q", p.PerExample, p.Note)
	}
	b.Examples.TestHash = th
	b.Examples.SHA256 = strings.Repeat("0", 64)
	c, _ = Records(dir, []*results.Record{a, b}, Options{})
	if p := c.Pairs[0]; p.PerExample || !strings.Contains(p.Note, "SHA-256") {
		t.Errorf("paired a corrupted sidecar: per-example %v, note %q", p.PerExample, p.Note)
	}
}

// SampleKeys derives from the metric registry; these are the keys the
// sample-based intervals were written for.
func TestSampleKeysFromRegistry(t *testing.T) {
	got := strings.Join(SampleKeys(), " ")
	for _, want := range []string{"modes_covered", "high_quality_frac", "mode_kl", "classes_covered", "class_kl", "precision", "recall", "density", "coverage", "fd", "kid", "parzen_nll"} {
		if !strings.Contains(" "+got+" ", " "+want+" ") {
			t.Errorf("SampleKeys() = %s, lacks %s", got, want)
		}
	}
	for _, not := range []string{"test_nll", "fd_floor", "kid_std", "fd_n", "classes_total", "parzen_sigma", "samples_per_sec"} {
		if strings.Contains(" "+got+" ", " "+not+" ") {
			t.Errorf("SampleKeys() = %s, includes %s", got, not)
		}
	}
}
