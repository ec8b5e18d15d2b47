package reports

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/genbench/genbench/results"
)

// rec hand-builds an ok record of model (type typ, family fam) on data set
// ds of dimension dim.
func rec(ds string, dim int, model, typ, fam, kind string, seed uint64, metrics map[string]float64) *results.Record {
	m := map[string]float64{}
	for k, v := range metrics {
		m[k] = v
	}
	return &results.Record{Trial: fmt.Sprintf("%s-%s-s%d", ds, model, seed), Model: model, Type: typ, Family: fam,
		Dataset: ds, Seed: seed, Status: results.StatusOK, NLLKind: kind, Metrics: m,
		Data: results.DataInfo{Dim: dim, Kind: "continuous"}}
}

type mm = map[string]float64

func flowRec(ds string, dim int, metrics mm) *results.Record {
	return rec(ds, dim, "realnvp", "realnvp", "flow", "exact", 1, metrics)
}

func ganRec(ds string, dim int, metrics mm) *results.Record {
	return rec(ds, dim, "gan", "gan", "gan", "none", 1, metrics)
}

func vaeRec(ds string, dim int, metrics mm) *results.Record {
	return rec(ds, dim, "vae", "vae", "vae", "bound", 1, metrics)
}

func madeRec(ds string, dim int, metrics mm) *results.Record {
	return rec(ds, dim, "made", "made", "autoregressive", "exact", 1, metrics)
}

func iaeRec(ds string, dim int, metrics mm) *results.Record {
	return rec(ds, dim, "iae", "iae", "iae", "exact", 1, metrics)
}

func klDims(active, latent int) mm {
	m := mm{"active_units": float64(active)}
	for u := 0; u < latent; u++ {
		m[fmt.Sprintf("kl_dim_%d", u)] = 0.001
		if u < active {
			m[fmt.Sprintf("kl_dim_%d", u)] = 1.5
		}
	}
	return m
}

