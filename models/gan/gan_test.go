package gan

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/nn"
)

// smallOptions is a tiny float64-checkable GAN.
func smallOptions(loss Loss, pack int, dAct nn.Activation) Options {
	return Options{Dim: 2, Latent: 3, Hidden: 6, Layers: 2, GAct: nn.ActTanh, DAct: dAct, Output: "linear",
		Pack: pack, DSteps: 1, Loss: loss, Lambda: 10, LR: 1e-3, Beta1: 0.5, Beta2: 0.9, Seed: 4}
}

// TestLossGradients checks the discriminator's (critic's) loss, with the
// gradient penalty for WGAN-GP, against finite differences in D's
// parameters, and the generator's loss in G's parameters, on fixed real
// rows, fake rows, noise and interpolation weights.
func TestLossGradients(t *testing.T) {
	type tc struct {
		loss Loss
		pack int
		act  nn.Activation
	}
	var cases []tc
	for _, act := range []nn.Activation{nn.ActLeaky, nn.ActRelu, nn.ActTanh, nn.ActElu} {
		cases = append(cases, tc{NonSaturating, 1, act}, tc{WassersteinGP, 1, act})
	}
	cases = append(cases, tc{NonSaturating, 2, nn.ActLeaky}, tc{WassersteinGP, 3, nn.ActLeaky})
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/pack%d/%s", c.loss, c.pack, c.act), func(t *testing.T) {
			g, err := NewGAN[float64](smallOptions(c.loss, c.pack, c.act))
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(8, uint64(c.pack)))
			for _, b := range g.D.B {
				nn.Uniform(b, 0.3, rng)
			}
			const n = 5
			w := c.pack * g.Opts.Dim
			real, fake := randomMat(rng, n, w, 1), randomMat(rng, n, w, 1)
			eps := nn.NewMat[float64](n, 1)
			for i := range eps.Data {
				eps.Data[i] = rng.Float64()
			}
			var p pool[float64]
			dLoss := func(lambda float64) func(tp *nn.Tape[float64]) *nn.Node[float64] {
				return func(tp *nn.Tape[float64]) *nn.Node[float64] {
					p.reset()
					l, err := g.discLoss(tp, &p, real, fake, eps, lambda)
					if err != nil {
						t.Fatal(err)
					}
					return l
				}
			}
			if e := nn.CheckGrad(dLoss(g.Opts.Lambda), g.DParams.Nodes, 1e-6); e > 1e-6 {
				t.Errorf("discriminator loss: gradient error %.3g", e)
			}
			if c.loss == WassersteinGP {
				// The penalty must be present and equal λ·mean (‖∇D(x̂)‖−1)²
				// computed from the tape's own input gradient.
				var t1, t0 nn.Tape[float64]
				pen := nn.Scalar(dLoss(g.Opts.Lambda)(&t1)) - nn.Scalar(dLoss(0)(&t0))
				xh := nn.NewMat[float64](n, w)
				for i := 0; i < n; i++ {
					for j := 0; j < w; j++ {
						e := eps.Data[i]
						xh.Set(i, j, e*real.At(i, j)+(1-e)*fake.At(i, j))
					}
				}
				var ref nn.Tape[float64]
				xv := ref.Var(xh)
				ref.Backward(ref.Sum(g.D.Forward(&ref, xv)))
				g.DParams.ZeroGrad()
				var want float64
				for i := 0; i < n; i++ {
					var s float64
					for j := 0; j < w; j++ {
						s += xv.Grad.At(i, j) * xv.Grad.At(i, j)
					}
					want += (math.Sqrt(s) - 1) * (math.Sqrt(s) - 1)
				}
				want *= g.Opts.Lambda / n
				if want < 1e-3 || math.Abs(pen-want) > 1e-8*(1+want) {
					t.Errorf("gradient penalty %v, from the tape's input gradient %v", pen, want)
				}
			}
			z := randomMat(rng, n*c.pack, g.Opts.Latent, 1)
			gLoss := func(tp *nn.Tape[float64]) *nn.Node[float64] { return g.genLoss(tp, g.packedFakes(tp, z)) }
			if e := nn.CheckGrad(gLoss, g.GParams.Nodes, 1e-6); e > 1e-6 {
				t.Errorf("generator loss: gradient error %.3g", e)
			}
		})
	}
}

