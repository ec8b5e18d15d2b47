package autoregressive

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/nn"
)

const halfLog2Pi = 0.9189385332046727 // ½·ln 2π

// evalChunk bounds the rows evaluated at once, so memory does not grow
// with the size of a test set; sampleChunk does the same for sampling.
const (
	evalChunk   = 1024
	sampleChunk = 256
)

// Output is the per-dimension conditional distribution of a MADE.
type Output int

// Outputs.
const (
	// Bernoulli: one logit per dimension (binary data).
	Bernoulli Output = iota
	// Gaussian: a mean and a bounded log-std per dimension.
	Gaussian
	// Mixture: K mixture weights (logits), means and bounded log-stds per
	// dimension.
	Mixture
)

func (o Output) String() string {
	return [...]string{"bernoulli", "gaussian", "mixture"}[o]
}

// blocks is how many parameter blocks of D·K columns the network emits.
func (o Output) blocks() int { return [...]int{1, 2, 3}[o] }

// MADE is a masked autoencoder for distribution estimation (Germain et al.
// 2015): an MLP whose connectivity masks make output j depend only on the
// inputs that come before j in an ordering, so that one pass gives every
// conditional p(x_j | x_<j) and the exact log-likelihood.
//
// With several masks (order-agnostic training), each training step uses
// the next mask of the cycle and the density is the ensemble
// p(x) = (1/M) Σ_k p_k(x), itself a normalised density; sampling draws a
// mask uniformly, then from that mask's model.
//
// The network emits Output.blocks() blocks of D·K columns; in each block,
// column j·K+k belongs to dimension j and mixture component k (K = 1 for
// Bernoulli and Gaussian outputs).
type MADE[T nn.Float] struct {
	Dim         int
	Hidden      []int
	Out         Output
	K           int     // mixture components; 1 unless Out is Mixture
	LogStdBound float64 // log-stds are bound·tanh(raw/bound)
	// Orders[m][i] is the 1-based position of input i under mask m;
	// Masks[m] are that mask's layer masks.
	Orders [][]int
	Masks  [][]*nn.Mat[T]
	Net    *nn.MLP[T]
	// Direct, when not nil, is a D×(blocks·D·K) input-to-output weight
	// matrix added to the network's output, masked by DirectMasks[m] so
	// that input i reaches only dimensions after it: the linear
	// autoregressive part (a logistic FVSBN for binary data) that Germain
	// et al.'s MNIST models have beside the hidden layers.
	Direct      *nn.Node[T]
	DirectMasks []*nn.Mat[T]
	Params      nn.ParamSet[T]
	Opt         *nn.Adam[T]

	src        *rand.PCG
	nextMask   []float64 // 1 element: index of the mask the next step uses
	train, run nn.Tape[T]
}

// MADEConfig describes a MADE.
type MADEConfig struct {
	Dim         int
	Hidden      []int
	Act         nn.Activation
	Out         Output
	Components  int     // mixture components (Mixture only)
	Masks       int     // ≥ 1
	Order       string  // first mask's order: natural, reversed or random
	Direct      bool    // add masked direct input-to-output weights
	LogStdBound float64 // continuous outputs
	LR          float64
	ClipNorm    float64
	Seed        uint64
}

