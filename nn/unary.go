package nn

import "math"

// ---- elementwise unary ops ----

// unary applies f elementwise; df returns dy/dx from x and y = f(x).
func (t *Tape[T]) unary(a *Node[T], f func(x float64) float64, df func(x, y float64) float64) *Node[T] {
	out := t.rawNode(a.Value.Rows, a.Value.Cols, a)
	for i, x := range a.Value.Data {
		out.Value.Data[i] = T(f(float64(x)))
	}
	return t.recordUnaryBack(a, out, df)
}

// Tanh returns tanh(a).
func (t *Tape[T]) Tanh(a *Node[T]) *Node[T] {
	return t.unary(a, math.Tanh, func(_, y float64) float64 { return 1 - y*y })
}

// Sigmoid returns 1/(1+e^−a).
func (t *Tape[T]) Sigmoid(a *Node[T]) *Node[T] {
	out := t.rawNode(a.Value.Rows, a.Value.Cols, a)
	expElems(out.Value.Data, a.Value.Data, true)
	return t.recordUnaryBack(a, out, func(_, y float64) float64 { return y * (1 - y) })
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
	return t.recordClaiming(out, func() {
		ga, g, acc := a.Grad.Data, out.Grad.Data, !a.claim()
		parallelElems(len(g), func(lo, hi int) { reluBackward(ga[lo:hi], g[lo:hi], x[lo:hi], acc) })
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
	out := t.rawNode(a.Value.Rows, a.Value.Cols, a)
	expElems(out.Value.Data, a.Value.Data, false)
	return t.recordUnaryBack(a, out, func(_, y float64) float64 { return y })
}

// recordUnaryBack records unary's backward for out = f(a).
func (t *Tape[T]) recordUnaryBack(a, out *Node[T], df func(x, y float64) float64) *Node[T] {
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

// elemChunk is how many values expElems converts to float64 at a time.
const elemChunk = 256

// expElems sets dst[i] = T(math.Exp(x)) for x = float64(src[i]), or, with
// sig, T(sigmoid(x)) from e = math.Exp(−|x|) (sigmoidFrom): the same
// values as the scalar functions, the exponentials taken by expInto.
func expElems[T Float](dst, src []T, sig bool) {
	var buf [elemChunk]float64
	for lo := 0; lo < len(src); lo += elemChunk {
		xs := src[lo:min(lo+elemChunk, len(src))]
		b := buf[:len(xs)]
		for i, v := range xs {
			if sig {
				b[i] = -math.Abs(float64(v))
			} else {
				b[i] = float64(v)
			}
		}
		expInto(b, b)
		d := dst[lo : lo+len(xs)]
		if sig {
			for i, v := range xs {
				d[i] = T(sigmoidFrom(float64(v), b[i]))
			}
			continue
		}
		for i, e := range b {
			d[i] = T(e)
		}
	}
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
