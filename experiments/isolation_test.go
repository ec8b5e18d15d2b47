package experiments

import (
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/params"
	"github.com/genbench/genbench/results"
)

// panickyModel panics in TrainStep, as a model bug or an impossible
// size would.
type panickyModel struct{}

func (panickyModel) TrainStep(*mat.Dense) (float64, error) {
	panic("index out of range [7] with length 3")
}
func (panickyModel) Sample(n int, _ *rand.Rand) (*mat.Dense, error) {
	return mat.NewDense(n, 2, nil), nil
}
func (panickyModel) NumParams() int       { return 0 }
func (panickyModel) Save(io.Writer) error { return nil }
func (panickyModel) Load(io.Reader) error { return nil }

func init() {
	models.Register(models.Type{Name: "test-panic", Family: models.GAN, Doc: "panics in TrainStep, or in New with in_new",
		Params: params.Schema{{Key: "in_new", Default: false}},
		New: func(c models.Config) (models.Model, error) {
			if c.Params.Bool("in_new") {
				panic("cannot build")
			}
			return panickyModel{}, nil
		}})
}

// TestPanickingTrialIsIsolated: a trial that panics (while training or
// while its model is built) gets a failed record with the panic's message
// and stack; the trials after it run, results.json is written, and no
// lock is left behind.
func TestPanickingTrialIsIsolated(t *testing.T) {
	for _, c := range []struct{ name, params, want string }{
		{"train step", "{}", "index out of range"},
		{"constructor", "{in_new: true}", "cannot build"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := strings.Replace(tinySpec, "  - {name: gauss, type: gaussian}\n",
				"  - {name: gauss, type: gaussian}\n  - {name: bad, type: test-panic, params: "+c.params+"}\n", 1)
			dir := t.TempDir()
			out := runTiny(t, spec, dir)
			if out.Failed != 2 || out.OK != 4 {
				t.Fatalf("%d failed, %d ok; want 2 and 4", out.Failed, out.OK)
			}
			for _, r := range out.Records {
				if r.Model != "bad" {
					continue
				}
				if r.Status != results.StatusFailed || !strings.HasPrefix(r.Reason, "panic: "+c.want) || !strings.Contains(r.Reason, "goroutine") {
					t.Errorf("status %s, reason %q: want a failed record with the panic and its stack", r.Status, r.Reason)
				}
			}
			locks, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*.lock"))
			if len(locks) > 0 {
				t.Errorf("locks left behind: %v", locks)
			}
			if _, err := os.Stat(filepath.Join(dir, "results.json")); err != nil {
				t.Error(err)
			}
		})
	}
}
