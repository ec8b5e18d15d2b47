package iae

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models/flow"
	"github.com/genbench/genbench/nn"
)

// evalChunk bounds the rows evaluated at once.
const evalChunk = 1024

// validChunk is the batch size of the MMD term in ValidationLoss (MMD is a
// statistic of a batch, so its value depends on the batch size).
const validChunk = 512

// evalStream is the PCG stream of ValidationLoss's fixed prior samples.
const evalStream = 0x696165 // "iae"

// IAE is an invertible autoencoder (Nguyen, Ardizzone & Köthe 2019): a
// coupling network f from x to a code z of the same size, trained so that
// the first K code coordinates carry the data (x ≈ f⁻¹(z[:K], 0)) and
// follow N(0, I), and the rest vanish.
//
// It embeds the flow.Flow of its transforms, whose LogProb (the density of
// the bijection under a full N(0, I_D) prior), NumParams, SetLR, Save and
// Load it uses as they are; TrainStep and Sample are the autoencoder's own.
type IAE[T nn.Float] struct {
	*flow.Flow[T]
	K                 int     // bottleneck: code coordinates kept
	ReconW, MMDW, L2W float64 // loss weights

	seed         uint64
	rng          *rand.Rand // over the flow's seeded source: init and prior samples
	train, run   nn.Tape[T]
	trainC, runC consts[T]
}

// Options are the architecture and loss settings of an IAE.
type Options struct {
	Dim, Bottleneck   int
	Layers            int
	Hidden            []int
	Act               nn.Activation
	ScaleBound        float64
	RandomPerm        bool
	ReconW, MMDW, L2W float64
	LR, ClipNorm      float64
	Seed              uint64
}

// Build makes an IAE: Layers affine couplings (flow.AffineCoupling,
// splitting at Dim/2), each followed by a permutation (flow.Reverse, or a
// seeded random one).
func Build[T nn.Float](o Options) (*IAE[T], error) {
	if o.Dim < 2 {
		return nil, fmt.Errorf("an invertible autoencoder needs at least 2 dimensions, data have %d", o.Dim)
	}
	if o.Bottleneck < 1 || o.Bottleneck > o.Dim {
		return nil, fmt.Errorf("bottleneck %d outside [1, %d]", o.Bottleneck, o.Dim)
	}
	if o.Layers < 1 {
		return nil, fmt.Errorf("%d coupling layers", o.Layers)
	}
	f := flow.New[T](o.Dim, o.Seed)
	m := &IAE[T]{Flow: f, K: o.Bottleneck, ReconW: o.ReconW, MMDW: o.MMDW, L2W: o.L2W, seed: o.Seed, rng: f.Rand()}
	for k := 0; k < o.Layers; k++ {
		f.Transforms = append(f.Transforms,
			flow.NewAffineCoupling(&f.Params, fmt.Sprintf("coupling%d", k), o.Dim, o.Dim/2, o.Hidden, o.Act, o.ScaleBound, m.rng))
		if o.RandomPerm {
			f.Transforms = append(f.Transforms, flow.RandomPermutation[T](o.Dim, m.rng))
		} else {
			f.Transforms = append(f.Transforms, flow.Reverse[T](o.Dim))
		}
	}
	f.Init(o.LR, o.ClipNorm)
	return m, nil
}

// encode records z = f(x).
func (m *IAE[T]) encode(t *nn.Tape[T], x *nn.Node[T]) *nn.Node[T] {
	for _, tr := range m.Transforms {
		x, _ = tr.Forward(t, x)
	}
	return x
}

// decode records x = f⁻¹(z); gradients flow through the inverse.
func (m *IAE[T]) decode(t *nn.Tape[T], z *nn.Node[T]) *nn.Node[T] {
	for k := len(m.Transforms) - 1; k >= 0; k-- {
		z, _ = m.Transforms[k].Inverse(t, z)
	}
	return z
}

// recon records the mean over rows of ‖x − f⁻¹(z[:k], 0)‖₁ for codes z = f(x).
func (m *IAE[T]) recon(t *nn.Tape[T], x, z *nn.Node[T], k int, c *consts[T]) *nn.Node[T] {
	rows := x.Value.Rows
	zr := z
	if k < m.Dim {
		zr = t.ConcatCols(t.SliceCols(z, 0, k), t.Const(c.filled(rows, m.Dim-k, 0)))
	}
	return t.Scale(t.Sum(t.Abs(t.Sub(m.decode(t, zr), x))), 1/float64(rows))
}

// terms are the parts of the training objective; L2 is nil when K = D.
type terms[T nn.Float] struct {
	Total, Recon, MMD, L2 *nn.Node[T]
}

// objective records the loss on the rows of x with prior samples (rows ×
// K standard normals):
//
//	recon_weight·mean‖x − f⁻¹(z[:K], 0)‖₁ + mmd_weight·MMD²(z[:K], prior) + l2_weight·mean‖z[K:]‖².
func (m *IAE[T]) objective(t *nn.Tape[T], x *nn.Node[T], prior *nn.Mat[T], c *consts[T]) terms[T] {
	rows := x.Value.Rows
	z := m.encode(t, x)
	var tm terms[T]
	tm.Recon = m.recon(t, x, z, m.K, c)
	tm.Total = t.Scale(tm.Recon, m.ReconW)
	zk := z
	if m.K < m.Dim {
		zk = t.SliceCols(z, 0, m.K)
		tm.L2 = t.Scale(t.Sum(t.Square(t.SliceCols(z, m.K, m.Dim))), 1/float64(rows))
		tm.Total = t.Add(tm.Total, t.Scale(tm.L2, m.L2W))
	}
	tm.MMD = mmd(t, zk, t.Const(prior), c)
	tm.Total = t.Add(tm.Total, t.Scale(tm.MMD, m.MMDW))
	return tm
}

