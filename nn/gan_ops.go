package nn

// Ops added for the GAN and invertible-autoencoder families: the critic's
// input gradient written as forward ops (WGAN-GP) needs weight transposes,
// and kernel two-sample statistics (MMD) need pairwise products and
// reciprocals.

// Transpose returns aᵀ.
func (t *Tape[T]) Transpose(a *Node[T]) *Node[T] {
	A := a.Value
	r, c := A.Rows, A.Cols
	out := t.node(c, r, a)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out.Value.Data[j*r+i] = A.Data[i*c+j]
		}
	}
	return t.record(out, func() {
		for i := 0; i < r; i++ {
			ga := a.Grad.Data[i*c : (i+1)*c]
			for j := range ga {
				ga[j] += out.Grad.Data[j*r+i]
			}
		}
	})
}

// Recip returns 1/a elementwise.
func (t *Tape[T]) Recip(a *Node[T]) *Node[T] {
	return t.unary(a, func(x float64) float64 { return 1 / x }, func(_, y float64) float64 { return -y * y })
}
