// Package gorgflow is a normalizing flow written with gorgonia.org/gorgonia
// and plugged into genbench from outside its module: it implements
// models.Model and models.Density on gonum matrices and registers itself
// with models.Register, so a genbench spec can name it like any built-in
// model type.
//
// The flow is a stack of RealNVP affine couplings (Dinh et al. 2017) with
// alternating masks and a standard normal base. Gorgonia builds one graph
// per batch shape, so the flow keeps a training graph per training batch
// size and one fixed-size graph each for density and sampling, padding the
// last chunk; every graph shares the same weight tensors.
package gorgflow

import (
	"encoding/gob"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"gorgonia.org/tensor"

	"github.com/genbench/genbench/models"
)

// evalChunk is the batch size of the density and sampling graphs.
const evalChunk = 512

// Flow is a RealNVP flow whose computations run in gorgonia graphs.
type Flow struct {
	dim        int
	scaleBound float64
	layers     []*coupling
	opt        *adam

	train   map[int]*densityGraph // by training batch size
	density *densityGraph
	sampler *sampleGraph
}

// Options are the flow's architecture and optimiser settings.
type Options struct {
	Dim        int
	Layers     int
	Hidden     int
	ScaleBound float64 // log-scales are ScaleBound·tanh(·)
	LR         float64
	Seed       uint64 // seeds the weight initialisation
}

// NewFlow returns a flow ready to train: first-layer weights drawn
// Glorot-uniform from a generator seeded by o.Seed (never gorgonia's
// clock-seeded initialisers), output weights zero so that the flow starts
// as the identity map.
func NewFlow(o Options) (*Flow, error) {
	if o.Dim < 2 {
		return nil, fmt.Errorf("gorgflow: a coupling flow needs at least 2 dimensions, data have %d", o.Dim)
	}
	if o.Layers < 1 || o.Hidden < 1 || !(o.ScaleBound > 0) || !(o.LR > 0) {
		return nil, fmt.Errorf("gorgflow: layers %d, hidden %d, scale bound %g, lr %g: want all positive", o.Layers, o.Hidden, o.ScaleBound, o.LR)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x676f72676f6e6961)) // "gorgonia"
	f := &Flow{dim: o.Dim, scaleBound: o.ScaleBound, train: map[int]*densityGraph{}}
	for k := 0; k < o.Layers; k++ {
		mask := make([]float64, o.Dim)
		for j := range mask {
			if j%2 == k%2 {
				mask[j] = 1
			}
		}
		f.layers = append(f.layers, &coupling{
			w1: glorot(o.Dim, o.Hidden, rng), b1: zeros(1, o.Hidden),
			ws: zeros(o.Hidden, o.Dim), bs: zeros(1, o.Dim),
			wt: zeros(o.Hidden, o.Dim), bt: zeros(1, o.Dim),
			mask: mask,
		})
	}
	f.opt = newAdam(f.tensors(), o.LR)
	return f, nil
}

func zeros(r, c int) *tensor.Dense {
	return tensor.New(tensor.WithShape(r, c), tensor.Of(tensor.Float64))
}

func glorot(r, c int, rng *rand.Rand) *tensor.Dense {
	t := zeros(r, c)
	limit := math.Sqrt(6 / float64(r+c))
	w := t.Data().([]float64)
	for i := range w {
		w[i] = limit * (2*rng.Float64() - 1)
	}
	return t
}

// tensors lists every weight tensor, layer by layer.
func (f *Flow) tensors() []*tensor.Dense {
	var ts []*tensor.Dense
	for _, c := range f.layers {
		ts = append(ts, c.tensors()...)
	}
	return ts
}

// NumParams implements models.Model.
func (f *Flow) NumParams() int {
	n := 0
	for _, t := range f.tensors() {
		n += t.Shape().TotalSize()
	}
	return n
}

// SetLR implements models.LRSetter, so that the harness's schedules apply.
func (f *Flow) SetLR(lr float64) { f.opt.lr = lr }

// TrainStep implements models.Model: one Adam step on the batch's mean
// negative log-likelihood, in nats.
func (f *Flow) TrainStep(x *mat.Dense) (float64, error) {
	n, err := models.CheckCols(x, f.dim, "gorgflow", "batch")
	if err != nil {
		return 0, err
	}
	dg, ok := f.train[n]
	if !ok {
		if dg, err = newDensityGraph(f, n, true); err != nil {
			return 0, err
		}
		f.train[n] = dg
	}
	if err := dg.run(rowMajor(x), 0); err != nil {
		return 0, err
	}
	loss := dg.lossVal.Data().(float64) - logNormalConst(f.dim)
	grads := make([]*tensor.Dense, len(dg.weights))
	for i, w := range dg.weights {
		g, err := w.Grad()
		if err != nil {
			return 0, fmt.Errorf("gorgflow: gradient of %s: %w", w.Name(), err)
		}
		grads[i] = g.(*tensor.Dense)
	}
	f.opt.step(grads)
	return loss, nil
}

