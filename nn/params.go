package nn

import (
	"encoding/gob"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
)

// ParamSet is a model's named trainable parameters.
type ParamSet[T Float] struct {
	Names []string
	Nodes []*Node[T]
}

// Add creates a zero r×c parameter.
func (ps *ParamSet[T]) Add(name string, r, c int) *Node[T] {
	p := NewParam[T](r, c)
	ps.Names = append(ps.Names, name)
	ps.Nodes = append(ps.Nodes, p)
	return p
}

// Count returns the number of trainable scalars.
func (ps *ParamSet[T]) Count() int {
	n := 0
	for _, p := range ps.Nodes {
		n += len(p.Value.Data)
	}
	return n
}

// ZeroGrad clears every gradient.
func (ps *ParamSet[T]) ZeroGrad() {
	for _, p := range ps.Nodes {
		clear(p.Grad.Data)
	}
}

// Glorot fills p with U(−a, a), a = √(6/(fan_in+fan_out)), from rng.
func Glorot[T Float](p *Node[T], rng *rand.Rand) {
	a := math.Sqrt(6 / float64(p.Value.Rows+p.Value.Cols))
	for i := range p.Value.Data {
		p.Value.Data[i] = T((2*rng.Float64() - 1) * a)
	}
}

// Uniform fills p with U(−a, a) from rng.
func Uniform[T Float](p *Node[T], a float64, rng *rand.Rand) {
	for i := range p.Value.Data {
		p.Value.Data[i] = T((2*rng.Float64() - 1) * a)
	}
}

// Adam is the Adam optimiser (Kingma & Ba 2015) with optional clipping of
// the global gradient norm. It updates the parameters' backing slices in
// place in a single pass per parameter.
type Adam[T Float] struct {
	LR, Beta1, Beta2, Eps float64
	ClipNorm              float64 // 0: no clipping
	params                *ParamSet[T]
	m, v                  [][]T
	steps                 int
	work                  adamWork[T] // the fused update's state (adam.go)
}

// NewAdam returns Adam with the usual defaults (β1 0.9, β2 0.999, ε 1e-8).
func NewAdam[T Float](ps *ParamSet[T], lr float64) *Adam[T] {
	a := &Adam[T]{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, params: ps}
	for _, p := range ps.Nodes {
		a.m = append(a.m, make([]T, len(p.Value.Data)))
		a.v = append(a.v, make([]T, len(p.Value.Data)))
	}
	return a
}

// GradNorm returns the global L2 norm of the gradients.
func (a *Adam[T]) GradNorm() float64 {
	a.work.prepare(a)
	norm := a.work.norm()
	a.work.opt = nil
	return norm
}

// Step applies one update from the accumulated gradients, then zeroes
// them. It returns the gradient norm before clipping; a non-finite norm
// leaves the parameters untouched and is reported as an error. The update
// is one fused pass per parameter, split over the cores for large models
// (adam.go).
func (a *Adam[T]) Step() (float64, error) { return a.step() }

// Minimize is one training step on a scalar loss recorded on t:
// backpropagation, then Step. A non-finite loss discards its gradients and
// is returned with an error, leaving the parameters untouched. It returns
// the loss.
func (a *Adam[T]) Minimize(t *Tape[T], loss *Node[T]) (float64, error) {
	t.Backward(loss)
	l := Scalar(loss)
	if math.IsNaN(l) || math.IsInf(l, 0) {
		a.params.ZeroGrad()
		return l, fmt.Errorf("non-finite loss %v", l)
	}
	if _, err := a.Step(); err != nil {
		return l, err
	}
	return l, nil
}

// Steps returns how many updates have been applied.
func (a *Adam[T]) Steps() int { return a.steps }

// state is the serialised form of parameters, optimiser and random state
// (version 1). gob writes the Extra map in Go's randomised iteration
// order, so with two extra values or more the same model saved twice
// gave different bytes: such checkpoints are written as sortedState.
// Those with at most one are written as before, byte for byte.
type state struct {
	Names   []string
	Shapes  [][2]int
	Values  [][]float64
	M, V    [][]float64
	Steps   int
	LR      float64
	RNG     []byte
	Extra   map[string][]float64
	Version int
}

