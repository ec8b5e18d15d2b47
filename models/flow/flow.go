package flow

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/nn"
)

const halfLog2Pi = 0.9189385332046727 // ½·ln 2π

// evalChunk bounds the rows evaluated at once, so memory does not grow
// with the size of a test set.
const evalChunk = 1024

// Flow is a standard-normal base distribution and a chain of transforms,
// trained by maximum likelihood with Adam.
type Flow[T nn.Float] struct {
	Dim        int
	Transforms []Transform[T]
	Params     nn.ParamSet[T]
	Opt        *nn.Adam[T]

	src   *rand.PCG
	train nn.Tape[T]
	runs  []*nn.Tape[T] // gradient-free tapes, one per goroutine (runTapes)
}

// New returns an empty flow; add transforms, then call Init.
func New[T nn.Float](dim int, seed uint64) *Flow[T] {
	return &Flow[T]{Dim: dim, src: rand.NewPCG(seed, 0x666c6f77)}
}

// Rand returns the flow's own seeded source (for weight initialisation).
func (f *Flow[T]) Rand() *rand.Rand { return rand.New(f.src) }

// Init creates the optimiser once all transforms are added.
func (f *Flow[T]) Init(lr, clipNorm float64) {
	f.Opt = nn.NewAdam(&f.Params, lr)
	f.Opt.ClipNorm = clipNorm
}

// logProb records log p(x) for each row of x as a B×1 column.
func (f *Flow[T]) logProb(t *nn.Tape[T], x *nn.Node[T]) *nn.Node[T] {
	z := x
	var total *nn.Node[T]
	for _, tr := range f.Transforms {
		var ld *nn.Node[T]
		z, ld = tr.Forward(t, z)
		if total == nil {
			total = ld
		} else {
			total = t.Add(total, ld)
		}
	}
	base := t.AddScalar(t.Scale(t.SumCols(t.Square(z)), -0.5), -float64(f.Dim)*halfLog2Pi)
	if total == nil {
		return base
	}
	return t.Add(base, total)
}

// LogProbNode exposes the recorded log-density for models built on flows.
func (f *Flow[T]) LogProbNode(t *nn.Tape[T], x *nn.Node[T]) *nn.Node[T] { return f.logProb(t, x) }

// TrainStep implements models.Model: one Adam step on the mean NLL.
func (f *Flow[T]) TrainStep(x *mat.Dense) (float64, error) {
	r, c := x.Dims()
	if c != f.Dim {
		return 0, fmt.Errorf("batch has %d columns, flow has %d", c, f.Dim)
	}
	t := &f.train
	t.Reset()
	loss := t.Scale(t.Mean(f.logProb(t, t.Input(r, c, x.RawMatrix().Data))), -1)
	return f.Opt.Minimize(t, loss)
}

// LogProb implements models.Density. Chunks of rows run on the cores
// side by side, each on a tape of its own (see runTapes): the same
// values on any number of cores.
func (f *Flow[T]) LogProb(x *mat.Dense) ([]float64, error) {
	r, c := x.Dims()
	if c != f.Dim {
		return nil, fmt.Errorf("data have %d columns, flow has %d", c, f.Dim)
	}
	out := make([]float64, r)
	data := x.RawMatrix().Data
	tapes := f.runTapes(r)
	nn.ForChunks(r, evalChunk, func(w, lo, hi int) {
		t := tapes[w]
		t.Reset()
		t.ValuesOnly = false
		lp := f.logProb(t, t.Input(hi-lo, c, data[lo*c:hi*c]))
		for i, v := range lp.Value.Data {
			out[lo+i] = float64(v)
		}
	})
	return out, nil
}

// runTapes returns a gradient-free tape for each goroutine that
// nn.ForChunks gives rows chunks of evalChunk, kept from call to call so
// that their buffers are reused.
func (f *Flow[T]) runTapes(rows int) []*nn.Tape[T] {
	for len(f.runs) < nn.ChunkWorkers(rows, evalChunk) {
		f.runs = append(f.runs, &nn.Tape[T]{NoGrad: true})
	}
	return f.runs
}

// Sample implements models.Model: z ~ N(0, I) from rng, then the inverse chain.
func (f *Flow[T]) Sample(n int, rng *rand.Rand) (*mat.Dense, error) {
	z := make([]float64, n*f.Dim)
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	x, _, err := f.invert(z, n, true)
	return x, err
}

// Invert maps n rows of noise z to data, returning the data and the
// inverse log-determinant per row. Chunks of rows run side by side, as
// in LogProb.
func (f *Flow[T]) Invert(z []float64, n int) (*mat.Dense, []float64, error) {
	return f.invert(z, n, false)
}

// invert is Invert; with valuesOnly the transforms may skip their
// log-determinants (nn.Tape.ValuesOnly), and the returned ones are NaN.
func (f *Flow[T]) invert(z []float64, n int, valuesOnly bool) (*mat.Dense, []float64, error) {
	out := mat.NewDense(max(n, 1), f.Dim, nil)
	logdet := make([]float64, n)
	raw := out.RawMatrix().Data // n×Dim, stride Dim
	tapes := f.runTapes(n)
	nn.ForChunks(n, evalChunk, func(w, lo, hi int) {
		t := tapes[w]
		t.Reset()
		t.ValuesOnly = valuesOnly
		x := t.Input(hi-lo, f.Dim, z[lo*f.Dim:hi*f.Dim])
		total := logdet[lo:hi]
		for k := len(f.Transforms) - 1; k >= 0; k-- {
			var ld *nn.Node[T]
			x, ld = f.Transforms[k].Inverse(t, x)
			for i, v := range ld.Value.Data {
				total[i] += float64(v)
			}
		}
		for k, v := range x.Value.Data {
			raw[lo*f.Dim+k] = float64(v)
		}
	})
	for _, v := range out.RawMatrix().Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return out, logdet, fmt.Errorf("non-finite sample value %v", v)
		}
	}
	return out, logdet, nil
}

// NumParams implements models.Model.
func (f *Flow[T]) NumParams() int { return f.Params.Count() }

// SetLR implements models.LRSetter.
func (f *Flow[T]) SetLR(lr float64) { f.Opt.LR = lr }

func (f *Flow[T]) checkpoint() nn.Checkpoint[T] {
	return nn.Checkpoint[T]{Params: &f.Params, Opt: f.Opt, RNG: f.src}
}

// Save implements models.Model.
func (f *Flow[T]) Save(w io.Writer) error { return f.checkpoint().Save(w) }

// Load implements models.Model.
func (f *Flow[T]) Load(r io.Reader) error { return f.checkpoint().Load(r) }
