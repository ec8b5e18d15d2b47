package nn

import (
	"fmt"
	"math"
	"runtime"
)

// Spline configures a monotonic rational-quadratic spline (Durkan et al.
// 2019, "Neural Spline Flows"): Bins bins on [−Bound, Bound], the identity
// outside, and lower limits on every bin's width and height and on every
// interior knot's derivative, so that the map stays strictly monotonic
// and its inverse well conditioned. The derivatives at ±Bound are fixed
// at 1, so the spline joins the identity tails with a continuous slope.
type Spline struct {
	Bins                          int
	Bound                         float64
	MinWidth, MinHeight, MinDeriv float64
}

// DefaultSpline returns a spline with the usual lower limits (1e-3).
func DefaultSpline(bins int, bound float64) Spline {
	return Spline{Bins: bins, Bound: bound, MinWidth: 1e-3, MinHeight: 1e-3, MinDeriv: 1e-3}
}

// ParamsPer is the number of unnormalised parameters per transformed
// element: Bins widths, Bins heights and Bins−1 interior derivatives.
func (s Spline) ParamsPer() int { return 3*s.Bins - 1 }

// Check rejects configurations whose limits cannot be met.
func (s Spline) Check() error {
	switch {
	case s.Bins < 1:
		return fmt.Errorf("spline: %d bins", s.Bins)
	case !(s.Bound > 0) || math.IsInf(s.Bound, 0):
		return fmt.Errorf("spline: bound %v", s.Bound)
	case s.MinWidth < 0 || s.MinWidth*float64(s.Bins) >= 1:
		return fmt.Errorf("spline: minimum width %v for %d bins", s.MinWidth, s.Bins)
	case s.MinHeight < 0 || s.MinHeight*float64(s.Bins) >= 1:
		return fmt.Errorf("spline: minimum height %v for %d bins", s.MinHeight, s.Bins)
	case s.MinDeriv < 0 || s.MinDeriv >= 1:
		return fmt.Errorf("spline: minimum derivative %v", s.MinDeriv)
	}
	return nil
}

// RQSpline applies a rational-quadratic spline to every element of x
// (N×M), or its inverse when inverse is set, and returns the result and
// the N×1 column of row sums of log|dy/dx| (of the direction applied).
//
// raw (N×M·ParamsPer, or 1×M·ParamsPer shared by every row) holds the
// unnormalised parameters; element j of a row uses columns
// [j·P, (j+1)·P): P = ParamsPer, first the widths, then the heights
// (each through a softmax), then the interior derivatives (through a
// softplus shifted so that raw zeros give slope 1: all-zero parameters
// are the identity). Gradients flow to x and to raw in both directions;
// the inverse's come from the implicit function theorem at the root.
func (t *Tape[T]) RQSpline(x, raw *Node[T], s Spline, inverse bool) (y, logdet *Node[T]) {
	X, R := x.Value, raw.Value
	p := s.ParamsPer()
	if err := s.Check(); err != nil {
		panic("nn.RQSpline: " + err.Error())
	}
	if R.Cols != X.Cols*p || (R.Rows != X.Rows && R.Rows != 1) {
		panic(fmt.Sprintf("nn.RQSpline: %s inputs with %s parameters, want %d per element", X.shape(), R.shape(), p))
	}
	y = t.node(X.Rows, X.Cols, x, raw)
	logdet = t.node(X.Rows, 1, x, raw)
	knots := newRQSource(R, s, X.Cols)
	valuesOnly := t.NoGrad && t.ValuesOnly
	// Rows are independent (each element's spline, each row's sum in
	// order), so they are split over the cores, each part with its own
	// scratch knots: the same values on any number of cores.
	parts := max(1, min(runtime.GOMAXPROCS(0), X.Rows*X.Cols/rqGrain))
	lds := t.f64Buf(X.Rows * X.Cols) // each element's log-derivative
	parallelParts(X.Rows, parts, func(_, lo, hi int) {
		rqForward(knots.forPart(), X, y.Value, lds, lo, hi, s, inverse, valuesOnly)
		for i := lo; i < hi; i++ {
			var sum float64
			for _, ld := range lds[i*X.Cols : (i+1)*X.Cols] {
				sum += ld
			}
			if valuesOnly {
				sum = math.NaN()
			}
			logdet.Value.Data[i] = T(sum)
		}
	})
	if y.Grad == nil {
		return y, logdet
	}
	// One backward for both outputs, recorded on the later one: every
	// consumer of y or logdet is recorded after it and runs before it.
	// Backward settles logdet's gradient, not y's, which is still fresh
	// if nothing read y.
	t.record(logdet, func() {
		y.settle()
		rqBackward(x, raw, y, logdet, s, inverse)
	})
	return y, logdet
}

