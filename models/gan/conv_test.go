package gan

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/nn"
)

// convOptions is a tiny float64-checkable conv GAN on images of shape s.
func convOptions(s nn.ImageShape, pack int, output string) Options {
	return Options{Dim: s.Size(), Latent: 3, Arch: ArchConv, Shape: s, Channels: 2, Hidden: 1,
		GAct: nn.ActRelu, DAct: nn.ActLeaky, Output: output, Pack: pack, DSteps: 1, Loss: NonSaturating,
		LR: 1e-3, Beta1: 0.5, Beta2: 0.9, Seed: 4}
}

// TestConvLossGradients checks the conv discriminator's loss against
// finite differences in its parameters and the conv generator's loss in
// its parameters, on fixed real rows, fake rows and noise, unpacked and
// with packs stacked as channels.
func TestConvLossGradients(t *testing.T) {
	cases := []struct {
		shape  nn.ImageShape
		pack   int
		output string
	}{
		{nn.ImageShape{C: 1, H: 4, W: 4}, 1, "sigmoid"},
		{nn.ImageShape{C: 1, H: 4, W: 8}, 2, "linear"},
		{nn.ImageShape{C: 2, H: 8, W: 4}, 1, "tanh"},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%s/pack%d/%s", c.shape, c.pack, c.output), func(t *testing.T) {
			g, err := NewGAN[float64](convOptions(c.shape, c.pack, c.output))
			if err != nil {
				t.Fatal(err)
			}
			if g.G != nil || g.D != nil || g.CG == nil || g.CD == nil {
				t.Fatal("arch conv did not build the conv pair alone")
			}
			if in := g.CD.Conv1.In; in != (nn.ImageShape{C: c.pack * c.shape.C, H: c.shape.H, W: c.shape.W}) {
				t.Errorf("discriminator input %s, want the pack stacked as %d channels", in, c.pack*c.shape.C)
			}
			rng := rand.New(rand.NewPCG(8, uint64(i)))
			const n = 3
			w := c.pack * g.Opts.Dim
			real, fake := randomMat(rng, n, w, 1), randomMat(rng, n, w, 1)
			var p pool[float64]
			dLoss := func(tp *nn.Tape[float64]) *nn.Node[float64] {
				p.reset()
				l, err := g.discLoss(tp, &p, real, fake, nil, 0)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			if e := nn.CheckGrad(dLoss, g.DParams.Nodes, 1e-6); e > 1e-6 {
				t.Errorf("discriminator loss: gradient error %.3g", e)
			}
			z := randomMat(rng, n*c.pack, g.Opts.Latent, 1)
			gLoss := func(tp *nn.Tape[float64]) *nn.Node[float64] { return g.genLoss(tp, g.packedFakes(tp, z)) }
			if e := nn.CheckGrad(gLoss, g.GParams.Nodes, 1e-6); e > 1e-6 {
				t.Errorf("generator loss: gradient error %.3g", e)
			}
			for k, q := range g.GParams.Nodes {
				if nonzero(q.Grad.Data) == 0 {
					t.Errorf("generator parameter %s has no gradient: test exercises nothing", g.GParams.Names[k])
				}
			}
		})
	}
}

func nonzero(x []float64) int {
	n := 0
	for _, v := range x {
		if v != 0 {
			n++
		}
	}
	return n
}

// mnistConfig is a model configuration for binarized MNIST-shaped data.
func imageConfig(s nn.ImageShape, dtype string) models.Config {
	return models.Config{Dim: s.Size(), Binary: true, Shape: []int{s.C, s.H, s.W}, Dtype: dtype, LR: 1e-3, Seed: 3}
}

// TestConvParams checks the registered defaults and the parameter count
// of the conv pair on MNIST's shape with C = 32.
func TestConvParams(t *testing.T) {
	s := nn.ImageShape{C: 1, H: 28, W: 28}
	for _, c := range []struct {
		typ  string
		pack int
	}{{"gan", 1}, {"pacgan", 2}} {
		m, err := models.New(c.typ, map[string]any{"arch": "conv"}, imageConfig(s, "float32"))
		if err != nil {
			t.Fatal(err)
		}
		g := m.(*GAN[float32])
		if g.Opts.Arch != ArchConv || g.Opts.Channels != 32 || g.Opts.Shape != s || g.Opts.Output != "sigmoid" || g.Opts.Latent != 64 {
			t.Errorf("%s: options %+v", c.typ, g.Opts)
		}
		const k, ch = 9, 32
		wantG := (64*2*ch*7*7 + 2*ch*7*7) + (ch*2*ch*k + ch) + (1*ch*k + 1)
		wantD := (ch*c.pack*k + ch) + (2*ch*ch*k + 2*ch) + (2*ch*7*7 + 1)
		if g.GParams.Count() != wantG || g.DParams.Count() != wantD || m.NumParams() != wantG+wantD {
			t.Errorf("%s: parameters G %d, D %d, total %d; want %d, %d, %d",
				c.typ, g.GParams.Count(), g.DParams.Count(), m.NumParams(), wantG, wantD, wantG+wantD)
		}
	}
	m, err := models.New("gan", nil, imageConfig(s, "float32"))
	if err != nil {
		t.Fatal(err)
	}
	if g := m.(*GAN[float32]); g.Opts.Arch != ArchMLP || g.G == nil || g.CG != nil {
		t.Errorf("default arch %q, MLP generator %v", g.Opts.Arch, g.G != nil)
	}
}

