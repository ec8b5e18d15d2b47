package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// gemmBenchShapes are the products of the peer benchmark's networks
// (bench/peer): the large MLP (784-1024-1024-784, batch 128) forward and
// backward, the tiny MLP and RealNVP conditioners (2-64-64-2, batch 512),
// and a square one.
var gemmBenchShapes = []struct {
	name    string
	tA, tB  bool
	m, n, k int
}{
	{"fwd-128x1024x784", false, false, 128, 1024, 784},
	{"dx-128x784x1024-tB", false, true, 128, 784, 1024},
	{"dw-784x1024x128-tA", true, false, 784, 1024, 128},
	{"fwd-512x64x64", false, false, 512, 64, 64},
	{"fwd-512x64x2", false, false, 512, 64, 2},
	{"fwd-512x2x64", false, false, 512, 2, 64},
	{"dw-64x64x512-tA", true, false, 64, 64, 512},
	{"sq-512", false, false, 512, 512, 512},
}

func benchGemm[T Float](b *testing.B, impl string) {
	for _, s := range gemmBenchShapes {
		b.Run(s.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			rnd := func(n int) []T {
				x := make([]T, n)
				for i := range x {
					x[i] = T(rng.Float64() - 0.5)
				}
				return x
			}
			a, bb, c := rnd(s.m*s.k), rnd(s.k*s.n), rnd(s.m*s.n)
			lda, ldb := s.k, s.n
			if s.tA {
				lda = s.m
			}
			if s.tB {
				ldb = s.k
			}
			run := func() { gemm(s.tA, s.tB, s.m, s.n, s.k, a, lda, bb, ldb, 0, c, s.n) }
			switch impl {
			case "gofallback":
				var pool gemmPool[T]
				var sh gemmShape[T]
				if x, ok := any(shape32(false)).(gemmShape[T]); ok {
					sh = x
				} else {
					sh = any(shape64(false)).(gemmShape[T])
				}
				run = func() { gemmGo(true, sh, &pool, s.tA, s.tB, s.m, s.n, s.k, a, lda, bb, ldb, 0, c, s.n) }
			case "gonum":
				tr := func(t bool) blas.Transpose {
					if t {
						return blas.Trans
					}
					return blas.NoTrans
				}
				switch x := any(c).(type) {
				case []float32:
					a32, b32 := any(a).([]float32), any(bb).([]float32)
					run = func() {
						gonum.Implementation{}.Sgemm(tr(s.tA), tr(s.tB), s.m, s.n, s.k, 1, a32, lda, b32, ldb, 0, x, s.n)
					}
				case []float64:
					a64, b64 := any(a).([]float64), any(bb).([]float64)
					run = func() {
						gonum.Implementation{}.Dgemm(tr(s.tA), tr(s.tB), s.m, s.n, s.k, 1, a64, lda, b64, ldb, 0, x, s.n)
					}
				}
			}
			run()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				run()
			}
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkGemm times nn's gemm (what the tape uses: the blocked Go driver
// with assembly kernels, or OpenBLAS in the openblas build), the driver
// with the portable Go kernel, and gonum's native BLAS, which nn used
// before, in both precisions.
func BenchmarkGemm(b *testing.B) {
	for _, impl := range []string{"nn", "gofallback", "gonum"} {
		b.Run("f32-"+impl, func(b *testing.B) { benchGemm[float32](b, impl) })
		b.Run("f64-"+impl, func(b *testing.B) { benchGemm[float64](b, impl) })
	}
}

// mlpStep returns one training step (forward, MSE loss, backward, Adam)
// of a ReLU MLP, as in the peer benchmark.
func mlpStep[T Float](sizes []int, batch int) func() {
	rng := rand.New(rand.NewPCG(1, 2))
	var ps ParamSet[T]
	net := NewMLP(&ps, "mlp", sizes, ActRelu, false, rng)
	opt := NewAdam(&ps, 1e-3)
	x, y := NewMat[T](batch, sizes[0]), NewMat[T](batch, sizes[len(sizes)-1])
	for i := range x.Data {
		x.Data[i] = T(rng.NormFloat64())
	}
	for i := range y.Data {
		y.Data[i] = T(rng.NormFloat64())
	}
	var t Tape[T]
	return func() {
		t.Reset()
		loss := t.Mean(t.Square(t.Sub(net.Forward(&t, t.Const(x)), t.Const(y))))
		t.Backward(loss)
		if _, err := opt.Step(); err != nil {
			panic(err)
		}
	}
}

// BenchmarkMLPTrainStep times a full training step and reports its
// allocations, which must be zero once the tape's buffers are warm.
func BenchmarkMLPTrainStep(b *testing.B) {
	for _, c := range []struct {
		sizes []int
		batch int
	}{{[]int{784, 1024, 1024, 784}, 128}, {[]int{2, 64, 64, 2}, 512}} {
		b.Run(fmt.Sprintf("f32-%v-b%d", c.sizes, c.batch), func(b *testing.B) {
			step := mlpStep[float32](c.sizes, c.batch)
			step()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				step()
			}
		})
	}
}

// BenchmarkAdam times one optimiser step over the large MLP's parameters
// (2.4M scalars): the fused, parallel Step ("fused") and the plain loop it
// replaced ("plain", refAdamStep in adam_test.go). Both include the
// gradient norm; the gradients are refilled (untimed) before each step.
func BenchmarkAdam(b *testing.B) {
	for _, impl := range []string{"fused", "plain"} {
		b.Run(impl, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			var ps ParamSet[float32]
			NewMLP(&ps, "mlp", []int{784, 1024, 1024, 784}, ActRelu, false, rng)
			opt := NewAdam(&ps, 1e-3)
			var m, v [][]float32
			for _, p := range ps.Nodes {
				m, v = append(m, make([]float32, len(p.Value.Data))), append(v, make([]float32, len(p.Value.Data)))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for _, p := range ps.Nodes {
					for j := range p.Grad.Data {
						p.Grad.Data[j] = 1e-3
					}
				}
				b.StartTimer()
				if impl == "plain" {
					refAdamStep(&ps, m, v, i+1, 1e-3, 0, 0)
				} else if _, err := opt.Step(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
