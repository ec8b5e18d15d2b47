//go:build amd64 && !purego

#include "textflag.h"

// The spline's normalisation for four elements at once, one per lane of
// a float64 vector (see rqLanes in spline_lanes.go): the operations of
// softmax2 and cumKnots2, each correctly rounded and none fused, so
// every lane has the bits of the scalar code.

DATA splm700<>+0x00(SB)/8, $-700.0
GLOBL splm700<>(SB), RODATA|NOPTR, $8

// func maxSubLanes(buf *float64, k int) (ok bool)
// For each of the two blocks of k rows (four lanes a row) at buf, the
// widths' then the heights': row i −= the lanes' maximum over the block's
// rows. ok: every result is at least −700 (and none NaN), the range in
// which exp64x4 is math.Exp.
TEXT ·maxSubLanes(SB), NOSPLIT, $0-17
	MOVQ buf+0(FP), DI
	MOVQ k+8(FP), CX
	VBROADCASTSD splm700<>+0x00(SB), Y14
	VPCMPEQQ Y15, Y15, Y15 // all lanes in range so far
	MOVQ $2, R8 // blocks
msblock:
	VMOVUPD (DI), Y0 // the maximum
	MOVQ $1, AX
msmax:
	CMPQ AX, CX
	JGE mssub
	MOVQ AX, R9
	SHLQ $5, R9
	VMAXPD (DI)(R9*1), Y0, Y0
	INCQ AX
	JMP msmax
mssub:
	XORQ AX, AX
mssubloop:
	CMPQ AX, CX
	JGE msnext
	MOVQ AX, R9
	SHLQ $5, R9
	VMOVUPD (DI)(R9*1), Y1
	VSUBPD Y0, Y1, Y1
	VMOVUPD Y1, (DI)(R9*1)
	VCMPPD $0x1d, Y14, Y1, Y2 // ≥ −700 (GE_OQ: false for NaN)
	VANDPD Y2, Y15, Y15
	INCQ AX
	JMP mssubloop
msnext:
	MOVQ CX, R9
	SHLQ $5, R9
	ADDQ R9, DI
	DECQ R8
	JNZ msblock
	VMOVMSKPD Y15, AX
	CMPQ AX, $15
	SETEQ ok+16(FP)
	VZEROUPPER
	RET

// func normCumLanes(buf *float64, k int, xs, ys *float64, c *[6]float64)
// For the two blocks at buf (exponentials by now): each lane's sum over
// the block's rows, in row order from zero; every row divided by it; then
// the knots, k+1 rows of four lanes at xs (from the widths) and ys (from
// the heights): row 0 = −b, row k = b, and for 0 < j < k
//   cum += least + c1·p[j−1];  row j = −b + 2b·cum
// with c = {c1 widths, least widths, c1 heights, least heights, −b, 2b}.
TEXT ·normCumLanes(SB), NOSPLIT, $0-40
	MOVQ buf+0(FP), DI
	MOVQ k+8(FP), CX
	MOVQ xs+16(FP), SI
	MOVQ ys+24(FP), DX
	MOVQ c+32(FP), BX
	VBROADCASTSD 32(BX), Y12 // −b
	VBROADCASTSD 40(BX), Y13 // 2b
	MOVQ $2, R8
ncblock:
	VBROADCASTSD 0(BX), Y10 // c1
	VBROADCASTSD 8(BX), Y11 // least
	VXORPD Y0, Y0, Y0 // the sum
	XORQ AX, AX
ncsum:
	CMPQ AX, CX
	JGE ncdiv
	MOVQ AX, R9
	SHLQ $5, R9
	VADDPD (DI)(R9*1), Y0, Y0
	INCQ AX
	JMP ncsum
ncdiv:
	XORQ AX, AX
ncdivloop:
	CMPQ AX, CX
	JGE nccum
	MOVQ AX, R9
	SHLQ $5, R9
	VMOVUPD (DI)(R9*1), Y1
	VDIVPD Y0, Y1, Y1
	VMOVUPD Y1, (DI)(R9*1)
	INCQ AX
	JMP ncdivloop
nccum:
	VMOVUPD Y12, (SI) // row 0: −b
	VXORPD Y0, Y0, Y0 // cum
	MOVQ $1, AX
nccumloop:
	CMPQ AX, CX
	JGE nclast
	MOVQ AX, R9
	SHLQ $5, R9
	VMULPD -32(DI)(R9*1), Y10, Y1 // c1·p[j−1]
	VADDPD Y1, Y11, Y1            // least + that
	VADDPD Y1, Y0, Y0             // cum += that
	VMULPD Y0, Y13, Y2            // 2b·cum
	VADDPD Y2, Y12, Y2            // −b + that
	VMOVUPD Y2, (SI)(R9*1)
	INCQ AX
	JMP nccumloop
nclast:
	MOVQ CX, R9
	SHLQ $5, R9
	VXORPD Y2, Y2, Y2
	VSUBPD Y12, Y2, Y2 // b = 0 − (−b)
	VMOVUPD Y2, (SI)(R9*1)
	// the heights' block, into ys
	ADDQ R9, DI
	MOVQ DX, SI
	ADDQ $16, BX
	DECQ R8
	JNZ ncblock
	VZEROUPPER
	RET
