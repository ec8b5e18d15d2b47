package nn

import (
	"fmt"
	"math"
)

// Node is a value recorded on a tape, or a parameter. Grad is nil when no
// gradient flows to the node, so no work is spent on inputs nobody asked
// to differentiate.
type Node[T Float] struct {
	Value *Mat[T]
	Grad  *Mat[T]
	back  func()
	// fresh: nothing has been written to Grad since the node was made,
	// and its buffer (recycled from an earlier step) stands for zeros.
	// Zeroing every gradient buffer when it is made was writing as many
	// bytes as the forward pass; the first op to add into it now writes
	// 0 + its share instead (see claim), and Backward zeroes the rest
	// just before use (settle).
	fresh bool
	// claims: back handles its parents' fresh gradients itself (claim);
	// otherwise Backward settles them before back runs.
	claims bool
	// parents, as positions in the tape's parents list.
	p0, p1 int32
}

// NewParam returns a trainable r×c leaf with a gradient buffer.
func NewParam[T Float](r, c int) *Node[T] {
	return &Node[T]{Value: NewMat[T](r, c), Grad: NewMat[T](r, c)}
}

// Tape records operations so that Backward can run them in reverse.
//
// Buffers are reused across Reset calls: the i-th buffer a step asks for is
// the i-th buffer of the previous step, so a training loop that repeats the
// same computation allocates no new matrices after its first step. Values
// of tape nodes are valid until the next Reset.
type Tape[T Float] struct {
	// NoGrad turns off gradient recording, for evaluation and sampling.
	NoGrad bool
	// ValuesOnly, on a NoGrad tape, lets ops that return a
	// log-determinant beside their value (RQSpline) skip it and fill it
	// with NaN: for sampling, which wants the values alone.
	ValuesOnly bool

	ops  []*Node[T]
	bufs []*Mat[T]
	next int
	// nodes are the op output nodes, recycled like bufs: a sampling
	// loop over chunks then allocates nothing per op.
	nodes    []*Node[T]
	nextNode int
	// f64s are float64 scratch slices kept for backward passes (see
	// BernoulliLogLik), recycled like bufs.
	f64s    [][]float64
	nextF64 int
	// parents of the recorded nodes, by node (Node.p0, Node.p1).
	parents []*Node[T]
}

// Reset forgets the recorded operations and recycles their buffers.
func (t *Tape[T]) Reset() {
	clear(t.ops)
	t.ops = t.ops[:0]
	t.next = 0
	t.nextNode = 0
	t.nextF64 = 0
	clear(t.parents)
	t.parents = t.parents[:0]
}

// f64Buf returns a tape-owned float64 slice of length n, not zeroed.
func (t *Tape[T]) f64Buf(n int) []float64 {
	if t.nextF64 == len(t.f64s) {
		t.f64s = append(t.f64s, nil)
	}
	b := t.f64s[t.nextF64]
	if cap(b) < n {
		b = make([]float64, n)
	}
	t.f64s[t.nextF64] = b[:n]
	t.nextF64++
	return b[:n]
}

// newNode returns a tape-owned node holding v and nothing else.
func (t *Tape[T]) newNode(v *Mat[T]) *Node[T] {
	if t.nextNode < len(t.nodes) {
		n := t.nodes[t.nextNode]
		t.nextNode++
		*n = Node[T]{Value: v}
		return n
	}
	n := &Node[T]{Value: v}
	t.nodes = append(t.nodes, n)
	t.nextNode++
	return n
}

// buf returns a zeroed r×c matrix owned by the tape.
func (t *Tape[T]) buf(r, c int) *Mat[T] {
	m := t.rawBuf(r, c)
	parallelElems(len(m.Data), func(lo, hi int) { clear(m.Data[lo:hi]) })
	return m
}

// rawBuf is buf without the zeroing, for values that every element of
// is written before it is read: clearing large buffers that are about
// to be overwritten costs as much as a cheap elementwise op.
func (t *Tape[T]) rawBuf(r, c int) *Mat[T] {
	n := r * c
	if t.next < len(t.bufs) {
		m := t.bufs[t.next]
		t.next++
		if cap(m.Data) >= n {
			m.Data = m.Data[:n]
		} else {
			m.Data = make([]T, n)
		}
		m.Rows, m.Cols = r, c
		return m
	}
	m := NewMat[T](r, c)
	t.bufs = append(t.bufs, m)
	t.next++
	return m
}

// node makes an output node; it gets a gradient buffer when any parent has one.
func (t *Tape[T]) node(r, c int, parents ...*Node[T]) *Node[T] {
	n := t.rawNode(r, c, parents...)
	clear(n.Value.Data)
	return n
}

