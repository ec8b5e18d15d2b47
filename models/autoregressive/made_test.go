package autoregressive

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/models/internal/modeltest"
	"github.com/genbench/genbench/nn"
)

type madeCase struct {
	name   string
	binary bool
	user   map[string]any
}

// madeCases covers every output type, deep nets and mask ensembles.
var madeCases = []madeCase{
	{"bernoulli", true, map[string]any{"hidden": 12}},
	{"bernoulli/2 layers/reversed", true, map[string]any{"hidden": 12, "hidden_layers": 2, "order": "reversed"}},
	{"bernoulli/3 masks", true, map[string]any{"hidden": 12, "masks": 3}},
	{"gaussian/random order", false, map[string]any{"hidden": 12, "order": "random"}},
	{"mixture/3 components/2 masks", false, map[string]any{"hidden": 12, "components": 3, "masks": 2}},
	{"mixture/2 layers/tanh", false, map[string]any{"hidden": 12, "hidden_layers": 2, "components": 2, "activation": "tanh"}},
	{"bernoulli/direct", true, map[string]any{"hidden": 12, "direct": true}},
	{"bernoulli/direct/3 masks", true, map[string]any{"hidden": 12, "masks": 3, "direct": true}},
	{"bernoulli/direct/2 layers", true, map[string]any{"hidden": 12, "hidden_layers": 2, "direct": true}},
	{"mixture/direct/random order", false, map[string]any{"hidden": 12, "components": 2, "order": "random", "direct": true}},
}

func newMADE64(t testing.TB, c madeCase, dim int) *MADE[float64] {
	t.Helper()
	m := modeltest.Build(t, "made", c.user, models.Config{Dim: dim, Binary: c.binary, Dtype: "float64", Seed: 3})
	return m.(*MADE[float64])
}

// TestMADEIsAutoregressive perturbs inputs and watches the raw outputs of
// each dimension: under every mask, the outputs of dimension j must not
// move when any input at or after j's position changes, and must move
// when the input just before j changes.
func TestMADEIsAutoregressive(t *testing.T) {
	const d = 5
	for _, c := range madeCases {
		t.Run(c.name, func(t *testing.T) {
			m := newMADE64(t, c, d)
			randomize(&m.Params, 1, 1)
			// tanh keeps every hidden unit alive, so that dependence shows.
			m.Net.Act = nn.ActTanh
			rng := rand.New(rand.NewPCG(9, 9))
			x := nn.NewMat[float64](1, d)
			for i := range x.Data {
				x.Data[i] = rng.NormFloat64()
			}
			outputs := func(mk int) []float64 {
				var tp nn.Tape[float64]
				tp.NoGrad = true
				return m.Forward(&tp, tp.Const(x), mk).Value.Float64s()
			}
			cols := m.Out.blocks() * m.K
			for mk := 0; mk < m.NumMasks(); mk++ {
				order := m.Orders[mk]
				base := outputs(mk)
				for i := 0; i < d; i++ {
					old := x.Data[i]
					x.Data[i] = old + 1.5
					moved := outputs(mk)
					x.Data[i] = old
					for j := 0; j < d; j++ {
						changed := false
						for b := 0; b < m.Out.blocks(); b++ {
							for k := 0; k < m.K; k++ {
								col := (b*d+j)*m.K + k
								changed = changed || moved[col] != base[col]
							}
						}
						if order[i] >= order[j] && changed {
							t.Errorf("mask %d: outputs of dim %d (position %d) depend on input %d (position %d)", mk, j, order[j], i, order[i])
						}
						// Mask 0's degrees cycle through 1..D−1, so the input
						// just before j reaches it; random degrees may skip one.
						if mk == 0 && order[i] == order[j]-1 && !changed {
							t.Errorf("mask %d: outputs of dim %d ignore input %d just before it", mk, j, i)
						}
					}
				}
				if len(base) != cols*d {
					t.Fatalf("%d outputs, want %d", len(base), cols*d)
				}
			}
		})
	}
}

func TestMADEGradients(t *testing.T) {
	const d = 4
	for n, c := range madeCases {
		t.Run(c.name, func(t *testing.T) {
			user := map[string]any{"activation": "tanh"}
			for k, v := range c.user {
				user[k] = v
			}
			user["hidden"] = 6
			m := newMADE64(t, madeCase{c.name, c.binary, user}, d)
			randomize(&m.Params, 0.7, uint64(n))
			rng := rand.New(rand.NewPCG(uint64(n), 2))
			x := nn.NewMat[float64](5, d)
			for i := range x.Data {
				if c.binary {
					x.Data[i] = float64(rng.IntN(2))
				} else {
					x.Data[i] = rng.NormFloat64()
				}
			}
			for mk := 0; mk < m.NumMasks(); mk++ {
				f := func(tp *nn.Tape[float64]) *nn.Node[float64] {
					return tp.Scale(tp.Mean(m.logProb(tp, x, mk)), -1)
				}
				if err := nn.CheckGrad(f, m.Params.Nodes, 1e-6); err > 1e-6 {
					t.Errorf("mask %d: gradient error %.3g", mk, err)
				}
			}
		})
	}
}