func buildModel(t *testing.T, typ string, user map[string]any, dim int, dtype string) models.Model {
	t.Helper()
	m, err := models.New(typ, user, models.Config{Dim: dim, Dtype: dtype, LR: 1e-3, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// gaussian2 draws n rows of N((2, −1), diag(0.5², 0.3²)).
var gaussMean, gaussStd = [2]float64{2, -1}, [2]float64{0.5, 0.3}

func gaussian2(rng *rand.Rand, n int) *mat.Dense {
	x := mat.NewDense(n, 2, nil)
	for i := 0; i < n; i++ {
		for j := range 2 {
			x.Set(i, j, gaussMean[j]+gaussStd[j]*rng.NormFloat64())
		}
	}
	return x
}

// moments returns the per-column mean and standard deviation.
func moments(x *mat.Dense) (mean, std [2]float64) {
	n, _ := x.Dims()
	for j := range 2 {
		for i := 0; i < n; i++ {
			mean[j] += x.At(i, j)
		}
		mean[j] /= float64(n)
		for i := 0; i < n; i++ {
			std[j] += (x.At(i, j) - mean[j]) * (x.At(i, j) - mean[j])
		}
		std[j] = math.Sqrt(std[j] / float64(n))
	}
	return mean, std
}

// TestGANLearnsGaussian trains each type on a 2-D Gaussian and checks that
// the generator's means and standard deviations approach the data's. (It
// is 2-D because in 1-D a WGAN-GP critic cannot turn its slope from +1 to
// −1 without passing through slope 0, where the two-sided penalty costs λ:
// it stays increasing while the fakes overshoot by less than 2λ.) The
// discriminator learns 4× faster than the generator (TTUR), which damps
// the oscillation of all three objectives.
func TestGANLearnsGaussian(t *testing.T) {
	for _, typ := range []string{"gan", "pacgan", "wgan_gp"} {
		t.Run(typ, func(t *testing.T) {
			m, err := models.New(typ, map[string]any{"hidden": 32, "hidden_layers": 2, "lr_d": 2e-3},
				models.Config{Dim: 2, Dtype: "float32", LR: 5e-4, Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(6, 6))
			s0, _ := m.Sample(2000, rand.New(rand.NewPCG(1, 1)))
			m0, sd0 := moments(s0)
			for i := 0; i < 400; i++ {
				if _, err := m.TrainStep(gaussian2(rng, 128)); err != nil {
					t.Fatal(err)
				}
			}
			s1, _ := m.Sample(2000, rand.New(rand.NewPCG(1, 1)))
			m1, sd1 := moments(s1)
			t.Logf("mean %.3f → %.3f, std %.3f → %.3f (data %v, %v)", m0, m1, sd0, sd1, gaussMean, gaussStd)
			for j := range 2 {
				before, after := math.Abs(m0[j]-gaussMean[j]), math.Abs(m1[j]-gaussMean[j])
				if after > 0.25 || after > 0.25*before {
					t.Errorf("coordinate %d: generator mean %.3f → %.3f, data %v", j, m0[j], m1[j], gaussMean[j])
				}
				if math.Abs(sd1[j]-gaussStd[j]) > 0.15 {
					t.Errorf("coordinate %d: generator std %.3f → %.3f, data %v", j, sd0[j], sd1[j], gaussStd[j])
				}
			}
		})
	}
}

func ringBatch(rng *rand.Rand, n int) *mat.Dense {
	x := mat.NewDense(n, 2, nil)
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(rng.IntN(8)) / 8
		x.Set(i, 0, math.Cos(a)+0.05*rng.NormFloat64())
		x.Set(i, 1, math.Sin(a)+0.05*rng.NormFloat64())
	}
	return x
}

// TestSaveLoadResumesExactly trains, saves, restores into a fresh model
// and checks that both continue identically.
func TestSaveLoadResumesExactly(t *testing.T) {
	user := map[string]any{"hidden": 16, "hidden_layers": 2}
	for _, typ := range []string{"gan", "pacgan", "wgan_gp"} {
		for _, dtype := range []string{"float32", "float64"} {
			t.Run(typ+"/"+dtype, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(2, 3))
				m := buildModel(t, typ, user, 2, dtype)
				for i := 0; i < 5; i++ {
					if _, err := m.TrainStep(ringBatch(rng, 64)); err != nil {
						t.Fatal(err)
					}
				}
				var buf bytes.Buffer
				if err := m.Save(&buf); err != nil {
					t.Fatal(err)
				}
				m2 := buildModel(t, typ, user, 2, dtype)
				if _, err := m2.TrainStep(ringBatch(rand.New(rand.NewPCG(9, 9)), 64)); err != nil {
					t.Fatal(err) // diverge m2 first, so Load must overwrite everything
				}
				if err := m2.Load(&buf); err != nil {
					t.Fatal(err)
				}
				d1, _ := m.(models.Diagnoser).Diagnostics(nil, nil)
				d2, _ := m2.(models.Diagnoser).Diagnostics(nil, nil)
				if fmt.Sprint(d1) != fmt.Sprint(d2) {
					t.Errorf("diagnostics after load %v, before save %v", d2, d1)
				}
				trainInLockstep(t, m, m2, 3, func() *mat.Dense { return ringBatch(rng, 64) })
				s1, _ := m.Sample(50, rand.New(rand.NewPCG(4, 4)))
				s2, _ := m2.Sample(50, rand.New(rand.NewPCG(4, 4)))
				if !mat.Equal(s1, s2) {
					t.Error("samples differ after load")
				}
			})
		}
	}
}

func TestLoadRejectsOtherArchitecture(t *testing.T) {
	m := buildModel(t, "gan", map[string]any{"hidden": 16}, 2, "float32")
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	if err := buildModel(t, "gan", map[string]any{"hidden": 8}, 2, "float32").Load(&buf); err == nil {
		t.Error("loaded a checkpoint of another width")
	}
}

// TestInterfaces checks what GANs offer the harness: no likelihood of any
// kind, a validation loss, diagnostics, a settable learning rate.
func TestInterfaces(t *testing.T) {
	for _, typ := range []string{"gan", "pacgan", "wgan_gp"} {
		m := buildModel(t, typ, map[string]any{"hidden": 8, "hidden_layers": 1}, 2, "float32")
		if k := models.Kind(m); k != models.None {
			t.Errorf("%s: likelihood kind %s, want none", typ, k)
		}
		if _, ok := m.(models.Bounded); ok {
			t.Errorf("%s implements Bounded", typ)
		}
		if _, ok := m.(models.Estimator); ok {
			t.Errorf("%s implements Estimator", typ)
		}
		for name, ok := range map[string]bool{
			"Validator": is[models.Validator](m), "Diagnoser": is[models.Diagnoser](m), "LRSetter": is[models.LRSetter](m),
		} {
			if !ok {
				t.Errorf("%s does not implement %s", typ, name)
			}
		}
	}
}

func is[I any](m models.Model) bool { _, ok := m.(I); return ok }

// TestValidationIsDeterministicAndHarmless: the validation loss uses its
// own fixed noise, so it repeats exactly and does not change training.
func TestValidationIsDeterministicAndHarmless(t *testing.T) {
	for _, typ := range []string{"gan", "wgan_gp"} {
		t.Run(typ, func(t *testing.T) {
			user := map[string]any{"hidden": 16, "hidden_layers": 1}
			a, b := buildModel(t, typ, user, 2, "float64"), buildModel(t, typ, user, 2, "float64")
			val := ringBatch(rand.New(rand.NewPCG(5, 5)), 301) // not a multiple of any pack
			rng := rand.New(rand.NewPCG(1, 2))
			for i := 0; i < 4; i++ {
				x := ringBatch(rng, 32)
				v1, err := a.(models.Validator).ValidationLoss(val)
				if err != nil {
					t.Fatal(err)
				}
				v2, _ := a.(models.Validator).ValidationLoss(val)
				if v1 != v2 || math.IsNaN(v1) {
					t.Fatalf("validation loss %v then %v", v1, v2)
				}
				la, _ := a.TrainStep(x)
				lb, _ := b.TrainStep(x)
				if la != lb {
					t.Fatalf("step %d: loss %v with validation between steps, %v without", i, la, lb)
				}
			}
			d, err := a.(models.Diagnoser).Diagnostics(val, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"d_loss", "g_loss", "steps"} {
				if _, ok := d[k]; !ok {
					t.Errorf("diagnostics lack %s: %v", k, d)
				}
			}
			if d["steps"] != 4 {
				t.Errorf("steps = %v, want 4", d["steps"])
			}
			if _, ok := d["wasserstein_estimate"]; ok != (typ == "wgan_gp") {
				t.Errorf("wasserstein_estimate present = %v for %s", ok, typ)
			}
			if _, err := a.(models.Diagnoser).Diagnostics(val, nil); err != nil {
				t.Errorf("diagnostics without a source: %v", err)
			}
		})
	}
}

// TestPacking checks the packed discriminator input: consecutive real
// rows grouped, the remainder dropped, fakes of the same shape.
func TestPacking(t *testing.T) {
	o := smallOptions(NonSaturating, 3, nn.ActLeaky)
	g, err := NewGAN[float64](o)
	if err != nil {
		t.Fatal(err)
	}
	if got := g.D.W[0].Value.Rows; got != 6 {
		t.Errorf("discriminator input width %d, want pack·dim = 6", got)
	}
	x := mat.NewDense(7, 2, nil)
	for i := 0; i < 7; i++ {
		x.Set(i, 0, float64(i))
		x.Set(i, 1, float64(10*i))
	}
	var tp nn.Tape[float64]
	n, err := g.packedRows(7)
	if err != nil || n != 2 {
		t.Fatalf("7 rows in packs of 3: %d packs (%v), want 2", n, err)
	}
	real := g.packedReal(&tp, x, 0, n).Value
	want := []float64{0, 0, 1, 10, 2, 20, 3, 30, 4, 40, 5, 50}
	if real.Rows != 2 || real.Cols != 6 || fmt.Sprint(real.Data) != fmt.Sprint(want) {
		t.Errorf("packed real %d×%d %v, want 2×6 %v", real.Rows, real.Cols, real.Data, want)
	}
	// A strided view (not contiguous rows) packs the same way.
	wide := mat.NewDense(7, 3, nil)
	wide.Slice(0, 7, 0, 2).(*mat.Dense).Copy(x)
	if got := g.packedReal(&tp, wide.Slice(0, 7, 0, 2).(*mat.Dense), 0, n).Value; fmt.Sprint(got.Data) != fmt.Sprint(want) {
		t.Errorf("packed strided view %v, want %v", got.Data, want)
	}
	var p pool[float64]
	fake := g.packedFakes(&tp, g.noise(&p, 2*3, rand.New(rand.NewPCG(1, 1))))
	if fake.Value.Rows != 2 || fake.Value.Cols != 6 {
		t.Errorf("packed fakes %d×%d, want 2×6", fake.Value.Rows, fake.Value.Cols)
	}
	if _, err := g.TrainStep(mat.NewDense(2, 2, nil)); err == nil {
		t.Error("a batch smaller than one pack was accepted")
	}
	if _, err := g.TrainStep(mat.NewDense(6, 3, nil)); err == nil {
		t.Error("a batch with the wrong width was accepted")
	}
}

func TestRegisteredDefaults(t *testing.T) {
	cases := []struct {
		typ          string
		user         map[string]any
		dim          int
		binary       bool
		pack, dSteps int
		loss         Loss
		beta1, beta2 float64
		latent       int
		output       string
	}{
		{"gan", nil, 2, false, 1, 1, NonSaturating, 0.5, 0.999, 8, "linear"},
		{"pacgan", nil, 2, false, 2, 1, NonSaturating, 0.5, 0.999, 8, "linear"},
		{"wgan_gp", nil, 21, false, 1, 5, WassersteinGP, 0.5, 0.9, 21, "linear"},
		{"gan", map[string]any{"pack": 4, "d_steps": 2, "beta1": 0.0}, 784, true, 4, 2, NonSaturating, 0, 0.999, 64, "sigmoid"},
		{"wgan_gp", map[string]any{"n_critic": 3, "latent": 5, "output": "tanh"}, 3, false, 1, 3, WassersteinGP, 0.5, 0.9, 5, "tanh"},
	}
	for _, c := range cases {
		m, err := models.New(c.typ, c.user, models.Config{Dim: c.dim, Binary: c.binary, LR: 1e-4, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		g := m.(*GAN[float32])
		o := g.Opts
		if o.Pack != c.pack || o.DSteps != c.dSteps || o.Loss != c.loss || o.Latent != c.latent || o.Output != c.output {
			t.Errorf("%s %v: options %+v", c.typ, c.user, o)
		}
		if g.OptD.Beta1 != c.beta1 || g.OptG.Beta2 != c.beta2 || g.OptD.LR != 1e-4 || g.OptG.LR != 1e-4 {
			t.Errorf("%s %v: Adam D %+v, G %+v", c.typ, c.user, *g.OptD, *g.OptG)
		}
		if c.loss == WassersteinGP && o.Lambda != 10 {
			t.Errorf("%s: lambda %v, want 10", c.typ, o.Lambda)
		}
	}
}

func TestLearningRates(t *testing.T) {
	m, err := models.New("gan", map[string]any{"lr_d": 4e-4}, models.Config{Dim: 2, LR: 1e-4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	g := m.(*GAN[float32])
	if g.OptG.LR != 1e-4 || g.OptD.LR != 4e-4 {
		t.Fatalf("lr G %v, D %v; want 1e-4, 4e-4", g.OptG.LR, g.OptD.LR)
	}
	g.SetLR(5e-5)
	if math.Abs(g.OptG.LR-5e-5) > 1e-15 || math.Abs(g.OptD.LR-2e-4) > 1e-15 {
		t.Errorf("after SetLR(5e-5): G %v, D %v; want 5e-5, 2e-4", g.OptG.LR, g.OptD.LR)
	}
}

func TestConstructionErrors(t *testing.T) {
	cases := []struct {
		name string
		typ  string
		user map[string]any
		cfg  models.Config
	}{
		{"bad dtype", "gan", nil, models.Config{Dim: 2, LR: 1e-3, Dtype: "float16"}},
		{"no dimension", "gan", nil, models.Config{Dim: 0, LR: 1e-3}},
		{"no learning rate", "wgan_gp", nil, models.Config{Dim: 2}},
		{"bad activation", "gan", map[string]any{"d_activation": "swish"}, models.Config{Dim: 2, LR: 1e-3}},
		{"zero pack", "pacgan", map[string]any{"pack": 0}, models.Config{Dim: 2, LR: 1e-3}},
		{"unknown key", "wgan_gp", map[string]any{"d_steps": 2}, models.Config{Dim: 2, LR: 1e-3}},
	}
	for _, c := range cases {
		if _, err := models.New(c.typ, c.user, c.cfg); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	if _, err := models.New("gan", map[string]any{"lr_g": 1e-3, "lr_d": 1e-3}, models.Config{Dim: 2}); err != nil {
		t.Errorf("explicit lr_g and lr_d without a training lr refused: %v", err)
	}
}

func TestSamples(t *testing.T) {
	m := buildModel(t, "gan", map[string]any{"hidden": 8}, 5, "float32")
	a, err := m.Sample(1500, rand.New(rand.NewPCG(7, 7))) // more than one chunk
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.Sample(1500, rand.New(rand.NewPCG(7, 7)))
	if r, c := a.Dims(); r != 1500 || c != 5 || !mat.Equal(a, b) {
		t.Errorf("samples %d×%d, repeatable %v", r, c, mat.Equal(a, b))
	}
	if _, err := m.Sample(0, rand.New(rand.NewPCG(7, 7))); err == nil {
		t.Error("zero samples accepted")
	}
	bin, err := models.New("gan", map[string]any{"hidden": 8}, models.Config{Dim: 6, Binary: true, LR: 1e-3, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := bin.Sample(100, rand.New(rand.NewPCG(1, 1)))
	for _, v := range s.RawMatrix().Data {
		if v < 0 || v > 1 {
			t.Fatalf("binary-data sample value %v outside [0, 1]", v)
		}
	}
}

// TestStandardisation: the first training batch fixes a per-coordinate
// standardisation; D sees standardised data, samples are mapped back, so
// even an untrained generator (outputs near 0 in standard units) samples
// near the data's location and scale.
func TestStandardisation(t *testing.T) {
	mean, sd := [2]float64{100, -50}, [2]float64{10, 0.1}
	rng := rand.New(rand.NewPCG(3, 3))
	batch := func(n int) *mat.Dense {
		x := mat.NewDense(n, 2, nil)
		for i := 0; i < n; i++ {
			for j := range 2 {
				x.Set(i, j, mean[j]+sd[j]*rng.NormFloat64())
			}
		}
		return x
	}
	cases := []struct {
		name   string
		user   map[string]any
		binary bool
		want   bool
	}{
		{"default", nil, false, true},
		{"off", map[string]any{"standardize": false}, false, false},
		{"sigmoid output", nil, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := models.New("gan", c.user, models.Config{Dim: 2, Binary: c.binary, LR: 1e-4, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			g := m.(*GAN[float32])
			x := batch(256)
			if _, err := g.TrainStep(x); err != nil {
				t.Fatal(err)
			}
			if g.normSet != c.want {
				t.Fatalf("standardisation set = %v, want %v", g.normSet, c.want)
			}
			if !c.want {
				if g.shift[0] != 0 || g.scale[0] != 1 {
					t.Errorf("shift %v scale %v, want the identity", g.shift, g.scale)
				}
				return
			}
			xm, xs := moments(x)
			for j := range 2 {
				if math.Abs(g.shift[j]-xm[j]) > 1e-9*math.Abs(xm[j]) || math.Abs(g.scale[j]-xs[j]) > 1e-6*xs[j] {
					t.Errorf("coordinate %d: shift %v scale %v, batch mean %v std %v", j, g.shift[j], g.scale[j], xm[j], xs[j])
				}
			}
			// A second batch does not move it.
			s0 := append([]float64(nil), g.shift...)
			g.TrainStep(batch(256))
			if g.shift[0] != s0[0] || g.shift[1] != s0[1] {
				t.Error("standardisation changed after the first batch")
			}
			smp, _ := g.Sample(2000, rand.New(rand.NewPCG(1, 1)))
			sm, ss := moments(smp)
			for j := range 2 {
				if math.Abs(sm[j]-mean[j]) > 3*sd[j] || ss[j] > 5*sd[j] {
					t.Errorf("coordinate %d: untrained samples mean %v std %v, data %v, %v", j, sm[j], ss[j], mean[j], sd[j])
				}
			}
			// The packed real rows the discriminator sees are standardised.
			var tp nn.Tape[float32]
			z := g.packedReal(&tp, x, 0, 256).Value
			var mu float64
			for i := 0; i < 256; i++ {
				mu += float64(z.At(i, 0))
			}
			if math.Abs(mu/256) > 1e-3 {
				t.Errorf("standardised column mean %v, want 0", mu/256)
			}
		})
	}
}

// trainInLockstep takes steps training steps of a model and of its copy
// restored from a checkpoint on the same batches: the losses must agree
// exactly.
func trainInLockstep(t *testing.T, m, m2 models.Model, steps int, batch func() *mat.Dense) {
	t.Helper()
	for i := 0; i < steps; i++ {
		x := batch()
		l1, err1 := m.TrainStep(x)
		l2, err2 := m2.TrainStep(x)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if l1 != l2 {
			t.Fatalf("step %d after load: loss %v, original %v", i, l2, l1)
		}
	}
}
