//go:build openblas && cgo

// Package openblas links OpenBLAS (Debian's libopenblas-dev) into the
// openblas build of nn, whose calls go through gonum.org/v1/netlib's
// CBLAS bindings. It is a package of its own because nn has Go assembly,
// and a package that uses cgo hands its .s files to the C compiler.
package openblas

/*
#cgo LDFLAGS: -lopenblas
int openblas_get_num_threads(void);
void openblas_set_num_threads(int);
char* openblas_get_config(void);
*/
import "C"

// Threads returns the number of threads OpenBLAS uses.
func Threads() int { return int(C.openblas_get_num_threads()) }

// Config returns OpenBLAS's build configuration (version, kernel core).
func Config() string { return C.GoString(C.openblas_get_config()) }

// SetThreads sets the number of threads OpenBLAS uses.
func SetThreads(n int) { C.openblas_set_num_threads(C.int(n)) }
