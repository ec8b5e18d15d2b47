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

// PCGOUT sets DX to the PCG-DXSM output of state (DX, AX) = (hi, lo) and
// decides the element at (SI)/(DI) plus off: u = (x<<11>>11)·2^-53; to
// ps 1 or 0 if |u − ps| > eps (X12), else −1 and u to us, counting those
// at undecided (bernoulliPCGDecide2's result). X13 holds the
// sign-clearing mask, X14 2^-53, X11 −1, X15 0.
#define PCGOUT(off, decided, end) \
	MOVQ DX, BX \
	SHRQ $32, BX \
	XORQ BX, DX \
	IMULQ R10, DX \
	MOVQ DX, BX \
	SHRQ $48, BX \
	XORQ BX, DX \
	ORQ $1, AX \
	IMULQ AX, DX \
	SHLQ $11, DX \
	SHRQ $11, DX \
	VCVTSI2SDQ DX, X15, X0 \
	VMULSD X14, X0, X0 \
	VSUBSD off(SI), X0, X2 \
	VANDPD X13, X2, X3 \
	VUCOMISD X12, X3 \
	JHI decided \
	VMOVSD X0, off(DI) \
	VMOVSD X11, off(SI) \
	INCQ undecided+48(FP) \
	JMP end \
decided: \
	VMOVQ X2, BX \
	SHRQ $63, BX \
	NEGQ BX \
	ANDQ pcgc<>+0x18(SB), BX \
	MOVQ BX, off(SI) \
end:

// PCGJUMP advances the state (hi, lo) in registers by the 128-bit map
// held at (R14): state·a + c, a = (0(R14), R11) and c = (16(R14), 24(R14)).
#define PCGJUMP(hi, lo) \
	MOVQ lo, AX \
	MULQ R11 \
	MOVQ hi, BX \
	IMULQ R11, BX \
	ADDQ BX, DX \
	MOVQ lo, BX \
	IMULQ 0(R14), BX \
	ADDQ BX, DX \
	ADDQ 24(R14), AX \
	ADCQ 16(R14), DX \
	MOVQ DX, hi \
	MOVQ AX, lo

// func bernoulliPCGDecide2(ps, us *float64, n int, lanes *[4]uint64, eps float64, jump *[4]uint64) (undecided int)
// For each i < n (n even): u = the next rand.Rand.Float64 of a PCG,
// stepped as rand.PCG.Uint64 does; d = u − ps[i]; ps[i] = 1 if d < 0
// and 0 if d > 0 when |d| > eps, else −1 (also for NaN) with us[i] = u,
// counted in undecided. The draws come from two interleaved
// lanes: lanes holds the states of draws 1 and 2 (high word first), and
// each lane steps by jump, the generator's step applied twice (a, then
// c, high words first). lanes[2:4] is left holding the state of the last
// draw.
TEXT ·bernoulliPCGDecide2(SB), NOSPLIT, $0-56
	MOVQ ps+0(FP), SI
	MOVQ us+8(FP), DI
	MOVQ n+16(FP), CX
	MOVQ lanes+24(FP), R8
	MOVQ 16(R8), R12
	MOVQ 24(R8), R13
	MOVQ 8(R8), R9
	MOVQ 0(R8), R8
	VMOVSD eps+32(FP), X12
	MOVQ jump+40(FP), R14
	MOVQ 8(R14), R11
	MOVQ $0xda942042e4dd58b5, R10
	VMOVSD pcgc<>+0x20(SB), X14
	VMOVSD pcgc<>+0x28(SB), X13
	VMOVSD pcgc<>+0x30(SB), X11
	VXORPD X15, X15, X15
	MOVQ $0, undecided+48(FP)
	TESTQ CX, CX
	JLE done2
loop2:
	MOVQ R8, DX
	MOVQ R9, AX
	PCGOUT(0, decidedA, endA)
	MOVQ R12, DX
	MOVQ R13, AX
	PCGOUT(8, decidedB, endB)
	MOVQ lanes+24(FP), BX
	MOVQ R12, 16(BX)
	MOVQ R13, 24(BX)
	PCGJUMP(R8, R9)
	PCGJUMP(R12, R13)
	ADDQ $16, SI
	ADDQ $16, DI
	SUBQ $2, CX
	JG loop2
done2:
	RET
