package nn

import (
	"fmt"
	"math/rand/v2"
	"unsafe"
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

// appliesRelu reports whether Apply(a, …) is ReLU (its default).
func appliesRelu(a Activation) bool {
	switch a {
	case ActTanh, ActElu, ActLeaky:
		return false
	}
	return true
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
		if t.NoGrad {
			relu := k+1 < len(m.W) && appliesRelu(m.Act)
			var mask *Mat[T]
			if m.Masks != nil {
				mask = m.Masks[k]
			}
			h = t.linearNoGrad(h, m.W[k], mask, m.B[k], relu)
			if k+1 < len(m.W) && !relu {
				h = Apply(m.Act, t, h)
			}
			continue
		}
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
// for inputs in the autoregressive order `order` (order[i] is the 1-based
// position of input i), hidden layer sizes, and `blocks` output blocks of
// D·k columns each (column (b·D+j)·k+c belongs to dimension j; e.g. blocks
// 2, k 1 for a mean and a log-scale). A hidden unit of degree m sees inputs
// of position ≤ m; output j sees hidden units of degree < position(j), hence
// only earlier inputs.
//
// With rng nil, hidden degrees are deterministic: they cycle through
// 1..D−1 when a layer has at least D−1 units, so every degree is present;
// a narrower layer spreads them evenly over 1..D−1 instead, because cycling
// would stop at degree H and leave the last D−1−H inputs unseen by every
// output (on binarized MNIST with 500 units that cost about 15 nats). With
// rng, degrees are drawn uniformly from [least degree below, D−1], as in
// Germain et al.'s order-agnostic training.
func MADEMasks[T Float](order []int, hidden []int, blocks, k int, rng *rand.Rand) []*Mat[T] {
	d := len(order)
	prev := order
	var masks []*Mat[T]
	for _, h := range hidden {
		least := d
		for _, p := range prev {
			least = min(least, p)
		}
		deg := make([]int, h)
		for u := range deg {
			switch {
			case d <= 1:
				deg[u] = 0 // nothing may be seen: the unit is a bias
			case rng != nil:
				lo := min(max(least, 1), d-1)
				deg[u] = lo + rng.IntN(d-lo)
			case h >= d-1:
				deg[u] = u%(d-1) + 1
			case h == 1:
				deg[u] = 1
			default: // 1 and D−1 both present, the rest evenly between
				deg[u] = 1 + u*(d-2)/(h-1)
			}
		}
		m := NewMat[T](len(prev), h)
		for i, pd := range prev {
			for u, hd := range deg {
				if hd >= pd {
					m.Set(i, u, 1)
				}
			}
		}
		masks = append(masks, m)
		prev = deg
	}
	return append(masks, outputMask[T](prev, order, blocks, k))
}

// MADEDirectMask returns the mask of a MADE's direct input-to-output
// connection (Germain et al.'s direct_input_connect "Output"), laid out as
// MADEMasks' output mask: input i reaches the columns of dimension j iff i
// comes before j in the order.
func MADEDirectMask[T Float](order []int, blocks, k int) *Mat[T] {
	return outputMask[T](order, order, blocks, k)
}

// outputMask connects sources of the given degrees to the output columns
// of the dimensions whose position exceeds the degree.
func outputMask[T Float](degrees, order []int, blocks, k int) *Mat[T] {
	d := len(order)
	out := NewMat[T](len(degrees), blocks*d*k)
	for i, pd := range degrees {
		for b := 0; b < blocks; b++ {
			for j := 0; j < d; j++ {
				if order[j] > pd {
					for c := 0; c < k; c++ {
						out.Set(i, (b*d+j)*k+c, 1)
					}
				}
			}
		}
	}
	return out
}

// linearNoGrad is MaskedLinear (mask not nil) or Linear, followed by
// ReLU when relu is set, for tapes that record no gradients: the bias
// is added, and ReLU applied, in place on the product's buffer, row by
// row while the row is in cache, instead of in two more passes over two
// more buffers. The values are those of the separate ops, bit for bit:
// the same additions of the same operands, then the same selection.
func (t *Tape[T]) linearNoGrad(x, w *Node[T], mask *Mat[T], b *Node[T], relu bool) *Node[T] {
	X, W, bias := x.Value, w.Value, b.Value
	if bias.Rows != 1 || bias.Cols != W.Cols {
		panic(fmt.Sprintf("nn.Linear: %s·%s + row %s", X.shape(), W.shape(), bias.shape()))
	}
	if X.Cols == 1 && W.Rows == 1 && mask == nil {
		// One input: an outer product, its bias and ReLU in one pass (b's
		// row is contiguous, which is all outerBiasRelu asks).
		out := t.rawNode(X.Rows, W.Cols)
		outerBiasRelu(false, false, X.Rows, W.Cols, X.Data, 1, W.Data, W.Cols, false, out.Value.Data, W.Cols, bias.Data, relu)
		return out
	}
	var out *Node[T]
	if mask != nil {
		out = t.MaskedMatMul(x, w, mask)
	} else {
		out = t.MatMul(x, w)
	}
	addBiasReluRows(out.Value, bias.Data, relu)
	return out
}

// addBiasReluRows is addBiasRelu on every row of o: one assembly call for
// the whole matrix when its rows are whole vectors, an inline loop when
// they are narrower than one (a layer with a few outputs), instead of a
// call per row.
func addBiasReluRows[T Float](o *Mat[T], bias []T, relu bool) {
	switch {
	case elemAsm && unsafe.Sizeof(bias[0]) == 4 && o.Cols >= 8 && o.Rows > 0:
		biasReluRows32(&asF32(o.Data)[0], &asF32(bias)[0], o.Rows, o.Cols, relu)
	case o.Cols < 8 && !relu:
		for i := 0; i < o.Rows; i++ {
			row := o.Data[i*o.Cols : (i+1)*o.Cols]
			for j, v := range bias[:len(row)] {
				row[j] += v
			}
		}
	default:
		for i := 0; i < o.Rows; i++ {
			addBiasRelu(o.Data[i*o.Cols:(i+1)*o.Cols], bias, relu)
		}
	}
}

// addBiasRelu sets row[j] += bias[j], then applies ReLU when relu is set.
func addBiasRelu[T Float](row, bias []T, relu bool) {
	row = row[:len(bias)]
	if elemAsm {
		var done int
		if unsafe.Sizeof(bias[0]) == 4 {
			if done = len(bias) &^ 7; done > 0 {
				biasRelu32(&asF32(row)[0], &asF32(bias)[0], done, relu)
			}
		} else if done = len(bias) &^ 3; done > 0 {
			biasRelu64(&asF64(row)[0], &asF64(bias)[0], done, relu)
		}
		row, bias = row[done:], bias[done:]
	}
	for j, v := range bias {
		row[j] += v
	}
	if relu {
		reluForward(row, row)
	}
}