// barImages draws n binary images of shape 1×h×w, each a random full
// row or a random full column of ones.
func barImages(rng *rand.Rand, n, h, w int) *mat.Dense {
	x := mat.NewDense(n, h*w, nil)
	for i := 0; i < n; i++ {
		if rng.IntN(2) == 0 {
			r := rng.IntN(h)
			for j := 0; j < w; j++ {
				x.Set(i, r*w+j, 1)
			}
		} else {
			c := rng.IntN(w)
			for j := 0; j < h; j++ {
				x.Set(i, j*w+c, 1)
			}
		}
	}
	return x
}

// TestConvSaveLoadResumesExactly trains, saves, restores into a fresh
// model and checks identical samples, diagnostics, validation losses and
// continued training.
func TestConvSaveLoadResumesExactly(t *testing.T) {
	s := nn.ImageShape{C: 1, H: 8, W: 8}
	user := map[string]any{"arch": "conv", "channels": 3}
	for _, typ := range []string{"gan", "pacgan"} {
		for _, dtype := range []string{"float32", "float64"} {
			t.Run(typ+"/"+dtype, func(t *testing.T) {
				build := func() models.Model {
					m, err := models.New(typ, user, imageConfig(s, dtype))
					if err != nil {
						t.Fatal(err)
					}
					return m
				}
				rng := rand.New(rand.NewPCG(2, 3))
				m := build()
				for i := 0; i < 3; i++ {
					if _, err := m.TrainStep(barImages(rng, 16, 8, 8)); err != nil {
						t.Fatal(err)
					}
				}
				var buf bytes.Buffer
				if err := m.Save(&buf); err != nil {
					t.Fatal(err)
				}
				m2 := build()
				if _, err := m2.TrainStep(barImages(rand.New(rand.NewPCG(9, 9)), 16, 8, 8)); err != nil {
					t.Fatal(err) // diverge m2 first, so Load must overwrite everything
				}
				if err := m2.Load(&buf); err != nil {
					t.Fatal(err)
				}
				s1, _ := m.Sample(20, rand.New(rand.NewPCG(4, 4)))
				s2, _ := m2.Sample(20, rand.New(rand.NewPCG(4, 4)))
				if !mat.Equal(s1, s2) {
					t.Error("samples differ after load")
				}
				d1, _ := m.(models.Diagnoser).Diagnostics(nil, nil)
				d2, _ := m2.(models.Diagnoser).Diagnostics(nil, nil)
				if fmt.Sprint(d1) != fmt.Sprint(d2) {
					t.Errorf("diagnostics after load %v, before save %v", d2, d1)
				}
				val := barImages(rand.New(rand.NewPCG(5, 5)), 21, 8, 8)
				v1, err1 := m.(models.Validator).ValidationLoss(val)
				v2, err2 := m2.(models.Validator).ValidationLoss(val)
				if err1 != nil || err2 != nil || v1 != v2 {
					t.Errorf("validation loss after load %v (%v), before save %v (%v)", v2, err2, v1, err1)
				}
				trainInLockstep(t, m, m2, 2, func() *mat.Dense { return barImages(rng, 16, 8, 8) })
				// A checkpoint of the other architecture does not load.
				mlp, err := models.New(typ, map[string]any{"hidden": 8}, imageConfig(s, dtype))
				if err != nil {
					t.Fatal(err)
				}
				buf.Reset()
				if err := mlp.Save(&buf); err != nil {
					t.Fatal(err)
				}
				if err := build().Load(&buf); err == nil {
					t.Error("a conv model loaded an MLP checkpoint")
				}
			})
		}
	}
}

