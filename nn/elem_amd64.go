//go:build amd64 && !purego

package nn

import "unsafe"

// AVX2 loops of elementwise work that is the same, operation for
// operation, as the Go loops they stand in for (elem_amd64.s): IEEE
// additions, multiplications, divisions and square roots are correctly
// rounded whatever the vector width, and none is fused, so the results
// are bit for bit those of the Go code (NaN payloads aside, which the
// hardware may take from either operand of a commutative operation).

// Implemented in elem_amd64.s; n is a multiple of 8 (float32) or 4 (float64).

//go:noescape
func biasRelu32(x, b *float32, n int, relu bool)

//go:noescape
func biasRelu64(x, b *float64, n int, relu bool)

//go:noescape
func relu32(out, x *float32, n int)

//go:noescape
func relu64(out, x *float64, n int)

//go:noescape
func adam32(w, grad, m, v *float32, n int, k *adamConsts[float32])

//go:noescape
func adam64(w, grad, m, v *float64, n int, k *adamConsts[float64])

//go:noescape
func mul32(dst, a, b *float32, n int)

//go:noescape
func mul64(dst, a, b *float64, n int)

//go:noescape
func mulAdd32(dst, a, b *float32, n int)

//go:noescape
func mulAdd64(dst, a, b *float64, n int)

//go:noescape
func sum32(dst, a, b *float32, n int)

//go:noescape
func sum64(dst, a, b *float64, n int)

//go:noescape
func reluBack32(ga, grad, x *float32, n int, acc bool)

//go:noescape
func reluBack64(ga, grad, x *float64, n int, acc bool)

//go:noescape
func outer32(c, a, b *float32, m, n, as, ldc int, acc bool, bias *float32, relu bool)

//go:noescape
func addBlock32(dst, src *float32, rows, w, ldd, lds int)

//go:noescape
func div64(x *float64, n int, s float64)

// Implemented in spline_amd64.s (see rqLanes).

//go:noescape
func maxSubLanes(buf *float64, k int) (ok bool)

//go:noescape
func normCumLanes(buf *float64, k int, xs, ys *float64, c *[6]float64)

// elemAsm reports whether the AVX2 loops run (the GEMM kernels' test:
// AVX2 implies the AVX these loops need).
var elemAsm = hasAVX2FMA()

// exp64x4 sets dst[i] = math.Exp(src[i]) for the n values (a multiple
// of 4) bit for bit where |src[i]| ≤ 700 (exp64_amd64.s); expInto redoes
// the others.
//
//go:noescape
func exp64x4(dst, src *float64, n int)

// transpose8x8Pack32 writes column p of 8 rows of src (ld apart, the
// first k values, k a multiple of 8) to dst[p*stride:p*stride+8]
// (transpose_amd64.s): packRows's work for float32, 8×8 at a time.
//
//go:noescape
func transpose8x8Pack32(dst, src *float32, ld, k, stride int)

// copyChunks64 copies n consecutive 64-byte chunks from src to dst,
// dst+stride, … (stride in bytes; transpose_amd64.s).
//
//go:noescape
func copyChunks64(dst, src unsafe.Pointer, n, stride int)

// transpose6Pack32 writes column p of 6 rows of src (ld apart, the first
// k values, k a multiple of 8) to dst[6p:6p+6], storing 2 values past
// each (transpose_amd64.s): packA's six-row slivers for float32.
//
//go:noescape
func transpose6Pack32(dst, src *float32, ld, k int)

// affine32 sets out[i] = x[i]·s + b for n values (a multiple of 8), then
// applies ReLU's selection when relu is set (transpose_amd64.s).
//
//go:noescape
func affine32(out, x *float32, n int, s, b float32, relu bool)

// biasReluRows32 is biasRelu32 on rows consecutive rows of cols values
// (a multiple of 8) with the same bias row (transpose_amd64.s).
//
//go:noescape
func biasReluRows32(x, b *float32, rows, cols int, relu bool)
