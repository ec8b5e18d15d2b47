package autoregressive

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/models/internal/modeltest"
	"github.com/genbench/genbench/nn"
)

func newPixelCNN64(t testing.TB, shape []int, user map[string]any) *PixelCNN[float64] {
	t.Helper()
	d := shape[0] * shape[1] * shape[2]
	m := modeltest.Build(t, "pixelcnn", user, models.Config{Dim: d, Binary: true, Shape: shape, Dtype: "float64", Seed: 2})
	return m.(*PixelCNN[float64])
}

var pixelCases = []struct {
	shape []int
	user  map[string]any
}{
	{[]int{1, 4, 5}, map[string]any{"channels": 4, "blocks": 2, "kernel": 5}},
	{[]int{2, 3, 4}, map[string]any{"channels": 6, "blocks": 1, "kernel": 3}},
	{[]int{3, 3, 3}, map[string]any{"channels": 6, "blocks": 1, "kernel": 7}},
}

// TestPixelCNNIsAutoregressive perturbs each input value and checks which
// logits move. Values are ordered by pixel in raster order, then channel:
// the logit of value v must not depend on v or anything after it, and
// must depend on the value just before it (the previous channel of the
// same pixel, or the last channel of the pixel to the left; PixelCNN's
// blind spot means not every earlier value is seen).
func TestPixelCNNIsAutoregressive(t *testing.T) {
	for _, c := range pixelCases {
		t.Run(fmt.Sprint(c.shape), func(t *testing.T) {
			m := newPixelCNN64(t, c.shape, c.user)
			m.Act = nn.ActTanh // keeps every unit alive, so that dependence shows
			randomize(&m.Params, 0.5, 3)
			s := m.Shape
			hw := s.H * s.W
			rank := func(idx int) int { return (idx%hw)*s.C + idx/hw } // position in the order
			rng := rand.New(rand.NewPCG(1, 3))
			x := nn.NewMat[float64](1, s.Size())
			for i := range x.Data {
				x.Data[i] = float64(rng.IntN(2))
			}
			logits := func() []float64 {
				var tp nn.Tape[float64]
				tp.NoGrad = true
				return m.Logits(&tp, tp.Const(x)).Value.Float64s()
			}
			base := logits()
			for in := range x.Data {
				x.Data[in] = 1 - x.Data[in]
				moved := logits()
				x.Data[in] = 1 - x.Data[in]
				for out := range base {
					changed := moved[out] != base[out]
					if rank(in) >= rank(out) && changed {
						t.Errorf("logit of value %d (rank %d) depends on value %d (rank %d)", out, rank(out), in, rank(in))
					}
					if rank(in) == rank(out)-1 && rank(out)%s.C == 0 && (out%hw)%s.W > 0 && !changed {
						t.Errorf("logit of value %d ignores the value %d of the pixel to its left", out, in)
					}
					if rank(in) == rank(out)-1 && rank(out)%s.C != 0 && !changed {
						t.Errorf("logit of channel %d ignores the previous channel of its pixel", out/hw)
					}
				}
			}
		})
	}
}

func TestPixelCNNGradients(t *testing.T) {
	for n, c := range pixelCases[:2] {
		t.Run(fmt.Sprint(c.shape), func(t *testing.T) {
			m := newPixelCNN64(t, c.shape, c.user)
			m.Act = nn.ActTanh
			randomize(&m.Params, 0.5, uint64(n))
			rng := rand.New(rand.NewPCG(uint64(n), 4))
			x := nn.NewMat[float64](2, m.Shape.Size())
			for i := range x.Data {
				x.Data[i] = float64(rng.IntN(2))
			}
			f := func(tp *nn.Tape[float64]) *nn.Node[float64] { return tp.Scale(tp.Mean(m.logProb(tp, x)), -1) }
			if err := nn.CheckGrad(f, m.Params.Nodes, 1e-6); err > 1e-6 {
				t.Errorf("gradient error %.3g", err)
			}
		})
	}
}

// TestPixelCNNSamplerMatchesDensity: 4 binary values (a 2×2 image, or a
// 1×2 image with 2 channels), 16 outcomes, chi-square against exp(LogProb).
func TestPixelCNNSamplerMatchesDensity(t *testing.T) {
	for _, shape := range [][]int{{1, 2, 2}, {2, 1, 2}} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			m := newPixelCNN64(t, shape, map[string]any{"channels": 4, "blocks": 1, "kernel": 3})
			randomize(&m.Params, 1.2, 5)
			checkBinarySampler(t, m, 4, 20000, m.Sample)
			checkBinarySampler(t, m, 4, 20000, m.SampleFull)
		})
	}
}