// rqRow returns the parameters of element j of row i.
func rqRow[T Float](r *Mat[T], i, j, p int) []T {
	if r.Rows == 1 {
		i = 0
	}
	return r.Data[i*r.Cols+j*p : i*r.Cols+(j+1)*p]
}

// rqSource hands out the normalised knots of element (i, j). Parameters
// shared by every row are normalised once per column instead of once per
// element.
type rqSource[T Float] struct {
	raw     *Mat[T]
	s       Spline
	scratch *rqKnots[T]
	shared  []*rqKnots[T]
}

func newRQSource[T Float](raw *Mat[T], s Spline, cols int) *rqSource[T] {
	src := &rqSource[T]{raw: raw, s: s, scratch: newRQKnots[T](s)}
	if raw.Rows == 1 {
		src.shared = make([]*rqKnots[T], cols)
		for j := range src.shared {
			src.shared[j] = newRQKnots[T](s)
			src.shared[j].fill(rqRow(raw, 0, j, s.ParamsPer()), s)
		}
	}
	return src
}

// rqGrain is the number of spline elements below which splitting a
// pass over the cores does not pay (each element costs about 100 ns).
const rqGrain = 2048

// forPart returns a source for one goroutine: the shared knots, which are
// only read, and scratch knots of its own.
func (src *rqSource[T]) forPart() *rqSource[T] {
	return &rqSource[T]{raw: src.raw, s: src.s, scratch: newRQKnots[T](src.s), shared: src.shared}
}

func (src *rqSource[T]) at(i, j int) *rqKnots[T] {
	if src.shared != nil {
		return src.shared[j]
	}
	src.scratch.fillLazy(rqRow(src.raw, i, j, src.s.ParamsPer()), src.s)
	return src.scratch
}

func rqBackward[T Float](x, raw, y, logdet *Node[T], s Spline, inverse bool) {
	X, R := x.Value, raw.Value
	p := s.ParamsPer()
	knots := newRQSource(R, s, X.Cols)
	for i := 0; i < X.Rows; i++ {
		gl := float64(logdet.Grad.Data[i])
		for j := 0; j < X.Cols; j++ {
			k := i*X.Cols + j
			in, gy := float64(X.Data[k]), float64(y.Grad.Data[k])
			gin := gy // identity tails
			if math.Abs(in) <= s.Bound {
				kn := knots.at(i, j)
				gin = kn.backward(in, gy, gl, inverse)
				if raw.Grad != nil {
					kn.rawGrad(rqRow(raw.Grad, i, j, p), rqRow(R, i, j, p), s)
				}
			}
			if x.Grad != nil {
				x.Grad.Data[k] += T(gin)
			}
		}
	}
}

// rqKnots holds one element's normalised spline and, during backward,
// the gradients with respect to its knots.
type rqKnots[T Float] struct {
	s          Spline
	p          []float64 // pw then ph, one slice (softmax2)
	pw, ph     []float64 // softmax of the raw widths and heights
	xs, ys, ds []float64 // knot positions and derivatives, K+1 each
	gxs, gys   []float64 // gradients w.r.t. knot positions
	gds, g     []float64 // … w.r.t. derivatives; scratch
	// raw, when set, holds the parameters whose interior derivatives ds
	// have not been computed (fillLazy): an element uses the two of its
	// bin only, so the other K−3 softplus calls are skipped.
	raw   []T
	shift float64 // derivShift(s)
}

func newRQKnots[T Float](s Spline) *rqKnots[T] {
	k := s.Bins
	f := func(n int) []float64 { return make([]float64, n) }
	p := f(2 * k)
	return &rqKnots[T]{s: s, p: p, pw: p[:k], ph: p[k:], xs: f(k + 1), ys: f(k + 1), ds: f(k + 1),
		gxs: f(k + 1), gys: f(k + 1), gds: f(k + 1), g: f(k), shift: derivShift(s)}
}

