package autoregressive

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/genbench/genbench/nn"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Sampling from a MADE: the noise drawn up front, then one network pass
// per dimension (naive) or incremental passes that reuse the hidden units.

// noise is the randomness of a chunk of samples, drawn before any
// network pass so that every sampler consumes rng identically: row by
// row, the row's mask (with several masks), then per dimension in index
// order a uniform u (Bernoulli and mixture outputs) and a standard
// normal e (continuous outputs).
type noise struct {
	mask []int
	u, e []float64 // n×D, row-major
}

func (m *MADE[T]) drawNoise(n int, rng *rand.Rand) noise {
	nz := noise{mask: make([]int, n)}
	if m.Out != Gaussian {
		nz.u = make([]float64, n*m.Dim)
	}
	if m.Out != Bernoulli {
		nz.e = make([]float64, n*m.Dim)
	}
	for r := 0; r < n; r++ {
		if len(m.Masks) > 1 {
			nz.mask[r] = rng.IntN(len(m.Masks))
		}
		for j := 0; j < m.Dim; j++ {
			if nz.u != nil {
				nz.u[r*m.Dim+j] = rng.Float64()
			}
			if nz.e != nil {
				nz.e[r*m.Dim+j] = rng.NormFloat64()
			}
		}
	}
	return nz
}

// draw turns dimension j's raw conditional parameters into a value, with
// the noise of row r. par(b, c) returns block b, component c.
func (m *MADE[T]) draw(nz noise, r, j int, par func(b, c int) T) float64 {
	idx := r*m.Dim + j
	bound := func(raw T) float64 { return nn.SoftClampF(float64(raw), m.LogStdBound) }
	switch m.Out {
	case Bernoulli:
		if nz.u[idx] < nn.SigmoidF(float64(par(0, 0))) {
			return 1
		}
		return 0
	case Gaussian:
		return float64(par(0, 0)) + math.Exp(bound(par(1, 0)))*nz.e[idx]
	}
	mx := math.Inf(-1)
	for c := 0; c < m.K; c++ {
		mx = math.Max(mx, float64(par(0, c)))
	}
	var total float64
	for c := 0; c < m.K; c++ {
		total += math.Exp(float64(par(0, c)) - mx)
	}
	pick, acc := m.K-1, 0.0
	for c := 0; c < m.K; c++ {
		acc += math.Exp(float64(par(0, c))-mx) / total
		if nz.u[idx] < acc {
			pick = c
			break
		}
	}
	return float64(par(1, pick)) + math.Exp(bound(par(2, pick)))*nz.e[idx]
}

// inverse returns, for mask mk, the input index at each 1-based position.
func (m *MADE[T]) inverse(mk int) []int {
	inv := make([]int, m.Dim)
	for i, p := range m.Orders[mk] {
		inv[p-1] = i
	}
	return inv
}

// sampleWith draws n examples in chunks of sampleChunk rows: it draws a
// chunk's noise, then runs sampler on the chunk's rows that share each
// mask (row indices local to the chunk, out the chunk's rows).
func (m *MADE[T]) sampleWith(n int, rng *rand.Rand, sampler func(nz noise, rows []int, mk int, out *mat.Dense)) (*mat.Dense, error) {
	if n < 1 {
		return nil, fmt.Errorf("made: sample count %d", n)
	}
	out := mat.NewDense(n, m.Dim, nil)
	for lo := 0; lo < n; lo += sampleChunk {
		hi := min(lo+sampleChunk, n)
		nz := m.drawNoise(hi-lo, rng)
		chunk := out.Slice(lo, hi, 0, m.Dim).(*mat.Dense)
		for mk := range m.Masks {
			var rows []int
			for r, k := range nz.mask {
				if k == mk {
					rows = append(rows, r)
				}
			}
			if len(rows) > 0 {
				sampler(nz, rows, mk, chunk)
			}
		}
	}
	for _, v := range out.RawMatrix().Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return out, fmt.Errorf("made: non-finite sample value %v", v)
		}
	}
	return out, nil
}

