package flow

import (
	"math"
	"math/rand/v2"

	"github.com/genbench/genbench/nn"
)

// Transform is an invertible map between data space and noise space.
// Both methods run on a tape, so gradients flow in either direction (the
// invertible autoencoder trains through Inverse). logdet is a B×1 column.
type Transform[T nn.Float] interface {
	Forward(t *nn.Tape[T], x *nn.Node[T]) (z, logdet *nn.Node[T])
	Inverse(t *nn.Tape[T], z *nn.Node[T]) (x, logdet *nn.Node[T])
}

// zeros returns a B×1 zero column without gradient.
func zeros[T nn.Float](t *nn.Tape[T], rows int) *nn.Node[T] {
	return t.Input(rows, 1, make([]float64, rows))
}

// Permutation reorders coordinates; its log-determinant is zero.
type Permutation[T nn.Float] struct {
	Perm, inv []int
}

// NewPermutation returns the permutation out[:, j] = in[:, perm[j]].
func NewPermutation[T nn.Float](perm []int) *Permutation[T] {
	inv := make([]int, len(perm))
	for j, p := range perm {
		inv[p] = j
	}
	return &Permutation[T]{Perm: perm, inv: inv}
}

// Reverse returns the order-reversing permutation of d coordinates.
func Reverse[T nn.Float](d int) *Permutation[T] {
	perm := make([]int, d)
	for i := range perm {
		perm[i] = d - 1 - i
	}
	return NewPermutation[T](perm)
}

// RandomPermutation returns a permutation drawn from rng.
func RandomPermutation[T nn.Float](d int, rng *rand.Rand) *Permutation[T] {
	return NewPermutation[T](rng.Perm(d))
}

// Forward implements Transform.
func (p *Permutation[T]) Forward(t *nn.Tape[T], x *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	return t.PermuteCols(x, p.Perm), zeros(t, x.Value.Rows)
}

// Inverse implements Transform.
func (p *Permutation[T]) Inverse(t *nn.Tape[T], z *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	return t.PermuteCols(z, p.inv), zeros(t, z.Value.Rows)
}

// boundedLogScale maps raw conditioner outputs to log-scales in
// (−bound, bound) with bound·tanh(raw/bound): near the identity for small
// values, and never large enough to overflow exp in float32.
func boundedLogScale[T nn.Float](t *nn.Tape[T], raw *nn.Node[T], bound float64) *nn.Node[T] {
	return t.SoftClamp(raw, bound)
}

// AffineCoupling is RealNVP's coupling layer (Dinh et al. 2017): the first
// Split coordinates pass unchanged and condition an MLP that gives a
// log-scale s and shift b for the rest: z₂ = x₂·exp(s) + b.
type AffineCoupling[T nn.Float] struct {
	Split, Dim int
	Net        *nn.MLP[T] // Split → 2·(Dim−Split)
	ScaleBound float64
}

// NewAffineCoupling adds a coupling layer's conditioner to ps. The last
// layer starts at zero, so the layer starts as the identity.
func NewAffineCoupling[T nn.Float](ps *nn.ParamSet[T], name string, dim, split int, hidden []int, act nn.Activation, bound float64, rng *rand.Rand) *AffineCoupling[T] {
	sizes := append(append([]int{split}, hidden...), 2*(dim-split))
	return &AffineCoupling[T]{Split: split, Dim: dim, Net: nn.NewMLP(ps, name, sizes, act, true, rng), ScaleBound: bound}
}

func (c *AffineCoupling[T]) params(t *nn.Tape[T], cond *nn.Node[T]) (s, b *nn.Node[T]) {
	out := c.Net.Forward(t, cond)
	n := c.Dim - c.Split
	return boundedLogScale(t, t.SliceCols(out, 0, n), c.ScaleBound), t.SliceCols(out, n, 2*n)
}

// Forward implements Transform.
func (c *AffineCoupling[T]) Forward(t *nn.Tape[T], x *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	x1, x2 := t.SliceCols(x, 0, c.Split), t.SliceCols(x, c.Split, c.Dim)
	s, b := c.params(t, x1)
	z2 := t.Add(t.Mul(x2, t.Exp(s)), b)
	return t.ConcatCols(x1, z2), t.SumCols(s)
}