func claimByID(t *testing.T, claims []Claim, id string) Claim {
	t.Helper()
	for _, c := range claims {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no claim %s", id)
	return Claim{}
}

func TestClaimVerdicts(t *testing.T) {
	tests := []struct {
		name  string
		claim string
		recs  []*results.Record
		want  Verdict
		// evidence must contain these strings
		evidence []string
	}{
		// GAN mode collapse.
		{"gan 1/8 vs flow 8/8", "gan-mode-collapse", []*results.Record{
			ganRec("ring8", 2, mm{"modes_covered": 1, "modes_total": 8, "high_quality_frac": 0.99}),
			flowRec("ring8", 2, mm{"modes_covered": 8, "modes_total": 8, "test_nll": 0.6}),
		}, Supported, []string{"gan 1 modes", "99.0% high quality", "(collapsed)", "R = 8"}},
		{"gan 8/8 vs flow 8/8", "gan-mode-collapse", []*results.Record{
			ganRec("ring8", 2, mm{"modes_covered": 8, "modes_total": 8}),
			flowRec("ring8", 2, mm{"modes_covered": 8, "modes_total": 8}),
		}, NotSupported, nil},
		{"gan 7.5 vs flow 8 is within the margin", "gan-mode-collapse", []*results.Record{
			ganRec("ring8", 2, mm{"modes_covered": 7.5, "modes_total": 8}),
			flowRec("ring8", 2, mm{"modes_covered": 8, "modes_total": 8}),
		}, NotSupported, nil},
		{"gan alone: compared with all modes", "gan-mode-collapse", []*results.Record{
			ganRec("ring8", 2, mm{"modes_covered": 3, "modes_total": 8}),
		}, Supported, []string{"modes_total = 8"}},
		{"gan without mode coverage", "gan-mode-collapse", []*results.Record{
			ganRec("mnist", 784, mm{"samples_per_sec": 1e4}),
		}, NotMeasured, []string{"neither modes_covered nor classes_covered"}},
		{"no gan", "gan-mode-collapse", []*results.Record{flowRec("ring8", 2, mm{"modes_covered": 8})}, NotMeasured, nil},

		// Flows: exact likelihood.
		{"flow exact", "flow-exact-likelihood", []*results.Record{flowRec("ring8", 2, mm{"test_nll": 0.6})}, Supported, []string{"realnvp 0.6000 nats (exact)"}},
		{"flow with a bound", "flow-exact-likelihood", []*results.Record{rec("ring8", 2, "odd", "realnvp", "flow", "bound", 1, mm{"test_nll": 0.6})}, NotSupported, []string{"nll_kind bound"}},
		{"flow without a finite nll", "flow-exact-likelihood", []*results.Record{flowRec("ring8", 2, mm{})}, NotSupported, []string{"no finite test_nll"}},
		{"gaussian baseline only", "flow-exact-likelihood", []*results.Record{rec("ring8", 2, "gaussian", "gaussian", "flow", "exact", 1, mm{"test_nll": 2})}, NotMeasured, nil},

		// Flows: one-pass sampling.
		{"flow as fast as decoders", "flow-one-pass-sampling", []*results.Record{
			flowRec("ring8", 2, mm{"samples_per_sec": 5e4}), vaeRec("ring8", 2, mm{"samples_per_sec": 1e5}),
			rec("ring8", 2, "maf", "maf", "flow", "exact", 1, mm{"samples_per_sec": 100}),
		}, Supported, []string{"F/O = 0.500×", "maf (D = 2 sequential passes)"}},
		{"flow 100× slower than decoders", "flow-one-pass-sampling", []*results.Record{
			flowRec("ring8", 2, mm{"samples_per_sec": 1e3}), ganRec("ring8", 2, mm{"samples_per_sec": 1e5}),
		}, NotSupported, nil},
		{"flows without decoders", "flow-one-pass-sampling", []*results.Record{flowRec("ring8", 2, mm{"samples_per_sec": 1e3})}, NotMeasured, []string{"no VAE, GAN or IAE"}},

		// Flows: training cost.
		{"flow slower per epoch", "flow-training-cost", []*results.Record{
			flowRec("ring8", 2, mm{"seconds_per_epoch": 2}), vaeRec("ring8", 2, mm{"seconds_per_epoch": 1}),
		}, Supported, []string{"F/O = 2.00×"}},
		{"flow faster per epoch", "flow-training-cost", []*results.Record{
			flowRec("ring8", 2, mm{"seconds_per_epoch": 0.5}), vaeRec("ring8", 2, mm{"seconds_per_epoch": 1}),
		}, NotSupported, nil},

		// VAE posterior collapse.
		{"3 of 8 units active", "vae-posterior-collapse", []*results.Record{vaeRec("mnist", 784, klDims(3, 8))}, Supported, []string{"3 of 8 units active (5 inactive)", "5 of 8 dimensions with KL < 0.01 nats"}},
		{"all units active", "vae-posterior-collapse", []*results.Record{vaeRec("mnist", 784, klDims(8, 8))}, NotSupported, nil},
		{"latent size from latent_dim", "vae-posterior-collapse", []*results.Record{vaeRec("mnist", 784, mm{"active_units": 2, "latent_dim": 32})}, Supported, []string{"2 of 32"}},
		{"no active_units", "vae-posterior-collapse", []*results.Record{vaeRec("mnist", 784, mm{"test_nll": 90})}, NotMeasured, nil},

		// Autoregressive sampling.
		{"made 100× slower", "ar-slow-sampling", []*results.Record{
			madeRec("mnist", 784, mm{"samples_per_sec": 100}), flowRec("mnist", 784, mm{"samples_per_sec": 1e4}),
		}, Supported, []string{"A/O = 0.0100×"}},
		{"made nearly as fast", "ar-slow-sampling", []*results.Record{
			madeRec("ring8", 2, mm{"samples_per_sec": 8e3}), flowRec("ring8", 2, mm{"samples_per_sec": 1e4}),
		}, NotSupported, nil},
		{"made slows faster with D", "ar-sampling-growth-with-dim", []*results.Record{
			madeRec("ring8", 2, mm{"samples_per_sec": 6e4}), madeRec("mnist", 784, mm{"samples_per_sec": 40}),
			flowRec("ring8", 2, mm{"samples_per_sec": 5e4}), flowRec("mnist", 784, mm{"samples_per_sec": 2.5e3}),
		}, Supported, []string{"made slope -1.22", "realnvp slope -0.502"}},
		{"made slows slower with D", "ar-sampling-growth-with-dim", []*results.Record{
			madeRec("ring8", 2, mm{"samples_per_sec": 6e4}), madeRec("mnist", 784, mm{"samples_per_sec": 2e4}),
			flowRec("ring8", 2, mm{"samples_per_sec": 5e4}), flowRec("mnist", 784, mm{"samples_per_sec": 100}),
		}, NotSupported, nil},
		{"made at one D", "ar-sampling-growth-with-dim", []*results.Record{
			madeRec("mnist", 784, mm{"samples_per_sec": 40}),
			flowRec("ring8", 2, mm{"samples_per_sec": 5e4}), flowRec("mnist", 784, mm{"samples_per_sec": 2.5e3}),
		}, NotMeasured, []string{"made only at D = 784"}},

		// Invertible autoencoders.
		{"iae misses modes", "iae-multimodal-trouble", []*results.Record{
			iaeRec("ring8", 2, mm{"modes_covered": 5, "modes_total": 8}), flowRec("ring8", 2, mm{"modes_covered": 8, "modes_total": 8}),
		}, Supported, []string{"misses modes"}},
		{"iae larger gap", "iae-multimodal-trouble", []*results.Record{
			iaeRec("ring8", 2, mm{"modes_covered": 8, "modes_total": 8, "nll_gap": 0.9}), flowRec("ring8", 2, mm{"modes_covered": 8, "modes_total": 8, "nll_gap": 0.3}),
		}, Supported, []string{"larger NLL gap"}},
		{"iae as good as flows", "iae-multimodal-trouble", []*results.Record{
			iaeRec("ring8", 2, mm{"modes_covered": 8, "modes_total": 8, "nll_gap": 0.2}), flowRec("ring8", 2, mm{"modes_covered": 8, "modes_total": 8, "nll_gap": 0.3}),
		}, NotSupported, nil},
		{"iae on unimodal data", "iae-multimodal-trouble", []*results.Record{
			iaeRec("mnist", 784, mm{"test_nll": 100}), flowRec("mnist", 784, mm{"test_nll": 90}),
		}, NotMeasured, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := claimByID(t, Claims(tc.recs), tc.claim)
			if c.Verdict != tc.want {
				t.Errorf("verdict %q, want %q; checks %+v", c.Verdict, tc.want, c.Checks)
			}
			if c.Rule == "" || !strings.Contains(c.Rule, "Overall:") {
				t.Errorf("rule %q lacks its text or combination", c.Rule)
			}
			var ev []string
			for _, ch := range c.Checks {
				ev = append(ev, ch.Evidence)
			}
			all := strings.Join(ev, " | ")
			for _, w := range tc.evidence {
				if !strings.Contains(all, w) {
					t.Errorf("evidence %q lacks %q", all, w)
				}
			}
		})
	}
}

