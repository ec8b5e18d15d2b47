//go:build !amd64 || purego

package nn

// Without the AVX2 loops the Go fastSigmoid runs; these are never called.

func fastSigmoid32(dst *float64, x *float32, n int)    { panic("nn: no AVX2 loops") }
func fastSigmoid64(dst, x *float64, n int)             { panic("nn: no AVX2 loops") }
func softplusParts32(e, l *float64, x *float32, n int) { panic("nn: no AVX2 loops") }
