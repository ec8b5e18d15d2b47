package gan

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/nn"
)

// topSingularValue is the largest singular value of w by gonum's SVD.
func topSingularValue(t *testing.T, w *nn.Mat[float64]) float64 {
	t.Helper()
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(w.Rows, w.Cols, w.Data), mat.SVDNone) {
		t.Fatal("SVD did not converge")
	}
	return svd.Values(nil)[0]
}

// withSingularValues returns an r×c matrix with the given singular values
// and random singular vectors (Q factors of Gaussian matrices).
func withSingularValues(rng *rand.Rand, r, c int, s []float64) *nn.Mat[float64] {
	orth := func(n int) *mat.Dense {
		g := mat.NewDense(n, n, nil)
		for i := range n {
			for j := range n {
				g.Set(i, j, rng.NormFloat64())
			}
		}
		var qr mat.QR
		qr.Factorize(g)
		var q mat.Dense
		qr.QTo(&q)
		return &q
	}
	d := mat.NewDense(r, c, nil)
	for i, v := range s {
		d.Set(i, i, v)
	}
	var w mat.Dense
	w.Product(orth(r), d, orth(c).T())
	return &nn.Mat[float64]{Rows: r, Cols: c, Data: w.RawMatrix().Data}
}

// The estimate σ̂ = ‖Wᵀu‖ never exceeds σ_max and converges to it (gonum
// SVD) under repeated power-iteration steps; the normalised weight then
// has spectral norm 1.
func TestSpectralSigmaConverges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name  string
		w     *nn.Mat[float64]
		steps int
	}{
		{"gap 3:2, tall", withSingularValues(rng, 7, 4, []float64{3, 2, 1, 0.5}), 100},
		{"gap 5:1, wide", withSingularValues(rng, 3, 9, []float64{5, 1, 1}), 30},
		{"gaussian 20×30", randomMat(rng, 20, 30, 1), 3000},
	}
	for _, tc := range tests {
		w := &nn.Node[float64]{Value: tc.w}
		sn := newSpectralNorm([]**nn.Node[float64]{&w}, 3)
		want := topSingularValue(t, tc.w)
		prev := 0.0
		for range tc.steps {
			sn.powerIteration()
			got := sn.sigmas()[0]
			if got > want*(1+1e-12) || got < prev*(1-1e-12) {
				t.Fatalf("%s: σ̂ %v after %v: must rise monotonically to σ_max %v", tc.name, got, prev, want)
			}
			prev = got
		}
		if math.Abs(prev-want) > 1e-9*want {
			t.Errorf("%s: σ̂ %.12g after %d steps, σ_max %.12g", tc.name, prev, tc.steps, want)
		}
		var tp nn.Tape[float64]
		restore := sn.use(&tp)
		if s := topSingularValue(t, w.Value); math.Abs(s-1) > 1e-9 {
			t.Errorf("%s: normalised weight has spectral norm %v", tc.name, s)
		}
		restore()
		if w.Value != tc.w {
			t.Errorf("%s: use did not put the parameter back", tc.name)
		}
	}
}

// At convergence the tape's gradient of a function of W/σ̂(W) equals the
// finite-difference gradient of the same function of W/σ_max(W), σ_max
// from the SVD: the gradient through σ is the paper's, not a constant σ.
func TestSpectralGradientThroughSigma(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	w := &nn.Node[float64]{Value: withSingularValues(rng, 4, 3, []float64{2, 1, 0.5}), Grad: nn.NewMat[float64](4, 3)}
	slot := w
	sn := newSpectralNorm([]**nn.Node[float64]{&slot}, 1)
	for range 200 {
		sn.powerIteration()
	}
	c := randomMat(rng, 4, 3, 1)
	var tp nn.Tape[float64]
	restore := sn.use(&tp)
	tp.Backward(tp.Sum(tp.MulConst(slot, c)))
	restore()
	exact := func() float64 {
		s := topSingularValue(t, w.Value)
		sum := 0.0
		for i, v := range w.Value.Data {
			sum += v / s * c.Data[i]
		}
		return sum
	}
	const h = 1e-6
	worst := 0.0
	for i := range w.Value.Data {
		orig := w.Value.Data[i]
		w.Value.Data[i] = orig + h
		up := exact()
		w.Value.Data[i] = orig - h
		down := exact()
		w.Value.Data[i] = orig
		worst = math.Max(worst, math.Abs((up-down)/(2*h)-w.Grad.Data[i]))
	}
	if worst > 1e-7 {
		t.Errorf("gradient differs from the SVD-based finite differences by %.3g", worst)
	}
}

