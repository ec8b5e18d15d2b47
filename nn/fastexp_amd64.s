//go:build amd64 && !purego

#include "textflag.h"

// Constants of fastSigmoid32/64, each repeated over a 256-bit vector:
// 0x00: sign bit
DATA fsc<>+0x00(SB)/8, $0x8000000000000000
DATA fsc<>+0x08(SB)/8, $0x8000000000000000
DATA fsc<>+0x10(SB)/8, $0x8000000000000000
DATA fsc<>+0x18(SB)/8, $0x8000000000000000
// 0x20: -64, the clamp
DATA fsc<>+0x20(SB)/8, $0xc050000000000000
DATA fsc<>+0x28(SB)/8, $0xc050000000000000
DATA fsc<>+0x30(SB)/8, $0xc050000000000000
DATA fsc<>+0x38(SB)/8, $0xc050000000000000
// 0x40: 1/ln 2
DATA fsc<>+0x40(SB)/8, $0x3ff71547652b82fe
DATA fsc<>+0x48(SB)/8, $0x3ff71547652b82fe
DATA fsc<>+0x50(SB)/8, $0x3ff71547652b82fe
DATA fsc<>+0x58(SB)/8, $0x3ff71547652b82fe
// 0x60: 0x1.8p52: adding it rounds to an integer
DATA fsc<>+0x60(SB)/8, $0x4338000000000000
DATA fsc<>+0x68(SB)/8, $0x4338000000000000
DATA fsc<>+0x70(SB)/8, $0x4338000000000000
DATA fsc<>+0x78(SB)/8, $0x4338000000000000
// 0x80: ln 2
DATA fsc<>+0x80(SB)/8, $0x3fe62e42fefa39ef
DATA fsc<>+0x88(SB)/8, $0x3fe62e42fefa39ef
DATA fsc<>+0x90(SB)/8, $0x3fe62e42fefa39ef
DATA fsc<>+0x98(SB)/8, $0x3fe62e42fefa39ef
// 0xa0: bits of 0x1.8p52 minus the exponent bias 1023
DATA fsc<>+0xa0(SB)/8, $0x4337fffffffffc01
DATA fsc<>+0xa8(SB)/8, $0x4337fffffffffc01
DATA fsc<>+0xb0(SB)/8, $0x4337fffffffffc01
DATA fsc<>+0xb8(SB)/8, $0x4337fffffffffc01
// 0xc0: 1
DATA fsc<>+0xc0(SB)/8, $0x3ff0000000000000
DATA fsc<>+0xc8(SB)/8, $0x3ff0000000000000
DATA fsc<>+0xd0(SB)/8, $0x3ff0000000000000
DATA fsc<>+0xd8(SB)/8, $0x3ff0000000000000
// 0xe0: 1/7!
DATA fsc<>+0xe0(SB)/8, $0x3f2a01a01a01a01a
DATA fsc<>+0xe8(SB)/8, $0x3f2a01a01a01a01a
DATA fsc<>+0xf0(SB)/8, $0x3f2a01a01a01a01a
DATA fsc<>+0xf8(SB)/8, $0x3f2a01a01a01a01a
// 0x100: 1/6!
DATA fsc<>+0x100(SB)/8, $0x3f56c16c16c16c17
DATA fsc<>+0x108(SB)/8, $0x3f56c16c16c16c17
DATA fsc<>+0x110(SB)/8, $0x3f56c16c16c16c17
DATA fsc<>+0x118(SB)/8, $0x3f56c16c16c16c17
// 0x120: 1/5!
DATA fsc<>+0x120(SB)/8, $0x3f81111111111111
DATA fsc<>+0x128(SB)/8, $0x3f81111111111111
DATA fsc<>+0x130(SB)/8, $0x3f81111111111111
DATA fsc<>+0x138(SB)/8, $0x3f81111111111111
// 0x140: 1/4!
DATA fsc<>+0x140(SB)/8, $0x3fa5555555555555
DATA fsc<>+0x148(SB)/8, $0x3fa5555555555555
DATA fsc<>+0x150(SB)/8, $0x3fa5555555555555
DATA fsc<>+0x158(SB)/8, $0x3fa5555555555555
// 0x160: 1/3!
DATA fsc<>+0x160(SB)/8, $0x3fc5555555555555
DATA fsc<>+0x168(SB)/8, $0x3fc5555555555555
DATA fsc<>+0x170(SB)/8, $0x3fc5555555555555
DATA fsc<>+0x178(SB)/8, $0x3fc5555555555555
// 0x180: 1/2!
DATA fsc<>+0x180(SB)/8, $0x3fe0000000000000
DATA fsc<>+0x188(SB)/8, $0x3fe0000000000000
DATA fsc<>+0x190(SB)/8, $0x3fe0000000000000
DATA fsc<>+0x198(SB)/8, $0x3fe0000000000000
GLOBL fsc<>(SB), RODATA|NOPTR, $0x1a0