// sortedState is state with the extra values as two slices sorted by
// name (version 2). Files of both versions are read into it.
type sortedState struct {
	Names       []string
	Shapes      [][2]int
	Values      [][]float64
	M, V        [][]float64
	Steps       int
	LR          float64
	RNG         []byte
	Extra       map[string][]float64
	ExtraNames  []string
	ExtraValues [][]float64
	Version     int
}

func toF64[T Float](x []T) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func fromF64[T Float](dst []T, src []float64) {
	for i, v := range src {
		dst[i] = T(v)
	}
}

// Checkpoint bundles what a model must save to resume training exactly.
type Checkpoint[T Float] struct {
	Params *ParamSet[T]
	Opt    *Adam[T]  // may be nil
	RNG    *rand.PCG // may be nil
	Extra  map[string][]float64
}

// Save writes the checkpoint with encoding/gob. The same checkpoint
// always gives the same bytes.
func (c Checkpoint[T]) Save(w io.Writer) error {
	var s sortedState
	for k, p := range c.Params.Nodes {
		s.Names = append(s.Names, c.Params.Names[k])
		s.Shapes = append(s.Shapes, [2]int{p.Value.Rows, p.Value.Cols})
		s.Values = append(s.Values, toF64(p.Value.Data))
	}
	if c.Opt != nil {
		for k := range c.Opt.m {
			s.M = append(s.M, toF64(c.Opt.m[k]))
			s.V = append(s.V, toF64(c.Opt.v[k]))
		}
		s.Steps, s.LR = c.Opt.steps, c.Opt.LR
	}
	if c.RNG != nil {
		b, err := c.RNG.MarshalBinary()
		if err != nil {
			return fmt.Errorf("saving random state: %w", err)
		}
		s.RNG = b
	}
	var out any = &state{Names: s.Names, Shapes: s.Shapes, Values: s.Values, M: s.M, V: s.V,
		Steps: s.Steps, LR: s.LR, RNG: s.RNG, Extra: c.Extra, Version: 1}
	if len(c.Extra) > 1 {
		s.Version, s.ExtraNames = 2, slices.Sorted(maps.Keys(c.Extra))
		for _, k := range s.ExtraNames {
			s.ExtraValues = append(s.ExtraValues, c.Extra[k])
		}
		out = &s
	}
	if err := gob.NewEncoder(w).Encode(out); err != nil {
		return fmt.Errorf("saving parameters: %w", err)
	}
	return nil
}

// Load restores a checkpoint written by Save into c's parameters,
// optimiser and random source; names and shapes must match.
func (c Checkpoint[T]) Load(r io.Reader) error {
	var s sortedState
	if err := gob.NewDecoder(r).Decode(&s); err != nil {
		return fmt.Errorf("loading parameters: %w", err)
	}
	if len(s.Names) != len(c.Params.Nodes) {
		return fmt.Errorf("loading parameters: %d saved, model has %d", len(s.Names), len(c.Params.Nodes))
	}
	for k, p := range c.Params.Nodes {
		if s.Names[k] != c.Params.Names[k] || s.Shapes[k] != [2]int{p.Value.Rows, p.Value.Cols} {
			return fmt.Errorf("loading parameters: saved %s %v, model has %s %d×%d",
				s.Names[k], s.Shapes[k], c.Params.Names[k], p.Value.Rows, p.Value.Cols)
		}
		fromF64(p.Value.Data, s.Values[k])
	}
	if c.Opt != nil && len(s.M) == len(c.Opt.m) {
		for k := range c.Opt.m {
			fromF64(c.Opt.m[k], s.M[k])
			fromF64(c.Opt.v[k], s.V[k])
		}
		c.Opt.steps, c.Opt.LR = s.Steps, s.LR
	}
	if c.RNG != nil && s.RNG != nil {
		if err := c.RNG.UnmarshalBinary(s.RNG); err != nil {
			return fmt.Errorf("loading random state: %w", err)
		}
	}
	if len(s.ExtraNames) != len(s.ExtraValues) {
		return fmt.Errorf("loading parameters: %d extra names for %d values", len(s.ExtraNames), len(s.ExtraValues))
	}
	if s.Extra == nil {
		s.Extra = make(map[string][]float64, len(s.ExtraNames))
	}
	for i, k := range s.ExtraNames {
		s.Extra[k] = s.ExtraValues[i]
	}
	for k, v := range s.Extra {
		if dst, ok := c.Extra[k]; ok && len(dst) == len(v) {
			copy(dst, v)
		}
	}
	return nil
}
