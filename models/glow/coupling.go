package glow

import (
	"math"
	"math/rand/v2"

	"github.com/genbench/genbench/nn"
)

// conv is one convolution layer of a conditioning network.
type conv[T nn.Float] struct {
	W, B *nn.Node[T]
	In   nn.ImageShape
	K    int
	// Norm, when set, normalises the output per channel (an ActNorm
	// initialised from the first batch, whose log-determinant is not
	// used): the layer then has no bias of its own.
	Norm *ActNorm[T]
	// LogScale, when set, multiplies the output's channels by
	// exp(ScaleFactor·LogScale) (Glow's Conv2dZeros): a zero layer whose
	// output grows by its own learned factor instead of by its weights.
	LogScale    *nn.Node[T]
	ScaleFactor float64
}

// newConv adds a K×K convolution from in.C to cout channels to ps:
// Glorot-uniform weights from rng, or zeros when zero is set (the last
// layer of a conditioner, so that its transform starts as the identity).
func newConv[T nn.Float](ps *nn.ParamSet[T], name string, in nn.ImageShape, cout, k int, zero bool, rng *rand.Rand) conv[T] {
	c := conv[T]{W: ps.Add(name+".w", cout, in.C*k*k), B: ps.Add(name+".b", 1, cout), In: in, K: k}
	if !zero {
		nn.Uniform(c.W, math.Sqrt(6/float64((in.C+cout)*k*k)), rng)
	}
	return c
}

// newNormConv is newConv's hidden layer followed by an ActNorm instead
// of a bias (Glow's code: convolution, actnorm, ReLU).
func newNormConv[T nn.Float](ps *nn.ParamSet[T], name string, in nn.ImageShape, cout, k int, rng *rand.Rand) conv[T] {
	c := conv[T]{W: ps.Add(name+".w", cout, in.C*k*k), In: in, K: k}
	nn.Uniform(c.W, math.Sqrt(6/float64((in.C+cout)*k*k)), rng)
	c.Norm = NewActNorm(ps, name+".actnorm", nn.ImageShape{C: cout, H: in.H, W: in.W})
	return c
}

// newZeroConv is newConv's zero layer, with a learned output scale
// exp(factor·LogScale) per channel when factor > 0.
func newZeroConv[T nn.Float](ps *nn.ParamSet[T], name string, in nn.ImageShape, cout, k int, factor float64, rng *rand.Rand) conv[T] {
	c := newConv(ps, name, in, cout, k, true, rng)
	if factor > 0 {
		c.LogScale, c.ScaleFactor = ps.Add(name+".logs", 1, cout), factor
	}
	return c
}

// apply runs the layer, then ReLU when relu is set; a K×K layer to fewer channels than it reads (a
// coupling's last layer) takes Conv2DNarrow's faster route to the same
// result.
func (c conv[T]) apply(t *nn.Tape[T], x *nn.Node[T], relu bool) *nn.Node[T] {
	var y *nn.Node[T]
	if c.K > 1 && c.W.Value.Rows < c.In.C {
		y = t.Conv2DNarrow(x, c.In, c.W, c.K, c.B)
	} else {
		y = t.Conv2D(x, c.In, c.W, c.K, nil, c.B)
	}
	out := nn.ImageShape{C: c.W.Value.Rows, H: c.In.H, W: c.In.W}
	if c.Norm != nil {
		return c.Norm.forwardRelu(t, y, relu)
	}
	if c.LogScale != nil {
		y = t.ChannelAffine(y, out, t.Exp(t.Scale(c.LogScale, c.ScaleFactor)), nil)
	}
	if relu {
		y = t.Relu(y)
	}
	return y
}

// Coupling is Glow's affine coupling layer: the first Keep channels x₁
// pass unchanged and a network of them gives a shift b and a scale s for
// the others, z₂ = (x₂ + b)·s, log|det| = Σ log s. The network is a 3×3
// convolution, ReLU, a 1×1 convolution, ReLU and a zero-initialised 3×3
// convolution, so the layer starts near the identity (s ≈ sigmoid(2) ≈
// 0.88, b = 0).
//
// The scale is Glow's sigmoid(raw + 2) lifted onto (MinScale, 1):
// s = MinScale + (1 − MinScale)·sigmoid(raw + 2). Below 1 the forward pass
// never expands; above MinScale the inverse, which divides by s, expands
// by at most 1/MinScale. Without the floor, noise off the data's support
// made a trained MNIST model's network output raw ≈ −55 when sampling,
// an inverse gain of 10²⁴ in one layer and non-finite samples.
type Coupling[T nn.Float] struct {
	Shape    nn.ImageShape
	Keep     int // channels that condition
	MinScale float64
	net      [3]conv[T]
}