// SIGMOID4 sets Y6 to the approximate σ of the four float64 in Y0, as
// fastSigmoid does (fastexp.go), with fused multiply-adds: e = e^−|x| =
// 2^k·P(r), σ = (x < 0 ? e : 1)/(1 + e). Y14 holds −64 and Y10 holds 1.
// Steps: a = −|x|; a = max(−64, a) with NaN kept; y = a/ln2 + 0x1.8p52;
// k = y − 0x1.8p52 = round(a/ln2); r = a − k·ln2; 2^k from y's low bits;
// P(r) by Horner; e = 2^k·P(r); numerator e where x's sign bit is set,
// else 1; σ = numerator/(1 + e).
#define SIGMOID4 \
	VORPD fsc<>+0x00(SB), Y0, Y1 \
	VMAXPD Y1, Y14, Y1 \
	VMOVUPD fsc<>+0x60(SB), Y2 \
	VFMADD231PD fsc<>+0x40(SB), Y1, Y2 \
	VSUBPD fsc<>+0x60(SB), Y2, Y3 \
	VMOVAPD Y1, Y4 \
	VFNMADD231PD fsc<>+0x80(SB), Y3, Y4 \
	VPSUBQ fsc<>+0xa0(SB), Y2, Y2 \
	VPSLLQ $52, Y2, Y2 \
	VMOVUPD fsc<>+0xe0(SB), Y5 \
	VFMADD213PD fsc<>+0x100(SB), Y4, Y5 \
	VFMADD213PD fsc<>+0x120(SB), Y4, Y5 \
	VFMADD213PD fsc<>+0x140(SB), Y4, Y5 \
	VFMADD213PD fsc<>+0x160(SB), Y4, Y5 \
	VFMADD213PD fsc<>+0x180(SB), Y4, Y5 \
	VFMADD213PD Y10, Y4, Y5 \
	VFMADD213PD Y10, Y4, Y5 \
	VMULPD Y2, Y5, Y5 \
	VBLENDVPD Y0, Y5, Y10, Y6 \
	VADDPD Y10, Y5, Y7 \
	VDIVPD Y7, Y6, Y6

// func fastSigmoid32(dst *float64, x *float32, n int)
TEXT ·fastSigmoid32(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VMOVUPD fsc<>+0x20(SB), Y14
	VMOVUPD fsc<>+0xc0(SB), Y10
	XORQ AX, AX
loop32:
	CMPQ AX, CX
	JGE done32
	VCVTPS2PD (SI)(AX*4), Y0
	SIGMOID4
	VMOVUPD Y6, (DI)(AX*8)
	ADDQ $4, AX
	JMP loop32
done32:
	VZEROUPPER
	RET

// func fastSigmoid64(dst, x *float64, n int)
TEXT ·fastSigmoid64(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VMOVUPD fsc<>+0x20(SB), Y14
	VMOVUPD fsc<>+0xc0(SB), Y10
	XORQ AX, AX
loop64:
	CMPQ AX, CX
	JGE done64
	VMOVUPD (SI)(AX*8), Y0
	SIGMOID4
	VMOVUPD Y6, (DI)(AX*8)
	ADDQ $4, AX
	JMP loop64
done64:
	VZEROUPPER
	RET
