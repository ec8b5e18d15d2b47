package golden

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	_ "github.com/genbench/genbench/models/all"
)

type goldenCase struct {
	name   string
	typ    string
	user   map[string]any
	dim    int
	binary bool
	shape  []int
	// rows and samples default to 16 and 40; the large cases reach the
	// sizes at which nn splits work over goroutines.
	rows, samples int
	// savedMap: the golden fingerprints were taken when Save's bytes
	// held a map, written in an order that varied from run to run, so
	// TestGolden does not hash them (GANs). Saves are now deterministic
	// (TestSavedBytesDeterministic) and TestSameBitsOnAnyCores hashes them.
	savedMap bool
}

var cases = []goldenCase{
	{"realnvp", "realnvp", map[string]any{"layers": 4, "hidden": 16}, 2, false, nil, 0, 0, false},
	{"realnvp-tanh", "realnvp", map[string]any{"layers": 2, "hidden": 8, "activation": "tanh", "permutation": "random"}, 3, false, nil, 0, 0, false},
	{"maf", "maf", map[string]any{"layers": 2, "hidden": 16}, 3, false, nil, 0, 0, false},
	{"made", "made", map[string]any{"hidden": 32}, 20, true, nil, 0, 0, false},
	{"made-direct-masks", "made", map[string]any{"hidden": 24, "hidden_layers": 2, "masks": 2, "direct": true}, 12, true, nil, 0, 0, false},
	{"made-gaussian", "made", map[string]any{"hidden": 16}, 4, false, nil, 0, 0, false},
	{"made-mixture", "made", map[string]any{"hidden": 16, "components": 3}, 3, false, nil, 0, 0, false},
	{"vae", "vae", map[string]any{"latent": 4, "hidden": 16}, 20, true, nil, 0, 0, false},
	{"vae-gaussian", "vae", map[string]any{"latent": 2, "hidden": 16, "activation": "elu"}, 3, false, nil, 0, 0, false},
	{"iwae", "iwae", map[string]any{"latent": 3, "hidden": 16, "iwae_k": 3}, 20, true, nil, 0, 0, false},
	{"pixelcnn", "pixelcnn", map[string]any{"channels": 8, "blocks": 1, "kernel": 3}, 36, true, []int{1, 6, 6}, 0, 0, false},
	{"gan", "gan", map[string]any{"hidden": 16, "hidden_layers": 2}, 2, false, nil, 0, 0, true},
	{"wgan_gp", "wgan_gp", map[string]any{"hidden": 16, "hidden_layers": 1, "n_critic": 2}, 2, false, nil, 0, 0, true},
	{"iae", "iae", map[string]any{"layers": 2, "hidden": 16}, 2, false, nil, 0, 0, false},
	{"large/realnvp", "realnvp", map[string]any{"layers": 2, "hidden": 64}, 2, false, nil, 1100, 3000, false},
	{"large/made", "made", map[string]any{"hidden": 500}, 784, true, nil, 100, 3, false},
	{"large/vae", "vae", map[string]any{}, 784, true, nil, 100, 1000, false},
	{"large/pixelcnn", "pixelcnn", map[string]any{"channels": 16, "blocks": 2}, 256, true, []int{1, 16, 16}, 20, 2, false},
	// Added after issue 18's first rounds, with fingerprints of the code
	// before this session's spline and exponential work (nsf, at 440b292)
	// and of glow's network as the mnist-flows run used it (at ec7058b).
	{"nsf", "nsf", map[string]any{"layers": 2, "hidden": 8}, 2, false, nil, 0, 0, false},
	{"glow", "glow", map[string]any{"levels": 1, "steps": 2, "hidden": 8}, 16, false, []int{1, 4, 4}, 0, 0, false},
	// MNIST-sized planes (14×14 and 7×7), where the vector loops run.
	{"glow-28", "glow", map[string]any{"levels": 2, "steps": 1, "hidden": 16}, 784, false, []int{1, 28, 28}, 0, 20, false},
	// Sampled and scored in several chunks (fingerprint of the code before
	// the chunks ran side by side, at f64376a).
	{"large/nsf", "nsf", map[string]any{"layers": 2, "hidden": 16}, 2, false, nil, 2100, 3000, false},
}

// fingerprint hashes three training steps' losses, the saved model after
// them, samples, and whichever densities, bounds and diagnostics the
// model offers, on fixed data, and the loss of a fourth step.
func fingerprint(t *testing.T, c goldenCase, dtype string) string {
	m, err := models.New(c.typ, c.user, models.Config{Dim: c.dim, Binary: c.binary, Shape: c.shape,
		Dtype: dtype, LR: 1e-2, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	rows, samples := c.rows, c.samples
	if rows == 0 {
		rows, samples = 16, 40
	}
	x := data(rows, c.dim, c.binary)
	h := sha256.New()
	put := func(v ...float64) {
		for _, f := range v {
			binary.Write(h, binary.LittleEndian, math.Float64bits(f))
		}
	}
	for range 3 {
		l, err := m.TrainStep(x)
		if err != nil {
			t.Fatal(err)
		}
		put(l)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	if !c.savedMap {
		h.Write(buf.Bytes())
	}
	s, err := m.Sample(samples, rand.New(rand.NewPCG(11, 12)))
	if err != nil {
		t.Fatal(err)
	}
	put(s.RawMatrix().Data...)
	if d, ok := m.(models.Density); ok {
		put(must(t)(d.LogProb(x))...)
	}
	if b, ok := m.(models.Bounded); ok {
		put(must(t)(b.LowerBound(x))...)
	}
	if e, ok := m.(models.Estimator); ok {
		put(must(t)(e.LogProbEstimate(x, 3, rand.New(rand.NewPCG(13, 14))))...)
	}
	if d, ok := m.(models.Diagnoser); ok {
		diag, err := d.Diagnostics(x, rand.New(rand.NewPCG(15, 16)))
		if err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0, len(diag))
		for k := range diag {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			h.Write([]byte(k))
			put(diag[k])
		}
	}
	l, err := m.TrainStep(x) // depends on all parameters and optimiser state
	if err != nil {
		t.Fatal(err)
	}
	put(l)
	return hex.EncodeToString(h.Sum(nil))[:24]
}

func must(t *testing.T) func([]float64, error) []float64 {
	return func(v []float64, err error) []float64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// data returns fixed r×c data: 0/1 with 30% ones, or correlated normals.
func data(r, c int, binary bool) *mat.Dense {
	rng := rand.New(rand.NewPCG(3, 5))
	x := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		shared := rng.NormFloat64()
		for j := 0; j < c; j++ {
			if binary {
				if rng.Float64() < 0.3 {
					x.Set(i, j, 1)
				}
			} else {
				x.Set(i, j, 0.5*shared+rng.NormFloat64())
			}
		}
	}
	return x
}
