//go:build amd64 && !purego

#include "textflag.h"

// Constants of softplusParts32, each repeated over a 256-bit vector.
// 0x000: sign bit
DATA spc<>+0x000(SB)/8, $0x8000000000000000
DATA spc<>+0x008(SB)/8, $0x8000000000000000
DATA spc<>+0x010(SB)/8, $0x8000000000000000
DATA spc<>+0x018(SB)/8, $0x8000000000000000
// 0x020: -708, the clamp (2^k stays normal)
DATA spc<>+0x020(SB)/8, $0xc086200000000000
DATA spc<>+0x028(SB)/8, $0xc086200000000000
DATA spc<>+0x030(SB)/8, $0xc086200000000000
DATA spc<>+0x038(SB)/8, $0xc086200000000000
// 0x040: 1/ln 2
DATA spc<>+0x040(SB)/8, $0x3ff71547652b82fe
DATA spc<>+0x048(SB)/8, $0x3ff71547652b82fe
DATA spc<>+0x050(SB)/8, $0x3ff71547652b82fe
DATA spc<>+0x058(SB)/8, $0x3ff71547652b82fe
// 0x060: 0x1.8p52: adding it rounds to an integer
DATA spc<>+0x060(SB)/8, $0x4338000000000000
DATA spc<>+0x068(SB)/8, $0x4338000000000000
DATA spc<>+0x070(SB)/8, $0x4338000000000000
DATA spc<>+0x078(SB)/8, $0x4338000000000000
// 0x080: ln 2
DATA spc<>+0x080(SB)/8, $0x3fe62e42fefa39ef
DATA spc<>+0x088(SB)/8, $0x3fe62e42fefa39ef
DATA spc<>+0x090(SB)/8, $0x3fe62e42fefa39ef
DATA spc<>+0x098(SB)/8, $0x3fe62e42fefa39ef
// 0x0a0: bits of 0x1.8p52 minus the exponent bias 1023
DATA spc<>+0x0a0(SB)/8, $0x4337fffffffffc01
DATA spc<>+0x0a8(SB)/8, $0x4337fffffffffc01
DATA spc<>+0x0b0(SB)/8, $0x4337fffffffffc01
DATA spc<>+0x0b8(SB)/8, $0x4337fffffffffc01
// 0x0c0: 1
DATA spc<>+0x0c0(SB)/8, $0x3ff0000000000000
DATA spc<>+0x0c8(SB)/8, $0x3ff0000000000000
DATA spc<>+0x0d0(SB)/8, $0x3ff0000000000000
DATA spc<>+0x0d8(SB)/8, $0x3ff0000000000000
// 0x0e0: 2
DATA spc<>+0x0e0(SB)/8, $0x4000000000000000
DATA spc<>+0x0e8(SB)/8, $0x4000000000000000
DATA spc<>+0x0f0(SB)/8, $0x4000000000000000
DATA spc<>+0x0f8(SB)/8, $0x4000000000000000
// 0x100: 1/11!
DATA spc<>+0x100(SB)/8, $0x3e5ae64567f544e4
DATA spc<>+0x108(SB)/8, $0x3e5ae64567f544e4
DATA spc<>+0x110(SB)/8, $0x3e5ae64567f544e4
DATA spc<>+0x118(SB)/8, $0x3e5ae64567f544e4
// 0x120: 1/10!
DATA spc<>+0x120(SB)/8, $0x3e927e4fb7789f5c
DATA spc<>+0x128(SB)/8, $0x3e927e4fb7789f5c
DATA spc<>+0x130(SB)/8, $0x3e927e4fb7789f5c
DATA spc<>+0x138(SB)/8, $0x3e927e4fb7789f5c
// 0x140: 1/9!
DATA spc<>+0x140(SB)/8, $0x3ec71de3a556c734
DATA spc<>+0x148(SB)/8, $0x3ec71de3a556c734
DATA spc<>+0x150(SB)/8, $0x3ec71de3a556c734
DATA spc<>+0x158(SB)/8, $0x3ec71de3a556c734
// 0x160: 1/8!
DATA spc<>+0x160(SB)/8, $0x3efa01a01a01a01a
DATA spc<>+0x168(SB)/8, $0x3efa01a01a01a01a
DATA spc<>+0x170(SB)/8, $0x3efa01a01a01a01a
DATA spc<>+0x178(SB)/8, $0x3efa01a01a01a01a
// 0x180: 1/7!
DATA spc<>+0x180(SB)/8, $0x3f2a01a01a01a01a
DATA spc<>+0x188(SB)/8, $0x3f2a01a01a01a01a
DATA spc<>+0x190(SB)/8, $0x3f2a01a01a01a01a
DATA spc<>+0x198(SB)/8, $0x3f2a01a01a01a01a
// 0x1a0: 1/6!
DATA spc<>+0x1a0(SB)/8, $0x3f56c16c16c16c17
DATA spc<>+0x1a8(SB)/8, $0x3f56c16c16c16c17
DATA spc<>+0x1b0(SB)/8, $0x3f56c16c16c16c17
DATA spc<>+0x1b8(SB)/8, $0x3f56c16c16c16c17
// 0x1c0: 1/5!
DATA spc<>+0x1c0(SB)/8, $0x3f81111111111111
DATA spc<>+0x1c8(SB)/8, $0x3f81111111111111
DATA spc<>+0x1d0(SB)/8, $0x3f81111111111111
DATA spc<>+0x1d8(SB)/8, $0x3f81111111111111
// 0x1e0: 1/4!
DATA spc<>+0x1e0(SB)/8, $0x3fa5555555555555
DATA spc<>+0x1e8(SB)/8, $0x3fa5555555555555
DATA spc<>+0x1f0(SB)/8, $0x3fa5555555555555
DATA spc<>+0x1f8(SB)/8, $0x3fa5555555555555
// 0x200: 1/3!
DATA spc<>+0x200(SB)/8, $0x3fc5555555555555
DATA spc<>+0x208(SB)/8, $0x3fc5555555555555
DATA spc<>+0x210(SB)/8, $0x3fc5555555555555
DATA spc<>+0x218(SB)/8, $0x3fc5555555555555
// 0x220: 1/2!
DATA spc<>+0x220(SB)/8, $0x3fe0000000000000
DATA spc<>+0x228(SB)/8, $0x3fe0000000000000
DATA spc<>+0x230(SB)/8, $0x3fe0000000000000
DATA spc<>+0x238(SB)/8, $0x3fe0000000000000
// 0x240: 1/27
DATA spc<>+0x240(SB)/8, $0x3fa2f684bda12f68
DATA spc<>+0x248(SB)/8, $0x3fa2f684bda12f68
DATA spc<>+0x250(SB)/8, $0x3fa2f684bda12f68
DATA spc<>+0x258(SB)/8, $0x3fa2f684bda12f68
// 0x260: 1/25
DATA spc<>+0x260(SB)/8, $0x3fa47ae147ae147b
DATA spc<>+0x268(SB)/8, $0x3fa47ae147ae147b
DATA spc<>+0x270(SB)/8, $0x3fa47ae147ae147b
DATA spc<>+0x278(SB)/8, $0x3fa47ae147ae147b
// 0x280: 1/23
DATA spc<>+0x280(SB)/8, $0x3fa642c8590b2164
DATA spc<>+0x288(SB)/8, $0x3fa642c8590b2164
DATA spc<>+0x290(SB)/8, $0x3fa642c8590b2164
DATA spc<>+0x298(SB)/8, $0x3fa642c8590b2164
// 0x2a0: 1/21
DATA spc<>+0x2a0(SB)/8, $0x3fa8618618618618
DATA spc<>+0x2a8(SB)/8, $0x3fa8618618618618
DATA spc<>+0x2b0(SB)/8, $0x3fa8618618618618
DATA spc<>+0x2b8(SB)/8, $0x3fa8618618618618
// 0x2c0: 1/19
DATA spc<>+0x2c0(SB)/8, $0x3faaf286bca1af28
DATA spc<>+0x2c8(SB)/8, $0x3faaf286bca1af28
DATA spc<>+0x2d0(SB)/8, $0x3faaf286bca1af28
DATA spc<>+0x2d8(SB)/8, $0x3faaf286bca1af28
// 0x2e0: 1/17
DATA spc<>+0x2e0(SB)/8, $0x3fae1e1e1e1e1e1e
DATA spc<>+0x2e8(SB)/8, $0x3fae1e1e1e1e1e1e
DATA spc<>+0x2f0(SB)/8, $0x3fae1e1e1e1e1e1e
DATA spc<>+0x2f8(SB)/8, $0x3fae1e1e1e1e1e1e
// 0x300: 1/15
DATA spc<>+0x300(SB)/8, $0x3fb1111111111111
DATA spc<>+0x308(SB)/8, $0x3fb1111111111111
DATA spc<>+0x310(SB)/8, $0x3fb1111111111111
DATA spc<>+0x318(SB)/8, $0x3fb1111111111111
// 0x320: 1/13
DATA spc<>+0x320(SB)/8, $0x3fb3b13b13b13b14
DATA spc<>+0x328(SB)/8, $0x3fb3b13b13b13b14
DATA spc<>+0x330(SB)/8, $0x3fb3b13b13b13b14
DATA spc<>+0x338(SB)/8, $0x3fb3b13b13b13b14
// 0x340: 1/11
DATA spc<>+0x340(SB)/8, $0x3fb745d1745d1746
DATA spc<>+0x348(SB)/8, $0x3fb745d1745d1746
DATA spc<>+0x350(SB)/8, $0x3fb745d1745d1746
DATA spc<>+0x358(SB)/8, $0x3fb745d1745d1746
// 0x360: 1/9
DATA spc<>+0x360(SB)/8, $0x3fbc71c71c71c71c
DATA spc<>+0x368(SB)/8, $0x3fbc71c71c71c71c
DATA spc<>+0x370(SB)/8, $0x3fbc71c71c71c71c
DATA spc<>+0x378(SB)/8, $0x3fbc71c71c71c71c
// 0x380: 1/7
DATA spc<>+0x380(SB)/8, $0x3fc2492492492492
DATA spc<>+0x388(SB)/8, $0x3fc2492492492492
DATA spc<>+0x390(SB)/8, $0x3fc2492492492492
DATA spc<>+0x398(SB)/8, $0x3fc2492492492492
// 0x3a0: 1/5
DATA spc<>+0x3a0(SB)/8, $0x3fc999999999999a
DATA spc<>+0x3a8(SB)/8, $0x3fc999999999999a
DATA spc<>+0x3b0(SB)/8, $0x3fc999999999999a
DATA spc<>+0x3b8(SB)/8, $0x3fc999999999999a
// 0x3c0: 1/3
DATA spc<>+0x3c0(SB)/8, $0x3fd5555555555555
DATA spc<>+0x3c8(SB)/8, $0x3fd5555555555555
DATA spc<>+0x3d0(SB)/8, $0x3fd5555555555555
DATA spc<>+0x3d8(SB)/8, $0x3fd5555555555555
// 0x3e0: 1/1
DATA spc<>+0x3e0(SB)/8, $0x3ff0000000000000
DATA spc<>+0x3e8(SB)/8, $0x3ff0000000000000
DATA spc<>+0x3f0(SB)/8, $0x3ff0000000000000
DATA spc<>+0x3f8(SB)/8, $0x3ff0000000000000
// 0x400: ln 2 minus its float64 value
DATA spc<>+0x400(SB)/8, $0x3c7abc9e3b39803f
DATA spc<>+0x408(SB)/8, $0x3c7abc9e3b39803f
DATA spc<>+0x410(SB)/8, $0x3c7abc9e3b39803f
DATA spc<>+0x418(SB)/8, $0x3c7abc9e3b39803f
// 0x420: all bits but the sign, float64
DATA spc<>+0x420(SB)/8, $0x7fffffffffffffff
DATA spc<>+0x428(SB)/8, $0x7fffffffffffffff
DATA spc<>+0x430(SB)/8, $0x7fffffffffffffff
DATA spc<>+0x438(SB)/8, $0x7fffffffffffffff
// 0x440: all bits but the sign, float32
DATA spc<>+0x440(SB)/8, $0x7fffffff7fffffff
DATA spc<>+0x448(SB)/8, $0x7fffffff7fffffff
// 0x450: 700, float32 (softplusFastMax)
DATA spc<>+0x450(SB)/8, $0x442f0000442f0000
DATA spc<>+0x458(SB)/8, $0x442f0000442f0000
GLOBL spc<>(SB), RODATA|NOPTR, $0x460