// TestMADESamplersMatchDensity draws from every binary MADE on 4
// dimensions (16 outcomes) with both samplers and compares frequencies
// with exp(LogProb) by a chi-square test.
func TestMADESamplersMatchDensity(t *testing.T) {
	const d, n = 4, 20000
	for _, c := range madeCases {
		if !c.binary {
			continue
		}
		m := newMADE64(t, c, d)
		randomize(&m.Params, 1.5, 4)
		samplers := map[string]func(int, *rand.Rand) (*mat.Dense, error){"naive": m.SampleNaive}
		if len(m.Hidden) == 1 {
			samplers["incremental"] = m.SampleIncremental
		}
		for name, s := range samplers {
			t.Run(c.name+"/"+name, func(t *testing.T) { checkBinarySampler(t, m, d, n, s) })
		}
	}
}

// TestMADEContinuousSamplesMatchDensity checks that continuous densities
// integrate to 1 on a 2-D grid and that samples fall into grid cells with
// the probabilities the density gives them.
func TestMADEContinuousSamplesMatchDensity(t *testing.T) {
	const lim, fine, coarse, n = 7.0, 420, 6, 20000
	for _, c := range madeCases {
		if c.binary {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			m := newMADE64(t, c, 2)
			randomize(&m.Params, 0.8, 6)
			// Keep every component's std within [e^−1, e] so that the grid
			// holds practically all of the mass.
			m.LogStdBound = 1
			h := 2 * lim / fine
			grid := mat.NewDense(fine*fine, 2, nil)
			for i := 0; i < fine; i++ {
				for j := 0; j < fine; j++ {
					grid.Set(i*fine+j, 0, -lim+(float64(i)+0.5)*h)
					grid.Set(i*fine+j, 1, -lim+(float64(j)+0.5)*h)
				}
			}
			lp, err := m.LogProb(grid)
			if err != nil {
				t.Fatal(err)
			}
			cell := func(v float64) int { return int((v + lim) / (2 * lim) * coarse) }
			probs := make([]float64, coarse*coarse+1)
			var total float64
			for k, v := range lp {
				p := math.Exp(v) * h * h
				total += p
				probs[cell(grid.At(k, 0))*coarse+cell(grid.At(k, 1))] += p
			}
			if math.Abs(total-1) > 0.01 {
				t.Fatalf("density integrates to %v on [−%v, %v]²", total, lim, lim)
			}
			probs[coarse*coarse] = math.Max(0, 1-total)
			for name, s := range map[string]func(int, *rand.Rand) (*mat.Dense, error){"naive": m.SampleNaive, "default": m.Sample} {
				x, err := s(n, rand.New(rand.NewPCG(8, 8)))
				if err != nil {
					t.Fatal(err)
				}
				counts := make([]int, len(probs))
				for i := 0; i < n; i++ {
					a, b := x.At(i, 0), x.At(i, 1)
					if math.Abs(a) >= lim || math.Abs(b) >= lim {
						counts[coarse*coarse]++
					} else {
						counts[cell(a)*coarse+cell(b)]++
					}
				}
				if p, stat, dof := chiSquareP(counts, probs); p < 0.001 {
					t.Errorf("%s sampler: chi-square %.1f on %d dof, p = %.2g", name, stat, dof, p)
				}
			}
		})
	}
}

// TestSamplersAgree: the incremental sampler must reproduce the naive
// sampler's draws from the same random source.
func TestSamplersAgree(t *testing.T) {
	for _, c := range madeCases {
		if c.user["hidden_layers"] == 2 {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			for _, dtype := range []string{"float64", "float32"} {
				m := modeltest.Build(t, "made", c.user, models.Config{Dim: 7, Binary: c.binary, Dtype: dtype, Seed: 5})
				type sampler interface {
					SampleNaive(int, *rand.Rand) (*mat.Dense, error)
					SampleIncremental(int, *rand.Rand) (*mat.Dense, error)
				}
				s := m.(sampler)
				a, err := s.SampleNaive(300, rand.New(rand.NewPCG(1, 2)))
				if err != nil {
					t.Fatal(err)
				}
				b, err := s.SampleIncremental(300, rand.New(rand.NewPCG(1, 2)))
				if err != nil {
					t.Fatal(err)
				}
				tol := 1e-12
				if dtype == "float32" {
					tol = 1e-4
				}
				ad, bd := a.RawMatrix().Data, b.RawMatrix().Data
				same := 0
				for i := range ad {
					if math.Abs(ad[i]-bd[i]) > tol*(1+math.Abs(ad[i])) {
						t.Fatalf("%s: sample value %d: naive %v, incremental %v", dtype, i, ad[i], bd[i])
					}
					if ad[i] == bd[i] {
						same++
					}
				}
				if c.binary && same != len(ad) {
					t.Errorf("%s: %d of %d binary values differ", dtype, len(ad)-same, len(ad))
				}
			}
		})
	}
}

