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
}

// Reset forgets the recorded operations and recycles their buffers.
func (t *Tape[T]) Reset() {
	clear(t.ops)
	t.ops = t.ops[:0]
	t.next = 0
	t.nextNode = 0
	t.nextF64 = 0
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

// rawNode is node with a value buffer that is not zeroed (see rawBuf);
// the gradient buffer still is, since backward passes accumulate into it.
func (t *Tape[T]) rawNode(r, c int, parents ...*Node[T]) *Node[T] {
	n := t.newNode(t.rawBuf(r, c))
	if t.NoGrad {
		return n
	}
	for _, p := range parents {
		if p.Grad != nil {
			n.Grad = t.buf(r, c)
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
	loss.Grad.Data[0] += 1
	for i := len(t.ops) - 1; i >= 0; i-- {
		t.ops[i].back()
	}
}

// Scalar returns the value of a 1×1 node.
func Scalar[T Float](n *Node[T]) float64 { return float64(n.Value.Data[0]) }

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
	return t.record(out, func() {
		G := out.Grad
		if a.Grad != nil {
			gemm(false, true, A.Rows, A.Cols, B.Cols, G.Data, G.Cols, B.Data, B.Cols, 1, a.Grad.Data, A.Cols)
		}
		if b.Grad != nil {
			gemm(true, false, B.Rows, B.Cols, A.Rows, A.Data, A.Cols, G.Data, G.Cols, 1, b.Grad.Data, B.Cols)
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
	return t.record(out, func() {
		if a.Grad != nil {
			addTo(a.Grad.Data, out.Grad.Data)
		}
		if r.Grad != nil {
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
	parallelElems(len(o), func(lo, hi int) {
		for i, x := range av[lo:hi] {
			o[lo+i] = x + bv[lo+i]
		}
	})
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		g := out.Grad.Data
		parallelElems(len(g), func(lo, hi int) {
			if a.Grad != nil {
				addTo(a.Grad.Data[lo:hi], g[lo:hi])
			}
			if b.Grad != nil {
				addTo(b.Grad.Data[lo:hi], g[lo:hi])
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

// ---- elementwise unary ops ----

// unary applies f elementwise; df returns dy/dx from x and y = f(x).
func (t *Tape[T]) unary(a *Node[T], f func(x float64) float64, df func(x, y float64) float64) *Node[T] {
	out := t.rawNode(a.Value.Rows, a.Value.Cols, a)
	for i, x := range a.Value.Data {
		out.Value.Data[i] = T(f(float64(x)))
	}
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		for i, g := range out.Grad.Data {
			if g != 0 {
				a.Grad.Data[i] += g * T(df(float64(a.Value.Data[i]), float64(out.Value.Data[i])))
			}
		}
	})
}

// Tanh returns tanh(a).
func (t *Tape[T]) Tanh(a *Node[T]) *Node[T] {
	return t.unary(a, math.Tanh, func(_, y float64) float64 { return 1 - y*y })
}

// Sigmoid returns 1/(1+e^−a).
func (t *Tape[T]) Sigmoid(a *Node[T]) *Node[T] {
	return t.unary(a, sigmoid, func(_, y float64) float64 { return y * (1 - y) })
}

// Relu returns max(a, 0). It is written out rather than built on unary
// because it dominates the elementwise cost of most networks.
func (t *Tape[T]) Relu(a *Node[T]) *Node[T] {
	out := t.rawNode(a.Value.Rows, a.Value.Cols, a)
	o, x := out.Value.Data, a.Value.Data
	parallelElems(len(o), func(lo, hi int) { reluForward(o[lo:hi], x[lo:hi]) })
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		ga, g := a.Grad.Data, out.Grad.Data
		parallelElems(len(g), func(lo, hi int) { reluBackward(ga[lo:hi], g[lo:hi], x[lo:hi]) })
	})
}

// LeakyRelu returns a for a > 0 and alpha·a otherwise.
func (t *Tape[T]) LeakyRelu(a *Node[T], alpha float64) *Node[T] {
	return t.unary(a, func(x float64) float64 {
		if x > 0 {
			return x
		}
		return alpha * x
	}, func(x, _ float64) float64 {
		if x > 0 {
			return 1
		}
		return alpha
	})
}

// Elu returns a for a > 0 and e^a − 1 otherwise.
func (t *Tape[T]) Elu(a *Node[T]) *Node[T] {
	return t.unary(a, func(x float64) float64 {
		if x > 0 {
			return x
		}
		return math.Expm1(x)
	}, func(x, y float64) float64 {
		if x > 0 {
			return 1
		}
		return y + 1
	})
}

// Exp returns e^a.
func (t *Tape[T]) Exp(a *Node[T]) *Node[T] {
	return t.unary(a, math.Exp, func(_, y float64) float64 { return y })
}

// Log returns ln a.
func (t *Tape[T]) Log(a *Node[T]) *Node[T] {
	return t.unary(a, math.Log, func(x, _ float64) float64 { return 1 / x })
}

// Softplus returns ln(1+e^a), computed stably.
func (t *Tape[T]) Softplus(a *Node[T]) *Node[T] {
	return t.unary(a, softplus, func(x, _ float64) float64 { return sigmoid(x) })
}

// Square returns a².
func (t *Tape[T]) Square(a *Node[T]) *Node[T] {
	return t.unary(a, func(x float64) float64 { return x * x }, func(x, _ float64) float64 { return 2 * x })
}

// Sqrt returns √a.
func (t *Tape[T]) Sqrt(a *Node[T]) *Node[T] {
	return t.unary(a, math.Sqrt, func(_, y float64) float64 { return 0.5 / y })
}

// Abs returns |a| (subgradient 0 at 0).
func (t *Tape[T]) Abs(a *Node[T]) *Node[T] {
	return t.unary(a, math.Abs, func(x, _ float64) float64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return 0
	})
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// Sigmoid and Softplus are exported for inference code outside tapes.
func SigmoidF(x float64) float64  { return sigmoid(x) }
func SoftplusF(x float64) float64 { return softplus(x) }

// ---- reductions and reshaping ----

// SumCols returns the B×1 column of row sums.
func (t *Tape[T]) SumCols(a *Node[T]) *Node[T] {
	A := a.Value
	out := t.rawNode(A.Rows, 1, a)
	for i := 0; i < A.Rows; i++ {
		var s T
		for _, x := range A.Data[i*A.Cols : (i+1)*A.Cols] {
			s += x
		}
		out.Value.Data[i] = s
	}
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		for i := 0; i < A.Rows; i++ {
			g := out.Grad.Data[i]
			ga := a.Grad.Data[i*A.Cols : (i+1)*A.Cols]
			for j := range ga {
				ga[j] += g
			}
		}
	})
}

// Sum returns the 1×1 sum of all elements.
func (t *Tape[T]) Sum(a *Node[T]) *Node[T] { return t.sumScaled(a, 1) }

// Mean returns the 1×1 mean of all elements.
func (t *Tape[T]) Mean(a *Node[T]) *Node[T] {
	return t.sumScaled(a, 1/float64(len(a.Value.Data)))
}

func (t *Tape[T]) sumScaled(a *Node[T], k float64) *Node[T] {
	out := t.rawNode(1, 1, a)
	var s float64
	for _, x := range a.Value.Data {
		s += float64(x)
	}
	out.Value.Data[0] = T(s * k)
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		g := out.Grad.Data[0] * T(k)
		for i := range a.Grad.Data {
			a.Grad.Data[i] += g
		}
	})
}

// SliceCols returns columns [from, to) of a.
func (t *Tape[T]) SliceCols(a *Node[T], from, to int) *Node[T] {
	A := a.Value
	if from < 0 || to > A.Cols || from > to {
		panic(fmt.Sprintf("nn.SliceCols: [%d,%d) of %s", from, to, A.shape()))
	}
	w := to - from
	out := t.rawNode(A.Rows, w, a)
	for i := 0; i < A.Rows; i++ {
		copy(out.Value.Data[i*w:(i+1)*w], A.Data[i*A.Cols+from:i*A.Cols+to])
	}
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		for i := 0; i < A.Rows; i++ {
			addTo(a.Grad.Data[i*A.Cols+from:i*A.Cols+to], out.Grad.Data[i*w:(i+1)*w])
		}
	})
}

// ConcatCols joins matrices with equal row counts side by side.
func (t *Tape[T]) ConcatCols(parts ...*Node[T]) *Node[T] {
	rows, cols := parts[0].Value.Rows, 0
	for _, p := range parts {
		if p.Value.Rows != rows {
			panic(fmt.Sprintf("nn.ConcatCols: %d rows and %d rows", rows, p.Value.Rows))
		}
		cols += p.Value.Cols
	}
	out := t.rawNode(rows, cols, parts...)
	off := 0
	for _, p := range parts {
		w := p.Value.Cols
		for i := 0; i < rows; i++ {
			copy(out.Value.Data[i*cols+off:i*cols+off+w], p.Value.Data[i*w:(i+1)*w])
		}
		off += w
	}
	if out.Grad == nil {
		return out
	}
	kept := append([]*Node[T](nil), parts...) // the caller may reuse its slice before Backward
	return t.record(out, func() {
		off := 0
		for _, p := range kept {
			w := p.Value.Cols
			if p.Grad != nil {
				for i := 0; i < rows; i++ {
					addTo(p.Grad.Data[i*w:(i+1)*w], out.Grad.Data[i*cols+off:i*cols+off+w])
				}
			}
			off += w
		}
	})
}

// PermuteCols returns a with columns reordered: out[:, j] = a[:, perm[j]].
func (t *Tape[T]) PermuteCols(a *Node[T], perm []int) *Node[T] {
	A := a.Value
	if len(perm) != A.Cols {
		panic(fmt.Sprintf("nn.PermuteCols: %d indices for %d columns", len(perm), A.Cols))
	}
	out := t.rawNode(A.Rows, A.Cols, a)
	C := A.Cols
	for i := 0; i < A.Rows; i++ {
		for j, p := range perm {
			out.Value.Data[i*C+j] = A.Data[i*C+p]
		}
	}
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		for i := 0; i < A.Rows; i++ {
			for j, p := range perm {
				a.Grad.Data[i*C+p] += out.Grad.Data[i*C+j]
			}
		}
	})
}

