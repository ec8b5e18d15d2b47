package nn

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// MatInverse returns a⁻¹ for a small square matrix a (an invertible 1×1
// convolution's weight, run backwards). The inverse is computed in
// float64 by LU decomposition; its gradient is d(a⁻¹) = −a⁻¹ da a⁻¹, so
// the backward pass adds −a⁻ᵀ G a⁻ᵀ to a's gradient. A singular a panics.
func (t *Tape[T]) MatInverse(a *Node[T]) *Node[T] {
	A := a.Value
	if A.Rows != A.Cols {
		panic(fmt.Sprintf("nn.MatInverse: %s is not square", A.shape()))
	}
	n := A.Rows
	var inv mat.Dense
	if err := inv.Inverse(A.ToDense()); err != nil {
		panic(fmt.Sprintf("nn.MatInverse: %v", err))
	}
	out := t.rawNode(n, n, a)
	for i, v := range inv.RawMatrix().Data {
		out.Value.Data[i] = T(v)
	}
	if out.Grad == nil {
		return out
	}
	tmp, neg := t.buf(n, n), t.buf(n, n) // scratch for the backward pass
	return t.record(out, func() {
		// ga −= invᵀ · G · invᵀ
		gemm(true, false, n, n, n, out.Value.Data, n, out.Grad.Data, n, 0, tmp.Data, n)
		gemm(false, true, n, n, n, tmp.Data, n, out.Value.Data, n, 0, neg.Data, n)
		for i, v := range neg.Data {
			a.Grad.Data[i] -= v
		}
	})
}