// SOFTPLUSPARTS sets Y5 to e ≈ e^−|x| and Y6 to log1p(e) for the four
// float64 x in Y0: e = 2^k·P(r), r = a − k·ln2 with a = max(−|x|, −708)
// (NaN kept) and ln 2 in two parts (Cody and Waite 1980), P the degree-11
// Taylor polynomial; log1p(e) = 2·atanh(s), s = e/(2+e) ≤ 1/3, by its
// series to s²⁷. Y14 holds −708, Y10 1 and Y11 2; Y1–Y8 are clobbered.
// fastsoftplus.go states the error bounds.
#define SOFTPLUSPARTS \
	VORPD spc<>+0x000(SB), Y0, Y1 \
	VMAXPD Y1, Y14, Y1 \
	VMOVUPD spc<>+0x060(SB), Y2 \
	VFMADD231PD spc<>+0x040(SB), Y1, Y2 \
	VSUBPD spc<>+0x060(SB), Y2, Y3 \
	VMOVAPD Y1, Y4 \
	VFNMADD231PD spc<>+0x080(SB), Y3, Y4 \
	VFNMADD231PD spc<>+0x400(SB), Y3, Y4 \
	VPSUBQ spc<>+0x0a0(SB), Y2, Y2 \
	VPSLLQ $52, Y2, Y2 \
	VMOVUPD spc<>+0x100(SB), Y5 \
	VFMADD213PD spc<>+0x120(SB), Y4, Y5 \
	VFMADD213PD spc<>+0x140(SB), Y4, Y5 \
	VFMADD213PD spc<>+0x160(SB), Y4, Y5 \
	VFMADD213PD spc<>+0x180(SB), Y4, Y5 \
	VFMADD213PD spc<>+0x1a0(SB), Y4, Y5 \
	VFMADD213PD spc<>+0x1c0(SB), Y4, Y5 \
	VFMADD213PD spc<>+0x1e0(SB), Y4, Y5 \
	VFMADD213PD spc<>+0x200(SB), Y4, Y5 \
	VFMADD213PD spc<>+0x220(SB), Y4, Y5 \
	VFMADD213PD Y10, Y4, Y5 \
	VFMADD213PD Y10, Y4, Y5 \
	VMULPD Y2, Y5, Y5 \
	VADDPD Y11, Y5, Y6 \
	VDIVPD Y6, Y5, Y6 \
	VMULPD Y6, Y6, Y7 \
	VMOVUPD spc<>+0x240(SB), Y8 \
	VFMADD213PD spc<>+0x260(SB), Y7, Y8 \
	VFMADD213PD spc<>+0x280(SB), Y7, Y8 \
	VFMADD213PD spc<>+0x2a0(SB), Y7, Y8 \
	VFMADD213PD spc<>+0x2c0(SB), Y7, Y8 \
	VFMADD213PD spc<>+0x2e0(SB), Y7, Y8 \
	VFMADD213PD spc<>+0x300(SB), Y7, Y8 \
	VFMADD213PD spc<>+0x320(SB), Y7, Y8 \
	VFMADD213PD spc<>+0x340(SB), Y7, Y8 \
	VFMADD213PD spc<>+0x360(SB), Y7, Y8 \
	VFMADD213PD spc<>+0x380(SB), Y7, Y8 \
	VFMADD213PD spc<>+0x3a0(SB), Y7, Y8 \
	VFMADD213PD spc<>+0x3c0(SB), Y7, Y8 \
	VFMADD213PD spc<>+0x3e0(SB), Y7, Y8 \
	VADDPD Y6, Y6, Y6 \
	VMULPD Y8, Y6, Y6

