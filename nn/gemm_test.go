package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
)

// naiveGemm is the reference triple loop, accumulated in float64.
func naiveGemm[T Float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				var av, bv T
				if tA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if tB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			if beta == 0 {
				c[i*ldc+j] = T(s)
			} else {
				c[i*ldc+j] = T(s + float64(beta)*float64(c[i*ldc+j]))
			}
		}
	}
}

type gemmCase struct {
	tA, tB     bool
	m, n, k    int
	beta       float64
	padA, padB int // extra elements per row (lda > cols)
	padC       int
}

func (g gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,%dx%dx%d,beta=%v,pad=%d/%d/%d", g.tA, g.tB, g.m, g.n, g.k, g.beta, g.padA, g.padB, g.padC)
}

func gemmCases() []gemmCase {
	var cs []gemmCase
	sizes := [][3]int{
		{1, 1, 1}, {1, 7, 3}, {5, 1, 9}, {6, 16, 1}, {6, 16, 4}, {7, 17, 5}, {12, 32, 256},
		{13, 33, 257}, {5, 15, 300}, {37, 41, 43}, {64, 2, 512}, {512, 64, 2}, {1, 64, 512},
		{512, 1, 64}, {100, 3, 70}, {33, 4, 5}, {121, 9, 600}, {130, 250, 70}, {3, 2100, 20}, {200, 130, 513},
	}
	betas := []float64{0, 1, 0.5}
	for si, s := range sizes {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for bi, beta := range betas {
					pad := (si + bi) % 3
					cs = append(cs, gemmCase{tA, tB, s[0], s[1], s[2], beta, pad, 2 * pad % 5, pad})
				}
			}
		}
	}
	return cs
}

// operands makes a, b and c for a case, with padding columns set to NaN
// so that reading them would show.
func operands[T Float](g gemmCase, rng *rand.Rand) (a []T, lda int, b []T, ldb int, c []T, ldc int) {
	ar, ac := g.m, g.k
	if g.tA {
		ar, ac = g.k, g.m
	}
	br, bc := g.k, g.n
	if g.tB {
		br, bc = g.n, g.k
	}
	fill := func(r, cols, pad int) ([]T, int) {
		ld := cols + pad
		x := make([]T, r*ld)
		for i := range x {
			if i%ld >= cols {
				x[i] = T(math.NaN())
			} else {
				x[i] = T(rng.Float64()*2 - 1)
			}
		}
		return x, ld
	}
	a, lda = fill(ar, ac, g.padA)
	b, ldb = fill(br, bc, g.padB)
	c, ldc = fill(g.m, g.n, g.padC)
	return
}

func checkClose[T Float](t *testing.T, what string, g gemmCase, got, want []T, ldc int, tol float64) {
	t.Helper()
	for i := 0; i < g.m; i++ {
		for j := 0; j < g.n; j++ {
			x, y := float64(got[i*ldc+j]), float64(want[i*ldc+j])
			if math.Abs(x-y) > tol*(1+math.Abs(y))*math.Sqrt(float64(g.k)+1) || math.IsNaN(x) {
				t.Fatalf("%s %v: c[%d][%d] = %v, want %v", what, g, i, j, x, y)
			}
		}
		for j := g.n; j < ldc; j++ { // padding untouched
			if !math.IsNaN(float64(got[i*ldc+j])) {
				t.Fatalf("%s %v: wrote padding c[%d][%d]", what, g, i, j)
			}
		}
	}
}

func testGemm[T Float](t *testing.T, tol float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	var sh, shGo gemmShape[T]
	var pool *gemmPool[T]
	switch p := any(&pool32).(type) {
	case *gemmPool[T]:
		pool = p
		sh, shGo = any(shape32(true)).(gemmShape[T]), any(shape32(false)).(gemmShape[T])
	default:
		pool = any(&pool64).(*gemmPool[T])
		sh, shGo = any(shape64(true)).(gemmShape[T]), any(shape64(false)).(gemmShape[T])
	}
	for _, g := range gemmCases() {
		a, lda, b, ldb, c0, ldc := operands[T](g, rng)
		want := append([]T(nil), c0...)
		naiveGemm(g.tA, g.tB, g.m, g.n, g.k, a, lda, b, ldb, T(g.beta), want, ldc)
		run := func(what string, f func(c []T)) []T {
			c := append([]T(nil), c0...)
			if g.beta == 0 { // beta 0 must ignore whatever c held
				for i := 0; i < g.m; i++ {
					for j := 0; j < g.n; j++ {
						c[i*ldc+j] = T(math.NaN())
					}
				}
			}
			f(c)
			checkClose(t, what, g, c, want, ldc, tol)
			return c
		}
		// gemm is what nn uses (OpenBLAS in the openblas build); the
		// assembly kernels (when the processor has them) and the Go
		// fallback both run through the same driver.
		run("gemm", func(c []T) { gemm(g.tA, g.tB, g.m, g.n, g.k, a, lda, b, ldb, T(g.beta), c, ldc) })
		asm := run("asm", func(c []T) { gemmGo(true, sh, pool, g.tA, g.tB, g.m, g.n, g.k, a, lda, b, ldb, T(g.beta), c, ldc) })
		goK := run("go", func(c []T) { gemmGo(true, shGo, pool, g.tA, g.tB, g.m, g.n, g.k, a, lda, b, ldb, T(g.beta), c, ldc) })
		// Both add the k products in the same order; they differ only by
		// FMA's single rounding.
		checkClose(t, "asm vs go", g, asm, goK, ldc, tol)
	}
}

