//go:build openblas && cgo

package nn

import (
	"fmt"
	"os"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"

	"github.com/genbench/genbench/nn/internal/openblas"
)

// In the openblas build, products of at least blasMin multiply–adds go to
// OpenBLAS through gonum's netlib bindings; smaller ones stay on nn's own
// kernels, which skip the cgo call and OpenBLAS's thread hand-off. When
// OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS) is not set, OpenBLAS runs
// single-threaded and nn splits each large product over the cores itself:
// OpenBLAS's threads busy-wait between calls, taking the cores from the
// Go code that runs between matrix products.
func init() {
	impl := netlib.Implementation{}
	blasSgemm = func(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		impl.Sgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
	}
	blasDgemm = func(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
		impl.Dgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
	}
	blasMin = openblasMin
	// Unless told otherwise, OpenBLAS runs single-threaded and nn's pool
	// splits large products over the cores (see blasSplit).
	if os.Getenv("OPENBLAS_NUM_THREADS") == "" && os.Getenv("OMP_NUM_THREADS") == "" {
		openblas.SetThreads(1)
		blasSplit = true
	}
	blasName = fmt.Sprintf("OpenBLAS (%s; %d threads)", openblas.Config(), openblas.Threads())
	if blasSplit {
		blasName = fmt.Sprintf("OpenBLAS (%s; single-threaded calls, large products split over %d goroutines by nn)", openblas.Config(), parWorkers())
	}
}

// openblasMin is the multiply–add count from which OpenBLAS is used.
const openblasMin = 1 << 18

// trans maps nn's transpose flag to BLAS's.
func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}
