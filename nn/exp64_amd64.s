//go:build amd64 && !purego

#include "textflag.h"

// exp64x4 is math.Exp's FMA route (math/exp_amd64.s, avxfma: Shibata's
// reduction and Taylor series) on four float64 at a time, operation for
// operation: the same multiplications, additions and fused
// multiply-adds in the same order, each correctly rounded whatever the
// vector width, so every lane is bit for bit math.Exp's where math.Exp
// takes neither its overflow nor its denormal branch (|x| ≤ 700; the
// caller redoes the others).

DATA expc<>+0x00(SB)/8, $1.4426950408889634073599246810018920 // log2(e)
DATA expc<>+0x08(SB)/8, $0.69314718055966295651160180568695068359375 // ln 2, upper part
DATA expc<>+0x10(SB)/8, $0.28235290563031577122588448175013436025525412068e-12 // ln 2, lower part
DATA expc<>+0x18(SB)/8, $0.0625
DATA expc<>+0x20(SB)/8, $2.0
DATA expc<>+0x28(SB)/8, $1.0
DATA expc<>+0x30(SB)/8, $0.5
DATA expc<>+0x38(SB)/8, $1.6666666666666666667e-1
DATA expc<>+0x40(SB)/8, $4.1666666666666666667e-2
DATA expc<>+0x48(SB)/8, $8.3333333333333333333e-3
DATA expc<>+0x50(SB)/8, $1.3888888888888888889e-3
DATA expc<>+0x58(SB)/8, $1.9841269841269841270e-4
DATA expc<>+0x60(SB)/8, $2.4801587301587301587e-5
// 0x80: the exponent bias 1023 in each of four int64 lanes
DATA expc<>+0x80(SB)/8, $1023
DATA expc<>+0x88(SB)/8, $1023
DATA expc<>+0x90(SB)/8, $1023
DATA expc<>+0x98(SB)/8, $1023
GLOBL expc<>(SB), RODATA|NOPTR, $0xa0

// func exp64x4(dst, src *float64, n int)
TEXT ·exp64x4(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSD expc<>+0x00(SB), Y15
	VBROADCASTSD expc<>+0x08(SB), Y14
	VBROADCASTSD expc<>+0x10(SB), Y13
	VBROADCASTSD expc<>+0x18(SB), Y12
	VBROADCASTSD expc<>+0x20(SB), Y11
	VBROADCASTSD expc<>+0x28(SB), Y10
	VBROADCASTSD expc<>+0x30(SB), Y9
	VBROADCASTSD expc<>+0x38(SB), Y8
	VBROADCASTSD expc<>+0x40(SB), Y7
	VBROADCASTSD expc<>+0x48(SB), Y6
	VBROADCASTSD expc<>+0x50(SB), Y5
	VBROADCASTSD expc<>+0x58(SB), Y4

loop:
	CMPQ CX, $4
	JLT  done
	VMOVUPD (SI), Y0
	// k = round(x·log2 e), as CVTSD2SL rounds (to nearest even)
	VMULPD    Y15, Y0, Y1
	VCVTPD2DQY Y1, X2
	VCVTDQ2PD X2, Y1
	// r = (x − k·ln2u − k·ln2l)/16
	VFNMADD231PD Y14, Y1, Y0
	VFNMADD231PD Y13, Y1, Y0
	VMULPD       Y12, Y0, Y0
	// Taylor series by Horner, as math's VFMADD213SD chain
	VBROADCASTSD expc<>+0x60(SB), Y3
	VFMADD213PD  Y4, Y0, Y3
	VFMADD213PD  Y5, Y0, Y3
	VFMADD213PD  Y6, Y0, Y3
	VFMADD213PD  Y7, Y0, Y3
	VFMADD213PD  Y8, Y0, Y3
	VFMADD213PD  Y9, Y0, Y3
	VFMADD213PD  Y10, Y0, Y3
	VMULPD       Y3, Y0, Y0
	// four squarings of (1 + r·P)/… as (2 + e)·e, the last fused with +1
	VADDPD      Y11, Y0, Y3
	VMULPD      Y3, Y0, Y0
	VADDPD      Y11, Y0, Y3
	VMULPD      Y3, Y0, Y0
	VADDPD      Y11, Y0, Y3
	VMULPD      Y3, Y0, Y0
	VADDPD      Y11, Y0, Y3
	VFMADD213PD Y10, Y3, Y0
	// times 2^k
	VPMOVSXDQ X2, Y2
	VPADDQ    expc<>+0x80(SB), Y2, Y2
	VPSLLQ    $52, Y2, Y2
	VMULPD    Y2, Y0, Y0
	VMOVUPD   Y0, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DI
	SUBQ      $4, CX
	JMP       loop

done:
	VZEROUPPER
	RET
