package gorgflow

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gorgonia.org/tensor"

	"github.com/genbench/genbench/models"
)

// randomFlow returns a flow whose every weight is random, so that no
// coupling is the identity (NewFlow starts from the identity map).
func randomFlow(t *testing.T, dim, layers int, seed uint64) *Flow {
	t.Helper()
	f, err := NewFlow(Options{Dim: dim, Layers: layers, Hidden: 5, ScaleBound: 2, LR: 1e-2, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	for _, ts := range f.tensors() {
		for i, w := range ts.Data().([]float64) {
			ts.Data().([]float64)[i] = w + 0.5*rng.NormFloat64()
		}
	}
	return f
}

func randomData(n, d int, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 11))
	x := mat.NewDense(n, d, nil)
	for i := range x.RawMatrix().Data {
		x.RawMatrix().Data[i] = rng.NormFloat64()
	}
	return x
}

// The inverse graph undoes the forward graph, for batches that fill the
// evaluation chunk, leave it ragged, and span several chunks.
func TestInverseUndoesForward(t *testing.T) {
	for _, tc := range []struct{ n, dim int }{{3, 2}, {evalChunk, 2}, {evalChunk + 7, 3}, {20, 5}} {
		f := randomFlow(t, tc.dim, 4, 1)
		x := randomData(tc.n, tc.dim, 2)
		z, _, err := f.encode(x)
		if err != nil {
			t.Fatal(err)
		}
		back, err := f.decode(z)
		if err != nil {
			t.Fatal(err)
		}
		if !mat.EqualApprox(back, x, 1e-10) {
			t.Errorf("n=%d dim=%d: decode(encode(x)) differs from x by up to %g", tc.n, tc.dim, maxAbsDiff(back, x))
		}
		if mat.EqualApprox(z, x, 1e-3) {
			t.Errorf("n=%d dim=%d: the random flow is the identity; the test checks nothing", tc.n, tc.dim)
		}
	}
}

// log p(x) = log N(f(x); 0, I) + log|det ∂f/∂x|, with the Jacobian taken by
// central differences of the forward graph.
func TestLogProbMatchesNumericJacobian(t *testing.T) {
	const dim, h = 3, 1e-5
	f := randomFlow(t, dim, 4, 3)
	x := randomData(4, dim, 4)
	z, logp, err := f.encode(x)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		jac := mat.NewDense(dim, dim, nil)
		for j := 0; j < dim; j++ {
			plus, minus := mat.DenseCopyOf(x.Slice(i, i+1, 0, dim)), mat.DenseCopyOf(x.Slice(i, i+1, 0, dim))
			plus.Set(0, j, plus.At(0, j)+h)
			minus.Set(0, j, minus.At(0, j)-h)
			zp, _, err := f.encode(plus)
			if err != nil {
				t.Fatal(err)
			}
			zm, _, err := f.encode(minus)
			if err != nil {
				t.Fatal(err)
			}
			for k := 0; k < dim; k++ {
				jac.Set(k, j, (zp.At(0, k)-zm.At(0, k))/(2*h))
			}
		}
		want := logNormalConst(dim) + math.Log(math.Abs(mat.Det(jac)))
		for k := 0; k < dim; k++ {
			want -= 0.5 * z.At(i, k) * z.At(i, k)
		}
		if math.Abs(logp[i]-want) > 1e-6 {
			t.Errorf("row %d: log p %v, numeric-Jacobian log p %v", i, logp[i], want)
		}
	}
}

// The gradients gorgonia computes on the training graph match central
// differences of the mean NLL computed by the density graph.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	const h = 1e-6
	f := randomFlow(t, 2, 2, 5)
	x := randomData(6, 2, 6)
	dg, err := newDensityGraph(f, 6, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := dg.run(rowMajor(x), 0); err != nil {
		t.Fatal(err)
	}
	for k, node := range dg.weights {
		g, err := node.Grad()
		if err != nil {
			t.Fatal(err)
		}
		grad := g.(*tensor.Dense).Data().([]float64)
		w := f.tensors()[k].Data().([]float64)
		for j := range w {
			old := w[j]
			w[j] = old + h
			up := meanNLL(t, f, x)
			w[j] = old - h
			down := meanNLL(t, f, x)
			w[j] = old
			if num := (up - down) / (2 * h); math.Abs(num-grad[j]) > 1e-6*math.Max(1, math.Abs(num)) {
				t.Errorf("%s[%d]: gradient %v, finite difference %v", node.Name(), j, grad[j], num)
			}
		}
	}
}

