//go:build !amd64 || purego

package nn

// Without the AVX2 loops the Go fastSigmoid runs; these are never called.

func fastSigmoid32(dst *float64, x *float32, n int)    { panic("nn: no AVX2 loops") }
func fastSigmoid64(dst, x *float64, n int)             { panic("nn: no AVX2 loops") }
func softplusParts32(e, l *float64, x *float32, n int) { panic("nn: no AVX2 loops") }
func bernoulliLogLik32(o *float32, ex *float64, okm *uint8, x, t *float32, n int, errL, ulp2 float64) {
	panic("nn: no AVX2 loops")
}
func sigmoidGrad32(ga, grad, x, t *float32, ex *float64, okm *uint8, n int, errS float64) {
	panic("nn: no AVX2 loops")
}
func bernoulliPCGDecide2(ps, us *float64, n int, lanes *[4]uint64, eps float64, jump *[4]uint64) int {
	panic("nn: no AVX2 loops")
}
