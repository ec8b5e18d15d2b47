package glow

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models/flow"
	"github.com/genbench/genbench/nn"
)

// broadcast returns the 1×1 node s repeated as a B×1 column (a
// log-determinant that is the same for every image), with s's gradient.
func broadcast[T nn.Float](t *nn.Tape[T], s *nn.Node[T], rows int) *nn.Node[T] {
	ones := make([]float64, rows)
	for i := range ones {
		ones[i] = 1
	}
	return t.MatMul(t.Input(rows, 1, ones), s)
}

// Chain composes transforms: Forward runs them in order, Inverse in
// reverse, and the log-determinants add up.
type Chain[T nn.Float] []flow.Transform[T]

// Forward implements flow.Transform.
func (c Chain[T]) Forward(t *nn.Tape[T], x *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	var total *nn.Node[T]
	for _, tr := range c {
		var ld *nn.Node[T]
		x, ld = tr.Forward(t, x)
		total = addLogDet(t, total, ld)
	}
	return x, total
}

// Inverse implements flow.Transform.
func (c Chain[T]) Inverse(t *nn.Tape[T], z *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	var total *nn.Node[T]
	for k := len(c) - 1; k >= 0; k-- {
		var ld *nn.Node[T]
		z, ld = c[k].Inverse(t, z)
		total = addLogDet(t, total, ld)
	}
	return z, total
}

func addLogDet[T nn.Float](t *nn.Tape[T], total, ld *nn.Node[T]) *nn.Node[T] {
	if total == nil {
		return ld
	}
	return t.Add(total, ld)
}

// NewSqueeze returns Glow's squeeze for images of shape in as a column
// permutation (log-determinant zero): the result has shape
// 4C×H/2×W/2 (see nn.SqueezePerm).
func NewSqueeze[T nn.Float](in nn.ImageShape) *flow.Permutation[T] {
	return flow.NewPermutation[T](nn.SqueezePerm(in))
}

// squeezed is the shape after a squeeze.
func squeezed(s nn.ImageShape) nn.ImageShape {
	return nn.ImageShape{C: 4 * s.C, H: s.H / 2, W: s.W / 2}
}

// Prefix applies Inner to the first N columns and passes the others
// through: the levels after a factor-out act on the kept channels only.
type Prefix[T nn.Float] struct {
	N     int
	Inner flow.Transform[T]
}

func (p *Prefix[T]) apply(t *nn.Tape[T], x *nn.Node[T], inverse bool) (*nn.Node[T], *nn.Node[T]) {
	d := x.Value.Cols
	a, rest := t.SliceCols(x, 0, p.N), t.SliceCols(x, p.N, d)
	var y, ld *nn.Node[T]
	if inverse {
		y, ld = p.Inner.Inverse(t, a)
	} else {
		y, ld = p.Inner.Forward(t, a)
	}
	return t.ConcatCols(y, rest), ld
}

// Forward implements flow.Transform.
func (p *Prefix[T]) Forward(t *nn.Tape[T], x *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	return p.apply(t, x, false)
}

// Inverse implements flow.Transform.
func (p *Prefix[T]) Inverse(t *nn.Tape[T], z *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	return p.apply(t, z, true)
}

// ActNorm is Glow's activation normalisation: z = x·exp(LogScale[c]) +
// Bias[c] per channel c, log|det| = H·W·Σ LogScale. Its first forward pass
// after ArmInit sets the parameters from its input so that the output has
// zero mean and unit variance per channel (data-dependent
// initialisation); Initialized records that this has happened.
type ActNorm[T nn.Float] struct {
	Shape           nn.ImageShape
	LogScale, Bias  *nn.Node[T] // 1×C
	Initialized     bool
	initOnNextInput bool
}

// NewActNorm adds an identity ActNorm for images of the given shape to ps.
func NewActNorm[T nn.Float](ps *nn.ParamSet[T], name string, shape nn.ImageShape) *ActNorm[T] {
	return &ActNorm[T]{Shape: shape, LogScale: ps.Add(name+".logs", 1, shape.C), Bias: ps.Add(name+".bias", 1, shape.C)}
}

// ArmInit makes the next forward pass initialise the parameters from its
// input, unless they have been initialised already.
func (a *ActNorm[T]) ArmInit() { a.initOnNextInput = !a.Initialized }

// actNormEps keeps the initial scale finite on a constant channel.
const actNormEps = 1e-6

func (a *ActNorm[T]) initFrom(x *nn.Mat[T]) {
	mean, std := nn.ChannelMoments(x, a.Shape)
	for c := range mean {
		s := 1 / (std[c] + actNormEps)
		a.LogScale.Value.Data[c] = T(math.Log(s))
		a.Bias.Value.Data[c] = T(-mean[c] * s)
	}
	a.Initialized, a.initOnNextInput = true, false
}

func (a *ActNorm[T]) logDet(t *nn.Tape[T], rows int, sign float64) *nn.Node[T] {
	return broadcast(t, t.Scale(t.Sum(a.LogScale), sign*float64(a.Shape.H*a.Shape.W)), rows)
}

// Forward implements flow.Transform.
func (a *ActNorm[T]) Forward(t *nn.Tape[T], x *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	return a.forwardRelu(t, x, false), a.logDet(t, x.Value.Rows, 1)
}