// TestWindowedSamplerMatchesFull: sampling on windows around each pixel
// must draw exactly what full passes draw, on images taller and wider
// than the window.
func TestWindowedSamplerMatchesFull(t *testing.T) {
	for _, c := range []struct {
		shape []int
		user  map[string]any
	}{
		{[]int{1, 9, 9}, map[string]any{"channels": 4, "blocks": 2, "kernel": 3}},
		{[]int{2, 7, 8}, map[string]any{"channels": 4, "blocks": 1, "kernel": 5}},
	} {
		m := newPixelCNN64(t, c.shape, c.user)
		randomize(&m.Params, 0.8, 1)
		if r := m.Reach(); r >= c.shape[1]-1 || 2*r+1 >= c.shape[2] {
			t.Fatalf("reach %d: image too small to test windows", r)
		}
		a, err := m.Sample(40, rand.New(rand.NewPCG(5, 5)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.SampleFull(40, rand.New(rand.NewPCG(5, 5)))
		if err != nil {
			t.Fatal(err)
		}
		if !mat.Equal(a, b) {
			t.Errorf("%v: windowed and full samplers differ", c.shape)
		}
		var ones float64
		for _, v := range a.RawMatrix().Data {
			ones += v
		}
		if n := float64(len(a.RawMatrix().Data)); ones == 0 || ones == n {
			t.Errorf("%v: degenerate samples (%v ones of %v)", c.shape, ones, n)
		}
	}
}

// stripes is a tiny binary image data set: random horizontal or vertical
// stripes of period 2 with a little noise.
func stripes(n int, side int, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 2))
	x := mat.NewDense(n, side*side, nil)
	for k := 0; k < n; k++ {
		vertical, phase := rng.IntN(2) == 1, rng.IntN(2)
		for i := 0; i < side; i++ {
			for j := 0; j < side; j++ {
				c := i
				if vertical {
					c = j
				}
				v := float64((c + phase) % 2)
				if rng.Float64() < 0.03 {
					v = 1 - v
				}
				x.Set(k, i*side+j, v)
			}
		}
	}
	return x
}

func TestPixelCNNTrainsAndRoundTrips(t *testing.T) {
	x := stripes(64, 6, 1)
	user := map[string]any{"channels": 8, "blocks": 1, "kernel": 5}
	for _, dtype := range []string{"float32", "float64"} {
		t.Run(dtype, func(t *testing.T) {
			cfg := models.Config{Dim: 36, Binary: true, Shape: []int{1, 6, 6}, Dtype: dtype, LR: 1e-2, Seed: 4}
			modeltest.TrainsAndRoundTrips(t, func() models.Model { return modeltest.Build(t, "pixelcnn", user, cfg) }, x,
				modeltest.TrainCheck{Steps: 60, MinDrop: 5, Score: modeltest.LogProb})
		})
	}
}

func TestPixelCNNRefuses(t *testing.T) {
	cases := []struct {
		name string
		cfg  models.Config
		user map[string]any
		want string
	}{
		{"continuous data", models.Config{Dim: 4, Shape: []int{1, 2, 2}}, nil, "continuous"},
		{"no image shape", models.Config{Dim: 4, Binary: true}, nil, "shape"},
		{"shape and dimension disagree", models.Config{Dim: 5, Binary: true, Shape: []int{1, 2, 2}}, nil, "columns"},
		{"too few channels", models.Config{Dim: 12, Binary: true, Shape: []int{3, 2, 2}}, map[string]any{"channels": 4}, "channels"},
		{"even kernel", models.Config{Dim: 4, Binary: true, Shape: []int{1, 2, 2}}, map[string]any{"kernel": 4}, "odd"},
	}
	for _, c := range cases {
		_, err := models.New("pixelcnn", c.user, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

// BenchmarkPixelCNNSample: images of 28×28 with the default model and
// the mnist-binary spec's, on cones and with full passes, 32 at a time
// (one sampling chunk).
func BenchmarkPixelCNNSample(b *testing.B) {
	for _, size := range []struct {
		name   string
		params map[string]any
	}{
		{"default", nil},
		{"c32b12", map[string]any{"channels": 32, "blocks": 12}},
	} {
		m := modeltest.Build(b, "pixelcnn", size.params, models.Config{Dim: 784, Binary: true, Shape: []int{1, 28, 28}, Dtype: "float32", Seed: 1}).(*PixelCNN[float32])
		for _, c := range []struct {
			name   string
			n      int
			sample func(int, *rand.Rand) (*mat.Dense, error)
		}{{"cone", 32, m.Sample}, {"full", 32, m.SampleFull}} {
			b.Run(size.name+"/"+c.name, func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 1))
				for range b.N {
					if _, err := c.sample(c.n, rng); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(c.n*b.N)/b.Elapsed().Seconds(), "samples/s")
			})
		}
	}
}

// BenchmarkPixelCNNTrainStep: batch 64 of 28×28 binary images with the
// default model (32 channels, 3 blocks, 7×7 first layer) and with the
// mnist-binary spec's deeper models.
func BenchmarkPixelCNNTrainStep(b *testing.B) {
	x := stripes(64, 28, 1)
	for _, c := range []struct {
		name   string
		params map[string]any
	}{
		{"default", nil},
		{"c32b12", map[string]any{"channels": 32, "blocks": 12}},
		{"c64b12", map[string]any{"channels": 64, "blocks": 12}},
	} {
		b.Run(c.name, func(b *testing.B) {
			m := modeltest.Build(b, "pixelcnn", c.params, models.Config{Dim: 784, Binary: true, Shape: []int{1, 28, 28}, Dtype: "float32", Seed: 1})
			if _, err := m.TrainStep(x); err != nil { // warm-up: tape buffers
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := m.TrainStep(x); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
