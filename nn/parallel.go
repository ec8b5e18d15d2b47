package nn

import (
	"runtime"
	"sync"
)

// ---- splitting work over the cores ----

// parTask is work cut into parts that may run at once: runPart(i) does
// part i. Tasks are pointers to long-lived values, so handing one to the
// pool allocates nothing.
type parTask interface{ runPart(i int) }

// parPool is a pool of helper goroutines. One task at a time uses it
// (mu); a caller that finds it busy runs its parts itself rather than
// oversubscribing the cores.
var parPool struct {
	mu      sync.Mutex
	once    sync.Once
	helpers int
	start   []chan parPart
	done    chan struct{}
}

type parPart struct {
	t parTask
	i int
}

func startHelpers() {
	parPool.helpers = min(runtime.NumCPU(), gemmMaxPar) - 1
	parPool.done = make(chan struct{}, gemmMaxPar)
	for i := 0; i < parPool.helpers; i++ {
		ch := make(chan parPart, 1)
		parPool.start = append(parPool.start, ch)
		go func() {
			for p := range ch {
				p.t.runPart(p.i)
				parPool.done <- struct{}{}
			}
		}()
	}
}

// parWorkers is how many goroutines may work at once: GOMAXPROCS, at
// most gemmMaxPar.
func parWorkers() int { return min(runtime.GOMAXPROCS(0), gemmMaxPar) }

// runParts runs parts 0..n−1 of t, spread over the caller and the idle
// helpers, and returns when all are done. Part i runs on helper i−1 or on
// the caller; with the pool busy or n beyond the helpers, the caller runs
// the rest in order.
func runParts(t parTask, n int) {
	w := 0
	if n > 1 && parWorkers() > 1 {
		parPool.once.Do(startHelpers)
		if parPool.mu.TryLock() {
			defer parPool.mu.Unlock()
			w = min(n-1, parPool.helpers, parWorkers()-1)
		}
	}
	for i := 1; i <= w; i++ {
		parPool.start[i-1] <- parPart{t, i}
	}
	t.runPart(0)
	for i := w + 1; i < n; i++ {
		t.runPart(i)
	}
	for i := 0; i < w; i++ {
		<-parPool.done
	}
}

// gemmJob is one goroutine's share of a product.
type gemmJob[T Float] struct {
	sh               gemmShape[T]
	pool             *gemmPool[T]
	blas             blasFunc[T] // if set, the share is one call to it
	tA, tB, acc      bool
	subM, subN, k    int // this share's size
	a, b, c          []T
	aOff, bOff, cOff int // where this share starts in a, b and c
	lda, ldb, ldc    int
}

// gemmJobs holds the shares of the product being split; parPool.mu
// guards it (gemmParallel holds the lock for the whole product).
type gemmJobs[T Float] [gemmMaxPar]gemmJob[T]

var (
	jobs32 gemmJobs[float32]
	jobs64 gemmJobs[float64]
)

func (js *gemmJobs[T]) runPart(i int) {
	j := &js[i]
	if j.blas != nil {
		var beta T
		if j.acc {
			beta = 1
		}
		j.blas(j.tA, j.tB, j.subM, j.subN, j.k, j.a[j.aOff:], j.lda, j.b[j.bOff:], j.ldb, beta, j.c[j.cOff:], j.ldc)
		*j = gemmJob[T]{}
		return
	}
	buf := j.pool.get()
	gemmBlocked(j.sh, buf, j.tA, j.tB, j.subM, j.subN, j.k, j.a[j.aOff:], j.lda, j.b[j.bOff:], j.ldb, j.acc, false, j.c[j.cOff:], j.ldc)
	j.pool.put(buf)
	*j = gemmJob[T]{} // drop references to the operands
}

// gemmWorkers is how many goroutines a product of that size is split over.
func gemmWorkers(m, n, k int) int {
	if m*n*k < gemmParMin {
		return 1
	}
	return parWorkers()
}

// gemmParallel splits the product into w parts along n (or along m when
// it has more micro-tiles) and runs them at once, on the Go driver or,
// when blas is set, as one call to it each. It reports false, having done
// nothing, when the product is too small to split, the pool has no
// helpers, or (Go driver only) the pool is busy. An external BLAS may
// round a part differently from the whole product (its kernels depend on
// the shape), so a BLAS product is always cut the same way: with the pool
// busy, its parts run one after another on the caller, and the result
// does not depend on which goroutine got the pool first. The Go driver
// gives every element the same sum whatever the cut.
func gemmParallel[T Float](sh gemmShape[T], pool *gemmPool[T], blas blasFunc[T], w int, tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, acc bool, c []T, ldc int) bool {
	parPool.once.Do(startHelpers)
	w = min(w, parPool.helpers+1)
	splitN := n/sh.nr >= m/gemmMR
	unit, total := gemmMR, m
	if splitN {
		unit, total = sh.nr, n
	}
	units := (total + unit - 1) / unit
	w = min(w, units)
	if w < 2 {
		return false
	}
	var parts gemmJobs[T]
	for i := 0; i < w; i++ {
		lo, hi := units*i/w*unit, min(units*(i+1)/w*unit, total)
		j := gemmJob[T]{sh: sh, pool: pool, blas: blas, tA: tA, tB: tB, acc: acc, k: k, a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc}
		if splitN {
			j.subM, j.subN, j.cOff = m, hi-lo, lo
			if tB {
				j.bOff = lo * ldb
			} else {
				j.bOff = lo
			}
		} else {
			j.subM, j.subN, j.cOff = hi-lo, n, lo*ldc
			if tA {
				j.aOff = lo
			} else {
				j.aOff = lo * lda
			}
		}
		parts[i] = j
	}
	if !parPool.mu.TryLock() {
		if blas == nil {
			return false
		}
		for i := 0; i < w; i++ {
			parts.runPart(i)
		}
		return true
	}
	defer parPool.mu.Unlock()
	var jobs *gemmJobs[T]
	if p, ok := any(&jobs32).(*gemmJobs[T]); ok {
		jobs = p
	} else {
		jobs = any(&jobs64).(*gemmJobs[T])
	}
	*jobs = parts
	// The pool's lock is held: hand the parts to the helpers directly.
	for i := 1; i < w; i++ {
		parPool.start[i-1] <- parPart{jobs, i}
	}
	jobs.runPart(0)
	for i := 1; i < w; i++ {
		<-parPool.done
	}
	return true
}
