package metrics

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"
)

// checkRows validates a data matrix: non-nil, at least one row, all entries
// finite. It returns its dimensions.
func checkRows(name string, m *mat.Dense) (rows, cols int, err error) {
	if m == nil {
		return 0, 0, fmt.Errorf("%s: nil matrix", name)
	}
	if m.IsEmpty() {
		return 0, 0, fmt.Errorf("%s: empty matrix", name)
	}
	rows, cols = m.Dims()
	for i := range rows {
		for j, v := range m.RawRowView(i) {
			if !isFinite(v) {
				return rows, cols, fmt.Errorf("%s: non-finite value %v at row %d, column %d", name, v, i, j)
			}
		}
	}
	return rows, cols, nil
}

// sqDist returns the squared Euclidean distance between a and b, which must
// have the same length.
func sqDist(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		d0 := a[i] - b[i]
		d1 := a[i+1] - b[i+1]
		d2 := a[i+2] - b[i+2]
		d3 := a[i+3] - b[i+3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(a); i++ {
		d := a[i] - b[i]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// parallelFor calls body on disjoint chunks [lo, hi) covering [0, n), using
// at most runtime.GOMAXPROCS(0) goroutines. body must only write state owned
// by its rows.
func parallelFor(n int, body func(lo, hi int)) {
	if n <= 0 {
		return
	}
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		body(0, n)
		return
	}
	chunk := max(1, n/(4*workers))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				hi := int(next.Add(int64(chunk)))
				lo := hi - chunk
				if lo >= n {
					return
				}
				body(lo, min(hi, n))
			}
		})
	}
	wg.Wait()
}
