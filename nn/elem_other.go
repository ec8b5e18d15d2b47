//go:build !amd64 || purego

package nn

import "unsafe"

// Without the AVX2 loops (elem_amd64.go) the Go loops run; these are
// never called.

const elemAsm = false

func biasRelu32(x, b *float32, n int, relu bool)                { panic("nn: no AVX2 loops") }
func biasRelu64(x, b *float64, n int, relu bool)                { panic("nn: no AVX2 loops") }
func relu32(out, x *float32, n int)                             { panic("nn: no AVX2 loops") }
func exp64x4(dst, src *float64, n int)                          { panic("nn: no AVX2 loops") }
func transpose8x8Pack32(dst, src *float32, ld, k, stride int)   { panic("nn: no AVX2 loops") }
func copyChunks64(dst, src unsafe.Pointer, n, stride int)       { panic("nn: no AVX2 loops") }
func transpose6Pack32(dst, src *float32, ld, k int)             { panic("nn: no AVX2 loops") }
func affine32(out, x *float32, n int, s, b float32, relu bool)  { panic("nn: no AVX2 loops") }
func biasReluRows32(x, b *float32, rows, cols int, relu bool)   { panic("nn: no AVX2 loops") }
func relu64(out, x *float64, n int)                             { panic("nn: no AVX2 loops") }
func adam32(w, g, m, v *float32, n int, k *adamConsts[float32]) { panic("nn: no AVX2 loops") }
func adam64(w, g, m, v *float64, n int, k *adamConsts[float64]) { panic("nn: no AVX2 loops") }
func mul32(dst, a, b *float32, n int)                           { panic("nn: no AVX2 loops") }
func mul64(dst, a, b *float64, n int)                           { panic("nn: no AVX2 loops") }
func mulAdd32(dst, a, b *float32, n int)                        { panic("nn: no AVX2 loops") }
func mulAdd64(dst, a, b *float64, n int)                        { panic("nn: no AVX2 loops") }
func sum32(dst, a, b *float32, n int)                           { panic("nn: no AVX2 loops") }
func sum64(dst, a, b *float64, n int)                           { panic("nn: no AVX2 loops") }
func reluBack32(ga, grad, x *float32, n int, acc bool)          { panic("nn: no AVX2 loops") }
func outer32(c, a, b *float32, m, n, as, ldc int, acc bool, bias *float32, relu bool) {
	panic("nn: no AVX2 loops")
}
func addBlock32(dst, src *float32, rows, w, ldd, lds int) { panic("nn: no AVX2 loops") }
func div64(x *float64, n int, s float64)                  { panic("nn: no AVX2 loops") }
func maxSubLanes(buf *float64, k int) bool                { panic("nn: no AVX2 loops") }
func normCumLanes(buf *float64, k int, xs, ys *float64, c *[6]float64) {
	panic("nn: no AVX2 loops")
}
func reluBack64(ga, grad, x *float64, n int, acc bool) { panic("nn: no AVX2 loops") }
