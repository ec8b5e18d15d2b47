package nn

import (
	"runtime"
	"sync"
	"sync/atomic"
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
	start   []chan parRun
	done    chan struct{}
	next    atomic.Int64 // the next part to take, for the task running
}

// parRun is a task being run: each goroutine on it takes the next part
// not yet taken until all n are.
type parRun struct {
	t    parTask
	next *atomic.Int64
	n    int
}

func (r parRun) work() {
	for {
		i := int(r.next.Add(1)) - 1
		if i >= r.n {
			return
		}
		r.t.runPart(i)
	}
}

func startHelpers() {
	parPool.helpers = min(runtime.NumCPU(), gemmMaxPar) - 1
	parPool.done = make(chan struct{}, gemmMaxPar)
	for i := 0; i < parPool.helpers; i++ {
		ch := make(chan parRun, 1)
		parPool.start = append(parPool.start, ch)
		go func() {
			for r := range ch {
				r.work()
				parPool.done <- struct{}{}
			}
		}()
	}
}

// parWorkers is how many goroutines may work at once: GOMAXPROCS, at
// most gemmMaxPar.
func parWorkers() int { return min(runtime.GOMAXPROCS(0), gemmMaxPar) }

// runParts runs parts 0..n−1 of t, spread over the caller and the idle
// helpers, and returns when all are done; with the pool busy the caller
// runs them all. Which goroutine runs a part is left to timing, so parts
// must write disjoint results: how the work is cut is the caller's
// choice, never the number of cores', so results do not depend on it.
func runParts(t parTask, n int) {
	if n > 1 && parWorkers() > 1 {
		parPool.once.Do(startHelpers)
		if parPool.mu.TryLock() {
			defer parPool.mu.Unlock()
			runPartsLocked(t, n)
			return
		}
	}
	for i := 0; i < n; i++ {
		t.runPart(i)
	}
}

// runPartsLocked is runParts for a caller that holds parPool.mu.
func runPartsLocked(t parTask, n int) {
	w := min(n-1, parPool.helpers, parWorkers()-1)
	parPool.next.Store(0)
	r := parRun{t, &parPool.next, n}
	for i := 0; i < w; i++ {
		parPool.start[i] <- r
	}
	r.work()
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

// gemmParallel cuts the product into parts along n (or along m when it
// has more micro-tiles), at most the given number, and runs them, on the
// Go driver or, when blas is set, as one call to it each: at once when
// parallel is set and the pool is free, else one after another on the
// caller. It reports false, having done nothing, when the product is too
// small to cut or (Go driver only) it would run on the caller alone.
//
// The Go driver gives every element the same sum whatever the cut, so
// its callers cut by the cores available. An external BLAS may round a
// part differently from the whole product (its kernels depend on the
// shape), so its callers cut by the shape alone ([blasParts]) and the
// result depends neither on the number of cores nor on which goroutine
// got the pool first.
func gemmParallel[T Float](sh gemmShape[T], pool *gemmPool[T], blas blasFunc[T], parts int, parallel, tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, acc bool, c []T, ldc int) bool {
	splitN := n/sh.nr >= m/gemmMR
	unit, total := gemmMR, m
	if splitN {
		unit, total = sh.nr, n
	}
	units := (total + unit - 1) / unit
	w := min(parts, units, gemmMaxPar)
	if w < 2 {
		return false
	}
	var cut gemmJobs[T]
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
		cut[i] = j
	}
	if parallel && parWorkers() > 1 {
		parPool.once.Do(startHelpers)
		if parPool.helpers > 0 && parPool.mu.TryLock() {
			defer parPool.mu.Unlock()
			var jobs *gemmJobs[T]
			if p, ok := any(&jobs32).(*gemmJobs[T]); ok {
				jobs = p
			} else {
				jobs = any(&jobs64).(*gemmJobs[T])
			}
			*jobs = cut
			runPartsLocked(jobs, w)
			return true
		}
	}
	if blas == nil {
		return false
	}
	for i := 0; i < w; i++ {
		cut.runPart(i)
	}
	return true
}

// blasParts is how many parts a product sent to an external BLAS is cut
// into: one per blasMin multiply–adds, at most gemmMaxPar, whatever the
// number of cores (see gemmParallel).
func blasParts(m, n, k int) int {
	return min(gemmMaxPar, m*n*k/max(1, blasMin))
}

// ChunkWorkers is how many goroutines ForChunks(n, size, …) runs on: one
// per core (GOMAXPROCS), at most one per chunk.
func ChunkWorkers(n, size int) int {
	return max(1, min(runtime.GOMAXPROCS(0), (n+size-1)/size))
}

// ForChunks cuts [0, n) into chunks of size rows (the last may be
// shorter) and runs f(worker, lo, hi) on each, spread over
// ChunkWorkers(n, size) goroutines that each take the next chunk not yet
// taken; worker (0 ≤ worker < ChunkWorkers) names the goroutine, for
// scratch of its own such as a tape. The cut depends on n and size only
// and each chunk is computed whole by one goroutine, so a caller whose
// chunks write disjoint results gets the same bits on any number of
// cores. It is for independent rows too many for one product's split to
// keep the cores busy: sampling and evaluating a model chunk by chunk.
func ForChunks(n, size int, f func(worker, lo, hi int)) {
	workers := ChunkWorkers(n, size)
	chunks := (n + size - 1) / size
	var next atomic.Int64
	work := func(w int) {
		for c := int(next.Add(1)) - 1; c < chunks; c = int(next.Add(1)) - 1 {
			f(w, c*size, min((c+1)*size, n))
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Go(func() { work(w) })
	}
	work(0)
	wg.Wait()
}

// numWorkers is how many goroutines share a batch of n images.
func numWorkers(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n))
}

// parallelImages splits images [0, n) into numWorkers(n) contiguous
// ranges and runs f(worker, lo, hi) on each, concurrently.
func parallelImages(n int, f func(worker, lo, hi int)) {
	parallelParts(n, numWorkers(n), f)
}

// elemGrain is the smallest slice that parallelElems splits: below it
// the goroutine hand-off costs more than the loop.
const elemGrain = 1 << 16

// parallelElems runs f on contiguous parts of [0, n) concurrently, one
// per available CPU, when n is large enough to be worth it: elementwise
// ops on whole feature maps are memory-bound loops that would otherwise
// leave all cores but one idle between the parallel convolutions.
func parallelElems(n int, f func(lo, hi int)) {
	parallelParts(n, max(1, min(n/elemGrain, runtime.GOMAXPROCS(0))), func(_, lo, hi int) { f(lo, hi) })
}

// parallelParts splits [0, n) into parts contiguous ranges and runs
// f(part, lo, hi) on each, the last on the calling goroutine.
func parallelParts(n, parts int, f func(part, lo, hi int)) {
	if parts <= 1 {
		f(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for p := range parts - 1 {
		wg.Go(func() { f(p, p*n/parts, (p+1)*n/parts) })
	}
	f(parts-1, (parts-1)*n/parts, n)
	wg.Wait()
}
