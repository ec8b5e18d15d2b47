//go:build amd64 && !purego

package nn

// AVX2+FMA versions of fastSigmoid over four float64 at a time
// (fastexp_amd64.s), run where elemAsm is true. Their results may differ
// from fastSigmoid's in the last bits (fused multiply-adds), but stay
// within fastSigmoidErr of SigmoidF, which is all their users rely on.

// Implemented in fastexp_amd64.s; n is a multiple of 4.

//go:noescape
func fastSigmoid32(dst *float64, x *float32, n int)

//go:noescape
func fastSigmoid64(dst, x *float64, n int)

//go:noescape
func softplusParts32(e, l *float64, x *float32, n int)

//go:noescape
func bernoulliLogLik32(o *float32, ex *float64, okm *uint8, x, t *float32, n int, errL, ulp2 float64)

//go:noescape
func sigmoidGrad32(ga, grad, x, t *float32, ex *float64, okm *uint8, n int, errS float64)

//go:noescape
func bernoulliPCGDecide2(ps, us *float64, n int, lanes *[4]uint64, eps float64, jump *[4]uint64) (undecided int)
