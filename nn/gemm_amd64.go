//go:build amd64 && !purego

package nn

// Implemented in gemm_amd64.s.

//go:noescape
func sgemmKernel6x16(k int, a, b, c *float32, ldc int, acc bool)

//go:noescape
func sgemmKernel6x16A(k int, a *float32, lda int, b, c *float32, ldc int, acc bool)

//go:noescape
func dgemmKernel6x8(k int, a, b, c *float64, ldc int, acc bool)

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

func xgetbv() (eax, edx uint32)

// hasAVX2FMA reports whether the processor and the operating system
// support AVX2 and FMA3 (golang.org/x/sys/cpu is not a dependency, and
// internal/cpu is not importable, so this asks CPUID directly).
func hasAVX2FMA() bool {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const (
		fma     = 1 << 12
		osxsave = 1 << 27
		avx     = 1 << 28
	)
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return false
	}
	// The OS must save the XMM and YMM registers (XCR0 bits 1 and 2).
	if xcr0, _ := xgetbv(); xcr0&6 != 6 {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	const avx2 = 1 << 5
	return ebx7&avx2 != 0
}

func init() {
	if hasAVX2FMA() {
		asmKernels = true
		sgemmAsm = func(k int, a, b, c []float32, ldc int, acc bool) {
			sgemmKernel6x16(k, &a[0], &b[0], &c[0], ldc, acc)
		}
		sgemmAsmA = func(k int, a []float32, lda int, b, c []float32, ldc int, acc bool) {
			sgemmKernel6x16A(k, &a[0], lda, &b[0], &c[0], ldc, acc)
		}
		dgemmAsm = func(k int, a, b, c []float64, ldc int, acc bool) {
			dgemmKernel6x8(k, &a[0], &b[0], &c[0], ldc, acc)
		}
	}
}
