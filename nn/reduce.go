package nn

import (
	"fmt"
	"math"
)

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
	copyBlock(out.Value.Data, w, 0, A.Data, A.Cols, from, w, A.Rows)
	if out.Grad == nil {
		return out
	}
	return t.record(out, func() {
		for i := 0; i < A.Rows; i++ {
			addTo(a.Grad.Data[i*A.Cols+from:i*A.Cols+to], out.Grad.Data[i*w:(i+1)*w])
		}
	})
}

// narrowCols is the width below which a row's values are copied one by
// one: copy's call to memmove costs more than a few moves.
const narrowCols = 8

// copyBlock copies a rows × w block: row i of it is src[i*srcLd+srcOff:]
// and goes to dst[i*dstLd+dstOff:]. SliceCols and ConcatCols use it, one
// with a packed destination, the other with a packed source.
func copyBlock[T Float](dst []T, dstLd, dstOff int, src []T, srcLd, srcOff, w, rows int) {
	switch {
	case w == dstLd && w == srcLd:
		copy(dst[:rows*w], src[:rows*w])
	case w == 1:
		for i := 0; i < rows; i++ {
			dst[i*dstLd+dstOff] = src[i*srcLd+srcOff]
		}
	case w < narrowCols:
		for i := 0; i < rows; i++ {
			d, s := dst[i*dstLd+dstOff:i*dstLd+dstOff+w], src[i*srcLd+srcOff:i*srcLd+srcOff+w]
			for j := range d {
				d[j] = s[j]
			}
		}
	default:
		for i := 0; i < rows; i++ {
			copy(dst[i*dstLd+dstOff:i*dstLd+dstOff+w], src[i*srcLd+srcOff:i*srcLd+srcOff+w])
		}
	}
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
		copyBlock(out.Value.Data, cols, off, p.Value.Data, w, 0, w, rows)
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