func TestGemmFloat32(t *testing.T) { testGemm[float32](t, 2e-6) }
func TestGemmFloat64(t *testing.T) { testGemm[float64](t, 1e-14) }

// TestGemmConcurrent runs large products from several goroutines at
// once: only one may use the helper pool, the others run alone.
func TestGemmConcurrent(t *testing.T) {
	g := gemmCase{m: 150, n: 170, k: 190}
	rng := rand.New(rand.NewPCG(3, 4))
	a, lda, b, ldb, _, ldc := operands[float32](g, rng)
	want := make([]float32, g.m*ldc)
	naiveGemm(false, false, g.m, g.n, g.k, a, lda, b, ldb, 0, want, ldc)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := make([]float32, g.m*ldc)
			for rep := 0; rep < 5; rep++ {
				gemm(false, false, g.m, g.n, g.k, a, lda, b, ldb, 0, c, ldc)
				for i := range c {
					if math.Abs(float64(c[i]-want[i])) > 1e-4 {
						errs <- fmt.Sprintf("c[%d] = %v, want %v", i, c[i], want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// TestGemmNoAllocs checks that warm products, serial and parallel,
// allocate nothing.
func TestGemmNoAllocs(t *testing.T) {
	for _, s := range [][3]int{{8, 8, 8}, {128, 1024, 784}} {
		m, n, k := s[0], s[1], s[2]
		a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		gemm(false, false, m, n, k, a, k, b, n, 0, c, n)
		if allocs := testing.AllocsPerRun(5, func() {
			gemm(false, true, m, k, n, c, n, b, n, 1, a, k)
			gemm(false, false, m, n, k, a, k, b, n, 0, c, n)
		}); allocs != 0 {
			t.Errorf("%v: %v allocations per product", s, allocs)
		}
	}
}

// TestBLASCutIndependentOfPool: an external BLAS may round a part of a
// product differently from the whole, so a product sent to it must be
// cut the same way whether or not the goroutine pool is free (with
// timing deciding, a training run would not reproduce its own numbers),
// whatever the number of cores, and whether the caller lets it spread
// over them (gemm) or not (gemmSerial). A stand-in BLAS records the parts
// it is asked for.
func TestBLASCutIndependentOfPool(t *testing.T) {
	saved, savedMin, savedSplit := blasSgemm, blasMin, blasSplit
	defer func() { blasSgemm, blasMin, blasSplit = saved, savedMin, savedSplit }()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var mu sync.Mutex
	var parts [][2]int
	blasSgemm = func(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		mu.Lock()
		parts = append(parts, [2]int{m, n})
		mu.Unlock()
		gemmGo(false, shape32(asmKernels), &pool32, tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
	}
	const m, n, k = 48, 512, 64
	blasMin, blasSplit = m*n*k/4, true
	rng := rand.New(rand.NewPCG(1, 1))
	a, b := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
	}
	for i := range b {
		b[i] = float32(rng.NormFloat64())
	}
	parPool.once.Do(startHelpers)
	type mulFunc = func(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	run := func(busy bool, procs int, mm mulFunc) ([][2]int, []float32) {
		runtime.GOMAXPROCS(procs)
		parts = nil
		c := make([]float32, m*n)
		if busy {
			parPool.mu.Lock()
		}
		mm(false, false, m, n, k, a, k, b, n, 0, c, n)
		if busy {
			parPool.mu.Unlock()
		}
		slices.SortFunc(parts, func(x, y [2]int) int { return x[1] - y[1] })
		return parts, c
	}
	freeParts, freeC := run(false, 4, gemm[float32])
	if len(freeParts) != 4 {
		t.Errorf("a product of 4·blasMin multiply-adds went to the BLAS in %d part(s), want 4", len(freeParts))
	}
	for _, r := range []struct {
		name  string
		busy  bool
		procs int
		mm    mulFunc
	}{{"pool busy", true, 4, gemm[float32]}, {"1 core", false, 1, gemm[float32]}, {"serial", false, 4, gemmSerial[float32]}} {
		p, c := run(r.busy, r.procs, r.mm)
		if !slices.Equal(freeParts, p) {
			t.Errorf("%s: parts %v, %v with the pool free on 4 cores", r.name, p, freeParts)
		}
		if !slices.Equal(freeC, c) {
			t.Errorf("%s: the product differs", r.name)
		}
	}
}

// TestOuterProductMatchesDriver: the k = 1 path gives the blocked
// driver's bits (zero and negative-zero products included), with and
// without accumulation, for every transpose and widths on both sides of
// the vector loop.
func TestOuterProductMatchesDriver(t *testing.T) {
	special := []float32{0, float32(math.Copysign(0, -1)), 1.5, -2.25, 3e-39, 7}
	for _, n := range []int{1, 7, 8, 13, 64} {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, acc := range []bool{false, true} {
					m := 9
					a, b := make([]float32, m), make([]float32, n)
					for i := range a {
						a[i] = special[i%len(special)] * 1.25
					}
					for j := range b {
						b[j] = special[(j+2)%len(special)] - float32(j%3)*0.1
					}
					got, want := make([]float32, m*n), make([]float32, m*n)
					for i := range got {
						got[i] = float32(i%5) - 2
						want[i] = got[i]
					}
					lda, ldb := 1, 1
					if tA {
						lda = m
					}
					if tB {
						ldb = 1
					} else {
						ldb = n
					}
					if !outerProduct(tA, tB, m, n, a, lda, b, ldb, acc, got, n) {
						t.Fatalf("n %d tA %v tB %v: outer product declined", n, tA, tB)
					}
					buf := pool32.get()
					gemmBlocked(shape32(asmKernels), buf, tA, tB, m, n, 1, a, lda, b, ldb, acc, false, want, n)
					pool32.put(buf)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("n %d tA %v tB %v acc %v: element %d = %v, driver %v", n, tA, tB, acc, i, got[i], want[i])
						}
					}
					if acc {
						continue
					}
					// With the bias and ReLU fused: as the separate pass.
					bias := make([]float32, n)
					for j := range bias {
						bias[j] = special[(j+4)%len(special)] - 1
					}
					for _, relu := range []bool{false, true} {
						addBiasReluRows(&Mat[float32]{Rows: m, Cols: n, Data: want}, bias, relu)
						outerBiasRelu(tA, tB, m, n, a, lda, b, ldb, false, got, n, bias, relu)
						for i := range got {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("n %d tA %v tB %v relu %v: element %d = %v, separate passes %v", n, tA, tB, relu, i, got[i], want[i])
							}
						}
						outerProduct(tA, tB, m, n, a, lda, b, ldb, false, want, n)
					}
				}
			}
		}
	}
}

// TestDirectAMatchesPacked: the route that reads A in place gives the
// packed route's bits: whole and partial slivers of A and B, with and
// without accumulation, over several K blocks and row blocks.
func TestDirectAMatchesPacked(t *testing.T) {
	sh := shape32(asmKernels)
	if sh.kernA == nil {
		t.Skip("no in-place kernel in this build")
	}
	packed := sh
	packed.kernA = nil
	rng := rand.New(rand.NewPCG(3, 4))
	for _, dims := range [][3]int{{6, 16, 5}, {7, 33, 40}, {16, 784, 32}, {13, 40, 300}, {250, 70, 64}, {1024, 64, 64}} {
		m, n, k := dims[0], dims[1], dims[2]
		for _, acc := range []bool{false, true} {
			lda := k + 3
			a, b := make([]float32, m*lda), make([]float32, k*n)
			for i := range a {
				a[i] = float32(rng.NormFloat64())
			}
			for i := range b {
				b[i] = float32(rng.NormFloat64())
			}
			got, want := make([]float32, m*n), make([]float32, m*n)
			for i := range got {
				got[i] = float32(rng.NormFloat64())
				want[i] = got[i]
			}
			buf := pool32.get()
			gemmBlocked(sh, buf, false, false, m, n, k, a, lda, b, n, acc, false, got, n)
			gemmBlocked(packed, buf, false, false, m, n, k, a, lda, b, n, acc, false, want, n)
			pool32.put(buf)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%d×%d×%d acc %v: element %d = %v, packed %v", m, n, k, acc, i, got[i], want[i])
				}
			}
		}
	}
}