// LogSumExpCols returns the B×1 column log Σ_j exp(a_ij), computed stably.
func (t *Tape[T]) LogSumExpCols(a *Node[T]) *Node[T] {
	A := a.Value
	C := A.Cols
	out := t.rawNode(A.Rows, 1, a)
	for i := 0; i < A.Rows; i++ {
		out.Value.Data[i] = T(logSumExp(A.Data[i*C : (i+1)*C]))
	}
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		for i := 0; i < A.Rows; i++ {
			g, lse := float64(out.Grad.Data[i]), float64(out.Value.Data[i])
			row, ga := A.Data[i*C:(i+1)*C], a.Grad.Data[i*C:(i+1)*C]
			for j, x := range row {
				ga[j] += T(g * math.Exp(float64(x)-lse))
			}
		}
	})
}

// LogSoftmax returns a_ij − log Σ_k exp(a_ik) row by row.
func (t *Tape[T]) LogSoftmax(a *Node[T]) *Node[T] {
	A := a.Value
	C := A.Cols
	out := t.rawNode(A.Rows, C, a)
	for i := 0; i < A.Rows; i++ {
		row := A.Data[i*C : (i+1)*C]
		lse := logSumExp(row)
		o := out.Value.Data[i*C : (i+1)*C]
		for j, x := range row {
			o[j] = T(float64(x) - lse)
		}
	}
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		for i := 0; i < A.Rows; i++ {
			g, o := out.Grad.Data[i*C:(i+1)*C], out.Value.Data[i*C:(i+1)*C]
			var gs float64
			for _, x := range g {
				gs += float64(x)
			}
			ga := a.Grad.Data[i*C : (i+1)*C]
			for j := range ga {
				ga[j] += g[j] - T(gs*math.Exp(float64(o[j])))
			}
		}
	})
}

func logSumExp[T Float](x []T) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	if math.IsInf(m, 0) {
		return m
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}