// The losses of spectrally normalised GANs (MLP and conv, non-saturating
// and WGAN-GP with its penalty) pass the gradient check in D's and G's
// parameters.
func TestSpectralLossGradients(t *testing.T) {
	mlp := func(loss Loss, act nn.Activation) Options {
		o := smallOptions(loss, 1, act)
		o.SpectralNorm = true
		return o
	}
	conv := convOptions(nn.ImageShape{C: 1, H: 4, W: 4}, 1, "sigmoid")
	conv.SpectralNorm = true
	tests := []struct {
		name string
		o    Options
	}{
		{"ns mlp leaky", mlp(NonSaturating, nn.ActLeaky)},
		{"wgan_gp mlp tanh", mlp(WassersteinGP, nn.ActTanh)},
		{"wgan_gp mlp leaky", mlp(WassersteinGP, nn.ActLeaky)},
		{"ns conv", conv},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := NewGAN[float64](tc.o)
			if err != nil {
				t.Fatal(err)
			}
			g.sn.powerIteration()
			rng := rand.New(rand.NewPCG(9, uint64(i)))
			const n = 4
			real, fake := randomMat(rng, n, g.Opts.Dim, 1), randomMat(rng, n, g.Opts.Dim, 1)
			eps := randomMat(rng, n, 1, 0.5)
			var p pool[float64]
			dLoss := func(tp *nn.Tape[float64]) *nn.Node[float64] {
				p.reset()
				l, err := g.discLoss(tp, &p, real, fake, eps, g.Opts.Lambda)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			if e := nn.CheckGrad(dLoss, g.DParams.Nodes, 1e-6); e > 1e-6 {
				t.Errorf("discriminator loss: gradient error %.3g", e)
			}
			z := randomMat(rng, n, g.Opts.Latent, 1)
			gLoss := func(tp *nn.Tape[float64]) *nn.Node[float64] { return g.genLoss(tp, g.packedFakes(tp, z)) }
			if e := nn.CheckGrad(gLoss, g.GParams.Nodes, 1e-6); e > 1e-6 {
				t.Errorf("generator loss: gradient error %.3g", e)
			}
		})
	}
}

// Spectral normalisation is off by default; turning it on draws nothing
// from the model's stream (both networks start from the same weights) but
// changes training; its vectors are saved, and a checkpoint without them
// is refused.
func TestSpectralNormOption(t *testing.T) {
	user := map[string]any{"hidden": 16, "hidden_layers": 2}
	on := map[string]any{"hidden": 16, "hidden_layers": 2, "spectral_norm": true}
	for _, typ := range []string{"gan", "pacgan", "wgan_gp"} {
		t.Run(typ, func(t *testing.T) {
			off := buildModel(t, typ, user, 2, "float64").(*GAN[float64])
			sn := buildModel(t, typ, on, 2, "float64").(*GAN[float64])
			if off.sn != nil || off.Opts.SpectralNorm || sn.sn == nil {
				t.Fatal("spectral_norm must default to off and turn on when set")
			}
			for k, p := range off.DParams.Nodes {
				if !slices.Equal(p.Value.Data, sn.DParams.Nodes[k].Value.Data) {
					t.Fatalf("initial parameter %s differs with spectral normalisation", off.DParams.Names[k])
				}
			}
			rng := rand.New(rand.NewPCG(2, 3))
			for range 5 {
				x := ringBatch(rng, 64)
				if _, err := off.TrainStep(x); err != nil {
					t.Fatal(err)
				}
				if _, err := sn.TrainStep(x); err != nil {
					t.Fatal(err)
				}
			}
			if slices.Equal(off.DParams.Nodes[0].Value.Data, sn.DParams.Nodes[0].Value.Data) {
				t.Error("spectral normalisation did not change training")
			}
			var buf bytes.Buffer
			if err := sn.Save(&buf); err != nil {
				t.Fatal(err)
			}
			loaded := buildModel(t, typ, on, 2, "float64").(*GAN[float64])
			if err := loaded.Load(bytes.NewReader(buf.Bytes())); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(loaded.sn.u) != fmt.Sprint(sn.sn.u) {
				t.Error("the vectors u were not restored")
			}
			trainInLockstep(t, sn, loaded, 3, func() *mat.Dense { return ringBatch(rng, 64) })
			buf.Reset()
			if err := off.Save(&buf); err != nil {
				t.Fatal(err)
			}
			if err := buildModel(t, typ, on, 2, "float64").Load(&buf); err == nil {
				t.Error("a checkpoint without the vectors was accepted")
			}
		})
	}
}

var _ models.Model = (*GAN[float64])(nil)

// A float32 conv GAN trains with spectral normalisation, and after some
// updates every normalised discriminator weight has spectral norm close to
// 1: never below (σ̂ = ‖Wᵀu‖ ≤ σ_max for a unit u), and only slightly
// above, since u lags W by the one power-iteration step per update.
func TestSpectralConvTrains(t *testing.T) {
	o := convOptions(nn.ImageShape{C: 1, H: 8, W: 8}, 1, "sigmoid")
	o.SpectralNorm = true
	g, err := NewGAN[float32](o)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 5))
	for range 40 {
		x := mat.NewDense(16, 64, nil)
		for i := range x.RawMatrix().Data {
			x.RawMatrix().Data[i] = rng.Float64()
		}
		if _, err := g.TrainStep(x); err != nil {
			t.Fatal(err)
		}
	}
	sig := g.sn.sigmas()
	for k, slot := range g.sn.slots {
		w := (*slot).Value
		w64 := nn.NewMat[float64](w.Rows, w.Cols)
		for i, v := range w.Data {
			w64.Data[i] = float64(v) / sig[k]
		}
		if s := topSingularValue(t, w64); s < 1-1e-9 || s > 1.01 {
			t.Errorf("weight %d (%d×%d): spectral norm of W/σ̂ is %v, want ≈ 1", k, w.Rows, w.Cols, s)
		}
	}
}