// forwardRelu is Forward's output without its log-determinant, followed
// by ReLU when relu is set (in one pass): an ActNorm inside a coupling's
// network.
func (a *ActNorm[T]) forwardRelu(t *nn.Tape[T], x *nn.Node[T], relu bool) *nn.Node[T] {
	if a.initOnNextInput {
		a.initFrom(x.Value)
	}
	if relu {
		return t.ChannelAffineRelu(x, a.Shape, t.Exp(a.LogScale), a.Bias)
	}
	return t.ChannelAffine(x, a.Shape, t.Exp(a.LogScale), a.Bias)
}

// Inverse implements flow.Transform: x = (z − Bias)·exp(−LogScale).
func (a *ActNorm[T]) Inverse(t *nn.Tape[T], z *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	inv := t.Exp(t.Scale(a.LogScale, -1))
	shift := t.Scale(t.Mul(a.Bias, inv), -1)
	return t.ChannelAffine(z, a.Shape, inv, shift), a.logDet(t, z.Value.Rows, -1)
}

// InvConv is Glow's invertible 1×1 convolution, z = W·x at every pixel,
// with W kept LU-decomposed as W = P·(L + I)·(U + diag(Sign·exp(LogS)))
// (L strictly lower, U strictly upper triangular, P a fixed permutation,
// Sign fixed), so that log|det W| = Σ LogS and the log-determinant of the
// convolution is H·W·Σ LogS. W starts as a random rotation.
type InvConv[T nn.Float] struct {
	Shape        nn.ImageShape
	L, U, LogS   *nn.Node[T] // C×C, C×C, 1×C
	perm, sign   *nn.Mat[T]  // C×C permutation matrix, 1×C signs
	lower, upper *nn.Mat[T]  // masks of the strict triangles
	eye          *nn.Mat[T]
}

// NewInvConv adds an invertible 1×1 convolution for images of the given
// shape to ps, starting at a random rotation drawn from rng.
func NewInvConv[T nn.Float](ps *nn.ParamSet[T], name string, shape nn.ImageShape, rng *rand.Rand) *InvConv[T] {
	c := shape.C
	ic := &InvConv[T]{Shape: shape,
		L: ps.Add(name+".l", c, c), U: ps.Add(name+".u", c, c), LogS: ps.Add(name+".logs", 1, c),
		perm: nn.NewMat[T](c, c), sign: nn.NewMat[T](1, c),
		lower: nn.NewMat[T](c, c), upper: nn.NewMat[T](c, c), eye: nn.NewMat[T](c, c)}
	for i := 0; i < c; i++ {
		ic.eye.Set(i, i, 1)
		for j := 0; j < c; j++ {
			if j < i {
				ic.lower.Set(i, j, 1)
			} else if j > i {
				ic.upper.Set(i, j, 1)
			}
		}
	}
	ic.setFrom(randomRotation(c, rng))
	return ic
}

// randomRotation is the Q factor of a matrix of standard normal entries.
func randomRotation(c int, rng *rand.Rand) *mat.Dense {
	g := mat.NewDense(c, c, nil)
	for i := 0; i < c; i++ {
		for j := 0; j < c; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	return &q
}

// setFrom sets the factors from W = P·L·U.
func (ic *InvConv[T]) setFrom(w *mat.Dense) {
	c := ic.Shape.C
	var lu mat.LU
	lu.Factorize(w)
	var l, u mat.TriDense
	lu.LTo(&l)
	lu.UTo(&u)
	var prod, p mat.Dense
	prod.Mul(&l, &u)
	// P = W·(LU)⁻¹, exactly 0/1 up to rounding.
	if err := p.Inverse(&prod); err != nil {
		panic(fmt.Sprintf("glow: a rotation's LU factors are singular: %v", err))
	}
	p.Mul(w, &p)
	for i := 0; i < c; i++ {
		for j := 0; j < c; j++ {
			ic.perm.Set(i, j, T(math.Round(p.At(i, j))))
			switch {
			case j < i:
				ic.L.Value.Set(i, j, T(l.At(i, j)))
			case j > i:
				ic.U.Value.Set(i, j, T(u.At(i, j)))
			}
		}
		d := u.At(i, i)
		ic.sign.Data[i] = T(math.Copysign(1, d))
		ic.LogS.Value.Data[i] = T(math.Log(math.Abs(d)))
	}
}

// Weight records W on the tape from its factors.
func (ic *InvConv[T]) Weight(t *nn.Tape[T]) *nn.Node[T] {
	eye := t.Const(ic.eye)
	lower := t.Add(t.MulConst(ic.L, ic.lower), eye)
	diag := t.MulRow(eye, t.MulConst(t.Exp(ic.LogS), ic.sign))
	upper := t.Add(t.MulConst(ic.U, ic.upper), diag)
	return t.MatMul(t.Const(ic.perm), t.MatMul(lower, upper))
}

func (ic *InvConv[T]) logDet(t *nn.Tape[T], rows int, sign float64) *nn.Node[T] {
	return broadcast(t, t.Scale(t.Sum(ic.LogS), sign*float64(ic.Shape.H*ic.Shape.W)), rows)
}

// Forward implements flow.Transform.
func (ic *InvConv[T]) Forward(t *nn.Tape[T], x *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	return t.Conv2D(x, ic.Shape, ic.Weight(t), 1, nil, nil), ic.logDet(t, x.Value.Rows, 1)
}

// Inverse implements flow.Transform: x = W⁻¹·z at every pixel.
func (ic *InvConv[T]) Inverse(t *nn.Tape[T], z *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	return t.Conv2D(z, ic.Shape, t.MatInverse(ic.Weight(t)), 1, nil, nil), ic.logDet(t, z.Value.Rows, -1)
}