// rawNode is node with a value buffer that is not zeroed (see rawBuf).
// Its gradient buffer, when a parent has one, is fresh (see Node.fresh).
func (t *Tape[T]) rawNode(r, c int, parents ...*Node[T]) *Node[T] {
	n := t.newNode(t.rawBuf(r, c))
	if t.NoGrad {
		return n
	}
	for _, p := range parents {
		if p.Grad != nil {
			n.Grad = t.rawBuf(r, c)
			n.fresh = true
			if poisonFresh() {
				fill(n.Grad.Data, T(math.NaN()))
			}
			n.p0 = int32(len(t.parents))
			t.parents = append(t.parents, parents...)
			n.p1 = int32(len(t.parents))
			break
		}
	}
	return n
}

// record registers the backward function of n when gradients flow to it.
// Ops return before building that closure when n has no gradient, so
// that tapes without gradients (NoGrad, or constants only) allocate
// nothing per op once their buffers and nodes are recycled.
func (t *Tape[T]) record(n *Node[T], back func()) *Node[T] {
	if n.Grad != nil {
		n.back = back
		t.ops = append(t.ops, n)
	}
	return n
}

// Const wraps a matrix as a node without gradient. The matrix is used, not copied.
func (t *Tape[T]) Const(m *Mat[T]) *Node[T] { return &Node[T]{Value: m} }

// Input copies values into a tape buffer and wraps them without gradient.
func (t *Tape[T]) Input(r, c int, values []float64) *Node[T] {
	if len(values) != r*c {
		panic(fmt.Sprintf("nn.Input: %d values for %d×%d", len(values), r, c))
	}
	m := t.rawBuf(r, c)
	for i, v := range values {
		m.Data[i] = T(v)
	}
	return t.newNode(m)
}

// Var is like Input but the node receives a gradient (for input gradients
// and gradient checks).
func (t *Tape[T]) Var(m *Mat[T]) *Node[T] {
	return &Node[T]{Value: m, Grad: t.buf(m.Rows, m.Cols)}
}

// Backward propagates d loss / d node to every node with a gradient
// buffer; loss must be 1×1. Parameter gradients accumulate until an
// optimiser step zeroes them.
func (t *Tape[T]) Backward(loss *Node[T]) {
	if loss.Value.Rows != 1 || loss.Value.Cols != 1 {
		panic(fmt.Sprintf("nn.Backward: loss is %s, want 1×1", loss.Value.shape()))
	}
	if loss.Grad == nil {
		return
	}
	loss.settle()
	loss.Grad.Data[0] += 1
	for i := len(t.ops) - 1; i >= 0; i-- {
		n := t.ops[i]
		n.settle() // no op downstream used it
		if !n.claims {
			for _, p := range t.parents[n.p0:n.p1] {
				p.settle()
			}
		}
		n.back()
	}
}

// Scalar returns the value of a 1×1 node.
func Scalar[T Float](n *Node[T]) float64 { return float64(n.Value.Data[0]) }

// View returns n's values read as an r×c matrix in the same row-major
// order, sharing n's storage and gradient: the view's consumers add
// straight into n's gradient, which n's own backward step, recorded
// before them, then reads. It needs no backward step of its own.
func View[T Float](n *Node[T], r, c int) *Node[T] {
	if r*c != len(n.Value.Data) {
		panic(fmt.Sprintf("nn.View: %d values as %d×%d", len(n.Value.Data), r, c))
	}
	v := &Node[T]{Value: &Mat[T]{Rows: r, Cols: c, Data: n.Value.Data}}
	if n.Grad != nil {
		n.settle() // the view's consumers add into it without claiming
		v.Grad = &Mat[T]{Rows: r, Cols: c, Data: n.Grad.Data}
	}
	return v
}

// ---- linear algebra ----

// MatMul returns a·b.
func (t *Tape[T]) MatMul(a, b *Node[T]) *Node[T] {
	A, B := a.Value, b.Value
	if A.Cols != B.Rows {
		panic(fmt.Sprintf("nn.MatMul: %s · %s", A.shape(), B.shape()))
	}
	out := t.rawNode(A.Rows, B.Cols, a, b)
	gemm(false, false, A.Rows, B.Cols, A.Cols, A.Data, A.Cols, B.Data, B.Cols, 0, out.Value.Data, B.Cols)
	if out.Grad == nil {
		return out
	}
	return t.recordClaiming(out, func() {
		// A product onto a fresh gradient has β = 0: the kernels' sums
		// start from zero either way, so the bits are those of β = 1 onto
		// zeros.
		G := out.Grad
		if a.Grad != nil {
			gemm(false, true, A.Rows, A.Cols, B.Cols, G.Data, G.Cols, B.Data, B.Cols, beta[T](a), a.Grad.Data, A.Cols)
		}
		if b.Grad != nil {
			gemm(true, false, B.Rows, B.Cols, A.Rows, A.Data, A.Cols, G.Data, G.Cols, beta[T](b), b.Grad.Data, B.Cols)
		}
	})
}

