package nn

import (
	"fmt"
	"math"
	"unsafe"
)

// adamParMin is the number of scalars from which the work is split over
// the cores.
const adamParMin = 1 << 17

// adamChunk is the number of scalars one part of Adam's work covers: the
// gradient norm is summed per chunk (in a fixed order, so the result does
// not depend on how many cores share the work) and parameters larger
// than a chunk are split over the cores.
const adamChunk = 1 << 15

// adamSpan is a piece of one parameter: elements [lo, hi) of node k.
type adamSpan struct{ k, lo, hi int }

// adamWork is Adam's reusable state for one fused, parallel pass.
type adamWork[T Float] struct {
	opt    *Adam[T]
	spans  []adamSpan // chunks of at most adamChunk elements, in order
	sizes  []int      // parameter sizes the spans were built for
	sums   []float64  // per span: Σ g² (norm pass)
	parts  int
	update bool // which pass runPart does
	// Update constants for this step.
	lr, eps, b1, b2, scale T
}

// prepare (re)builds the spans when the parameters changed and picks how
// many parts the work is cut into.
func (w *adamWork[T]) prepare(a *Adam[T]) {
	w.opt = a
	same := len(w.sizes) == len(a.params.Nodes)
	for k, p := range a.params.Nodes {
		if !same || w.sizes[k] != len(p.Value.Data) {
			same = false
			break
		}
	}
	if !same {
		w.spans, w.sizes = w.spans[:0], w.sizes[:0]
		for k, p := range a.params.Nodes {
			n := len(p.Value.Data)
			w.sizes = append(w.sizes, n)
			for lo := 0; lo < n; lo += adamChunk {
				w.spans = append(w.spans, adamSpan{k, lo, min(lo+adamChunk, n)})
			}
		}
		w.sums = make([]float64, len(w.spans))
	}
	total := 0
	for _, n := range w.sizes {
		total += n
	}
	w.parts = 1
	if total >= adamParMin {
		w.parts = max(1, min(parWorkers(), len(w.spans)/2))
	}
}

// runPart implements parTask: part i of the spans, in order.
func (w *adamWork[T]) runPart(i int) {
	lo, hi := len(w.spans)*i/w.parts, len(w.spans)*(i+1)/w.parts
	for s := lo; s < hi; s++ {
		sp := w.spans[s]
		p := w.opt.params.Nodes[sp.k]
		g := p.Grad.Data[sp.lo:sp.hi]
		if !w.update {
			w.sums[s] = sumSquares(g)
			continue
		}
		adamUpdate(p.Value.Data[sp.lo:sp.hi], g, w.opt.m[sp.k][sp.lo:sp.hi], w.opt.v[sp.k][sp.lo:sp.hi],
			w.lr, w.eps, w.b1, w.b2, w.scale)
	}
}

// norm returns the global L2 norm of the gradients.
func (w *adamWork[T]) norm() float64 {
	w.update = false
	runParts(w, w.parts)
	var s float64
	for _, v := range w.sums {
		s += v
	}
	return math.Sqrt(s)
}

// sumSquares returns Σ x², accumulated in float64 with four partial sums.
func sumSquares[T Float](x []T) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		q := x[i : i+4 : i+4]
		a, b, c, d := float64(q[0]), float64(q[1]), float64(q[2]), float64(q[3])
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += d * d
	}
	for ; i < len(x); i++ {
		v := float64(x[i])
		s0 += v * v
	}
	return (s0 + s1) + (s2 + s3)
}

// adamUpdate is one fused pass of Adam over a piece of a parameter: the
// moments, the weights and the cleared gradient, each read and written
// once. The arithmetic is the same, operation for operation, as the
// straightforward loop, so results do not depend on the chunking.
func adamUpdate[T Float](w, g, m, v []T, lr, eps, b1, b2, scale T) {
	n := len(w)
	g, m, v = g[:n], m[:n], v[:n]
	c1, c2 := 1-b1, 1-b2
	if elemAsm {
		// The AVX2 loop does the same operations in the same order
		// (elem_amd64.s) on whole vectors; the rest falls through.
		k := adamConsts[T]{lr, eps, b1, b2, scale, c1, c2}
		var done int
		if unsafe.Sizeof(lr) == 4 {
			if done = n &^ 7; done > 0 {
				adam32(&asF32(w)[0], &asF32(g)[0], &asF32(m)[0], &asF32(v)[0], done, (*adamConsts[float32])(unsafe.Pointer(&k)))
			}
		} else if done = n &^ 3; done > 0 {
			adam64(&asF64(w)[0], &asF64(g)[0], &asF64(m)[0], &asF64(v)[0], done, (*adamConsts[float64])(unsafe.Pointer(&k)))
		}
		w, g, m, v = w[done:], g[done:], m[done:], v[done:]
	}
	for i := range w {
		gi := g[i] * scale
		mi := b1*m[i] + c1*gi
		vi := b2*v[i] + c2*gi*gi
		m[i], v[i] = mi, vi
		w[i] -= lr * mi / (T(math.Sqrt(float64(vi))) + eps)
		g[i] = 0
	}
}

// adamConsts are adamUpdate's constants, laid out for the AVX2 loop.
type adamConsts[T Float] struct{ lr, eps, b1, b2, scale, c1, c2 T }

// step is the body of Adam.Step: the gradient norm, then one fused update
// pass, both split over the cores for large models.
func (a *Adam[T]) step() (float64, error) {
	w := &a.work
	w.prepare(a)
	norm := w.norm()
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		a.params.ZeroGrad()
		return norm, errNonFinite(norm)
	}
	scale := 1.0
	if a.ClipNorm > 0 && norm > a.ClipNorm {
		scale = a.ClipNorm / norm
	}
	a.steps++
	b1, b2 := a.Beta1, a.Beta2
	c1 := 1 - math.Pow(b1, float64(a.steps))
	c2 := 1 - math.Pow(b2, float64(a.steps))
	w.lr = T(a.LR * math.Sqrt(c2) / c1)
	w.eps = T(a.Eps * math.Sqrt(c2))
	w.b1, w.b2, w.scale = T(b1), T(b2), T(scale)
	w.update = true
	runParts(w, w.parts)
	w.opt = nil
	return norm, nil
}

func errNonFinite(norm float64) error { return fmt.Errorf("non-finite gradient norm %v", norm) }