// NetOptions are the details of a conditioning network that Glow's
// code has and the smallest re-implementations drop.
type NetOptions struct {
	// ActNorm puts a data-initialised ActNorm after each hidden
	// convolution in place of its bias.
	ActNorm bool
	// ZeroScale > 0 gives each zero-initialised output layer a learned
	// per-channel scale exp(ZeroScale·logs) (Glow uses 3).
	ZeroScale float64
}

// NewCoupling adds a coupling layer for images of the given shape (at
// least 2 channels) with hidden feature channels and scales above
// minScale (in [0, 1)) to ps.
func NewCoupling[T nn.Float](ps *nn.ParamSet[T], name string, shape nn.ImageShape, hidden int, minScale float64, opt NetOptions, rng *rand.Rand) *Coupling[T] {
	keep := shape.C / 2
	in := nn.ImageShape{C: keep, H: shape.H, W: shape.W}
	h := nn.ImageShape{C: hidden, H: shape.H, W: shape.W}
	c := &Coupling[T]{Shape: shape, Keep: keep, MinScale: minScale}
	if opt.ActNorm {
		c.net[0] = newNormConv(ps, name+".conv1", in, hidden, 3, rng)
		c.net[1] = newNormConv(ps, name+".conv2", h, hidden, 1, rng)
	} else {
		c.net[0] = newConv(ps, name+".conv1", in, hidden, 3, false, rng)
		c.net[1] = newConv(ps, name+".conv2", h, hidden, 1, false, rng)
	}
	c.net[2] = newZeroConv(ps, name+".conv3", h, 2*(shape.C-keep), 3, opt.ZeroScale, rng)
	return c
}

// ActNorms are the coupling network's normalisations, for the model's
// data-dependent initialisation.
func (c *Coupling[T]) ActNorms() []*ActNorm[T] {
	var out []*ActNorm[T]
	for _, l := range c.net {
		if l.Norm != nil {
			out = append(out, l.Norm)
		}
	}
	return out
}

// params returns the shift and log s for the second part from x₁.
func (c *Coupling[T]) params(t *nn.Tape[T], x1 *nn.Node[T]) (shift, logScale *nn.Node[T]) {
	h := c.net[0].apply(t, x1, true)
	h = c.net[1].apply(t, h, true)
	out := c.net[2].apply(t, h, false)
	n := (c.Shape.C - c.Keep) * c.Shape.H * c.Shape.W
	raw := t.SliceCols(out, n, 2*n)
	if c.MinScale == 0 {
		// log sigmoid(raw + 2) = −softplus(−raw − 2), finite for any raw.
		return t.SliceCols(out, 0, n), t.Scale(t.Softplus(t.AddScalar(t.Scale(raw, -1), -2)), -1)
	}
	s := t.AddScalar(t.Scale(t.Sigmoid(t.AddScalar(raw, 2)), 1-c.MinScale), c.MinScale)
	return t.SliceCols(out, 0, n), t.Log(s)
}

func (c *Coupling[T]) split(t *nn.Tape[T], x *nn.Node[T]) (a, b *nn.Node[T]) {
	n := c.Keep * c.Shape.H * c.Shape.W
	return t.SliceCols(x, 0, n), t.SliceCols(x, n, x.Value.Cols)
}

// Forward implements flow.Transform.
func (c *Coupling[T]) Forward(t *nn.Tape[T], x *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	x1, x2 := c.split(t, x)
	shift, logScale := c.params(t, x1)
	z2 := t.Mul(t.Add(x2, shift), t.Exp(logScale))
	return t.ConcatCols(x1, z2), t.SumCols(logScale)
}

// Inverse implements flow.Transform: x₂ = z₂/s − b.
func (c *Coupling[T]) Inverse(t *nn.Tape[T], z *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	z1, z2 := c.split(t, z)
	shift, logScale := c.params(t, z1)
	x2 := t.Sub(t.Mul(z2, t.Exp(t.Scale(logScale, -1))), shift)
	return t.ConcatCols(z1, x2), t.Scale(t.SumCols(logScale), -1)
}

// priorLogStdBound bounds the split prior's log-std as bound·tanh(raw/
// bound), so σ lies in (e^−5, e^5) ≈ (0.007, 148): a trained MNIST model's
// log-stds lie in [−2.2, 1.1] on test data, and the bound only stops
// sampling from amplifying noise without limit where the prior's input
// is off the data.
const priorLogStdBound = 5

