package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// refAdamStep is the plain Adam loop the fused, parallel one replaces. It
// returns the gradient norm summed in order, but clips with useNorm: the
// fused step sums per chunk, which may change the norm's last bit.
func refAdamStep[T Float](ps *ParamSet[T], m, v [][]T, step int, lr, clip, useNorm float64) float64 {
	var s float64
	for _, p := range ps.Nodes {
		for _, g := range p.Grad.Data {
			s += float64(g) * float64(g)
		}
	}
	norm := useNorm
	scale := 1.0
	if clip > 0 && norm > clip {
		scale = clip / norm
	}
	c1 := 1 - math.Pow(0.9, float64(step))
	c2 := 1 - math.Pow(0.999, float64(step))
	tlr, eps := T(lr*math.Sqrt(c2)/c1), T(1e-8*math.Sqrt(c2))
	tb1, tb2, tsc := T(0.9), T(0.999), T(scale)
	for k, p := range ps.Nodes {
		w, g := p.Value.Data, p.Grad.Data
		for i := range w {
			gi := g[i] * tsc
			m[k][i] = tb1*m[k][i] + (1-tb1)*gi
			v[k][i] = tb2*v[k][i] + (1-tb2)*gi*gi
			w[i] -= tlr * m[k][i] / (T(math.Sqrt(float64(v[k][i]))) + eps)
			g[i] = 0
		}
	}
	return math.Sqrt(s)
}

func testAdamMatches[T Float](t *testing.T, shapes [][2]int, clip float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	var ps, ref ParamSet[T]
	for _, s := range shapes {
		p, q := ps.Add("p", s[0], s[1]), ref.Add("p", s[0], s[1])
		Uniform(p, 1, rng)
		copy(q.Value.Data, p.Value.Data)
	}
	opt := NewAdam(&ps, 1e-2)
	opt.ClipNorm = clip
	var m, v [][]T
	for _, p := range ref.Nodes {
		m, v = append(m, make([]T, len(p.Value.Data))), append(v, make([]T, len(p.Value.Data)))
	}
	for step := 1; step <= 4; step++ {
		for k, p := range ps.Nodes {
			for i := range p.Grad.Data {
				g := T(rng.NormFloat64())
				p.Grad.Data[i], ref.Nodes[k].Grad.Data[i] = g, g
			}
		}
		norm, err := opt.Step()
		if err != nil {
			t.Fatal(err)
		}
		want := refAdamStep(&ref, m, v, step, 1e-2, clip, norm)
		if math.Abs(norm-want) > 1e-12*want {
			t.Fatalf("step %d: norm %v, want %v", step, norm, want)
		}
		for k, p := range ps.Nodes {
			for i, x := range p.Value.Data {
				if x != ref.Nodes[k].Value.Data[i] || p.Grad.Data[i] != 0 {
					t.Fatalf("step %d: param %d[%d] = %v, want %v (grad %v)", step, k, i, x, ref.Nodes[k].Value.Data[i], p.Grad.Data[i])
				}
			}
		}
	}
}

// TestAdamMatchesReference checks the fused, chunked and (for large
// models) parallel update against the plain loop, bit for bit, with and
// without clipping.
func TestAdamMatchesReference(t *testing.T) {
	small := [][2]int{{2, 64}, {1, 64}, {64, 64}, {1, 64}, {64, 2}, {1, 2}}
	large := [][2]int{{784, 300}, {1, 300}, {300, 3}, {1, 70000}, {5, 1}}
	for _, clip := range []float64{0, 10} {
		testAdamMatches[float32](t, small, clip)
		testAdamMatches[float32](t, large, clip)
		testAdamMatches[float64](t, large, clip)
	}
}

// TestAdamNonFinite checks that a NaN gradient leaves the parameters
// untouched and clears the gradients.
func TestAdamNonFinite(t *testing.T) {
	var ps ParamSet[float32]
	p := ps.Add("w", 400, 400)
	p.Value.Data[7] = 3
	p.Grad.Data[5] = float32(math.NaN())
	p.Grad.Data[6] = 1
	if _, err := NewAdam(&ps, 1e-3).Step(); err == nil {
		t.Fatal("no error for a NaN gradient")
	}
	if p.Value.Data[7] != 3 || p.Grad.Data[6] != 0 {
		t.Fatal("parameters changed or gradients kept after a non-finite norm")
	}
}

// TestMinimize: a finite loss takes an Adam step; a non-finite one is an
// error that leaves the parameters alone and discards the gradients.
func TestMinimize(t *testing.T) {
	var ps ParamSet[float64]
	w := ps.Add("w", 1, 1)
	w.Value.Data[0] = 2
	opt := NewAdam(&ps, 0.1)
	var tape Tape[float64]
	l, err := opt.Minimize(&tape, tape.Sum(tape.Square(w)))
	if err != nil || l != 4 || w.Value.Data[0] >= 2 || opt.Steps() != 1 {
		t.Fatalf("finite loss: loss %v, err %v, w %v, steps %d", l, err, w.Value.Data[0], opt.Steps())
	}
	before := w.Value.Data[0]
	tape.Reset()
	l, err = opt.Minimize(&tape, tape.Scale(tape.Sum(w), math.Inf(1)))
	if err == nil || !math.IsInf(l, 1) {
		t.Fatalf("infinite loss: loss %v, err %v", l, err)
	}
	if w.Value.Data[0] != before || w.Grad.Data[0] != 0 || opt.Steps() != 1 {
		t.Fatalf("infinite loss changed w (%v → %v), kept grad %v or stepped (%d)", before, w.Value.Data[0], w.Grad.Data[0], opt.Steps())
	}
}

// TestAdamNoAllocs checks that a warm step allocates nothing.
func TestAdamNoAllocs(t *testing.T) {
	var ps ParamSet[float32]
	ps.Add("w", 700, 700)
	ps.Add("b", 1, 700)
	opt := NewAdam(&ps, 1e-3)
	opt.Step()
	if n := testing.AllocsPerRun(5, func() { opt.Step() }); n != 0 {
		t.Errorf("%v allocations per step", n)
	}
}
