package nn

import (
	"math"
	"sync"
)

// rqLanes normalises the knots of four elements at once, one per lane of
// a float64 vector (maxSubLanes, exp64x4, normCumLanes in assembly): the
// operations of softmax2 and cumKnots2 in the same order, so the knots
// have the scalar code's bits (TestRQLanesMatchScalar). An element's own
// knot set-up is otherwise a chain of dependent scalar steps, most of
// the spline's cost.
type rqLanes[T Float] struct {
	k      int
	kn     [4]*rqKnots[T]
	buf    []float64
	xs, ys []float64
	c      [6]float64
}

// rqLanesOK reports whether the lanes' assembly runs here.
var rqLanesOK = elemAsm

var rqLanesPool sync.Pool // *rqLanes[float32] or *rqLanes[float64]

// getRQLanes returns lanes for s from the pool, or new ones.
func getRQLanes[T Float](s Spline) *rqLanes[T] {
	if ln, ok := rqLanesPool.Get().(*rqLanes[T]); ok && ln.kn[0].s == s {
		return ln
	}
	k := s.Bins
	ln := &rqLanes[T]{k: k, buf: make([]float64, 8*k), xs: make([]float64, 4*(k+1)), ys: make([]float64, 4*(k+1))}
	for l := range ln.kn {
		ln.kn[l] = newRQKnots[T](s)
	}
	ln.c = [6]float64{1 - float64(k)*s.MinWidth, s.MinWidth, 1 - float64(k)*s.MinHeight, s.MinHeight, -s.Bound, 2 * s.Bound}
	return ln
}

// fill sets the knots of kn[0..3] from the four raw parameter rows as
// fillLazy does (positions and end derivatives; the interior derivatives
// stay lazy), but not pw and ph, which only the backward pass reads and
// which it fills again itself.
func (ln *rqLanes[T]) fill(raws *[4][]T) {
	k := ln.k
	buf := ln.buf
	for l, r := range raws {
		r = r[:2*k]
		for i, v := range r {
			buf[i*4+l] = float64(v)
		}
	}
	if maxSubLanes(&buf[0], k) {
		exp64x4(&buf[0], &buf[0], len(buf))
	} else {
		expInto(buf, buf) // some difference outside exp64x4's range, or NaN
	}
	normCumLanes(&buf[0], k, &ln.xs[0], &ln.ys[0], &ln.c)
	for l, kn := range ln.kn {
		xs, ys := kn.xs[:k+1], kn.ys[:k+1]
		for j := range xs {
			xs[j], ys[j] = ln.xs[j*4+l], ln.ys[j*4+l]
		}
		kn.ds[0], kn.ds[k] = 1, 1
		kn.raw = raws[l]
	}
}

// rqForward is RQSpline's forward pass over rows [lo, hi): y, and each
// element's log-derivative in lds (0 outside the bound), from knots
// normalised four elements at a time where the lanes run, one at a time
// for the rest.
func rqForward[T Float](src *rqSource[T], X, y *Mat[T], lds []float64, lo, hi int, s Spline, inverse, valuesOnly bool) {
	one := func(e int, kn *rqKnots[T]) {
		in := float64(X.Data[e])
		if valuesOnly {
			y.Data[e] = T(kn.value(in, inverse))
			return
		}
		out, ld := kn.apply(in, inverse)
		y.Data[e], lds[e] = T(out), ld
	}
	cols := X.Cols
	var ln *rqLanes[T]
	if rqLanesOK && src.shared == nil {
		ln = getRQLanes[T](s)
		defer rqLanesPool.Put(ln)
	}
	var raws [4][]T
	var group [4]int // the elements (row·cols + column) whose raws are set
	n := 0
	p := s.ParamsPer()
	for e := lo * cols; e < hi*cols; e++ {
		in := float64(X.Data[e])
		if math.Abs(in) > s.Bound {
			y.Data[e], lds[e] = T(in), 0
			continue
		}
		if ln == nil {
			one(e, src.at(e/cols, e%cols))
			continue
		}
		raws[n], group[n] = rqRow(src.raw, e/cols, e%cols, p), e
		if n++; n == 4 {
			ln.fill(&raws)
			for l, kn := range ln.kn {
				one(group[l], kn)
			}
			n = 0
		}
	}
	for _, e := range group[:n] {
		one(e, src.at(e/cols, e%cols))
	}
}
