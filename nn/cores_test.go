package nn

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// The convolutions' gradients sum over the images of a batch; they must
// be the same bits whatever the number of cores sharing the images. The
// weights are wide enough (144 and 160 columns) to be cut into chunks.
func TestConvGradientsSameOnAnyCores(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	cases := []struct {
		name string
		in   ImageShape
		cout int
		conv func(tp *Tape[float32], x, w, b *Node[float32], in ImageShape) *Node[float32]
	}{
		{"Conv2D masked", ImageShape{16, 6, 6}, 8, func(tp *Tape[float32], x, w, b *Node[float32], in ImageShape) *Node[float32] {
			return tp.Conv2D(x, in, w, 3, CausalMask[float32](false, in.C, 8, 3, 1), b)
		}},
		{"Conv2D 1x1", ImageShape{160, 4, 4}, 8, func(tp *Tape[float32], x, w, b *Node[float32], in ImageShape) *Node[float32] {
			return tp.Conv2D(x, in, w, 1, nil, b)
		}},
		{"Conv2DNarrow", ImageShape{144, 5, 5}, 2, func(tp *Tape[float32], x, w, b *Node[float32], in ImageShape) *Node[float32] {
			return tp.Conv2DNarrow(x, in, w, 3, b)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := 3
			if c.name == "Conv2D 1x1" {
				k = 1
			}
			rng := rand.New(rand.NewPCG(8, 9))
			x := NewParam[float32](12, c.in.Size())
			w := NewParam[float32](c.cout, c.in.C*k*k)
			b := NewParam[float32](1, c.cout)
			for _, p := range []*Node[float32]{x, w, b} {
				Uniform(p, 1, rng)
			}
			grads := func(procs int) []float32 {
				runtime.GOMAXPROCS(procs)
				for _, p := range []*Node[float32]{x, w, b} {
					clear(p.Grad.Data)
				}
				var tp Tape[float32]
				tp.Backward(tp.Mean(tp.Square(c.conv(&tp, x, w, b, c.in))))
				return slices.Concat(x.Grad.Data, w.Grad.Data, b.Grad.Data)
			}
			one, four := grads(1), grads(4)
			for i := range one {
				if one[i] != four[i] {
					t.Fatalf("gradient %d is %v on 1 core, %v on 4", i, one[i], four[i])
				}
			}
		})
	}
}

// nn's own matrix product gives every element the same sum however it
// is cut, so a large product is the same bits split over 1 or 4 cores
// and on the caller alone.
func TestGemmSameOnAnyCores(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	g := gemmCase{m: 130, n: 300, k: 270}
	rng := rand.New(rand.NewPCG(5, 7))
	a, lda, b, ldb, _, ldc := operands[float32](g, rng)
	product := func(procs int, mm func(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)) []float32 {
		runtime.GOMAXPROCS(procs)
		c := make([]float32, g.m*ldc)
		mm(false, false, g.m, g.n, g.k, a, lda, b, ldb, 0, c, ldc)
		return c
	}
	want := product(1, gemm[float32])
	for _, run := range []struct {
		name string
		c    []float32
	}{{"4 cores", product(4, gemm[float32])}, {"serial", product(4, gemmSerial[float32])}} {
		if !slices.Equal(run.c, want) {
			t.Errorf("%s: the product differs from the one on 1 core", run.name)
		}
	}
}