// TestConvTrains runs a short training of the conv pair (seeded, so
// deterministic) on bar images: the discriminator's loss must fall well
// below its initial ≈ 2·ln 2 at some point (GAN losses oscillate, so the
// last value proves little), samples must stay finite grey levels in
// [0, 1] and move from the untrained generator's ≈ 0.5 towards the data's
// mean intensity 1/8, and validation loss, diagnostics and SetLR must
// work.
func TestConvTrains(t *testing.T) {
	s := nn.ImageShape{C: 1, H: 8, W: 8}
	for _, typ := range []string{"gan", "pacgan"} {
		t.Run(typ, func(t *testing.T) {
			m, err := models.New(typ, map[string]any{"arch": "conv", "channels": 4, "lr_d": 4e-3},
				imageConfig(s, "float32"))
			if err != nil {
				t.Fatal(err)
			}
			s0, err := m.Sample(200, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			ink0 := mean(s0.RawMatrix().Data)
			rng := rand.New(rand.NewPCG(6, 6))
			var losses []float64
			for i := 0; i < 60; i++ {
				l, err := m.TrainStep(barImages(rng, 32, 8, 8))
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				losses = append(losses, l)
			}
			first, lowest := losses[0], slices.Min(losses)
			t.Logf("discriminator loss %.4f, lowest %.4f, mean of the last 10 steps %.4f", first, lowest, mean(losses[50:]))
			if math.Abs(first-2*math.Ln2) > 0.1 {
				t.Errorf("initial discriminator loss %v, want about 2·ln 2", first)
			}
			if lowest > first-0.15 {
				t.Errorf("discriminator loss %v, lowest %v: training hardly changed it", first, lowest)
			}
			smp, err := m.Sample(200, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range smp.RawMatrix().Data {
				if !finite(v) || v < 0 || v > 1 {
					t.Fatalf("sample value %v, want a grey level in [0, 1]", v)
				}
			}
			ink := mean(smp.RawMatrix().Data)
			t.Logf("mean sample intensity %.3f → %.3f (data 0.125)", ink0, ink)
			if math.Abs(ink-0.125) > 0.5*math.Abs(ink0-0.125) {
				t.Errorf("mean sample intensity %.3f → %.3f, data 0.125", ink0, ink)
			}
			val := barImages(rand.New(rand.NewPCG(5, 5)), 33, 8, 8)
			if v, err := m.(models.Validator).ValidationLoss(val); err != nil || !finite(v) {
				t.Errorf("validation loss %v, %v", v, err)
			}
			d, err := m.(models.Diagnoser).Diagnostics(val, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d["steps"] != 60 || d["d_loss"] != losses[59] || !finite(d["g_loss"]) ||
				int(d["params_g"]+d["params_d"]) != m.NumParams() {
				t.Errorf("diagnostics %v", d)
			}
			g := m.(*GAN[float32])
			g.SetLR(1e-4)
			if math.Abs(g.OptG.LR-1e-4) > 1e-15 || math.Abs(g.OptD.LR-4e-4) > 1e-15 {
				t.Errorf("after SetLR(1e-4): G %v, D %v; want 1e-4, 4e-4 (lr_d = 4·lr)", g.OptG.LR, g.OptD.LR)
			}
		})
	}
}

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func TestConvConstructionErrors(t *testing.T) {
	conv := map[string]any{"arch": "conv"}
	cases := []struct {
		name, typ string
		user      map[string]any
		cfg       models.Config
		want      string // in the error message
	}{
		{"vector data", "gan", conv, models.Config{Dim: 64, LR: 1e-3}, "image data"},
		{"height not divisible by 4", "gan", conv, models.Config{Dim: 36, Shape: []int{1, 6, 6}, LR: 1e-3}, "divisible by 4"},
		{"width not divisible by 4", "pacgan", conv, models.Config{Dim: 40, Shape: []int{1, 4, 10}, LR: 1e-3}, "divisible by 4"},
		{"shape and dimension disagree", "gan", conv, models.Config{Dim: 60, Shape: []int{1, 8, 8}, LR: 1e-3}, "64 values, data have 60"},
		{"wgan_gp", "wgan_gp", conv, models.Config{Dim: 784, Shape: []int{1, 28, 28}, LR: 1e-3}, "explicit input gradient"},
		{"unknown arch", "gan", map[string]any{"arch": "resnet"}, models.Config{Dim: 64, Shape: []int{1, 8, 8}, LR: 1e-3}, "resnet"},
		{"zero channels", "gan", map[string]any{"arch": "conv", "channels": 0}, models.Config{Dim: 64, Shape: []int{1, 8, 8}, LR: 1e-3}, "channels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := models.New(c.typ, c.user, c.cfg)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
	o := convOptions(nn.ImageShape{C: 1, H: 4, W: 4}, 1, "sigmoid")
	o.Arch = "transformer"
	if _, err := NewGAN[float64](o); err == nil {
		t.Error("NewGAN accepted an unknown architecture")
	}
}

// BenchmarkTrainStepMNIST measures TrainStep (one discriminator and one
// generator update) at batch 64 on binarized-MNIST-shaped data for the
// default MLP pair and the conv pair, in float32; run with
// -benchtime=20x. It reports steps/s.
func BenchmarkTrainStepMNIST(b *testing.B) {
	s := nn.ImageShape{C: 1, H: 28, W: 28}
	rng := rand.New(rand.NewPCG(1, 1))
	x := mat.NewDense(64, s.Size(), nil)
	for i := range x.RawMatrix().Data {
		if rng.Float64() < 0.13 { // about MNIST's share of ink
			x.RawMatrix().Data[i] = 1
		}
	}
	for _, c := range []struct {
		name, typ string
		user      map[string]any
	}{
		{"mlp", "gan", nil},
		{"conv", "gan", map[string]any{"arch": "conv"}},
		{"pacgan-conv", "pacgan", map[string]any{"arch": "conv"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			m, err := models.New(c.typ, c.user, imageConfig(s, "float32"))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.TrainStep(x); err != nil { // first step allocates the buffers
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := m.TrainStep(x); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
			b.ReportMetric(float64(m.NumParams()), "params")
		})
	}
}
