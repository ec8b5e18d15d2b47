package glow

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/models/internal/modeltest"
	"github.com/genbench/genbench/nn"
)

var tinyParams = map[string]any{"levels": 2, "steps": 2, "hidden": 8}

func tinyConfig(shape []int, dtype string) models.Config {
	return models.Config{Dim: shape[0] * shape[1] * shape[2], Shape: shape, Dtype: dtype, LR: 2e-3, Seed: 5}
}

// strokes is a small image data set with structure to learn: noisy
// horizontal or vertical bars on C×H×W images, in logit-like units.
func strokes(n int, s nn.ImageShape, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 3))
	x := mat.NewDense(n, s.Size(), nil)
	for i := 0; i < n; i++ {
		vertical, at := rng.IntN(2) == 0, rng.IntN(s.H)
		row := x.RawRowView(i)
		for c := 0; c < s.C; c++ {
			for h := 0; h < s.H; h++ {
				for w := 0; w < s.W; w++ {
					v := -2.0
					if (vertical && w == at) || (!vertical && h == at) {
						v = 2
					}
					row[(c*s.H+h)*s.W+w] = v + 0.3*rng.NormFloat64()
				}
			}
		}
	}
	return x
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name string
		user map[string]any
		cfg  models.Config
		want string
	}{
		{"vector data", nil, models.Config{Dim: 10}, "needs image data"},
		{"binary images", nil, models.Config{Dim: 16, Shape: []int{1, 4, 4}, Binary: true}, "binary"},
		{"too many levels", map[string]any{"levels": 3}, models.Config{Dim: 784, Shape: []int{1, 28, 28}}, "divisible by 8"},
		{"shape and dim disagree", nil, models.Config{Dim: 15, Shape: []int{1, 4, 4}}, "has 16 values"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := models.New("glow", c.user, c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestTrainsAndRoundTrips(t *testing.T) {
	shape := []int{1, 8, 8}
	x := strokes(64, nn.ImageShape{C: 1, H: 8, W: 8}, 1)
	for _, dtype := range []string{"float32", "float64"} {
		t.Run(dtype, func(t *testing.T) {
			modeltest.TrainsAndRoundTrips(t, func() models.Model {
				return modeltest.Build(t, "glow", tinyParams, tinyConfig(shape, dtype))
			}, x, modeltest.TrainCheck{Steps: 60, MinDrop: 20, Score: modeltest.LogProb, After: 2})
		})
	}
}

// TestActNormInitialisesOnce checks the data-dependent initialisation:
// after the first step the first ActNorm maps its input batch (the
// squeezed images) to zero mean and unit variance per channel, up to the
// one Adam step taken since; a second batch with other statistics does
// not initialise it again; and a reloaded model is initialised and stays
// so.
func TestActNormInitialisesOnce(t *testing.T) {
	s := nn.ImageShape{C: 1, H: 8, W: 8}
	m := modeltest.Build(t, "glow", tinyParams, tinyConfig([]int{1, 8, 8}, "float64")).(*Glow[float64])
	if m.Initialized() {
		t.Fatal("a new model claims initialised ActNorms")
	}
	x := strokes(32, s, 2)
	if _, err := m.TrainStep(x); err != nil {
		t.Fatal(err)
	}
	if !m.Initialized() {
		t.Fatal("ActNorms not initialised after the first step")
	}
	first := m.ActNorms[0]
	var tp nn.Tape[float64]
	squeezed := tp.PermuteCols(tp.Const(nn.FromDense[float64](x)), nn.SqueezePerm(s)).Value
	mean, std := nn.ChannelMoments(squeezed, first.Shape)
	lr := m.Opt.LR
	for c := range mean {
		wantLogs, wantBias := -math.Log(std[c]+actNormEps), -mean[c]/(std[c]+actNormEps)
		if math.Abs(first.LogScale.Value.Data[c]-wantLogs) > 2*lr || math.Abs(first.Bias.Value.Data[c]-wantBias) > 2*lr {
			t.Errorf("channel %d: log-scale %v, bias %v; initialisation gives %v, %v (one step of %v away at most)",
				c, first.LogScale.Value.Data[c], first.Bias.Value.Data[c], wantLogs, wantBias, lr)
		}
	}
	bias, logs := first.Bias.Value.Clone(), first.LogScale.Value.Clone()
	// A batch with 3 times the spread and the mean moved by 5: initialising
	// again would move the log-scales by log 3 and the biases by more.
	shifted := strokes(32, s, 3)
	shifted.Apply(func(_, _ int, v float64) float64 { return 3*v + 5 }, shifted)
	if _, err := m.TrainStep(shifted); err != nil {
		t.Fatal(err)
	}
	for c := range bias.Data {
		if math.Abs(first.Bias.Value.Data[c]-bias.Data[c]) > 2*lr || math.Abs(first.LogScale.Value.Data[c]-logs.Data[c]) > 2*lr {
			t.Errorf("channel %d: bias %v → %v, log-scale %v → %v on the second batch: initialised again?",
				c, bias.Data[c], first.Bias.Value.Data[c], logs.Data[c], first.LogScale.Value.Data[c])
		}
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	m2 := modeltest.Build(t, "glow", tinyParams, tinyConfig([]int{1, 8, 8}, "float64")).(*Glow[float64])
	if err := m2.Load(&buf); err != nil {
		t.Fatal(err)
	}
	if !m2.Initialized() {
		t.Fatal("reloaded model's ActNorms are not marked initialised")
	}
	l1, _ := m.TrainStep(shifted)
	l2, _ := m2.TrainStep(shifted)
	if l1 != l2 {
		t.Errorf("reloaded model's step gives loss %v, the original's %v", l2, l1)
	}
}

// TestSamplesFiniteAndConsistent draws 10⁵ samples from a small Glow with
// random parameters, at temperatures 1 and 0.7: all finite, and the
// density of each sample equals the base density of its noise minus the
// inverse log-determinant, so sampling and density agree.
func TestSamplesFiniteAndConsistent(t *testing.T) {
	s := nn.ImageShape{C: 1, H: 4, W: 4}
	tr, _ := buildCase[float64](t, transformCase{"glow", s}, 8)
	g := &Glow[float64]{Shape: s, Temperature: 1, Flow: tr.(Chain[float64])}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tau := range []float64{1, 0.7} {
		const n = 100000
		x, err := g.SampleAt(n, tau, rng)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range x.RawMatrix().Data {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("temperature %v: sample value %d is %v", tau, i, v)
			}
		}
	}
	d := s.Size()
	z := make([]float64, 50*d)
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	x, ldInv, err := g.Invert(z, 50)
	if err != nil {
		t.Fatal(err)
	}
	lp, err := g.LogProb(x)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		var q float64
		for _, v := range z[i*d : (i+1)*d] {
			q += v * v
		}
		want := -0.5*q - float64(d)*halfLog2Pi - ldInv[i]
		if math.Abs(lp[i]-want) > 1e-8*(1+math.Abs(want)) {
			t.Fatalf("sample %d: log p %v, base density and inverse log-det give %v", i, lp[i], want)
		}
	}
}

// TestSameSeedSameBits trains two models from the same seed and compares
// losses and samples bit for bit.
func TestSameSeedSameBits(t *testing.T) {
	x := strokes(32, nn.ImageShape{C: 1, H: 8, W: 8}, 4)
	var losses [2][]float64
	var samples [2]*mat.Dense
	for k := range losses {
		m := modeltest.Build(t, "glow", tinyParams, tinyConfig([]int{1, 8, 8}, "float32"))
		for step := 0; step < 3; step++ {
			l, err := m.TrainStep(x)
			if err != nil {
				t.Fatal(err)
			}
			losses[k] = append(losses[k], l)
		}
		var err error
		if samples[k], err = m.Sample(5, rand.New(rand.NewPCG(2, 2))); err != nil {
			t.Fatal(err)
		}
	}
	for i := range losses[0] {
		if losses[0][i] != losses[1][i] {
			t.Fatalf("step %d: losses %v and %v from the same seed", i, losses[0][i], losses[1][i])
		}
	}
	if !mat.Equal(samples[0], samples[1]) {
		t.Error("samples differ between models from the same seed")
	}
}

func TestNumParamsCountsLiveWeights(t *testing.T) {
	m := modeltest.Build(t, "glow", map[string]any{"levels": 1, "steps": 1, "hidden": 3}, tinyConfig([]int{1, 2, 2}, "float64"))
	// squeeze to 4×1×1; actnorm 4+4; invconv L and U strict triangles 6+6
	// and 4 log-scales; coupling 2→3 (3×3) 54 and its actnorm 3+3, 3→3
	// (1×1) 9 and its actnorm 3+3, 3→4 (3×3) 108+4 and its output scale 4;
	// the learned top prior 4+4.
	if want := 8 + 16 + 60 + 15 + 116 + 8; m.NumParams() != want {
		t.Errorf("%d parameters, want %d", m.NumParams(), want)
	}
}

func benchModel(b testing.TB) (models.Model, *mat.Dense) {
	m, err := models.New("glow", nil, models.Config{Dim: 784, Shape: []int{1, 28, 28}, Dtype: "float32", LR: 1e-3, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return m, strokes(64, nn.ImageShape{C: 1, H: 28, W: 28}, 1)
}

// BenchmarkTrainStep is one Adam step of the default Glow (2 levels × 4
// steps, 64 channels) on a batch of 64 MNIST-shaped images.
func BenchmarkTrainStep(b *testing.B) {
	m, x := benchModel(b)
	for b.Loop() {
		if _, err := m.TrainStep(x); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSample draws 100 MNIST-shaped samples from the default Glow.
func BenchmarkSample(b *testing.B) {
	m, x := benchModel(b)
	if _, err := m.TrainStep(x); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for b.Loop() {
		if _, err := m.Sample(100, rng); err != nil {
			b.Fatal(err)
		}
	}
}
