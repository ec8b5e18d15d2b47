package glow

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/nn"
)

const halfLog2Pi = 0.9189385332046727 // ½·ln 2π

// evalChunk bounds the images evaluated or sampled at once: a pass holds
// a few dozen feature maps of hidden×H·W values per image and the
// convolutions' im2col buffers (about 100 MB in float32 for 128 MNIST
// images with 64 hidden channels).
const evalChunk = 128

// Config describes a Glow model.
type Config struct {
	Shape       nn.ImageShape
	Levels      int     // squeeze levels; H and W must be divisible by 2^Levels
	Steps       int     // steps (actnorm, 1×1 convolution, coupling) per level
	Hidden      int     // feature channels of the coupling networks
	MinScale    float64 // floor on the couplings' scales, in [0, 1)
	Temperature float64 // standard deviation of the base noise when sampling
	LR          float64
	ClipNorm    float64
	Net         NetOptions // details of the coupling and prior networks
	LearnTop    bool       // a learned Gaussian prior on the last level (TopPrior)
	Seed        uint64
}

// Glow is the multi-scale flow: a chain of transforms (see the package
// documentation) with a standard normal base, trained by maximum
// likelihood with Adam.
type Glow[T nn.Float] struct {
	Shape       nn.ImageShape
	Temperature float64
	Flow        Chain[T]
	ActNorms    []*ActNorm[T]
	InvConvs    []*InvConv[T]
	Params      nn.ParamSet[T]
	Opt         *nn.Adam[T]

	src        *rand.PCG
	train, run nn.Tape[T]
}

// New builds a Glow model with weights drawn from its own source seeded
// by c.Seed.
func New[T nn.Float](c Config) (*Glow[T], error) {
	s := c.Shape
	if s.C < 1 || s.H < 1 || s.W < 1 {
		return nil, fmt.Errorf("glow: image shape %s", s)
	}
	if c.Levels < 1 || c.Steps < 1 || c.Hidden < 1 {
		return nil, fmt.Errorf("glow: levels %d, steps %d, hidden %d: each must be at least 1", c.Levels, c.Steps, c.Hidden)
	}
	if f := 1 << c.Levels; s.H%f != 0 || s.W%f != 0 {
		return nil, fmt.Errorf("glow: %d levels squeeze the image %d times, so its height and width must be divisible by %d; images are %s (use fewer levels)", c.Levels, c.Levels, f, s)
	}
	if !(c.MinScale >= 0 && c.MinScale < 1) {
		return nil, fmt.Errorf("glow: min_scale %v, want a number in [0, 1)", c.MinScale)
	}
	if !(c.Temperature > 0) || math.IsInf(c.Temperature, 0) {
		return nil, fmt.Errorf("glow: temperature %v, want a positive finite number", c.Temperature)
	}
	g := &Glow[T]{Shape: s, Temperature: c.Temperature, src: rand.NewPCG(c.Seed, 0x676c6f77)}
	g.Flow = g.level(s, 0, c, rand.New(g.src))
	g.Opt = nn.NewAdam(&g.Params, c.LR)
	g.Opt.ClipNorm = c.ClipNorm
	return g, nil
}

// level builds level k for images of shape s: squeeze, steps, and, below
// the last level, the factor-out prior and the next levels on the kept
// channels.
func (g *Glow[T]) level(s nn.ImageShape, k int, c Config, rng *rand.Rand) Chain[T] {
	s4 := squeezed(s)
	chain := Chain[T]{NewSqueeze[T](s)}
	for step := 0; step < c.Steps; step++ {
		name := fmt.Sprintf("level%d.step%d", k, step)
		an := NewActNorm(&g.Params, name+".actnorm", s4)
		ic := NewInvConv(&g.Params, name+".invconv", s4, rng)
		g.ActNorms, g.InvConvs = append(g.ActNorms, an), append(g.InvConvs, ic)
		cp := NewCoupling(&g.Params, name+".coupling", s4, c.Hidden, c.MinScale, c.Net, rng)
		g.ActNorms = append(g.ActNorms, cp.ActNorms()...)
		chain = append(chain, an, ic, cp)
	}
	if k+1 == c.Levels && c.LearnTop {
		chain = append(chain, NewTopPrior(&g.Params, fmt.Sprintf("level%d.top", k), s4.Size()))
	}
	if k+1 < c.Levels {
		sp := NewSplitPrior(&g.Params, fmt.Sprintf("level%d.split", k), s4, c.Net, rng)
		kept := sp.KeptShape()
		chain = append(chain, sp, &Prefix[T]{N: kept.Size(), Inner: g.level(kept, k+1, c, rng)})
	}
	return chain
}

// logProb records log p(x) for each row of x as a B×1 column.
func (g *Glow[T]) logProb(t *nn.Tape[T], x *nn.Node[T]) *nn.Node[T] {
	z, logDet := g.Flow.Forward(t, x)
	base := t.AddScalar(t.Scale(t.SumCols(t.Square(z)), -0.5), -float64(g.Shape.Size())*halfLog2Pi)
	return t.Add(base, logDet)
}

func (g *Glow[T]) checkCols(x *mat.Dense, what string) (int, error) {
	r, c := x.Dims()
	if c != g.Shape.Size() {
		return 0, fmt.Errorf("glow: %s has %d columns, images of shape %s have %d", what, c, g.Shape, g.Shape.Size())
	}
	return r, nil
}