// Inverse implements Transform.
func (c *AffineCoupling[T]) Inverse(t *nn.Tape[T], z *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	z1, z2 := t.SliceCols(z, 0, c.Split), t.SliceCols(z, c.Split, c.Dim)
	s, b := c.params(t, z1)
	x2 := t.Mul(t.Sub(z2, b), t.Exp(t.Scale(s, -1)))
	return t.ConcatCols(z1, x2), t.Scale(t.SumCols(s), -1)
}

// MaskedAffine is MAF's layer (Papamakarios et al. 2017): a MADE gives,
// for each coordinate i, μᵢ and log-scale αᵢ from the coordinates before
// it, and z = (x − μ)·exp(−α). Density evaluation is one pass; the inverse
// takes D sequential passes.
type MaskedAffine[T nn.Float] struct {
	Dim        int
	Net        *nn.MLP[T] // MADE: D → 2D (μ block, then α block)
	ScaleBound float64
}

// NewMaskedAffine adds a MADE conditioner for the given input order to ps.
func NewMaskedAffine[T nn.Float](ps *nn.ParamSet[T], name string, order []int, hidden []int, act nn.Activation, bound float64, rng *rand.Rand) *MaskedAffine[T] {
	d := len(order)
	sizes := append(append([]int{d}, hidden...), 2*d)
	net := nn.NewMLP(ps, name, sizes, act, true, rng)
	net.Masks = nn.MADEMasks[T](order, hidden, 2, 1, nil)
	return &MaskedAffine[T]{Dim: d, Net: net, ScaleBound: bound}
}

func (m *MaskedAffine[T]) params(t *nn.Tape[T], x *nn.Node[T]) (mu, alpha *nn.Node[T]) {
	out := m.Net.Forward(t, x)
	return t.SliceCols(out, 0, m.Dim), boundedLogScale(t, t.SliceCols(out, m.Dim, 2*m.Dim), m.ScaleBound)
}

// Forward implements Transform.
func (m *MaskedAffine[T]) Forward(t *nn.Tape[T], x *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	mu, alpha := m.params(t, x)
	z := t.Mul(t.Sub(x, mu), t.Exp(t.Scale(alpha, -1)))
	return z, t.Scale(t.SumCols(alpha), -1)
}

// Inverse implements Transform with D passes: pass i fixes coordinate
// (in autoregressive order) i, whose parameters depend only on the ones
// fixed before it. On a gradient tape every pass is recorded; without
// gradients (sampling) the passes run on a scratch tape that is reset each
// pass, so memory does not grow with D.
func (m *MaskedAffine[T]) Inverse(t *nn.Tape[T], z *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	rows := z.Value.Rows
	if t.NoGrad {
		return m.inverseNoGrad(t, z)
	}
	x := t.Input(rows, m.Dim, make([]float64, rows*m.Dim))
	var alpha *nn.Node[T]
	for pass := 0; pass < m.Dim; pass++ {
		var mu *nn.Node[T]
		mu, alpha = m.params(t, x)
		// After pass k the first k+1 coordinates in order are exact; one
		// full update per pass keeps the code simple and correct.
		x = t.Add(t.Mul(z, t.Exp(alpha)), mu)
	}
	return x, t.SumCols(alpha)
}

func (m *MaskedAffine[T]) inverseNoGrad(t *nn.Tape[T], z *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	rows := z.Value.Rows
	x := nn.NewMat[T](rows, m.Dim)
	logdet := nn.NewMat[T](rows, 1)
	var scratch nn.Tape[T]
	scratch.NoGrad = true
	scratch.ValuesOnly = t.ValuesOnly
	for pass := 0; pass < m.Dim; pass++ {
		scratch.Reset()
		mu, alpha := m.params(&scratch, scratch.Const(x))
		for i, zv := range z.Value.Data {
			x.Data[i] = zv*T(math.Exp(float64(alpha.Value.Data[i]))) + mu.Value.Data[i]
		}
		if pass == m.Dim-1 {
			for r := 0; r < rows; r++ {
				var s T
				for _, a := range alpha.Value.Row(r) {
					s += a
				}
				logdet.Data[r] = s
			}
		}
	}
	return t.Const(x), t.Const(logdet)
}