// Linear returns x·w + b, with b a 1×out row broadcast over the batch.
func (t *Tape[T]) Linear(x, w, b *Node[T]) *Node[T] {
	return t.AddRow(t.MatMul(x, w), b)
}

// MaskedLinear returns x·(w⊙mask) + b; mask is a constant of w's shape
// (MADE's connectivity), and w's gradient is masked too.
func (t *Tape[T]) MaskedLinear(x, w *Node[T], mask *Mat[T], b *Node[T]) *Node[T] {
	return t.AddRow(t.MaskedMatMul(x, w, mask), b)
}

// MaskedMatMul returns x·(w⊙mask); mask is a constant.
func (t *Tape[T]) MaskedMatMul(x, w *Node[T], mask *Mat[T]) *Node[T] {
	sameShape("MaskedMatMul", w.Value, mask)
	wm := &Node[T]{Value: t.rawBuf(w.Value.Rows, w.Value.Cols)}
	mulInto(wm.Value.Data, w.Value.Data, mask.Data)
	if w.Grad != nil && !t.NoGrad {
		wm.Grad = t.buf(w.Value.Rows, w.Value.Cols)
		t.record(wm, func() { mulAddTo(w.Grad.Data, wm.Grad.Data, mask.Data) })
	}
	return t.MatMul(x, wm)
}

// ---- broadcasting and elementwise binary ops ----

// AddRow returns a + r with the 1×C row r added to every row of a.
func (t *Tape[T]) AddRow(a, r *Node[T]) *Node[T] {
	A, R := a.Value, r.Value
	if R.Rows != 1 || R.Cols != A.Cols {
		panic(fmt.Sprintf("nn.AddRow: %s + row %s", A.shape(), R.shape()))
	}
	out := t.rawNode(A.Rows, A.Cols, a, r)
	C := A.Cols
	for i := 0; i < A.Rows; i++ {
		o, x := out.Value.Data[i*C:(i+1)*C], A.Data[i*C:(i+1)*C]
		for j := range o {
			o[j] = x[j] + R.Data[j]
		}
	}
	if out.Grad == nil {
		return out
	}
	return t.recordClaiming(out, func() {
		if a.Grad != nil {
			sumInto(a.Grad.Data, claimed(a), out.Grad.Data)
		}
		if r.Grad != nil {
			r.settle()
			for i := 0; i < A.Rows; i++ {
				addTo(r.Grad.Data, out.Grad.Data[i*C:(i+1)*C])
			}
		}
	})
}

// MulRow returns a ⊙ r with the 1×C row r multiplied into every row of a.
func (t *Tape[T]) MulRow(a, r *Node[T]) *Node[T] {
	A, R := a.Value, r.Value
	if R.Rows != 1 || R.Cols != A.Cols {
		panic(fmt.Sprintf("nn.MulRow: %s ⊙ row %s", A.shape(), R.shape()))
	}
	out := t.rawNode(A.Rows, A.Cols, a, r)
	C := A.Cols
	for i := 0; i < A.Rows; i++ {
		o, x := out.Value.Data[i*C:(i+1)*C], A.Data[i*C:(i+1)*C]
		for j := range o {
			o[j] = x[j] * R.Data[j]
		}
	}
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		for i := 0; i < A.Rows; i++ {
			g := out.Grad.Data[i*C : (i+1)*C]
			if a.Grad != nil {
				ga := a.Grad.Data[i*C : (i+1)*C]
				for j := range g {
					ga[j] += g[j] * R.Data[j]
				}
			}
			if r.Grad != nil {
				x := A.Data[i*C : (i+1)*C]
				for j := range g {
					r.Grad.Data[j] += g[j] * x[j]
				}
			}
		}
	})
}