// Training lowers the NLL; the loss TrainStep reports is the density
// graph's mean NLL on the same batch before the step; the same seed gives
// the same bits; and a checkpoint taken mid-training continues exactly as
// the uninterrupted run.
func TestTrainDeterministicAndResumable(t *testing.T) {
	x := randomData(64, 2, 8)
	x.Apply(func(_, j int, v float64) float64 { return v * float64(j+1) * 0.3 }, x)
	newFlow := func() *Flow {
		f, err := NewFlow(Options{Dim: 2, Layers: 4, Hidden: 8, ScaleBound: 2, LR: 1e-2, Seed: 9})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	steps := func(f *Flow, n int) []float64 {
		var losses []float64
		for i := 0; i < n; i++ {
			before := meanNLL(t, f, x)
			loss, err := f.TrainStep(x)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(loss-before) > 1e-9 {
				t.Fatalf("step %d: TrainStep loss %v, density graph %v", i, loss, before)
			}
			losses = append(losses, loss)
		}
		return losses
	}
	a := newFlow()
	first := steps(a, 20)
	var ckpt bytes.Buffer
	if err := a.Save(&ckpt); err != nil {
		t.Fatal(err)
	}
	restA := steps(a, 20)
	if !(restA[19] < first[0]-0.1) {
		t.Errorf("40 steps took the NLL from %v to %v only", first[0], restA[19])
	}
	b := newFlow()
	if got := steps(b, 20); !equalBits(got, first) {
		t.Errorf("same seed, different losses: %v vs %v", got, first)
	}
	c := newFlow()
	if err := c.Load(&ckpt); err != nil {
		t.Fatal(err)
	}
	if got := steps(c, 20); !equalBits(got, restA) {
		t.Errorf("resumed run differs from the uninterrupted one: %v vs %v", got, restA)
	}
}

func TestLoadRefusesAnotherShape(t *testing.T) {
	var ckpt bytes.Buffer
	if err := randomFlow(t, 2, 2, 1).Save(&ckpt); err != nil {
		t.Fatal(err)
	}
	if err := randomFlow(t, 2, 3, 1).Load(&ckpt); err == nil {
		t.Error("a 3-layer flow loaded a 2-layer checkpoint")
	}
}

func meanNLL(t *testing.T, f *Flow, x *mat.Dense) float64 {
	t.Helper()
	lp, err := f.LogProb(x)
	if err != nil {
		t.Fatal(err)
	}
	s := 0.0
	for _, v := range lp {
		s -= v
	}
	return s / float64(len(lp))
}

func equalBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func maxAbsDiff(a, b *mat.Dense) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return mat.Norm(&d, math.Inf(1))
}

// The registered constructor refuses data and settings the flow cannot
// honour, with an error, before any training.
func TestNewFromConfigRefuses(t *testing.T) {
	p := map[string]any{"layers": 2, "hidden": 4, "scale_bound": 2.0}
	for _, tc := range []struct {
		name string
		cfg  models.Config
	}{
		{"binary data", models.Config{Dim: 4, Binary: true, Dtype: "float64", LR: 1e-3}},
		{"images", models.Config{Dim: 4, Shape: []int{1, 2, 2}, Dtype: "float64", LR: 1e-3}},
		{"float32", models.Config{Dim: 4, Dtype: "float32", LR: 1e-3}},
		{"one dimension", models.Config{Dim: 1, Dtype: "float64", LR: 1e-3}},
	} {
		if _, err := models.New(TypeName, p, tc.cfg); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if _, err := models.New(TypeName, p, models.Config{Dim: 4, Dtype: "float64", LR: 1e-3}); err != nil {
		t.Errorf("a valid config refused: %v", err)
	}
}
