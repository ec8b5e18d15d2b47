package gan

import (
	"fmt"

	"github.com/genbench/genbench/nn"
)

// pool hands out constant matrices (noise, masks, interpolates) that stay
// valid until the next reset, so that a training step reuses the buffers
// of the previous one instead of allocating.
type pool[T nn.Float] struct {
	mats []*nn.Mat[T]
	next int
}

func (p *pool[T]) reset() { p.next = 0 }

// get returns a zeroed r×c matrix owned by the pool.
func (p *pool[T]) get(r, c int) *nn.Mat[T] {
	n := r * c
	if p.next < len(p.mats) {
		m := p.mats[p.next]
		p.next++
		if cap(m.Data) >= n {
			m.Data = m.Data[:n]
			clear(m.Data)
		} else {
			m.Data = make([]T, n)
		}
		m.Rows, m.Cols = r, c
		return m
	}
	m := nn.NewMat[T](r, c)
	p.mats = append(p.mats, m)
	p.next++
	return m
}

// trace is an MLP forward pass with its hidden pre-activations and
// activations kept, so that the input gradient can be written as more
// forward ops on the same tape.
type trace[T nn.Float] struct {
	pre, h []*nn.Node[T] // hidden layers only
	out    *nn.Node[T]
}

// forwardTrace computes exactly what nn.MLP.Forward computes (unmasked
// MLPs only) and records the intermediate nodes.
func forwardTrace[T nn.Float](t *nn.Tape[T], m *nn.MLP[T], x *nn.Node[T]) trace[T] {
	var tr trace[T]
	h := x
	for k := range m.W {
		pre := t.Linear(h, m.W[k], m.B[k])
		if k+1 == len(m.W) {
			tr.out = pre
			break
		}
		h = nn.Apply(m.Act, t, pre)
		tr.pre = append(tr.pre, pre)
		tr.h = append(tr.h, h)
	}
	return tr
}

// actDeriv returns act'(pre) as a node of pre's shape. For the piecewise
// linear activations (relu, leaky_relu) it is a constant mask: their
// second derivative is zero almost everywhere, so treating the mask as a
// constant gives exact parameter gradients of the penalty. For tanh and
// elu it is an expression of the activation's output, so gradients flow
// through it.
func actDeriv[T nn.Float](t *nn.Tape[T], act nn.Activation, pre, h *nn.Node[T], p *pool[T]) (*nn.Node[T], error) {
	switch act {
	case nn.ActRelu, nn.ActLeaky:
		lo := T(0)
		if act == nn.ActLeaky {
			lo = 0.2 // nn.Apply's LeakyRelu slope
		}
		m := p.get(pre.Value.Rows, pre.Value.Cols)
		for i, v := range pre.Value.Data {
			if v > 0 {
				m.Data[i] = 1
			} else {
				m.Data[i] = lo
			}
		}
		return t.Const(m), nil
	case nn.ActTanh:
		// 1 − tanh²
		return t.AddScalar(t.Scale(t.Square(h), -1), 1), nil
	case nn.ActElu:
		// 1 for pre > 0, elu(pre) + 1 = e^pre otherwise
		pos := p.get(pre.Value.Rows, pre.Value.Cols)
		neg := p.get(pre.Value.Rows, pre.Value.Cols)
		for i, v := range pre.Value.Data {
			if v > 0 {
				pos.Data[i] = 1
			} else {
				neg.Data[i] = 1
			}
		}
		return t.Add(t.Const(pos), t.MulConst(t.AddScalar(h, 1), neg)), nil
	}
	return nil, fmt.Errorf("no input gradient for activation %q", act)
}

// inputGrad returns ∇ₓ Σ_rows out for a scalar-output MLP whose forward
// pass on x was recorded in tr: the chain rule run backwards through the
// layers, but recorded as ordinary forward ops,
//
//	g_L = act'(pre_L) ⊙ w_outᵀ,  g_{k} = (g_{k+1}·W_{k+1}ᵀ) ⊙ act'(pre_k),  ∇ₓ = g_1·W_1ᵀ,
//
// so that a penalty built from it can be differentiated by a single
// Backward (no double backpropagation). Row i of the result is the
// gradient of output i with respect to input row i.
func inputGrad[T nn.Float](t *nn.Tape[T], m *nn.MLP[T], x *nn.Node[T], tr trace[T], p *pool[T]) (*nn.Node[T], error) {
	last := len(m.W) - 1
	if m.W[last].Value.Cols != 1 {
		return nil, fmt.Errorf("input gradient needs a scalar output, critic has %d outputs", m.W[last].Value.Cols)
	}
	row := t.Transpose(m.W[last]) // 1×H: d out / d h_last
	if last == 0 {
		ones := p.get(x.Value.Rows, x.Value.Cols)
		for i := range ones.Data {
			ones.Data[i] = 1
		}
		return t.MulRow(t.Const(ones), row), nil
	}
	d, err := actDeriv(t, m.Act, tr.pre[last-1], tr.h[last-1], p)
	if err != nil {
		return nil, err
	}
	g := t.MulRow(d, row) // d out / d pre_{last-1}
	for k := last - 1; ; k-- {
		gh := t.MatMul(g, t.Transpose(m.W[k])) // d out / d (input of layer k)
		if k == 0 {
			return gh, nil
		}
		if d, err = actDeriv(t, m.Act, tr.pre[k-1], tr.h[k-1], p); err != nil {
			return nil, err
		}
		g = t.Mul(gh, d)
	}
}