// NewMADE builds a MADE with weights and masks drawn from its own source
// seeded by c.Seed. Mask 0 uses c.Order and deterministic hidden degrees
// covering 1..D−1 (nn.MADEMasks); further masks use random orders and random degrees, as in
// their order- and connectivity-agnostic training.
func NewMADE[T nn.Float](c MADEConfig) (*MADE[T], error) {
	if c.Dim < 1 {
		return nil, fmt.Errorf("made: data dimension %d", c.Dim)
	}
	if c.Masks < 1 {
		return nil, fmt.Errorf("made: %d masks, want at least 1", c.Masks)
	}
	k := 1
	if c.Out == Mixture {
		if c.Components < 1 {
			return nil, fmt.Errorf("made: %d mixture components", c.Components)
		}
		k = c.Components
	}
	m := &MADE[T]{
		Dim: c.Dim, Hidden: append([]int(nil), c.Hidden...), Out: c.Out, K: k,
		LogStdBound: c.LogStdBound,
		src:         rand.NewPCG(c.Seed, 0x6d616465),
		nextMask:    []float64{0},
	}
	rng := rand.New(m.src)
	outCols := c.Out.blocks() * c.Dim * k
	sizes := append(append([]int{c.Dim}, c.Hidden...), outCols)
	m.Net = nn.NewMLP(&m.Params, "made", sizes, c.Act, false, rng)
	if c.Direct {
		// Zero at the start, so training begins from the plain MADE; it
		// draws nothing from rng, so the masks match a MADE without it.
		m.Direct = m.Params.Add("made.direct", c.Dim, outCols)
	}
	for mk := 0; mk < c.Masks; mk++ {
		order := make([]int, c.Dim)
		switch {
		case mk > 0 || c.Order == "random":
			for i, p := range rng.Perm(c.Dim) {
				order[i] = p + 1
			}
		case c.Order == "reversed":
			for i := range order {
				order[i] = c.Dim - i
			}
		case c.Order == "natural" || c.Order == "":
			for i := range order {
				order[i] = i + 1
			}
		default:
			return nil, fmt.Errorf("made: unknown order %q (valid: natural, reversed, random)", c.Order)
		}
		var degRng *rand.Rand
		if mk > 0 {
			degRng = rng
		}
		m.Orders = append(m.Orders, order)
		m.Masks = append(m.Masks, nn.MADEMasks[T](order, c.Hidden, c.Out.blocks(), k, degRng))
		if c.Direct {
			m.DirectMasks = append(m.DirectMasks, nn.MADEDirectMask[T](order, c.Out.blocks(), k))
		}
	}
	m.Net.Masks = m.Masks[0]
	m.Opt = nn.NewAdam(&m.Params, c.LR)
	m.Opt.ClipNorm = c.ClipNorm
	return m, nil
}

// NumMasks returns the size of the mask ensemble.
func (m *MADE[T]) NumMasks() int { return len(m.Masks) }

// Forward records the network's output for mask mk: B×(blocks·D·K) raw
// conditional parameters (log-stds not yet bounded).
func (m *MADE[T]) Forward(t *nn.Tape[T], x *nn.Node[T], mk int) *nn.Node[T] {
	m.Net.Masks = m.Masks[mk]
	out := m.Net.Forward(t, x)
	if m.Direct != nil {
		out = t.Add(out, t.MaskedMatMul(x, m.Direct, m.DirectMasks[mk]))
	}
	return out
}

// view reinterprets a node's row-major storage as an r×c matrix, sharing
// both value and gradient: the consumers of the view accumulate straight
// into n's gradient, which n's own backward step then reads, because n
// was recorded before them. It needs no backward step of its own.
func view[T nn.Float](n *nn.Node[T], r, c int) *nn.Node[T] {
	if r*c != len(n.Value.Data) {
		panic(fmt.Sprintf("autoregressive: view of %d values as %d×%d", len(n.Value.Data), r, c))
	}
	v := &nn.Node[T]{Value: &nn.Mat[T]{Rows: r, Cols: c, Data: n.Value.Data}}
	if n.Grad != nil {
		v.Grad = &nn.Mat[T]{Rows: r, Cols: c, Data: n.Grad.Data}
	}
	return v
}

// bounded maps raw log-stds to bound·tanh(raw/bound).
func bounded[T nn.Float](t *nn.Tape[T], raw *nn.Node[T], bound float64) *nn.Node[T] {
	if bound <= 0 || math.IsInf(bound, 1) {
		return raw
	}
	return t.Scale(t.Tanh(t.Scale(raw, 1/bound)), bound)
}