// SplitPrior factors out the last channels of images of shape Shape under
// a learned conditional Gaussian prior (Glow's split): a zero-initialised
// 3×3 convolution of the first Keep channels z₁ gives a mean μ and a
// (bounded) log-std log σ for the rest z₂, and the transform whitens them,
// ε = (z₂ − μ)·exp(−log σ), log|det| = −Σ log σ. With a standard normal
// base for ε this is exactly log N(z₂; μ(z₁), σ(z₁)²), and sampling with
// temperature τ draws z₂ = μ + σ·τ·ε′ as Glow does.
type SplitPrior[T nn.Float] struct {
	Shape nn.ImageShape
	Keep  int
	net   conv[T]
}

// NewSplitPrior adds a factor-out prior for images of the given shape (at
// least 2 channels) to ps; the first half of the channels is kept.
func NewSplitPrior[T nn.Float](ps *nn.ParamSet[T], name string, shape nn.ImageShape, opt NetOptions, rng *rand.Rand) *SplitPrior[T] {
	keep := shape.C / 2
	in := nn.ImageShape{C: keep, H: shape.H, W: shape.W}
	return &SplitPrior[T]{Shape: shape, Keep: keep, net: newZeroConv(ps, name+".prior", in, 2*(shape.C-keep), 3, opt.ZeroScale, rng)}
}

// KeptShape is the shape of the channels the next level works on.
func (s *SplitPrior[T]) KeptShape() nn.ImageShape {
	return nn.ImageShape{C: s.Keep, H: s.Shape.H, W: s.Shape.W}
}

func (s *SplitPrior[T]) params(t *nn.Tape[T], z1 *nn.Node[T]) (mean, logStd *nn.Node[T]) {
	out := s.net.apply(t, z1, false)
	n := (s.Shape.C - s.Keep) * s.Shape.H * s.Shape.W
	raw := t.SliceCols(out, n, 2*n)
	return t.SliceCols(out, 0, n), t.Scale(t.Tanh(t.Scale(raw, 1.0/priorLogStdBound)), priorLogStdBound)
}

func (s *SplitPrior[T]) split(t *nn.Tape[T], x *nn.Node[T]) (a, b *nn.Node[T]) {
	n := s.Keep * s.Shape.H * s.Shape.W
	return t.SliceCols(x, 0, n), t.SliceCols(x, n, x.Value.Cols)
}

// Forward implements flow.Transform.
func (s *SplitPrior[T]) Forward(t *nn.Tape[T], x *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	z1, z2 := s.split(t, x)
	mean, logStd := s.params(t, z1)
	eps := t.Mul(t.Sub(z2, mean), t.Exp(t.Scale(logStd, -1)))
	return t.ConcatCols(z1, eps), t.Scale(t.SumCols(logStd), -1)
}

// Inverse implements flow.Transform: z₂ = μ + σ·ε.
func (s *SplitPrior[T]) Inverse(t *nn.Tape[T], z *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	z1, eps := s.split(t, z)
	mean, logStd := s.params(t, z1)
	return t.ConcatCols(z1, t.Add(t.Mul(eps, t.Exp(logStd)), mean)), t.SumCols(logStd)
}

// TopPrior is Glow's learned prior on the last level's latent (its
// learntop): a Gaussian with a learned mean and log-std for every value,
// written as the transform ε = (z − Mean)·exp(−LogStd), log|det| =
// −Σ LogStd, so that with a standard normal base it is exactly
// log N(z; Mean, exp(LogStd)²). Both start at zero: the identity.
type TopPrior[T nn.Float] struct {
	Mean, LogStd *nn.Node[T] // 1×D
}

// NewTopPrior adds a learned prior on dim values to ps.
func NewTopPrior[T nn.Float](ps *nn.ParamSet[T], name string, dim int) *TopPrior[T] {
	return &TopPrior[T]{Mean: ps.Add(name+".mean", 1, dim), LogStd: ps.Add(name+".logstd", 1, dim)}
}

func (p *TopPrior[T]) logDet(t *nn.Tape[T], rows int, sign float64) *nn.Node[T] {
	return broadcast(t, t.Scale(t.Sum(p.LogStd), sign), rows)
}

// Forward implements flow.Transform.
func (p *TopPrior[T]) Forward(t *nn.Tape[T], z *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	eps := t.MulRow(t.AddRow(z, t.Scale(p.Mean, -1)), t.Exp(t.Scale(p.LogStd, -1)))
	return eps, p.logDet(t, z.Value.Rows, -1)
}

// Inverse implements flow.Transform: z = Mean + exp(LogStd)·ε.
func (p *TopPrior[T]) Inverse(t *nn.Tape[T], eps *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	return t.AddRow(t.MulRow(eps, t.Exp(p.LogStd)), p.Mean), p.logDet(t, eps.Value.Rows, 1)
}