// Sample implements models.Model. A MADE with one hidden layer uses
// SampleIncremental, others SampleNaive; both give the same samples.
func (m *MADE[T]) Sample(n int, rng *rand.Rand) (*mat.Dense, error) {
	if len(m.Hidden) == 1 {
		return m.SampleIncremental(n, rng)
	}
	return m.SampleNaive(n, rng)
}

// SampleNaive draws n examples with D full network passes: pass p fixes
// the coordinate at position p of the order, whose conditional depends
// only on coordinates fixed before it. Cost O(D²·H) per example.
func (m *MADE[T]) SampleNaive(n int, rng *rand.Rand) (*mat.Dense, error) {
	return m.sampleWith(n, rng, func(nz noise, rows []int, mk int, out *mat.Dense) {
		d, k := m.Dim, m.K
		x := nn.NewMat[T](len(rows), d)
		t := &m.run
		t.NoGrad = true
		for _, j := range m.inverse(mk) {
			t.Reset()
			o := m.Forward(t, t.Const(x), mk).Value
			for i, r := range rows {
				row := o.Row(i)
				v := m.draw(nz, r, j, func(b, c int) T { return row[(b*d+j)*k+c] })
				x.Set(i, j, T(v))
			}
		}
		for i, r := range rows {
			for j := 0; j < d; j++ {
				out.Set(r, j, float64(x.At(i, j)))
			}
		}
	})
}

// SampleIncremental draws the same samples as SampleNaive for a MADE with
// one hidden layer, without recomputing what has not changed. Each
// example keeps its hidden pre-activation a = b₁ + Σ_i x_i·W₁[i,:]; once
// the coordinate at position p is drawn, only the units that see it
// (degree ≥ p) get the rank-1 term x_i·W₁[i,:], and the conditional of
// position p reads only the units of degree < p, whose activations are
// final by then and are computed once. With the units sorted by degree
// both sets are contiguous, so a step costs O(H) instead of the O(D·H)
// of a full pass.
func (m *MADE[T]) SampleIncremental(n int, rng *rand.Rand) (*mat.Dense, error) {
	if len(m.Hidden) != 1 {
		return nil, fmt.Errorf("made: incremental sampling needs exactly one hidden layer, model has %d", len(m.Hidden))
	}
	return m.sampleWith(n, rng, func(nz noise, rows []int, mk int, out *mat.Dense) {
		d, k, h := m.Dim, m.K, m.Hidden[0]
		masks := m.Masks[mk]
		w1, b1 := m.Net.W[0].Value, m.Net.B[0].Value.Data
		w2, b2 := m.Net.W[1].Value, m.Net.B[1].Value.Data
		below, perm := unitsByDegree(masks[0], d, h)
		w1m, w2t := sortedWeights(masks, w1, w2, perm)
		nout := w2.Cols
		r := len(rows)
		pre := nn.NewMat[T](r, h)
		act := nn.NewMat[T](r, h)
		// With direct weights, each example also keeps direct = Σ x_i·Wd[i,:]
		// over the coordinates drawn so far, which the mask confines to
		// the outputs of later positions.
		var wdm, direct *nn.Mat[T]
		if m.Direct != nil {
			wdm = nn.NewMat[T](d, nout)
			for i, v := range m.Direct.Value.Data {
				wdm.Data[i] = v * m.DirectMasks[mk].Data[i]
			}
			direct = nn.NewMat[T](r, nout)
		}
		for i := 0; i < r; i++ {
			for s, u := range perm {
				pre.Data[i*h+s] = b1[u]
			}
		}
		vals := make([]T, m.Out.blocks()*k)
		for p, j := range m.inverse(mk) {
			pos := p + 1
			// Units of degree pos−1 saw their last input at the previous
			// step: their activations are final now.
			lo, hi := below[pos-1], below[pos]
			for i := 0; i < r; i++ {
				a, ac := pre.Row(i), act.Row(i)
				for s := lo; s < hi; s++ {
					ac[s] = T(actF(m.Net.Act, float64(a[s])))
				}
			}
			live := below[pos] // units of degree < pos feed this output
			for i, row := range rows {
				ac := act.Row(i)[:live]
				for b := 0; b < m.Out.blocks(); b++ {
					for c := 0; c < k; c++ {
						col := (b*d+j)*k + c
						vals[b*k+c] = b2[col] + dot(ac, w2t.Row(col)[:live])
						if direct != nil {
							vals[b*k+c] += direct.At(i, col)
						}
					}
				}
				v := T(m.draw(nz, row, j, func(b, c int) T { return vals[b*k+c] }))
				out.Set(row, j, float64(v))
				if v != 0 && live < h {
					axpy(v, w1m.Row(j)[live:], pre.Row(i)[live:])
				}
				if v != 0 && direct != nil {
					axpy(v, wdm.Row(j), direct.Row(i))
				}
			}
		}
	})
}