// logProb records log p_mk(x) for each row of x as a B×1 column.
func (m *MADE[T]) logProb(t *nn.Tape[T], x *nn.Mat[T], mk int) *nn.Node[T] {
	out := m.Forward(t, t.Const(x), mk)
	d, k, b := m.Dim, m.K, x.Rows
	switch m.Out {
	case Bernoulli:
		return t.SumCols(t.BernoulliLogLik(out, x))
	case Gaussian:
		mu := t.SliceCols(out, 0, d)
		a := bounded(t, t.SliceCols(out, d, 2*d), m.LogStdBound)
		z := t.Mul(t.Sub(t.Const(x), mu), t.Exp(t.Scale(a, -1)))
		lp := t.Add(t.Scale(t.SumCols(t.Square(z)), -0.5), t.Scale(t.SumCols(a), -1))
		return t.AddScalar(lp, -float64(d)*halfLog2Pi)
	}
	// Mixture: log Σ_c π_c N(x_j; μ_jc, σ_jc²) per dimension, via views of
	// the B×(D·K) blocks as (B·D)×K so that the sums over components are
	// row operations.
	dk := d * k
	logits := t.SliceCols(out, 0, dk)
	mu := t.SliceCols(out, dk, 2*dk)
	a := bounded(t, t.SliceCols(out, 2*dk, 3*dk), m.LogStdBound)
	xr := repeatEach(x, k)
	z := t.Mul(t.Sub(t.Const(xr), mu), t.Exp(t.Scale(a, -1)))
	comp := t.Sub(t.Scale(t.Square(z), -0.5), a) // log N up to −½ log 2π
	logw := t.LogSoftmax(view(logits, b*d, k))
	perDim := t.LogSumExpCols(t.Add(view(comp, b*d, k), logw)) // (B·D)×1
	return t.AddScalar(t.SumCols(view(perDim, b, d)), -float64(d)*halfLog2Pi)
}

// repeatEach returns x with each column repeated k times in place
// (B×D → B×(D·k), column j·k+c = x_j).
func repeatEach[T nn.Float](x *nn.Mat[T], k int) *nn.Mat[T] {
	if k == 1 {
		return x
	}
	out := nn.NewMat[T](x.Rows, x.Cols*k)
	for i, v := range x.Data {
		for c := 0; c < k; c++ {
			out.Data[i*k+c] = v
		}
	}
	return out
}

func (m *MADE[T]) checkCols(x *mat.Dense, what string) (int, error) {
	return models.CheckCols(x, m.Dim, "made", what)
}

// TrainStep implements models.Model: one Adam step on the mean NLL under
// the next mask of the cycle.
func (m *MADE[T]) TrainStep(x *mat.Dense) (float64, error) {
	if _, err := m.checkCols(x, "batch"); err != nil {
		return 0, err
	}
	mk := int(m.nextMask[0])
	m.nextMask[0] = float64((mk + 1) % len(m.Masks))
	t := &m.train
	t.Reset()
	loss := t.Scale(t.Mean(m.logProb(t, t.FromDense(x), mk)), -1)
	t.Backward(loss)
	l := nn.Scalar(loss)
	if math.IsNaN(l) || math.IsInf(l, 0) {
		m.Params.ZeroGrad()
		return l, fmt.Errorf("made: non-finite loss %v", l)
	}
	if _, err := m.Opt.Step(); err != nil {
		return l, fmt.Errorf("made: %w", err)
	}
	return l, nil
}