// MulCol returns a ⊙ c with the B×1 column c multiplied into every column of a.
func (t *Tape[T]) MulCol(a, c *Node[T]) *Node[T] {
	A, K := a.Value, c.Value
	if K.Cols != 1 || K.Rows != A.Rows {
		panic(fmt.Sprintf("nn.MulCol: %s ⊙ column %s", A.shape(), K.shape()))
	}
	out := t.rawNode(A.Rows, A.Cols, a, c)
	C := A.Cols
	for i := 0; i < A.Rows; i++ {
		s := K.Data[i]
		o, x := out.Value.Data[i*C:(i+1)*C], A.Data[i*C:(i+1)*C]
		for j := range o {
			o[j] = x[j] * s
		}
	}
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		for i := 0; i < A.Rows; i++ {
			g := out.Grad.Data[i*C : (i+1)*C]
			if a.Grad != nil {
				s := K.Data[i]
				ga := a.Grad.Data[i*C : (i+1)*C]
				for j := range g {
					ga[j] += g[j] * s
				}
			}
			if c.Grad != nil {
				var sum T
				x := A.Data[i*C : (i+1)*C]
				for j := range g {
					sum += g[j] * x[j]
				}
				c.Grad.Data[i] += sum
			}
		}
	})
}

// MulConst returns a ⊙ m for a constant m of a's shape or a constant 1×C row.
func (t *Tape[T]) MulConst(a *Node[T], m *Mat[T]) *Node[T] {
	A := a.Value
	if !(m.Rows == A.Rows && m.Cols == A.Cols) && !(m.Rows == 1 && m.Cols == A.Cols) {
		panic(fmt.Sprintf("nn.MulConst: %s ⊙ %s", A.shape(), m.shape()))
	}
	out := t.rawNode(A.Rows, A.Cols, a)
	C := A.Cols
	at := func(k int) T {
		if m.Rows == 1 {
			return m.Data[k%C]
		}
		return m.Data[k]
	}
	for k, x := range A.Data {
		out.Value.Data[k] = x * at(k)
	}
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		for k, g := range out.Grad.Data {
			a.Grad.Data[k] += g * at(k)
		}
	})
}

// Add returns a + b.
func (t *Tape[T]) Add(a, b *Node[T]) *Node[T] {
	sameShape("Add", a.Value, b.Value)
	out := t.rawNode(a.Value.Rows, a.Value.Cols, a, b)
	o, av, bv := out.Value.Data, a.Value.Data, b.Value.Data
	parallelElems(len(o), func(lo, hi int) { sumInto(o[lo:hi], av[lo:hi], bv[lo:hi]) })
	if out.Grad == nil {
		return out
	}
	return t.recordClaiming(out, func() {
		g := out.Grad.Data
		// Claimed in order, so that Add(x, x) writes x's gradient once and
		// then adds to it.
		da, db := claimed(a), claimed(b)
		parallelElems(len(g), func(lo, hi int) {
			if a.Grad != nil {
				sumInto(a.Grad.Data[lo:hi], part(da, lo, hi), g[lo:hi])
			}
			if b.Grad != nil {
				sumInto(b.Grad.Data[lo:hi], part(db, lo, hi), g[lo:hi])
			}
		})
	})
}

// Sub returns a − b.
func (t *Tape[T]) Sub(a, b *Node[T]) *Node[T] {
	sameShape("Sub", a.Value, b.Value)
	out := t.rawNode(a.Value.Rows, a.Value.Cols, a, b)
	for i, x := range a.Value.Data {
		out.Value.Data[i] = x - b.Value.Data[i]
	}
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		if a.Grad != nil {
			addTo(a.Grad.Data, out.Grad.Data)
		}
		if b.Grad != nil {
			for i, g := range out.Grad.Data {
				b.Grad.Data[i] -= g
			}
		}
	})
}

// Mul returns the elementwise product a ⊙ b.
func (t *Tape[T]) Mul(a, b *Node[T]) *Node[T] {
	sameShape("Mul", a.Value, b.Value)
	out := t.rawNode(a.Value.Rows, a.Value.Cols, a, b)
	for i, x := range a.Value.Data {
		out.Value.Data[i] = x * b.Value.Data[i]
	}
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		for i, g := range out.Grad.Data {
			if a.Grad != nil {
				a.Grad.Data[i] += g * b.Value.Data[i]
			}
			if b.Grad != nil {
				b.Grad.Data[i] += g * a.Value.Data[i]
			}
		}
	})
}

// Scale returns s·a.
func (t *Tape[T]) Scale(a *Node[T], s float64) *Node[T] {
	out := t.rawNode(a.Value.Rows, a.Value.Cols, a)
	k := T(s)
	for i, x := range a.Value.Data {
		out.Value.Data[i] = k * x
	}
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		for i, g := range out.Grad.Data {
			a.Grad.Data[i] += k * g
		}
	})
}

// AddScalar returns a + s.
func (t *Tape[T]) AddScalar(a *Node[T], s float64) *Node[T] {
	out := t.rawNode(a.Value.Rows, a.Value.Cols, a)
	k := T(s)
	for i, x := range a.Value.Data {
		out.Value.Data[i] = x + k
	}
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() { addTo(a.Grad.Data, out.Grad.Data) })
}
