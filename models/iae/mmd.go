package iae

import "github.com/genbench/genbench/nn"

// mmdScales are the multipliers s of the inverse multiquadric kernel
// k(a, b) = Σ_s C_s/(C_s + ‖a−b‖²) with C_s = 2·k·s for k-dimensional
// codes: the scales of Tolstikhin et al.'s WAE-MMD (C = 2·d·σ² for a
// N(0, σ²I) prior, summed over s = 0.1 … 10), which cover both local and
// global mismatch of the code distribution.
var mmdScales = []float64{0.1, 0.2, 0.5, 1, 2, 5, 10}

// consts hands out constant matrices that stay valid until the next reset.
type consts[T nn.Float] struct {
	mats []*nn.Mat[T]
	next int
}

func (c *consts[T]) reset() { c.next = 0 }

// filled returns an r×c matrix owned by c with every element v.
func (c *consts[T]) filled(r, cols int, v T) *nn.Mat[T] {
	var m *nn.Mat[T]
	if c.next < len(c.mats) {
		m = c.mats[c.next]
		if cap(m.Data) < r*cols {
			m.Data = make([]T, r*cols)
		}
		m.Data, m.Rows, m.Cols = m.Data[:r*cols], r, cols
	} else {
		m = nn.NewMat[T](r, cols)
		c.mats = append(c.mats, m)
	}
	c.next++
	for i := range m.Data {
		m.Data[i] = v
	}
	return m
}

// sqDists returns the matrix of squared distances ‖a_i − b_j‖²
// = ‖a_i‖² + ‖b_j‖² − 2 a_i·b_j between the rows of a and of b.
func sqDists[T nn.Float](t *nn.Tape[T], a, b *nn.Node[T], c *consts[T]) *nn.Node[T] {
	na, nb := a.Value.Rows, b.Value.Rows
	ra := t.MatMul(t.SumCols(t.Square(a)), t.Const(c.filled(1, nb, 1)))              // ‖a_i‖² in every column
	rb := t.MatMul(t.Const(c.filled(na, 1, 1)), t.Transpose(t.SumCols(t.Square(b)))) // ‖b_j‖² in every row
	return t.Sub(t.Add(ra, rb), t.Scale(t.MatMul(a, t.Transpose(b)), 2))
}

// imqSum returns Σ_ij k(a_i, b_j) for the multi-scale inverse multiquadric
// kernel in dim dimensions.
func imqSum[T nn.Float](t *nn.Tape[T], a, b *nn.Node[T], dim int, c *consts[T]) *nn.Node[T] {
	d2 := sqDists(t, a, b, c)
	var total *nn.Node[T]
	for _, s := range mmdScales {
		cs := 2 * float64(dim) * s
		k := t.Scale(t.Sum(t.Recip(t.AddScalar(d2, cs))), cs)
		if total == nil {
			total = k
		} else {
			total = t.Add(total, k)
		}
	}
	return total
}

// mmd records the unbiased estimate of the squared maximum mean
// discrepancy between the rows of x and of y (each at least 2 rows) with
// the multi-scale inverse multiquadric kernel:
//
//	MMD² = Σ_{i≠j} k(xᵢ,xⱼ)/(n(n−1)) + Σ_{i≠j} k(yᵢ,yⱼ)/(m(m−1)) − 2 Σ_ij k(xᵢ,yⱼ)/(nm).
//
// The diagonal terms k(x,x) = len(mmdScales) are subtracted as constants.
func mmd[T nn.Float](t *nn.Tape[T], x, y *nn.Node[T], c *consts[T]) *nn.Node[T] {
	n, m := float64(x.Value.Rows), float64(y.Value.Rows)
	dim := x.Value.Cols
	diag := float64(len(mmdScales))
	kxx := t.Scale(t.AddScalar(imqSum(t, x, x, dim, c), -n*diag), 1/(n*(n-1)))
	kyy := t.Scale(t.AddScalar(imqSum(t, y, y, dim, c), -m*diag), 1/(m*(m-1)))
	kxy := t.Scale(imqSum(t, x, y, dim, c), -2/(n*m))
	return t.Add(t.Add(kxx, kyy), kxy)
}
