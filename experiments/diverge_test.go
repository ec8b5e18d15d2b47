package experiments

import (
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/params"
	"github.com/genbench/genbench/results"
)

// flatModel has an exact density that stays at logp per example and a
// training loss of -logp: a model stuck far above the data's floor
// without any non-finite number.
type flatModel struct{ logp float64 }

func (f flatModel) TrainStep(*mat.Dense) (float64, error) { return -f.logp, nil }
func (f flatModel) Sample(n int, _ *rand.Rand) (*mat.Dense, error) {
	return mat.NewDense(n, 2, nil), nil
}
func (flatModel) NumParams() int       { return 0 }
func (flatModel) Save(io.Writer) error { return nil }
func (flatModel) Load(io.Reader) error { return nil }
func (f flatModel) LogProb(x *mat.Dense) ([]float64, error) {
	r, _ := x.Dims()
	out := make([]float64, r)
	for i := range out {
		out[i] = f.logp
	}
	return out, nil
}

func init() {
	models.Register(models.Type{Name: "test-flat", Family: models.Flow, Doc: "log-density logp everywhere",
		Params: params.Schema{{Key: "logp", Default: -1.0}},
		New: func(c models.Config) (models.Model, error) {
			return flatModel{logp: c.Params.Float("logp")}, nil
		}})
}

// TestDivergenceBeyondNonFinite: a loss past the magnitude bound, or a
// validation NLL above the data's floor plus the margin for
// diverge_epochs epochs, ends the trial diverged with the step and the
// reason (issue 14, case 5); keys change the bounds.
func TestDivergenceBeyondNonFinite(t *testing.T) {
	// ring8 with std 0.1: the diagonal Gaussian's NLL is about 2.2 nats,
	// so the bound is 2.2 + 10·2 ≈ 22.2 and the magnitude 2e4.
	cases := []struct {
		name, params, train string
		status              string
		reason              []string
	}{
		{"healthy", "{logp: -3}", "", results.StatusOK, nil},
		{"above the floor", "{logp: -50}", "", results.StatusDiverged,
			[]string{"diverged at epoch 2, step 12:", "validation loss 50 above 22.", "for 3 epochs", "diagonal Gaussian's NLL 2.1"}},
		{"above the floor, 2 epochs", "{logp: -50}", "diverge_epochs: 2", results.StatusDiverged, []string{"epoch 1, step 8:", "for 2 epochs"}},
		{"wider margin", "{logp: -50}", "diverge_margin: 30", results.StatusOK, nil},
		{"magnitude", "{logp: -1e5}", "", results.StatusDiverged, []string{"epoch 0, step 1:", "training loss 1e+05 beyond 2e+04"}},
		{"magnitude raised", "{logp: -1e5}", "diverge_loss: 1e6", results.StatusDiverged, []string{"epoch 2, step 12:", "validation loss 1e+05 above"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			train := "batch_size: 128, epochs: 4, patience: 0"
			if c.train != "" {
				train += ", " + c.train
			}
			spec := `name: flat
seeds: [1]
datasets:
  - {name: ring8, std: 0.1, n_train: 512, n_valid: 256, n_test: 256}
models:
  - {name: flat, type: test-flat, params: ` + c.params + `}
train: {` + train + `}
eval: {metrics: [nll], samples: 100}
`
			out := runTiny(t, spec, t.TempDir())
			r := out.Records[0]
			if r.Status != c.status {
				t.Fatalf("status %s (%s), want %s", r.Status, r.Reason, c.status)
			}
			for _, want := range c.reason {
				if !strings.Contains(r.Reason, want) {
					t.Errorf("reason %q lacks %q", r.Reason, want)
				}
			}
		})
	}
}