// derivShift makes softplus(0 + shift) + MinDeriv = 1.
func derivShift(s Spline) float64 { return math.Log(math.Expm1(1 - s.MinDeriv)) }

// fill normalises one element's raw parameters into knots. The end knots
// are set exactly to ±Bound (not accumulated), so both directions agree
// on where the tails begin.
func (kn *rqKnots[T]) fill(raw []T, s Spline) {
	kn.fillLazy(raw, s)
	for j := 1; j < s.Bins; j++ {
		kn.ds[j] = kn.deriv(j)
	}
	kn.raw = nil
}

// fillLazy is fill without the interior derivatives, which deriv
// computes when binAt needs them.
func (kn *rqKnots[T]) fillLazy(raw []T, s Spline) {
	k := s.Bins
	softmax2(kn.p, raw[:k], raw[k:2*k])
	cumKnots2(kn.xs, kn.ys, kn.pw, kn.ph, s.MinWidth, s.MinHeight, s.Bound)
	kn.ds[0], kn.ds[k] = 1, 1
	kn.raw = raw
}

// deriv returns the derivative at knot j from the raw parameters.
func (kn *rqKnots[T]) deriv(j int) float64 {
	k := kn.s.Bins
	if j == 0 || j == k {
		return 1
	}
	return kn.s.MinDeriv + softplus(float64(kn.raw[2*k+j-1])+kn.shift)
}

// softmax2 sets p to the softmax of rw followed by that of rh (widths
// and heights), computed in float64, their chains of additions
// interleaved so that neither waits on its own, and one call for all
// the exponentials. The maxima are taken without branches (max), which
// may pick +0 where a strict comparison kept −0: v − m, and so every
// exponential, is the same either way. The divisions go four at a time
// (divBy).
func softmax2[T Float](p []float64, rw, rh []T) {
	k := len(rw)
	pw, ph := p[:k], p[k:2*k]
	mw, mh := float64(rw[0]), float64(rh[0])
	for i := 1; i < k; i++ {
		mw, mh = max(mw, float64(rw[i])), max(mh, float64(rh[i]))
	}
	for i := range k {
		pw[i], ph[i] = float64(rw[i])-mw, float64(rh[i])-mh
	}
	expInto(p[:2*k], p[:2*k])
	var sw, sh float64
	for i := range k {
		sw += pw[i]
		sh += ph[i]
	}
	divBy(pw, sw)
	divBy(ph, sh)
}

// divBy sets x[i] /= s, four at a time where elemAsm allows.
func divBy(x []float64, s float64) {
	done := 0
	if elemAsm {
		if done = len(x) &^ 3; done > 0 {
			div64(&x[0], done, s)
		}
	}
	for i := done; i < len(x); i++ {
		x[i] /= s
	}
}

// cumKnots2 sets xs[j] = −b + 2b·Σ_{i<j} (leastW + (1−K·leastW)·pw_i),
// and ys likewise from ph, their running sums interleaved.
func cumKnots2(xs, ys, pw, ph []float64, leastW, leastH, b float64) {
	k := len(pw)
	xs[0], xs[k], ys[0], ys[k] = -b, b, -b, b
	var cw, ch float64
	for j := 1; j < k; j++ {
		cw += leastW + (1-float64(k)*leastW)*pw[j-1]
		ch += leastH + (1-float64(k)*leastH)*ph[j-1]
		xs[j] = -b + 2*b*cw
		ys[j] = -b + 2*b*ch
	}
}