// func softplusParts32(e, l *float64, x *float32, n int)
// e[i], l[i] = SOFTPLUSPARTS(x[i]); n is a multiple of 4.
TEXT ·softplusParts32(SB), NOSPLIT, $0-32
	MOVQ e+0(FP), DI
	MOVQ l+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	VMOVUPD spc<>+0x020(SB), Y14
	VMOVUPD spc<>+0x0c0(SB), Y10
	VMOVUPD spc<>+0x0e0(SB), Y11
	XORQ AX, AX
partsloop:
	CMPQ AX, CX
	JGE partsdone
	VCVTPS2PD (SI)(AX*4), Y0
	SOFTPLUSPARTS
	VMOVUPD Y5, (DI)(AX*8)
	VMOVUPD Y6, (DX)(AX*8)
	ADDQ $4, AX
	JMP partsloop
partsdone:
	VZEROUPPER
	RET

// func bernoulliLogLik32(o *float32, ex *float64, okm *uint8, x, t *float32, n int, errL, ulp2 float64)
// For four elements at a time, with e and L from SOFTPLUSPARTS:
// ex = e; sp = max(x, +0) + L; v = t·x − sp (not fused, as in Go);
// o = float32(v); okm's next byte gets a bit per element, set where
// float32(v − δ) and float32(v + δ) have the same bits, v is not NaN and
// |x| < 700, with δ = errL·L + ulp2·(|sp| + |v|). Elements without the
// bit are to be recomputed exactly. n is a multiple of 4.
TEXT ·bernoulliLogLik32(SB), NOSPLIT, $0-64
	MOVQ o+0(FP), DI
	MOVQ ex+8(FP), DX
	MOVQ okm+16(FP), R9
	MOVQ x+24(FP), SI
	MOVQ t+32(FP), BX
	MOVQ n+40(FP), CX
	VBROADCASTSD errL+48(FP), Y12
	VBROADCASTSD ulp2+56(FP), Y13
	VMOVUPD spc<>+0x020(SB), Y14
	VMOVUPD spc<>+0x0c0(SB), Y10
	VMOVUPD spc<>+0x0e0(SB), Y11
	VXORPD Y9, Y9, Y9
	XORQ AX, AX