// dot returns Σ a_i·b_i with the BLAS kernel of T.
func dot[T nn.Float](a, b []T) T {
	if len(a) == 0 {
		return 0
	}
	switch x := any(a).(type) {
	case []float64:
		return T(blas64.Implementation().Ddot(len(x), x, 1, any(b).([]float64), 1))
	case []float32:
		return T(blas32.Implementation().Sdot(len(x), x, 1, any(b).([]float32), 1))
	}
	panic("unreachable")
}

// axpy adds alpha·x to y with the BLAS kernel of T.
func axpy[T nn.Float](alpha T, x, y []T) {
	switch xx := any(x).(type) {
	case []float64:
		blas64.Implementation().Daxpy(len(xx), float64(alpha), xx, 1, any(y).([]float64), 1)
	case []float32:
		blas32.Implementation().Saxpy(len(xx), float32(alpha), xx, 1, any(y).([]float32), 1)
	}
}

// actF is the scalar form of nn.Apply's activations.
func actF(a nn.Activation, x float64) float64 {
	switch a {
	case nn.ActTanh:
		return math.Tanh(x)
	case nn.ActElu:
		if x > 0 {
			return x
		}
		return math.Expm1(x)
	case nn.ActLeaky:
		if x > 0 {
			return x
		}
		return 0.2 * x
	}
	return math.Max(x, 0)
}

// unitsByDegree sorts the hidden units of a one-hidden-layer MADE by
// degree, given the D×H input mask. A unit of degree g sees the inputs at
// positions 1..g, so its degree is its count of connections. below[p]
// counts the units of degree < p; perm[slot] is the unit in that slot.
func unitsByDegree[T nn.Float](mask *nn.Mat[T], d, h int) (below, perm []int) {
	deg := make([]int, h)
	for i := 0; i < d; i++ {
		for u := 0; u < h; u++ {
			if mask.At(i, u) != 0 {
				deg[u]++
			}
		}
	}
	below = make([]int, d+2)
	for _, g := range deg {
		below[g+1]++
	}
	for p := 1; p < len(below); p++ {
		below[p] += below[p-1]
	}
	perm = make([]int, h)
	next := append([]int(nil), below[:d+1]...)
	for u, g := range deg {
		perm[next[g]] = u
		next[g]++
	}
	return below, perm
}

// sortedWeights returns the masked weights in the unit order perm: the
// input layer (D×H), and the output layer transposed (outputs×H) so that
// the weights into one output are contiguous.
func sortedWeights[T nn.Float](masks []*nn.Mat[T], w1, w2 *nn.Mat[T], perm []int) (w1m, w2t *nn.Mat[T]) {
	d, h, nout := w1.Rows, w1.Cols, w2.Cols
	w1m = nn.NewMat[T](d, h)
	for i := 0; i < d; i++ {
		for s, u := range perm {
			w1m.Data[i*h+s] = w1.Data[i*h+u] * masks[0].Data[i*h+u]
		}
	}
	w2t = nn.NewMat[T](nout, h)
	for s, u := range perm {
		for c := 0; c < nout; c++ {
			w2t.Data[c*h+s] = w2.Data[u*nout+c] * masks[1].Data[u*nout+c]
		}
	}
	return w1m, w2t
}
