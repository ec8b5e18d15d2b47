package nn

import (
	"fmt"
	"math/rand/v2"
)

// Activation names a hidden-layer nonlinearity.
type Activation string

// Activations a spec may choose.
const (
	ActRelu  Activation = "relu"
	ActTanh  Activation = "tanh"
	ActElu   Activation = "elu"
	ActLeaky Activation = "leaky_relu"
)

// Apply applies activation a on the tape.
func Apply[T Float](a Activation, t *Tape[T], x *Node[T]) *Node[T] {
	switch a {
	case ActTanh:
		return t.Tanh(x)
	case ActElu:
		return t.Elu(x)
	case ActLeaky:
		return t.LeakyRelu(x, 0.2)
	default:
		return t.Relu(x)
	}
}

// CheckActivation rejects unknown activation names.
func CheckActivation(name string) error {
	switch Activation(name) {
	case ActRelu, ActTanh, ActElu, ActLeaky:
		return nil
	}
	return fmt.Errorf("unknown activation %q (valid: elu, leaky_relu, relu, tanh)", name)
}

// MLP is a fully connected network; Masks, when set, make it a MADE
// (masked autoencoder): layer k computes x·(W_k⊙Masks[k]) + b_k.
type MLP[T Float] struct {
	W, B  []*Node[T]
	Masks []*Mat[T]
	Act   Activation
}

// NewMLP adds the parameters of an MLP with the given layer sizes
// (input first, output last) to ps, Glorot-initialised from rng. The
// output layer starts at zero when zeroOut is set (flows start as the
// identity that way).
func NewMLP[T Float](ps *ParamSet[T], name string, sizes []int, act Activation, zeroOut bool, rng *rand.Rand) *MLP[T] {
	m := &MLP[T]{Act: act}
	for k := 0; k+1 < len(sizes); k++ {
		w := ps.Add(fmt.Sprintf("%s.w%d", name, k), sizes[k], sizes[k+1])
		b := ps.Add(fmt.Sprintf("%s.b%d", name, k), 1, sizes[k+1])
		if !(zeroOut && k+2 == len(sizes)) {
			Glorot(w, rng)
		}
		m.W = append(m.W, w)
		m.B = append(m.B, b)
	}
	return m
}

// Forward runs the network; the output layer is linear.
func (m *MLP[T]) Forward(t *Tape[T], x *Node[T]) *Node[T] {
	h := x
	for k := range m.W {
		if m.Masks != nil {
			h = t.MaskedLinear(h, m.W[k], m.Masks[k], m.B[k])
		} else {
			h = t.Linear(h, m.W[k], m.B[k])
		}
		if k+1 < len(m.W) {
			h = Apply(m.Act, t, h)
		}
	}
	return h
}

// MADEMasks returns the connectivity masks of a MADE (Germain et al. 2015)
// for inputs in the autoregressive order `order` (order[i] is the position,
// 1-based, of input i), hidden layer sizes, and `outputsPerDim` output
// blocks of D units each (e.g. 2 for a mean and a log-scale). Hidden
// degrees cycle deterministically through 1..D−1, so every degree is
// present whenever a layer has at least D−1 units. Output unit j of every
// block depends only on inputs that come before input j in the order.
func MADEMasks[T Float](order []int, hidden []int, outputsPerDim int) []*Mat[T] {
	d := len(order)
	inDeg := order
	prev := inDeg
	var masks []*Mat[T]
	for _, h := range hidden {
		deg := make([]int, h)
		for k := range deg {
			if d > 1 {
				deg[k] = k%(d-1) + 1
			}
		}
		m := NewMat[T](len(prev), h)
		for i, pd := range prev {
			for k, hd := range deg {
				if hd >= pd {
					m.Set(i, k, 1)
				}
			}
		}
		masks = append(masks, m)
		prev = deg
	}
	out := NewMat[T](len(prev), d*outputsPerDim)
	for i, pd := range prev {
		for b := 0; b < outputsPerDim; b++ {
			for j := 0; j < d; j++ {
				if inDeg[j] > pd {
					out.Set(i, b*d+j, 1)
				}
			}
		}
	}
	return append(masks, out)
}
