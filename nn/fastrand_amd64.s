//go:build amd64 && !purego

#include "textflag.h"

DATA pcgc<>+0x00(SB)/8, $1442695040888963407  // increment, low word
DATA pcgc<>+0x08(SB)/8, $6364136223846793005  // increment, high word
DATA pcgc<>+0x10(SB)/8, $2549297995355413924  // multiplier, high word
DATA pcgc<>+0x18(SB)/8, $0x3ff0000000000000   // 1.0
DATA pcgc<>+0x20(SB)/8, $0x3ca0000000000000   // 2^-53
DATA pcgc<>+0x28(SB)/8, $0x7fffffffffffffff   // all bits but the sign
DATA pcgc<>+0x30(SB)/8, $0xbff0000000000000   // -1.0
GLOBL pcgc<>(SB), RODATA|NOPTR, $0x38

// func bernoulliPCGDecide(ps, us *float64, n int, state *[2]uint64, eps float64) (undecided int)
// For each i: u = the next rand.Rand.Float64 of the PCG in state (high
// word first), stepped as rand.PCG.Uint64 does; us[i] = u; d = u − ps[i];
// ps[i] = 1 if d < 0 and 0 if d > 0 when |d| > eps, else −1 (also for
// NaN), counted in undecided. state is left after the last draw.
TEXT ·bernoulliPCGDecide(SB), NOSPLIT, $0-48
	MOVQ ps+0(FP), SI
	MOVQ us+8(FP), DI
	MOVQ n+16(FP), CX
	MOVQ state+24(FP), R13
	VMOVSD eps+32(FP), X12
	MOVQ 0(R13), R8 // high word
	MOVQ 8(R13), R9 // low word
	MOVQ $4865540595714422341, R11 // multiplier, low word
	MOVQ $0xda942042e4dd58b5, R10  // DXSM multiplier
	VMOVSD pcgc<>+0x20(SB), X14
	VMOVSD pcgc<>+0x28(SB), X13
	VMOVSD pcgc<>+0x30(SB), X11
	VXORPD X15, X15, X15
	XORQ R12, R12
	TESTQ CX, CX
	JLE done
loop:
	// state = state·mul + inc (mod 2^128)
	MOVQ R9, AX
	MULQ R11
	MOVQ R8, BX
	IMULQ R11, BX
	ADDQ BX, DX
	MOVQ R9, BX
	IMULQ pcgc<>+0x10(SB), BX
	ADDQ BX, DX
	ADDQ pcgc<>+0x00(SB), AX
	ADCQ pcgc<>+0x08(SB), DX
	MOVQ DX, R8
	MOVQ AX, R9
	// DXSM: hi ^= hi>>32; hi *= cheapMul; hi ^= hi>>48; hi *= lo|1
	MOVQ DX, BX
	SHRQ $32, BX
	XORQ BX, DX
	IMULQ R10, DX
	MOVQ DX, BX
	SHRQ $48, BX
	XORQ BX, DX
	ORQ $1, AX
	IMULQ AX, DX
	// u = (x<<11>>11) / 2^53
	SHLQ $11, DX
	SHRQ $11, DX
	VCVTSI2SDQ DX, X15, X0
	VMULSD X14, X0, X0
	VMOVSD X0, (DI)
	VSUBSD (SI), X0, X2
	VANDPD X13, X2, X3
	VUCOMISD X12, X3
	JHI decided
	VMOVSD X11, (SI)
	INCQ R12
	JMP next
decided:
	VMOVQ X2, BX
	SHRQ $63, BX
	NEGQ BX
	ANDQ pcgc<>+0x18(SB), BX
	MOVQ BX, (SI)
next:
	ADDQ $8, SI
	ADDQ $8, DI
	DECQ CX
	JNZ loop
done:
	MOVQ R8, 0(R13)
	MOVQ R9, 8(R13)
	MOVQ R12, undecided+40(FP)
	RET