func TestIncrementalNeedsOneHiddenLayer(t *testing.T) {
	m := newMADE64(t, madeCases[1], 4)
	if _, err := m.SampleIncremental(3, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Fatal("incremental sampler accepted a 2-hidden-layer MADE")
	}
	if _, err := m.Sample(3, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatalf("Sample on a 2-hidden-layer MADE: %v", err)
	}
}

func TestMADETrainsAndRoundTrips(t *testing.T) {
	x := modeltest.BinaryPatterns(128, 10, 3, 1)
	for _, c := range []madeCase{madeCases[0], madeCases[2]} {
		for _, dtype := range []string{"float32", "float64"} {
			t.Run(fmt.Sprintf("%s/%s", c.name, dtype), func(t *testing.T) {
				cfg := models.Config{Dim: 10, Binary: true, Dtype: dtype, LR: 1e-2, Seed: 7}
				modeltest.TrainsAndRoundTrips(t, func() models.Model { return modeltest.Build(t, "made", c.user, cfg) }, x,
					modeltest.TrainCheck{Steps: 150, MinDrop: 2, Score: modeltest.LogProb, After: 3}) // 3 steps cross the mask cycle
			})
		}
	}
}

func TestMADEConfigErrors(t *testing.T) {
	ty, _ := models.Lookup("made")
	p, _ := ty.Params.Resolve(nil)
	cases := []struct {
		name string
		cfg  models.Config
	}{
		{"no dimensions", models.Config{Dim: 0, Binary: true, Params: p}},
		{"unknown dtype", models.Config{Dim: 3, Binary: true, Params: p, Dtype: "float16"}},
	}
	for _, c := range cases {
		if _, err := ty.New(c.cfg); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	for _, user := range []map[string]any{{"masks": 0}, {"order": "sideways"}, {"activation": "swish"}, {"components": 0}} {
		if _, err := models.New("made", user, models.Config{Dim: 3, Binary: true}); err == nil {
			t.Errorf("params %v accepted", user)
		}
	}
	m := modeltest.Build(t, "made", nil, models.Config{Dim: 3, Binary: true})
	if _, err := m.TrainStep(mat.NewDense(2, 4, nil)); err == nil {
		t.Error("batch with the wrong width accepted")
	}
	if got, want := models.Kind(m), models.Exact; got != want {
		t.Errorf("kind %s, want %s", got, want)
	}
}

func TestMADENumParamsCountsLiveWeights(t *testing.T) {
	m := newMADE64(t, madeCase{"", true, map[string]any{"hidden": 4}}, 3)
	// Degrees of 4 hidden units on 3 inputs cycle 1,2,1,2: input 1 feeds
	// all 4 units, input 2 the 2 of degree 2, input 3 none (6 weights);
	// output 2 sees the 2 degree-1 units, output 3 all 4 (6 weights);
	// biases 4 + 3.
	if got, want := m.NumParams(), 6+6+4+3; got != want {
		t.Errorf("NumParams %d, want %d", got, want)
	}
	// Direct weights add input i → output j for i before j: 3 on 3 inputs.
	m = newMADE64(t, madeCase{"", true, map[string]any{"hidden": 4, "direct": true}}, 3)
	if got, want := m.NumParams(), 6+6+4+3+3; got != want {
		t.Errorf("with direct weights: NumParams %d, want %d", got, want)
	}
}

// Benchmarks at the sizes of Germain et al.'s binarized-MNIST MADE.
func benchMADE(b *testing.B) *MADE[float32] {
	m := modeltest.Build(b, "made", map[string]any{"hidden": 500}, models.Config{Dim: 784, Binary: true, Dtype: "float32", Seed: 1})
	return m.(*MADE[float32])
}

func BenchmarkTrainStep(b *testing.B) {
	m := benchMADE(b)
	x := modeltest.BinaryPatterns(100, 784, 3, 3)
	b.ResetTimer()
	for range b.N {
		if _, err := m.TrainStep(x); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSample(b *testing.B, n int, sample func(int, *rand.Rand) (*mat.Dense, error)) {
	rng := rand.New(rand.NewPCG(1, 1))
	if _, err := sample(n, rng); err != nil { // warm-up
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := sample(n, rng); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "samples/s")
}

func BenchmarkSampleNaive(b *testing.B) {
	m := benchMADE(b)
	benchSample(b, 10, m.SampleNaive)
}

func BenchmarkSampleIncremental(b *testing.B) {
	m := benchMADE(b)
	benchSample(b, 100, m.SampleIncremental)
}