// input copies rows [lo, hi) of x onto the tape.
func input[T nn.Float](t *nn.Tape[T], x *mat.Dense, lo, hi int) *nn.Node[T] {
	_, c := x.Dims()
	raw := x.RawMatrix()
	if raw.Stride == c {
		return t.Input(hi-lo, c, raw.Data[lo*c:hi*c])
	}
	vals := make([]float64, 0, (hi-lo)*c)
	for i := lo; i < hi; i++ {
		vals = append(vals, x.RawRowView(i)...)
	}
	return t.Input(hi-lo, c, vals)
}

// normals returns rows×cols standard normals from rng in a buffer of c.
func normals[T nn.Float](c *consts[T], rows, cols int, rng *rand.Rand) *nn.Mat[T] {
	p := c.filled(rows, cols, 0)
	for i := range p.Data {
		p.Data[i] = T(rng.NormFloat64())
	}
	return p
}

func (m *IAE[T]) check(x *mat.Dense, minRows int) error {
	if x == nil {
		return fmt.Errorf("no data")
	}
	r, c := x.Dims()
	if c != m.Dim {
		return fmt.Errorf("data have %d columns, model has %d", c, m.Dim)
	}
	if r < minRows {
		return fmt.Errorf("%d rows, need at least %d", r, minRows)
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// TrainStep implements models.Model: one Adam step on the objective of
// the batch (at least 2 rows, for the MMD), with as many prior samples
// drawn from the model's own seeded source. It returns the total loss.
func (m *IAE[T]) TrainStep(x *mat.Dense) (float64, error) {
	if err := m.check(x, 2); err != nil {
		return 0, err
	}
	r, _ := x.Dims()
	t, c := &m.train, &m.trainC
	t.Reset()
	c.reset()
	tm := m.objective(t, input(t, x, 0, r), normals(c, r, m.K, m.rng), c)
	return m.Opt.Minimize(t, tm.Total)
}

// Sample implements models.Model: codes with z[:K] ~ N(0, I) from rng and
// z[K:] = 0, through the inverse. (Flow.Invert checks for non-finite values.)
func (m *IAE[T]) Sample(n int, rng *rand.Rand) (*mat.Dense, error) {
	if n < 1 {
		return nil, fmt.Errorf("sample count %d", n)
	}
	z := make([]float64, n*m.Dim)
	for i := 0; i < n; i++ {
		for j := 0; j < m.K; j++ {
			z[i*m.Dim+j] = rng.NormFloat64()
		}
	}
	x, _, err := m.Invert(z, n)
	return x, err
}

// ValidationLoss implements models.Validator: the training objective on
// held-out x, in batches of 512 rows (the MMD term depends on the batch
// size) against prior samples from a fixed seeded source, the same on
// every call; averaged over rows. It is not a likelihood (LogProb is).
func (m *IAE[T]) ValidationLoss(x *mat.Dense) (float64, error) {
	if err := m.check(x, 2); err != nil {
		return 0, err
	}
	r, _ := x.Dims()
	rng := rand.New(rand.NewPCG(m.seed, evalStream))
	t, c := &m.run, &m.runC
	t.NoGrad = true
	var sum float64
	for lo := 0; lo < r; {
		hi := min(lo+validChunk, r)
		if r-hi == 1 {
			hi = r // no 1-row batch: MMD needs 2
		}
		t.Reset()
		c.reset()
		tm := m.objective(t, input(t, x, lo, hi), normals(c, hi-lo, m.K, rng), c)
		sum += nn.Scalar(tm.Total) * float64(hi-lo)
		lo = hi
	}
	v := sum / float64(r)
	if !finite(v) {
		return v, fmt.Errorf("non-finite validation loss %v", v)
	}
	return v, nil
}

// reconError returns the mean over rows of ‖x − f⁻¹(f(x)[:k], 0)‖₁ and of
// ‖f(x)[k:]‖².
func (m *IAE[T]) reconError(x *mat.Dense, k int) (l1, tail float64) {
	r, _ := x.Dims()
	t, c := &m.run, &m.runC
	t.NoGrad = true
	for lo := 0; lo < r; lo += evalChunk {
		hi := min(lo+evalChunk, r)
		t.Reset()
		c.reset()
		xn := input(t, x, lo, hi)
		z := m.encode(t, xn)
		l1 += nn.Scalar(m.recon(t, xn, z, k, c)) * float64(hi-lo)
		if k < m.Dim {
			tail += nn.Scalar(t.Sum(t.Square(t.SliceCols(z, k, m.Dim))))
		}
	}
	return l1 / float64(r), tail / float64(r)
}

// Diagnostics implements models.Diagnoser on x (rng is not used):
// "recon_error", the mean L1 reconstruction error per example at the
// bottleneck; "bottleneck", K; "recon_error_full", the same with all D
// coordinates kept (0 up to rounding: a check of invertibility);
// "tail_l2", the mean ‖z[K:]‖² that the L2 term drives to zero.
func (m *IAE[T]) Diagnostics(x *mat.Dense, _ *rand.Rand) (map[string]float64, error) {
	if err := m.check(x, 1); err != nil {
		return nil, err
	}
	rk, tail := m.reconError(x, m.K)
	rf, _ := m.reconError(x, m.Dim)
	out := map[string]float64{"recon_error": rk, "bottleneck": float64(m.K), "recon_error_full": rf, "tail_l2": tail}
	for k, v := range out {
		if !finite(v) {
			return out, fmt.Errorf("non-finite %s %v", k, v)
		}
	}
	return out, nil
}
