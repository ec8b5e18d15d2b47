package flow

import (
	"fmt"
	"math/rand/v2"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/nn"
	"github.com/genbench/genbench/params"
)

// Neural spline flows (Durkan et al. 2019): each transform applies a
// monotonic rational-quadratic spline (nn.RQSpline) to some coordinates,
// with knots given by a conditioner. Every conditioner's output layer
// starts at zero, which nn.RQSpline maps to the identity, so a new flow
// is the identity.

// SplineCoupling is the coupling variant: the first Split coordinates
// pass unchanged and condition an MLP that gives the spline parameters of
// each of the others.
type SplineCoupling[T nn.Float] struct {
	Split, Dim int
	Net        *nn.MLP[T] // Split → (Dim−Split)·Spline.ParamsPer()
	Spline     nn.Spline
}

// NewSplineCoupling adds a spline coupling layer's conditioner to ps;
// it needs 0 < split < dim.
func NewSplineCoupling[T nn.Float](ps *nn.ParamSet[T], name string, dim, split int, s nn.Spline, hidden []int, act nn.Activation, rng *rand.Rand) *SplineCoupling[T] {
	sizes := append(append([]int{split}, hidden...), (dim-split)*s.ParamsPer())
	return &SplineCoupling[T]{Split: split, Dim: dim, Net: nn.NewMLP(ps, name, sizes, act, true, rng), Spline: s}
}

func (c *SplineCoupling[T]) apply(t *nn.Tape[T], in *nn.Node[T], inverse bool) (*nn.Node[T], *nn.Node[T]) {
	a, b := t.SliceCols(in, 0, c.Split), t.SliceCols(in, c.Split, c.Dim)
	out, logdet := t.RQSpline(b, c.Net.Forward(t, a), c.Spline, inverse)
	return t.ConcatCols(a, out), logdet
}

// Forward implements Transform.
func (c *SplineCoupling[T]) Forward(t *nn.Tape[T], x *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	return c.apply(t, x, false)
}

// Inverse implements Transform.
func (c *SplineCoupling[T]) Inverse(t *nn.Tape[T], z *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	return c.apply(t, z, true)
}

// MaskedSpline is the autoregressive variant: a MADE gives the spline
// parameters of coordinate i from the coordinates before it in the
// order. Density evaluation is one pass; the inverse takes D passes.
type MaskedSpline[T nn.Float] struct {
	Dim    int
	Net    *nn.MLP[T] // MADE: D → D·Spline.ParamsPer(), grouped by coordinate
	Spline nn.Spline
}

// NewMaskedSpline adds a MADE conditioner for the given input order
// (1-based positions, as nn.MADEMasks) to ps.
func NewMaskedSpline[T nn.Float](ps *nn.ParamSet[T], name string, order []int, s nn.Spline, hidden []int, act nn.Activation, rng *rand.Rand) *MaskedSpline[T] {
	d := len(order)
	sizes := append(append([]int{d}, hidden...), d*s.ParamsPer())
	net := nn.NewMLP(ps, name, sizes, act, true, rng)
	net.Masks = nn.MADEMasks[T](order, hidden, 1, s.ParamsPer(), nil)
	return &MaskedSpline[T]{Dim: d, Net: net, Spline: s}
}

// Forward implements Transform.
func (m *MaskedSpline[T]) Forward(t *nn.Tape[T], x *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	return t.RQSpline(x, m.Net.Forward(t, x), m.Spline, false)
}

// Inverse implements Transform with D passes: after pass k the first k+1
// coordinates in the order are exact, since their parameters depend only
// on coordinates fixed before. Without gradients the passes run on a
// scratch tape reset each pass (as MaskedAffine's inverse).
func (m *MaskedSpline[T]) Inverse(t *nn.Tape[T], z *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	rows := z.Value.Rows
	if t.NoGrad {
		return m.inverseNoGrad(t, z)
	}
	x := t.Input(rows, m.Dim, make([]float64, rows*m.Dim))
	var logdet *nn.Node[T]
	for pass := 0; pass < m.Dim; pass++ {
		x, logdet = t.RQSpline(z, m.Net.Forward(t, x), m.Spline, true)
	}
	return x, logdet
}

func (m *MaskedSpline[T]) inverseNoGrad(t *nn.Tape[T], z *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	x := nn.NewMat[T](z.Value.Rows, m.Dim)
	logdet := nn.NewMat[T](z.Value.Rows, 1)
	var scratch nn.Tape[T]
	scratch.NoGrad = true
	scratch.ValuesOnly = t.ValuesOnly
	for pass := 0; pass < m.Dim; pass++ {
		scratch.Reset()
		out, ld := scratch.RQSpline(z, m.Net.Forward(&scratch, scratch.Const(x)), m.Spline, true)
		copy(x.Data, out.Value.Data)
		copy(logdet.Data, ld.Value.Data)
	}
	return t.Const(x), t.Const(logdet)
}