loglikloop:
	CMPQ AX, CX
	JGE loglikdone
	VCVTPS2PD (SI)(AX*4), Y0
	SOFTPLUSPARTS
	VMOVUPD Y5, (DX)(AX*8)
	VMAXPD Y9, Y0, Y1
	VADDPD Y6, Y1, Y1
	VCVTPS2PD (BX)(AX*4), Y2
	VMULPD Y0, Y2, Y2
	VSUBPD Y1, Y2, Y2
	VMOVUPD spc<>+0x420(SB), Y3
	VANDPD Y3, Y1, Y4
	VANDPD Y3, Y2, Y5
	VADDPD Y5, Y4, Y4
	VMULPD Y13, Y4, Y4
	VFMADD231PD Y12, Y6, Y4
	VSUBPD Y4, Y2, Y5
	VADDPD Y4, Y2, Y3
	VCVTPD2PSY Y5, X5
	VCVTPD2PSY Y3, X3
	VCVTPD2PSY Y2, X2
	VPCMPEQD X5, X3, X3
	VCMPPS $0, X2, X2, X5
	VANDPS X5, X3, X3
	VMOVUPS (SI)(AX*4), X5
	VANDPS spc<>+0x440(SB), X5, X5
	VCMPPS $1, spc<>+0x450(SB), X5, X5
	VANDPS X5, X3, X3
	VMOVUPS X2, (DI)(AX*4)
	VMOVMSKPS X3, R8
	MOVB R8, (R9)
	INCQ R9
	ADDQ $4, AX
	JMP loglikloop
