package autoregressive

import (
	"fmt"
	"io"
	"math/rand/v2"

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

// logProb records log p_mk(x) for each row of x as a B×1 column.
func (m *MADE[T]) logProb(t *nn.Tape[T], x *nn.Mat[T], mk int) *nn.Node[T] {
	out := m.Forward(t, t.Const(x), mk)
	d, k, b := m.Dim, m.K, x.Rows
	switch m.Out {
	case Bernoulli:
		return t.SumCols(t.BernoulliLogLik(out, x))
	case Gaussian:
		mu := t.SliceCols(out, 0, d)
		a := t.SoftClamp(t.SliceCols(out, d, 2*d), m.LogStdBound)
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
	a := t.SoftClamp(t.SliceCols(out, 2*dk, 3*dk), m.LogStdBound)
	xr := repeatEach(x, k)
	z := t.Mul(t.Sub(t.Const(xr), mu), t.Exp(t.Scale(a, -1)))
	comp := t.Sub(t.Scale(t.Square(z), -0.5), a) // log N up to −½ log 2π
	logw := t.LogSoftmax(nn.View(logits, b*d, k))
	perDim := t.LogSumExpCols(t.Add(nn.View(comp, b*d, k), logw)) // (B·D)×1
	return t.AddScalar(t.SumCols(nn.View(perDim, b, d)), -float64(d)*halfLog2Pi)
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
	l, err := m.Opt.Minimize(t, loss)
	if err != nil {
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