// TestDivergeKeysKeepTrialIDs: the keys at their defaults leave a trial's
// id alone; other values change it.
func TestDivergeKeysKeepTrialIDs(t *testing.T) {
	id := func(train string) string {
		s, err := Parse("s.yaml", []byte(strings.Replace(tinySpec, "patience: 2}", "patience: 2"+train+"}", 1)))
		if err != nil {
			t.Fatal(err)
		}
		return s.TrialSpecs()[0].ID
	}
	plain := id("")
	if got := id(", diverge_loss: 1e4, diverge_margin: 10, diverge_epochs: 3"); got != plain {
		t.Errorf("defaults spelled out: id %s, want %s", got, plain)
	}
	if got := id(", diverge_margin: 20"); got == plain {
		t.Error("diverge_margin 20 keeps the id")
	}
}

// TestTrivialNLL checks the floor on closed-form cases: a diagonal
// Gaussian fitted to many draws of N(μ, σ²) has NLL ½log(2πeσ²) per
// dimension, and independent Bernoullis of frequency p have the binary
// entropy.
func TestTrivialNLL(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 200000
	sigma := []float64{0.5, 3}
	draw := func() *mat.Dense {
		x := mat.NewDense(n, 2, nil)
		for i := 0; i < n; i++ {
			x.Set(i, 0, 1+sigma[0]*rng.NormFloat64())
			x.Set(i, 1, -2+sigma[1]*rng.NormFloat64())
		}
		return x
	}
	got, _ := trivialNLL(&datasets.Data{Dim: 2, Kind: datasets.Continuous, Train: draw(), Valid: draw()})
	want := 0.0
	for _, s := range sigma {
		want += 0.5 * math.Log(2*math.Pi*math.E*s*s)
	}
	if math.Abs(got-want) > 0.01 {
		t.Errorf("Gaussian floor %v, want %v", got, want)
	}
	p := 0.2
	bits := func() *mat.Dense {
		x := mat.NewDense(n, 1, nil)
		for i := 0; i < n; i++ {
			if rng.Float64() < p {
				x.Set(i, 0, 1)
			}
		}
		return x
	}
	got, _ = trivialNLL(&datasets.Data{Dim: 1, Kind: datasets.Binary, Train: bits(), Valid: bits()})
	if want := -p*math.Log(p) - (1-p)*math.Log(1-p); math.Abs(got-want) > 0.01 {
		t.Errorf("Bernoulli floor %v, want %v", got, want)
	}
}

// TestDivergeCheckRules: the bound counts trailing epochs only, skips
// losses that are not likelihoods, and falls back to the first epoch's
// loss without a floor.
func TestDivergeCheckRules(t *testing.T) {
	c := divergeCheck{maxLoss: 1000, margin: 10, epochs: 2, floor: 1, what: "floor"}
	curve := func(v ...float64) []results.EpochLog {
		out := make([]results.EpochLog, len(v))
		for i, x := range v {
			out[i] = results.EpochLog{Epoch: i, ValidLoss: x}
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		c       divergeCheck
		curve   []results.EpochLog
		kind    string
		diverge bool
	}{
		{"below", c, curve(5, 6, 7), "nll", false},
		{"two above", c, curve(5, 12, 13), "nll", true},
		{"above, then below", c, curve(12, 13, 5), "nll", false},
		{"one above", c, curve(5, 5, 13), "nll", false},
		{"elbo", c, curve(12, 13), "negative_elbo", true},
		{"gan loss above the bound", c, curve(12, 13), "model_loss", false},
		{"gan loss past the magnitude", c, curve(12, 2000), "model_loss", true},
		{"no validation loss", c, curve(math.NaN()), "none", false},
		{"no floor: first epoch", divergeCheck{maxLoss: 1000, margin: 10, epochs: 2, floor: math.NaN()}, curve(100, 111, 112), "nll", true},
		{"no floor: close to the first epoch", divergeCheck{maxLoss: 1000, margin: 10, epochs: 2, floor: math.NaN()}, curve(100, 105, 109), "nll", false},
	} {
		if got := tc.c.validation(tc.curve, tc.kind) != ""; got != tc.diverge {
			t.Errorf("%s: diverged %v, want %v", tc.name, got, tc.diverge)
		}
	}
}