loglikdone:
	VZEROUPPER
	RET

// func sigmoidGrad32(ga, grad, x, t *float32, ex *float64, okm *uint8, n int, errS float64)
// For four elements at a time: s = (x's sign bit set ? e : 1)/(1 + e)
// with e = ex; where float32(s − errS·s) and float32(s + errS·s) have
// the same bits and float32(s) is not NaN, ga += grad·(t − float32(s)) in
// float32, operation for operation as the Go loop; elsewhere ga is left
// and okm's bit for the element is clear. n is a multiple of 4.
TEXT ·sigmoidGrad32(SB), NOSPLIT, $0-64
	MOVQ ga+0(FP), DI
	MOVQ grad+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ t+24(FP), BX
	MOVQ ex+32(FP), R10
	MOVQ okm+40(FP), R9
	MOVQ n+48(FP), CX
	VBROADCASTSD errS+56(FP), Y12
	VMOVUPD spc<>+0x0c0(SB), Y10
	XORQ AX, AX
gradloop:
	CMPQ AX, CX
	JGE graddone
	VCVTPS2PD (SI)(AX*4), Y0
	VMOVUPD (R10)(AX*8), Y5
	VBLENDVPD Y0, Y5, Y10, Y6
	VADDPD Y10, Y5, Y7
	VDIVPD Y7, Y6, Y6
	VMULPD Y12, Y6, Y4
	VSUBPD Y4, Y6, Y5
	VADDPD Y4, Y6, Y3
	VCVTPD2PSY Y5, X5
	VCVTPD2PSY Y3, X3
	VCVTPD2PSY Y6, X2
	VPCMPEQD X5, X3, X3
	VCMPPS $0, X2, X2, X5
	VANDPS X5, X3, X3
	VMOVUPS (BX)(AX*4), X8
	VSUBPS X2, X8, X8
	VMULPS (DX)(AX*4), X8, X8
	VMOVUPS (DI)(AX*4), X9
	VADDPS X9, X8, X8
	VBLENDVPS X3, X8, X9, X9
	VMOVUPS X9, (DI)(AX*4)
	VMOVMSKPS X3, R8
	MOVB R8, (R9)
	INCQ R9
	ADDQ $4, AX
	JMP gradloop
graddone:
	VZEROUPPER
	RET
