package gan

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/genbench/genbench/nn"
)

// spectralStream is the PCG stream of the initial singular-vector
// estimates, apart from the model's training stream so that turning
// spectral normalisation on draws nothing from it.
const spectralStream = 0x736e // "sn"

// spectralNorm is spectral normalisation of the discriminator's weights
// (Miyato et al. 2018): every weight matrix W (MLP layers, convolution
// kernels as Cout×(Cin·3·3), the last linear layer) enters the forward
// pass as W/σ̂(W), where σ̂ estimates W's largest singular value by power
// iteration with a persistent left vector u:
//
//	v = Wᵀu/‖Wᵀu‖,  σ̂ = uᵀWv = ‖Wᵀu‖.
//
// Each discriminator update first runs one power-iteration step,
// u ← Wv/‖Wv‖ (the paper's Algorithm 1: one step per update suffices
// because W changes little between updates). The normalised weight is
// recorded on the tape with σ̂ as a function of W (u and v constants), so
// its gradient carries the paper's term through σ, ∂σ̂/∂W = u vᵀ; this is
// exactly the gradient of ‖Wᵀu‖ for fixed u. u is part of the model's
// state and saved with it. Biases are not normalised.
//
// A nil *spectralNorm is "off": its methods do nothing.
type spectralNorm[T nn.Float] struct {
	// slots point at the network's weight fields (&D.W[k], &CD.Conv1.W,
	// ...); use swaps normalised nodes into them while a loss is recorded.
	slots []**nn.Node[T]
	// state holds every u, concatenated, then a flag (1 when saved) that
	// Load checks.
	state []float64
	u     [][]float64 // views of state, one per slot
	// outer and ones are per-slot constant buffers: u vᵀ and a column of
	// ones, reused by every recording.
	outer, ones []*nn.Mat[T]
}

// newSpectralNorm normalises the weights in slots, with each u drawn
// uniformly on the unit sphere from (seed, spectralStream).
func newSpectralNorm[T nn.Float](slots []**nn.Node[T], seed uint64) *spectralNorm[T] {
	s := &spectralNorm[T]{slots: slots}
	total := 0
	for _, slot := range slots {
		total += (*slot).Value.Rows
	}
	s.state = make([]float64, total+1)
	rng := rand.New(rand.NewPCG(seed, spectralStream))
	off := 0
	for _, slot := range slots {
		w := (*slot).Value
		u := s.state[off : off+w.Rows]
		off += w.Rows
		for i := range u {
			u[i] = rng.NormFloat64()
		}
		normalize(u)
		s.u = append(s.u, u)
		s.outer = append(s.outer, nn.NewMat[T](w.Rows, w.Cols))
		ones := nn.NewMat[T](w.Rows, 1)
		for i := range ones.Data {
			ones.Data[i] = 1
		}
		s.ones = append(s.ones, ones)
	}
	return s
}

// normalize scales x to unit length and returns its former length (x is
// left alone when it is 0).
func normalize(x []float64) float64 {
	n := 0.0
	for _, v := range x {
		n += v * v
	}
	n = math.Sqrt(n)
	if n > 0 {
		for i := range x {
			x[i] /= n
		}
	}
	return n
}

// rightVector returns v = Wᵀu/‖Wᵀu‖ and σ̂ = ‖Wᵀu‖.
func rightVector[T nn.Float](w *nn.Mat[T], u []float64) ([]float64, float64) {
	v := make([]float64, w.Cols)
	for i, ui := range u {
		for j, x := range w.Data[i*w.Cols : (i+1)*w.Cols] {
			v[j] += float64(x) * ui
		}
	}
	return v, normalize(v)
}

// powerIteration runs one power-iteration step for every weight: v from
// u, then u = Wv/‖Wv‖.
func (s *spectralNorm[T]) powerIteration() {
	if s == nil {
		return
	}
	for k, slot := range s.slots {
		w, u := (*slot).Value, s.u[k]
		v, _ := rightVector(w, u)
		for i := range u {
			sum := 0.0
			for j, x := range w.Data[i*w.Cols : (i+1)*w.Cols] {
				sum += float64(x) * v[j]
			}
			u[i] = sum
		}
		normalize(u)
	}
}

// sigmas returns the current estimates σ̂ of every weight.
func (s *spectralNorm[T]) sigmas() []float64 {
	out := make([]float64, len(s.slots))
	for k, slot := range s.slots {
		_, out[k] = rightVector((*slot).Value, s.u[k])
	}
	return out
}

// use records W/σ̂(W) on t for every weight and puts the normalised nodes
// in the network's weight fields; the returned function puts the
// parameters back. Call it around the recording of a loss, never nested.
func (s *spectralNorm[T]) use(t *nn.Tape[T]) (restore func()) {
	if s == nil {
		return func() {}
	}
	saved := make([]*nn.Node[T], len(s.slots))
	for k, slot := range s.slots {
		saved[k] = *slot
		*slot = s.normalised(t, k, *slot)
	}
	return func() {
		for k, slot := range s.slots {
			*slot = saved[k]
		}
	}
}

// normalised records w/σ̂(w) with σ̂ = Σ_ij w_ij (u vᵀ)_ij, the gradient
// flowing through both w and σ̂.
func (s *spectralNorm[T]) normalised(t *nn.Tape[T], k int, w *nn.Node[T]) *nn.Node[T] {
	u := s.u[k]
	v, _ := rightVector(w.Value, u)
	outer := s.outer[k]
	for i, ui := range u {
		row := outer.Data[i*outer.Cols : (i+1)*outer.Cols]
		for j, vj := range v {
			row[j] = T(ui * vj)
		}
	}
	sigma := t.Sum(t.MulConst(w, outer))
	col := t.MatMul(t.Const(s.ones[k]), t.Recip(sigma)) // 1/σ̂ in every row
	return t.MulCol(w, col)
}

// discriminatorWeights returns the slots of the discriminator's weight
// matrices, in parameter order.
func (g *GAN[T]) discriminatorWeights() []**nn.Node[T] {
	var slots []**nn.Node[T]
	if g.D != nil {
		for k := range g.D.W {
			slots = append(slots, &g.D.W[k])
		}
		return slots
	}
	return []**nn.Node[T]{&g.CD.Conv1.W, &g.CD.Conv2.W, &g.CD.FC.W[0]}
}

// spectralKey names the vectors u in the discriminator's checkpoint.
const spectralKey = "spectral_u"

// addToCheckpoint puts the state in extra (a checkpoint's Extra map); when
// saving, the flag is set to 1 first, when loading to −1 so that
// checkLoaded can tell whether the checkpoint held the vectors.
func (s *spectralNorm[T]) addToCheckpoint(extra map[string][]float64, saving bool) {
	if s == nil {
		return
	}
	s.state[len(s.state)-1] = -1
	if saving {
		s.state[len(s.state)-1] = 1
	}
	extra[spectralKey] = s.state
}

// checkLoaded reports an error when a loaded checkpoint lacked the vectors.
func (s *spectralNorm[T]) checkLoaded() error {
	if s == nil || s.state[len(s.state)-1] == 1 {
		return nil
	}
	return fmt.Errorf("loading GAN: checkpoint lacks the spectral normalisation vectors (saved without spectral_norm?)")
}
