// AVX2 elementwise loops (see elem_amd64.go). Every loop handles a
// multiple of one vector (8 float32 or 4 float64); the caller does the
// rest in Go.

//go:build amd64 && !purego

#include "textflag.h"

// func biasRelu32(x, b *float32, n int, relu bool)
// x[i] = x[i] + b[i], then, with relu, max(x[i], 0) with x as the first
// operand: x when x > 0, +0 otherwise (−0 and NaN included).
TEXT ·biasRelu32(SB), NOSPLIT, $0-25
	MOVQ x+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ n+16(FP), CX
	MOVBLZX relu+24(FP), DX
	VXORPS Y15, Y15, Y15
	XORQ AX, AX
	TESTQ DX, DX
	JZ add32
relu32loop:
	CMPQ AX, CX
	JGE done32
	VMOVUPS (DI)(AX*4), Y0
	VADDPS (SI)(AX*4), Y0, Y0
	VMAXPS Y15, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	JMP relu32loop
add32:
	CMPQ AX, CX
	JGE done32
	VMOVUPS (DI)(AX*4), Y0
	VADDPS (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	JMP add32
done32:
	VZEROUPPER
	RET

// func biasRelu64(x, b *float64, n int, relu bool)
TEXT ·biasRelu64(SB), NOSPLIT, $0-25
	MOVQ x+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ n+16(FP), CX
	MOVBLZX relu+24(FP), DX
	VXORPD Y15, Y15, Y15
	XORQ AX, AX
	TESTQ DX, DX
	JZ add64
relu64loop:
	CMPQ AX, CX
	JGE done64
	VMOVUPD (DI)(AX*8), Y0
	VADDPD (SI)(AX*8), Y0, Y0
	VMAXPD Y15, Y0, Y0
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ $4, AX
	JMP relu64loop
add64:
	CMPQ AX, CX
	JGE done64
	VMOVUPD (DI)(AX*8), Y0
	VADDPD (SI)(AX*8), Y0, Y0
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ $4, AX
	JMP add64
done64:
	VZEROUPPER
	RET

// func relu32(out, x *float32, n int)
TEXT ·relu32(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y15, Y15, Y15
	XORQ AX, AX
r32:
	CMPQ AX, CX
	JGE r32done
	VMOVUPS (SI)(AX*4), Y0
	VMAXPS Y15, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	JMP r32
r32done:
	VZEROUPPER
	RET

// func relu64(out, x *float64, n int)
TEXT ·relu64(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPD Y15, Y15, Y15
	XORQ AX, AX
r64:
	CMPQ AX, CX
	JGE r64done
	VMOVUPD (SI)(AX*8), Y0
	VMAXPD Y15, Y0, Y0
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ $4, AX
	JMP r64
r64done:
	VZEROUPPER
	RET

// func adam32(w, grad, m, v *float32, n int, k *adamConsts[float32])
// adamConsts: lr, eps, b1, b2, scale, c1, c2 (c1 = 1−b1, c2 = 1−b2).
// Per element, as adamUpdate: gi = g·scale; mi = b1·m + c1·gi;
// vi = b2·v + (c2·gi)·gi; w = w − (lr·mi)/(√vi + eps); g = 0.
TEXT ·adam32(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), DX
	VBROADCASTSS 0(DX), Y8  // lr
	VBROADCASTSS 4(DX), Y9  // eps
	VBROADCASTSS 8(DX), Y10 // b1
	VBROADCASTSS 12(DX), Y11 // b2
	VBROADCASTSS 16(DX), Y12 // scale
	VBROADCASTSS 20(DX), Y13 // c1
	VBROADCASTSS 24(DX), Y14 // c2
	VXORPS Y15, Y15, Y15
	XORQ AX, AX
a32:
	CMPQ AX, CX
	JGE a32done
	VMOVUPS (SI)(AX*4), Y0
	VMULPS Y12, Y0, Y0         // gi = g·scale
	VMOVUPS (R8)(AX*4), Y1
	VMULPS Y1, Y10, Y1         // b1·m
	VMULPS Y0, Y13, Y2         // c1·gi
	VADDPS Y2, Y1, Y1          // mi
	VMOVUPS (R9)(AX*4), Y3
	VMULPS Y3, Y11, Y3         // b2·v
	VMULPS Y0, Y14, Y4         // c2·gi
	VMULPS Y0, Y4, Y4          // (c2·gi)·gi
	VADDPS Y4, Y3, Y3          // vi
	VMOVUPS Y1, (R8)(AX*4)
	VMOVUPS Y3, (R9)(AX*4)
	VSQRTPS Y3, Y5
	VADDPS Y9, Y5, Y5          // √vi + eps
	VMULPS Y1, Y8, Y6          // lr·mi
	VDIVPS Y5, Y6, Y6          // (lr·mi)/(√vi + eps)
	VMOVUPS (DI)(AX*4), Y7
	VSUBPS Y6, Y7, Y7
	VMOVUPS Y7, (DI)(AX*4)
	VMOVUPS Y15, (SI)(AX*4)    // g = 0
	ADDQ $8, AX
	JMP a32
a32done:
	VZEROUPPER
	RET

// func adam64(w, grad, m, v *float64, n int, k *adamConsts[float64])
TEXT ·adam64(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), DX
	VBROADCASTSD 0(DX), Y8
	VBROADCASTSD 8(DX), Y9
	VBROADCASTSD 16(DX), Y10
	VBROADCASTSD 24(DX), Y11
	VBROADCASTSD 32(DX), Y12
	VBROADCASTSD 40(DX), Y13
	VBROADCASTSD 48(DX), Y14
	VXORPD Y15, Y15, Y15
	XORQ AX, AX
a64:
	CMPQ AX, CX
	JGE a64done
	VMOVUPD (SI)(AX*8), Y0
	VMULPD Y12, Y0, Y0
	VMOVUPD (R8)(AX*8), Y1
	VMULPD Y1, Y10, Y1
	VMULPD Y0, Y13, Y2
	VADDPD Y2, Y1, Y1
	VMOVUPD (R9)(AX*8), Y3
	VMULPD Y3, Y11, Y3
	VMULPD Y0, Y14, Y4
	VMULPD Y0, Y4, Y4
	VADDPD Y4, Y3, Y3
	VMOVUPD Y1, (R8)(AX*8)
	VMOVUPD Y3, (R9)(AX*8)
	VSQRTPD Y3, Y5
	VADDPD Y9, Y5, Y5
	VMULPD Y1, Y8, Y6
	VDIVPD Y5, Y6, Y6
	VMOVUPD (DI)(AX*8), Y7
	VSUBPD Y6, Y7, Y7
	VMOVUPD Y7, (DI)(AX*8)
	VMOVUPD Y15, (SI)(AX*8)
	ADDQ $4, AX
	JMP a64
a64done:
	VZEROUPPER
	RET

// func mul32(dst, a, b *float32, n int)
// dst[i] = a[i]·b[i].
TEXT ·mul32(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	XORQ AX, AX
m32:
	CMPQ AX, CX
	JGE m32done
	VMOVUPS (SI)(AX*4), Y0
	VMULPS (DX)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	JMP m32
m32done:
	VZEROUPPER
	RET

// func mul64(dst, a, b *float64, n int)
TEXT ·mul64(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	XORQ AX, AX
m64:
	CMPQ AX, CX
	JGE m64done
	VMOVUPD (SI)(AX*8), Y0
	VMULPD (DX)(AX*8), Y0, Y0
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ $4, AX
	JMP m64
m64done:
	VZEROUPPER
	RET

// func mulAdd32(dst, a, b *float32, n int)
// dst[i] = dst[i] + a[i]·b[i], the product rounded first (no fused
// multiply-add, as Go computes it).
TEXT ·mulAdd32(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	XORQ AX, AX
ma32:
	CMPQ AX, CX
	JGE ma32done
	VMOVUPS (SI)(AX*4), Y0
	VMULPS (DX)(AX*4), Y0, Y0
	VMOVUPS (DI)(AX*4), Y1
	VADDPS Y0, Y1, Y1
	VMOVUPS Y1, (DI)(AX*4)
	ADDQ $8, AX
	JMP ma32
ma32done:
	VZEROUPPER
	RET

// func mulAdd64(dst, a, b *float64, n int)
TEXT ·mulAdd64(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	XORQ AX, AX
ma64:
	CMPQ AX, CX
	JGE ma64done
	VMOVUPD (SI)(AX*8), Y0
	VMULPD (DX)(AX*8), Y0, Y0
	VMOVUPD (DI)(AX*8), Y1
	VADDPD Y0, Y1, Y1
	VMOVUPD Y1, (DI)(AX*8)
	ADDQ $4, AX
	JMP ma64
ma64done:
	VZEROUPPER
	RET

// func sum32(dst, a, b *float32, n int)
// dst[i] = a[i] + b[i], with a nil standing for zeros (dst = 0 + b).
TEXT ·sum32(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), DX
	MOVQ b+16(FP), SI
	MOVQ n+24(FP), CX
	XORQ AX, AX
	TESTQ DX, DX
	JZ s32zero
s32:
	CMPQ AX, CX
	JGE s32done
	VMOVUPS (DX)(AX*4), Y0
	VADDPS (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	JMP s32
s32zero:
	VXORPS Y15, Y15, Y15
s32z:
	CMPQ AX, CX
	JGE s32done
	VADDPS (SI)(AX*4), Y15, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	JMP s32z
s32done:
	VZEROUPPER
	RET

// func sum64(dst, a, b *float64, n int)
TEXT ·sum64(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), DX
	MOVQ b+16(FP), SI
	MOVQ n+24(FP), CX
	XORQ AX, AX
	TESTQ DX, DX
	JZ s64zero
s64:
	CMPQ AX, CX
	JGE s64done
	VMOVUPD (DX)(AX*8), Y0
	VADDPD (SI)(AX*8), Y0, Y0
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ $4, AX
	JMP s64
s64zero:
	VXORPD Y15, Y15, Y15
s64z:
	CMPQ AX, CX
	JGE s64done
	VADDPD (SI)(AX*8), Y15, Y0
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ $4, AX
	JMP s64z
s64done:
	VZEROUPPER
	RET

// func reluBack32(ga, grad, x *float32, n int, acc bool)
// ga[i] = ga[i] + grad[i] where x[i] > 0 (ordered compare: false for NaN),
// ga[i] unchanged elsewhere; without acc, ga is read as zeros (a fresh
// gradient: 0 + grad[i] where x[i] > 0, 0 elsewhere).
TEXT ·reluBack32(SB), NOSPLIT, $0-33
	MOVQ ga+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ n+24(FP), CX
	MOVBLZX acc+32(FP), BX
	VXORPS Y15, Y15, Y15
	XORQ AX, AX
rb32:
	CMPQ AX, CX
	JGE rb32done
	VMOVUPS (DX)(AX*4), Y2
	VCMPPS $0x1e, Y15, Y2, Y3  // x > 0 (GT_OQ)
	VXORPS Y0, Y0, Y0
	TESTQ BX, BX
	JZ rb32add
	VMOVUPS (DI)(AX*4), Y0
rb32add:
	VADDPS (SI)(AX*4), Y0, Y1
	VBLENDVPS Y3, Y1, Y0, Y0   // where x > 0 take the sum
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	JMP rb32
rb32done:
	VZEROUPPER
	RET

// func reluBack64(ga, grad, x *float64, n int, acc bool)
TEXT ·reluBack64(SB), NOSPLIT, $0-33
	MOVQ ga+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ n+24(FP), CX
	MOVBLZX acc+32(FP), BX
	VXORPD Y15, Y15, Y15
	XORQ AX, AX
rb64:
	CMPQ AX, CX
	JGE rb64done
	VMOVUPD (DX)(AX*8), Y2
	VCMPPD $0x1e, Y15, Y2, Y3
	VXORPD Y0, Y0, Y0
	TESTQ BX, BX
	JZ rb64add
	VMOVUPD (DI)(AX*8), Y0
rb64add:
	VADDPD (SI)(AX*8), Y0, Y1
	VBLENDVPD Y3, Y1, Y0, Y0
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ $4, AX
	JMP rb64
rb64done:
	VZEROUPPER
	RET

// func outer32(c, a, b *float32, m, n, as, ldc int, acc bool, bias *float32, relu bool)
// c[i·ldc+j] = fma(a[i·as], b[j], +0), plus c[i·ldc+j] first when acc, for
// i < m and j < n (n a multiple of 8): the GEMM kernel's k = 1 sums. With
// bias (not nil) bias[j] is then added, and with relu max(·, 0) taken as
// biasRelu32 does: the product and the bias-and-ReLU pass in one. The
// loops are separate, so none tests its flags per vector.
TEXT ·outer32(SB), NOSPLIT, $0-73
	MOVQ c+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ m+24(FP), R8
	MOVQ n+32(FP), CX
	MOVQ as+40(FP), R9
	SHLQ $2, R9
	MOVQ ldc+48(FP), R10
	SHLQ $2, R10
	MOVBLZX acc+56(FP), BX
	MOVQ bias+64(FP), R11
	MOVBLZX relu+72(FP), R12
	SHLQ $2, CX // n in bytes
	VXORPS Y15, Y15, Y15
	TESTQ R8, R8
	JZ o32done
	TESTQ R11, R11
	JNZ o32biasrow
	TESTQ BX, BX
	JNZ o32accrow
o32row:
	VBROADCASTSS (SI), Y14
	XORQ AX, AX
o32col:
	VXORPS Y0, Y0, Y0
	VFMADD231PS (DX)(AX*1), Y14, Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT o32col
	ADDQ R9, SI
	ADDQ R10, DI
	DECQ R8
	JNZ o32row
	JMP o32done
o32accrow:
	VBROADCASTSS (SI), Y14
	XORQ AX, AX
o32acccol:
	VXORPS Y0, Y0, Y0
	VFMADD231PS (DX)(AX*1), Y14, Y0
	VADDPS (DI)(AX*1), Y0, Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT o32acccol
	ADDQ R9, SI
	ADDQ R10, DI
	DECQ R8
	JNZ o32accrow
	JMP o32done
o32biasrow: // c = fma(a, b, +0) + bias, then ReLU when relu (acc is not set)
	VBROADCASTSS (SI), Y14
	XORQ AX, AX
o32biascol:
	VXORPS Y0, Y0, Y0
	VFMADD231PS (DX)(AX*1), Y14, Y0
	VADDPS (R11)(AX*1), Y0, Y0
	TESTQ R12, R12
	JZ o32biasstore
	VMAXPS Y15, Y0, Y0 // as biasRelu32
o32biasstore:
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT o32biascol
	ADDQ R9, SI
	ADDQ R10, DI
	DECQ R8
	JNZ o32biasrow
o32done:
	VZEROUPPER
	RET

// func addBlock32(dst, src *float32, rows, w, ldd, lds int)
// dst[r·ldd+j] += src[r·lds+j] for r < rows and j < w: a 2-D block added
// in one call (col2im's rows are 28 wide, too short for a call each).
// Eight at a time, then one at a time for the rest of each row.
TEXT ·addBlock32(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ w+24(FP), CX
	MOVQ ldd+32(FP), R9
	SHLQ $2, R9
	MOVQ lds+40(FP), R10
	SHLQ $2, R10
	MOVQ CX, R11
	ANDQ $-8, R11 // the whole vectors of a row
	TESTQ R8, R8
	JZ abdone
abrow:
	XORQ AX, AX
abvec:
	CMPQ AX, R11
	JGE abtail
	VMOVUPS (DI)(AX*4), Y0
	VADDPS (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	JMP abvec
abtail:
	CMPQ AX, CX
	JGE abnext
	MOVSS (DI)(AX*4), X0
	ADDSS (SI)(AX*4), X0
	MOVSS X0, (DI)(AX*4)
	INCQ AX
	JMP abtail
abnext:
	ADDQ R9, DI
	ADDQ R10, SI
	DECQ R8
	JNZ abrow
abdone:
	VZEROUPPER
	RET

// func div64(x *float64, n int, s float64)
// x[i] = x[i] / s, four at a time (n a multiple of 4): IEEE division,
// correctly rounded, the same bits as the scalar loop.
TEXT ·div64(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSD s+16(FP), Y15
	XORQ AX, AX
dv64:
	CMPQ AX, CX
	JGE dv64done
	VMOVUPD (DI)(AX*8), Y0
	VDIVPD Y15, Y0, Y0
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ $4, AX
	JMP dv64
dv64done:
	VZEROUPPER
	RET