// ElementwiseSpline applies one learned spline per coordinate, the same
// for every input: an unconditional layer that can reshape marginals
// before the conditional ones.
type ElementwiseSpline[T nn.Float] struct {
	Raw    *nn.Node[T] // 1 × D·Spline.ParamsPer(), zero (the identity) at first
	Spline nn.Spline
}

// NewElementwiseSpline adds the layer's parameters to ps.
func NewElementwiseSpline[T nn.Float](ps *nn.ParamSet[T], name string, dim int, s nn.Spline) *ElementwiseSpline[T] {
	return &ElementwiseSpline[T]{Raw: ps.Add(name+".raw", 1, dim*s.ParamsPer()), Spline: s}
}

// Forward implements Transform.
func (e *ElementwiseSpline[T]) Forward(t *nn.Tape[T], x *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	return t.RQSpline(x, e.Raw, e.Spline, false)
}

// Inverse implements Transform.
func (e *ElementwiseSpline[T]) Inverse(t *nn.Tape[T], z *nn.Node[T]) (*nn.Node[T], *nn.Node[T]) {
	return t.RQSpline(z, e.Raw, e.Spline, true)
}

// nsfSchema is realnvp's conditioner settings (without the log-scale
// bound, which splines do not have) and the spline's own.
func nsfSchema() params.Schema {
	var s params.Schema
	for _, f := range commonSchema(6, 64) {
		if f.Key != "scale_bound" {
			s = append(s, f)
		}
	}
	return append(s,
		params.Field{Key: "variant", Default: "coupling", Doc: "coupling (MLP conditioner on half the coordinates; density and sampling in one pass) or autoregressive (MADE conditioner; sampling in D passes)", Check: params.OneOf("coupling", "autoregressive")},
		params.Field{Key: "bins", Default: 16, Doc: "spline bins on [-bound, bound]", Check: params.Positive},
		params.Field{Key: "bound", Default: 5.0, Doc: "the splines act on [-bound, bound]; the identity outside", Check: params.Positive},
		params.Field{Key: "elementwise", Default: true, Doc: "start with an unconditional spline per coordinate"},
		params.Field{Key: "min_bin", Default: 1e-3, Doc: "least bin width and height, as a fraction of 2·bound", Check: params.Positive},
		params.Field{Key: "min_derivative", Default: 1e-3, Doc: "least derivative at an interior knot", Check: params.Positive},
		params.Field{Key: "permutation", Default: "alternate", Doc: "between layers: alternate (reverse order) or random (seeded)", Check: params.OneOf("alternate", "random")},
	)
}

// nsfSpline reads the spline settings of an nsf parameter set.
func nsfSpline(cfg models.Config) nn.Spline {
	p := cfg.Params
	s := nn.DefaultSpline(p.Int("bins"), p.Float("bound"))
	s.MinWidth, s.MinHeight, s.MinDeriv = p.Float("min_bin"), p.Float("min_bin"), p.Float("min_derivative")
	return s
}

// BuildNSF makes a neural spline flow: optionally an elementwise spline,
// then spline layers (coupling or MADE-conditioned) each followed by an
// order reversal or a seeded random permutation, so every coordinate is
// transformed and conditions the others in turn.
func BuildNSF[T nn.Float](cfg models.Config) (*Flow[T], error) {
	p := cfg.Params
	s := nsfSpline(cfg)
	if err := s.Check(); err != nil {
		return nil, fmt.Errorf("nsf: %w", err)
	}
	variant := p.String("variant")
	if variant == "coupling" && cfg.Dim < 2 {
		return nil, fmt.Errorf("nsf: the coupling variant needs at least 2 dimensions, data have %d (use variant: autoregressive)", cfg.Dim)
	}
	f := New[T](cfg.Dim, cfg.Seed)
	rng := f.Rand()
	act := nn.Activation(p.String("activation"))
	if p.Bool("elementwise") {
		f.Transforms = append(f.Transforms, NewElementwiseSpline(&f.Params, "elementwise", cfg.Dim, s))
	}
	order := make([]int, cfg.Dim)
	for i := range order {
		order[i] = i + 1
	}
	for k := 0; k < p.Int("layers"); k++ {
		name := fmt.Sprintf("spline%d", k)
		if variant == "coupling" {
			f.Transforms = append(f.Transforms, NewSplineCoupling(&f.Params, name, cfg.Dim, cfg.Dim/2, s, hiddenSizes(p), act, rng))
		} else {
			f.Transforms = append(f.Transforms, NewMaskedSpline(&f.Params, name, order, s, hiddenSizes(p), act, rng))
		}
		if p.String("permutation") == "random" {
			f.Transforms = append(f.Transforms, RandomPermutation[T](cfg.Dim, rng))
		} else {
			f.Transforms = append(f.Transforms, Reverse[T](cfg.Dim))
		}
	}
	f.Init(cfg.LR, p.Float("clip_norm"))
	return f, nil
}