// TestClaimCombination checks how per-data-set checks combine: "all"
// claims fail on one contrary data set, "any" claims pass on one.
func TestClaimCombination(t *testing.T) {
	recs := []*results.Record{
		// one-pass sampling: supported on ring8, not on mnist.
		flowRec("ring8", 2, mm{"samples_per_sec": 5e4, "modes_covered": 8, "modes_total": 8}),
		vaeRec("ring8", 2, mm{"samples_per_sec": 1e5}),
		flowRec("mnist", 784, mm{"samples_per_sec": 10}),
		vaeRec("mnist", 784, mm{"samples_per_sec": 1e4}),
		// mode collapse: on ring8 only.
		ganRec("ring8", 2, mm{"modes_covered": 2, "modes_total": 8}),
		ganRec("grid25", 2, mm{"modes_covered": 25, "modes_total": 25}),
		flowRec("grid25", 2, mm{"modes_covered": 25, "modes_total": 25}),
	}
	claims := Claims(recs)
	if c := claimByID(t, claims, "flow-one-pass-sampling"); c.Verdict != NotSupported || len(c.Checks) != 2 {
		t.Errorf("one-pass: %s with %d checks, want not supported (all-rule) over ring8 and mnist", c.Verdict, len(c.Checks))
	}
	if c := claimByID(t, claims, "gan-mode-collapse"); c.Verdict != Supported {
		t.Errorf("mode collapse: %s, want supported (any-rule)", c.Verdict)
	}
}

// TestClaimsDeterministic: the same records in any order give the same
// claims.
func TestClaimsDeterministic(t *testing.T) {
	r := builtFixture(t)
	want := fmt.Sprintf("%+v", Claims(r.Records))
	recs := append([]*results.Record(nil), r.Records...)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 3; i++ {
		rng.Shuffle(len(recs), func(a, b int) { recs[a], recs[b] = recs[b], recs[a] })
		if got := fmt.Sprintf("%+v", Claims(recs)); got != want {
			t.Fatal("claims depend on the order of the records")
		}
	}
}