// LogProb implements models.Density: the exact log-density of each row.
func (f *Flow) LogProb(x *mat.Dense) ([]float64, error) {
	_, logp, err := f.encode(x)
	return logp, err
}

// encode returns the latent rows and the log-density of each row of x.
func (f *Flow) encode(x *mat.Dense) (*mat.Dense, []float64, error) {
	n, err := models.CheckCols(x, f.dim, "gorgflow", "data")
	if err != nil {
		return nil, nil, err
	}
	if f.density == nil {
		if f.density, err = newDensityGraph(f, evalChunk, false); err != nil {
			return nil, nil, err
		}
	}
	data := rowMajor(x)
	z := mat.NewDense(n, f.dim, nil)
	logp := make([]float64, n)
	for from := 0; from < n; from += evalChunk {
		if err := f.density.run(data, from*f.dim); err != nil {
			return nil, nil, err
		}
		rows := min(evalChunk, n-from)
		copy(z.RawMatrix().Data[from*f.dim:], f.density.zVal.Data().([]float64)[:rows*f.dim])
		for i, v := range f.density.logpVal.Data().([]float64)[:rows] {
			logp[from+i] = v + logNormalConst(f.dim)
		}
	}
	return z, logp, nil
}

// Sample implements models.Model: standard normal latents drawn from rng
// (gorgonia's random nodes seed themselves from the clock, so the noise is
// drawn here and fed in), mapped through the inverse flow.
func (f *Flow) Sample(n int, rng *rand.Rand) (*mat.Dense, error) {
	z := make([]float64, n*f.dim)
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	return f.decode(mat.NewDense(n, f.dim, z))
}

// decode maps latent rows to data through the inverse flow.
func (f *Flow) decode(z *mat.Dense) (*mat.Dense, error) {
	n, err := models.CheckCols(z, f.dim, "gorgflow", "latent")
	if err != nil {
		return nil, err
	}
	if f.sampler == nil {
		f.sampler = newSampleGraph(f, evalChunk)
	}
	data := rowMajor(z)
	out := mat.NewDense(n, f.dim, nil)
	chunk := make([]float64, evalChunk*f.dim)
	for from := 0; from < n; from += evalChunk {
		rows := min(evalChunk, n-from)
		clear(chunk)
		copy(chunk, data[from*f.dim:(from+rows)*f.dim])
		x, err := f.sampler.run(chunk)
		if err != nil {
			return nil, err
		}
		copy(out.RawMatrix().Data[from*f.dim:], x[:rows*f.dim])
	}
	return out, nil
}

// rowMajor returns x's elements row after row.
func rowMajor(x *mat.Dense) []float64 {
	r, c := x.Dims()
	if raw := x.RawMatrix(); raw.Stride == c {
		return raw.Data[:r*c]
	}
	out := make([]float64, 0, r*c)
	for i := 0; i < r; i++ {
		out = append(out, x.RawRowView(i)...)
	}
	return out
}

// checkpoint is what Save writes: weights and the optimiser's state, which
// is all the training state there is (the flow draws no noise of its own
// while training).
type checkpoint struct {
	Dim     int
	Weights [][]float64
	Adam    adamState
}

// Save implements models.Model.
func (f *Flow) Save(w io.Writer) error {
	c := checkpoint{Dim: f.dim, Adam: f.opt.state()}
	for _, t := range f.tensors() {
		c.Weights = append(c.Weights, t.Data().([]float64))
	}
	if err := gob.NewEncoder(w).Encode(c); err != nil {
		return fmt.Errorf("gorgflow: save: %w", err)
	}
	return nil
}

// Load implements models.Model. It writes into the existing tensors, which
// every graph already shares, so no graph needs rebuilding.
func (f *Flow) Load(r io.Reader) error {
	var c checkpoint
	if err := gob.NewDecoder(r).Decode(&c); err != nil {
		return fmt.Errorf("gorgflow: load: %w", err)
	}
	ts := f.tensors()
	if c.Dim != f.dim || len(c.Weights) != len(ts) {
		return fmt.Errorf("gorgflow: load: checkpoint has dim %d and %d tensors, model has %d and %d", c.Dim, len(c.Weights), f.dim, len(ts))
	}
	for i, t := range ts {
		if len(c.Weights[i]) != t.Shape().TotalSize() {
			return fmt.Errorf("gorgflow: load: tensor %d has %d values, model wants %d", i, len(c.Weights[i]), t.Shape().TotalSize())
		}
	}
	if err := f.opt.restore(c.Adam); err != nil {
		return fmt.Errorf("gorgflow: load: %w", err)
	}
	for i, t := range ts {
		copy(t.Data().([]float64), c.Weights[i])
	}
	return nil
}

var _ interface {
	models.Model
	models.Density
	models.LRSetter
} = (*Flow)(nil)