// Initialized reports whether every ActNorm has been initialised from data.
func (g *Glow[T]) Initialized() bool {
	for _, a := range g.ActNorms {
		if !a.Initialized {
			return false
		}
	}
	return true
}

// initialise runs the data-dependent initialisation of the ActNorms on
// the batch x: one forward pass in which each ActNorm sets its parameters
// from its input, in order, so each sees the already normalised output of
// the ones before it.
func (g *Glow[T]) initialise(x *mat.Dense) {
	for _, a := range g.ActNorms {
		a.ArmInit()
	}
	t := &g.run
	t.NoGrad = true
	t.Reset()
	g.Flow.Forward(t, t.Const(nn.FromDense[T](x)))
}

// TrainStep implements models.Model: one Adam step on the mean NLL. The
// first step initialises the ActNorms from its batch first.
func (g *Glow[T]) TrainStep(x *mat.Dense) (float64, error) {
	if _, err := g.checkCols(x, "batch"); err != nil {
		return 0, err
	}
	if !g.Initialized() {
		g.initialise(x)
	}
	t := &g.train
	t.Reset()
	loss := t.Scale(t.Mean(g.logProb(t, t.Const(nn.FromDense[T](x)))), -1)
	l, err := g.Opt.Minimize(t, loss)
	if err != nil {
		return l, fmt.Errorf("glow: %w", err)
	}
	return l, nil
}

// LogProb implements models.Density: the exact log-density of each row.
func (g *Glow[T]) LogProb(x *mat.Dense) ([]float64, error) {
	r, err := g.checkCols(x, "data")
	if err != nil {
		return nil, err
	}
	out := make([]float64, 0, r)
	t := &g.run
	t.NoGrad = true
	for lo := 0; lo < r; lo += evalChunk {
		hi := min(lo+evalChunk, r)
		t.Reset()
		lp := g.logProb(t, t.Const(nn.FromDense[T](x.Slice(lo, hi, 0, g.Shape.Size()))))
		out = append(out, lp.Value.Float64s()...)
	}
	return out, nil
}

// Sample implements models.Model: base noise N(0, τ²I) with τ the model's
// temperature, drawn row by row from rng, through the inverse chain.
func (g *Glow[T]) Sample(n int, rng *rand.Rand) (*mat.Dense, error) {
	return g.SampleAt(n, g.Temperature, rng)
}

// SampleAt is Sample at temperature tau.
func (g *Glow[T]) SampleAt(n int, tau float64, rng *rand.Rand) (*mat.Dense, error) {
	if n < 1 {
		return nil, fmt.Errorf("glow: sample count %d", n)
	}
	d := g.Shape.Size()
	z := make([]float64, n*d)
	for i := range z {
		z[i] = tau * rng.NormFloat64()
	}
	x, _, err := g.Invert(z, n)
	return x, err
}

// Invert maps n rows of noise z to images, returning them with the
// inverse log-determinant log|det ∂x/∂z| of each row.
func (g *Glow[T]) Invert(z []float64, n int) (*mat.Dense, []float64, error) {
	d := g.Shape.Size()
	out := mat.NewDense(n, d, nil)
	logDet := make([]float64, 0, n)
	t := &g.run
	t.NoGrad = true
	for lo := 0; lo < n; lo += evalChunk {
		hi := min(lo+evalChunk, n)
		t.Reset()
		x, ld := g.Flow.Inverse(t, t.Input(hi-lo, d, z[lo*d:hi*d]))
		for i, v := range x.Value.Data {
			f := float64(v)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return out, logDet, fmt.Errorf("glow: non-finite sample value %v in sample %d", f, lo+i/d)
			}
			out.RawMatrix().Data[lo*d+i] = f
		}
		logDet = append(logDet, ld.Value.Float64s()...)
	}
	return out, logDet, nil
}

// NumParams implements models.Model: trainable scalars, without the
// entries of the 1×1 convolutions' triangular factors that the masks keep
// at zero.
func (g *Glow[T]) NumParams() int {
	n := g.Params.Count()
	for _, ic := range g.InvConvs {
		c := ic.Shape.C
		n -= c * (c + 1) // c(c+1)/2 masked entries in each of L and U
	}
	return n
}

// SetLR implements models.LRSetter.
func (g *Glow[T]) SetLR(lr float64) { g.Opt.LR = lr }

const actNormKey = "actnorm_initialized"

func (g *Glow[T]) checkpoint(flags []float64) nn.Checkpoint[T] {
	return nn.Checkpoint[T]{Params: &g.Params, Opt: g.Opt, RNG: g.src, Extra: map[string][]float64{actNormKey: flags}}
}

// Save implements models.Model: parameters, optimiser and random state,
// and which ActNorms have been initialised from data.
func (g *Glow[T]) Save(w io.Writer) error {
	flags := make([]float64, len(g.ActNorms))
	for i, a := range g.ActNorms {
		if a.Initialized {
			flags[i] = 1
		}
	}
	if err := g.checkpoint(flags).Save(w); err != nil {
		return fmt.Errorf("glow: %w", err)
	}
	return nil
}

// Load implements models.Model; restored ActNorms are not initialised
// again.
func (g *Glow[T]) Load(r io.Reader) error {
	flags := make([]float64, len(g.ActNorms))
	if err := g.checkpoint(flags).Load(r); err != nil {
		return fmt.Errorf("glow: %w", err)
	}
	for i, a := range g.ActNorms {
		a.Initialized = flags[i] == 1
	}
	return nil
}