// LogProb implements models.Density: the exact log-likelihood, one pass
// per mask; with several masks, log (1/M) Σ_k p_k(x).
func (m *MADE[T]) LogProb(x *mat.Dense) ([]float64, error) {
	r, err := m.checkCols(x, "data")
	if err != nil {
		return nil, err
	}
	out := make([]float64, 0, r)
	t := &m.run
	t.NoGrad = true
	per := make([]float64, len(m.Masks))
	for lo := 0; lo < r; lo += evalChunk {
		hi := min(lo+evalChunk, r)
		xc := nn.FromDense[T](x.Slice(lo, hi, 0, m.Dim))
		lps := make([][]float64, len(m.Masks))
		for mk := range m.Masks {
			t.Reset()
			lps[mk] = m.logProb(t, xc, mk).Value.Float64s()
		}
		for i := 0; i < hi-lo; i++ {
			for mk := range m.Masks {
				per[mk] = lps[mk][i]
			}
			out = append(out, metrics.LogMeanExp(per))
		}
	}
	return out, nil
}

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
	bound := func(raw T) float64 {
		if m.LogStdBound <= 0 {
			return float64(raw)
		}
		return m.LogStdBound * math.Tanh(float64(raw)/m.LogStdBound)
	}
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
		// A unit of degree g sees the inputs at positions 1..g, so its
		// degree is its count of connections. Sort units by degree;
		// below[p] counts units of degree < p.
		deg := make([]int, h)
		for i := 0; i < d; i++ {
			for u := 0; u < h; u++ {
				if masks[0].At(i, u) != 0 {
					deg[u]++
				}
			}
		}
		below := make([]int, d+2)
		for _, g := range deg {
			below[g+1]++
		}
		for p := 1; p < len(below); p++ {
			below[p] += below[p-1]
		}
		perm := make([]int, h) // perm[slot] = unit
		next := append([]int(nil), below[:d+1]...)
		for u, g := range deg {
			perm[next[g]] = u
			next[g]++
		}
		// Masked weights in sorted unit order; the output layer transposed
		// so that the weights into one output are contiguous.
		w1m := nn.NewMat[T](d, h)
		for i := 0; i < d; i++ {
			for s, u := range perm {
				w1m.Data[i*h+s] = w1.Data[i*h+u] * masks[0].Data[i*h+u]
			}
		}
		nout := w2.Cols
		w2t := nn.NewMat[T](nout, h)
		for s, u := range perm {
			for c := 0; c < nout; c++ {
				w2t.Data[c*h+s] = w2.Data[u*nout+c] * masks[1].Data[u*nout+c]
			}
		}
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

// NumParams implements models.Model: the weights that some mask leaves
// connected, and the biases.
func (m *MADE[T]) NumParams() int {
	n := 0
	for l := range m.Net.W {
		layer := make([]*nn.Mat[T], len(m.Masks))
		for mk, masks := range m.Masks {
			layer[mk] = masks[l]
		}
		n += liveWeights(layer) + len(m.Net.B[l].Value.Data)
	}
	if m.Direct != nil {
		n += liveWeights(m.DirectMasks)
	}
	return n
}

// liveWeights counts the positions that at least one of the masks keeps.
func liveWeights[T nn.Float](masks []*nn.Mat[T]) int {
	live := 0
	for i := range masks[0].Data {
		for _, mask := range masks {
			if mask.Data[i] != 0 {
				live++
				break
			}
		}
	}
	return live
}

// SetLR implements models.LRSetter.
func (m *MADE[T]) SetLR(lr float64) { m.Opt.LR = lr }

func (m *MADE[T]) checkpoint() nn.Checkpoint[T] {
	return nn.Checkpoint[T]{Params: &m.Params, Opt: m.Opt, RNG: m.src,
		Extra: map[string][]float64{"next_mask": m.nextMask}}
}

// Save implements models.Model: parameters, optimiser, random state and
// the position in the mask cycle.
func (m *MADE[T]) Save(w io.Writer) error {
	if err := m.checkpoint().Save(w); err != nil {
		return fmt.Errorf("made: %w", err)
	}
	return nil
}

// Load implements models.Model.
func (m *MADE[T]) Load(r io.Reader) error {
	if err := m.checkpoint().Load(r); err != nil {
		return fmt.Errorf("made: %w", err)
	}
	if k := int(m.nextMask[0]); k < 0 || k >= len(m.Masks) {
		return fmt.Errorf("made: saved mask index %d, model has %d masks", k, len(m.Masks))
	}
	return nil
}