// bin returns the bin of v among knots: knots[k] ≤ v < knots[k+1], with
// v = knots[K] in the last bin.
func bin(knots []float64, v float64) int {
	lo, hi := 0, len(knots)-2
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if knots[mid] <= v {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// rqBin is one bin of the spline: its lower-left knot, width, height,
// slope s = h/w and the derivatives at its two knots.
type rqBin struct{ x0, w, y0, h, s, d0, d1 float64 }

func (kn *rqKnots[T]) binAt(k int) rqBin {
	w, h := kn.xs[k+1]-kn.xs[k], kn.ys[k+1]-kn.ys[k]
	if kn.raw != nil {
		kn.ds[k], kn.ds[k+1] = kn.deriv(k), kn.deriv(k+1)
	}
	return rqBin{x0: kn.xs[k], w: w, y0: kn.ys[k], h: h, s: h / w, d0: kn.ds[k], d1: kn.ds[k+1]}
}

// apply maps v forward, or backward when inverse is set, and returns the
// result and log|d out / d in|; v lies in [−Bound, Bound].
func (kn *rqKnots[T]) apply(v float64, inverse bool) (float64, float64) {
	if !inverse {
		k := bin(kn.xs, v)
		b := kn.binAt(k)
		xi := clamp01((v - b.x0) / b.w)
		y, ld := b.eval(xi)
		return y, ld
	}
	k := bin(kn.ys, v)
	b := kn.binAt(k)
	xi := b.root(v)
	_, ld := b.eval(xi)
	return b.x0 + xi*b.w, -ld
}

// value is apply's result without the log-derivative.
func (kn *rqKnots[T]) value(v float64, inverse bool) float64 {
	if !inverse {
		k := bin(kn.xs, v)
		b := kn.binAt(k)
		return b.evalY(clamp01((v - b.x0) / b.w))
	}
	k := bin(kn.ys, v)
	b := kn.binAt(k)
	return b.x0 + b.root(v)*b.w
}

func clamp01(v float64) float64 { return math.Min(1, math.Max(0, v)) }

// eval returns y and log dy/dx at relative position xi in the bin
// (Durkan et al. 2019, eqs. 4 and 5).
func (b rqBin) eval(xi float64) (y, logDeriv float64) {
	t := xi * (1 - xi)
	den := b.s + (b.d0+b.d1-2*b.s)*t
	num := b.h * (b.s*xi*xi + b.d0*t)
	p := b.d1*xi*xi + 2*b.s*t + b.d0*(1-xi)*(1-xi)
	return b.y0 + num/den, 2*math.Log(b.s) + math.Log(p) - 2*math.Log(den)
}

// evalY is eval's y alone: the same lines, not shared through a helper
// returning t and den as well, which measured 1.5% slower in sampling.
func (b rqBin) evalY(xi float64) float64 {
	t := xi * (1 - xi)
	den := b.s + (b.d0+b.d1-2*b.s)*t
	num := b.h * (b.s*xi*xi + b.d0*t)
	return b.y0 + num/den
}

// root inverts the bin at output v: the relative position solves the
// quadratic a·ξ² + b·ξ + c = 0 and is taken as 2c/(−b − √disc), the form
// without cancellation (c ≤ 0 and b > 0 on a monotonic bin); rounding
// can make the discriminant slightly negative, so it is clamped at 0.
func (b rqBin) root(v float64) float64 {
	dy := v - b.y0
	k := b.d0 + b.d1 - 2*b.s
	qa := b.h*(b.s-b.d0) + dy*k
	qb := b.h*b.d0 - dy*k
	qc := -b.s * dy
	disc := math.Max(0, qb*qb-4*qa*qc)
	den := -qb - math.Sqrt(disc)
	if den == 0 {
		return 0
	}
	return clamp01(2 * qc / den)
}

// rqPartials are the partial derivatives of a weighted sum
// gy·y + gl·log dy/dx with respect to ξ, s, h (at fixed s), d0 and d1.
type rqPartials struct{ xi, s, h, d0, d1 float64 }

func (b rqBin) partials(xi, gy, gl float64) rqPartials {
	t := xi * (1 - xi)
	u := 1 - xi
	k := b.d0 + b.d1 - 2*b.s
	den := b.s + k*t
	num := b.h * (b.s*xi*xi + b.d0*t)
	p := b.d1*xi*xi + 2*b.s*t + b.d0*u*u
	den2 := den * den
	var out rqPartials
	// y = y0 + num/den
	out.xi = gy * b.h * b.s * p / den2
	out.s = gy * (b.h*xi*xi*den - num*(1-2*t)) / den2
	out.h = gy * (b.s*xi*xi + b.d0*t) / den
	out.d0 = gy * t * (b.h*den - num) / den2
	out.d1 = gy * -num * t / den2
	// log dy/dx = 2 log s + log p − 2 log den
	out.xi += gl * ((2*b.d1*xi+2*b.s*(1-2*xi)-2*b.d0*u)/p - 2*k*(1-2*xi)/den)
	out.s += gl * (2/b.s + 2*t/p - 2*(1-2*t)/den)
	out.d0 += gl * (u*u/p - 2*t/den)
	out.d1 += gl * (xi*xi/p - 2*t/den)
	return out
}

// backward accumulates the knot gradients of gy·out + gl·logdet for the
// element whose input was in, and returns d/d in.
func (kn *rqKnots[T]) backward(in, gy, gl float64, inverse bool) float64 {
	clear(kn.gxs)
	clear(kn.gys)
	clear(kn.gds)
	if !inverse {
		k := bin(kn.xs, in)
		b := kn.binAt(k)
		xi := clamp01((in - b.x0) / b.w)
		return kn.chain(k, b, xi, gy, gl)
	}
	// x = x(y, θ) solves F(x, θ) = y; with F_x = dy/dx and the forward
	// log-derivative L, the inverse log-derivative is −L(x(y, θ), θ):
	//   d/dy = (gx − gl·L_x)/F_x =: a,   d/dθ = −a·F_θ − gl·L_θ,
	// which is the forward gradient with weights (−a, −gl).
	k := bin(kn.ys, in)
	b := kn.binAt(k)
	xi := b.root(in)
	_, ld := b.eval(xi)
	lx := b.partials(xi, 0, 1).xi / b.w
	a := (gy - gl*lx) / math.Exp(ld)
	kn.chain(k, b, xi, -a, -gl)
	return a
}

// chain turns the partials at ξ into knot gradients (ξ = (x − x0)/w,
// s = h/w, w and h differences of knots) and returns d/dx.
func (kn *rqKnots[T]) chain(k int, b rqBin, xi, gy, gl float64) float64 {
	p := b.partials(xi, gy, gl)
	gw := -(xi*p.xi + b.s*p.s) / b.w
	gh := p.h + p.s/b.w
	gx0 := -p.xi / b.w
	kn.gxs[k] += gx0 - gw
	kn.gxs[k+1] += gw
	kn.gys[k] += gy - gh
	kn.gys[k+1] += gh
	kn.gds[k] += p.d0
	kn.gds[k+1] += p.d1
	return p.xi / b.w
}

// rawGrad adds the gradients of the knots (from backward) to the raw
// parameters, through the cumulative sums, softmaxes and softplus.
func (kn *rqKnots[T]) rawGrad(dst, raw []T, s Spline) {
	k := s.Bins
	kn.softmaxBack(dst[:k], kn.pw, kn.gxs, s.MinWidth, s.Bound)
	kn.softmaxBack(dst[k:2*k], kn.ph, kn.gys, s.MinHeight, s.Bound)
	for j := 1; j < k; j++ {
		// Only the element's bin has derivative gradients; adding the
		// others' zeros would leave dst as it is.
		if kn.gds[j] != 0 {
			dst[2*k+j-1] += T(kn.gds[j] * sigmoid(float64(raw[2*k+j-1])+kn.shift))
		}
	}
}

// softmaxBack maps knot gradients to the raw logits of a cumKnots row:
// knot j (0 < j < K) moves by 2b·(1−K·min) with each p_i, i < j.
func (kn *rqKnots[T]) softmaxBack(dst []T, p, gKnots []float64, least, b float64) {
	k := len(p)
	scale := 2 * b * (1 - float64(k)*least)
	var suffix float64
	for i := k - 1; i >= 0; i-- {
		if i+1 < k {
			suffix += gKnots[i+1]
		}
		kn.g[i] = scale * suffix
	}
	var dot float64
	for i := range p {
		dot += p[i] * kn.g[i]
	}
	for i := range p {
		dst[i] += T(p[i] * (kn.g[i] - dot))
	}
}

// Knots returns the knot positions (inputs xs, outputs ys, K+1 each) of
// the spline with unnormalised parameters raw (one element's ParamsPer
// values): for tests that probe bin edges, and for plots.
func (s Spline) Knots(raw []float64) (xs, ys []float64) {
	kn := newRQKnots[float64](s)
	kn.fill(raw, s)
	return kn.xs, kn.ys
}
