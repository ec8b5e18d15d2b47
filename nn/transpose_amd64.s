//go:build amd64 && !purego

#include "textflag.h"

// TRANSPOSE8X8 transposes the 8×8 float32 block whose rows are Y0–Y7
// into Y8–Y15 (Y8 holds column 0): unpack pairs, shuffle quads, swap
// 128-bit halves. Y0–Y7 are clobbered.
#define TRANSPOSE8X8 \
	VUNPCKLPS Y1, Y0, Y8 \
	VUNPCKHPS Y1, Y0, Y9 \
	VUNPCKLPS Y3, Y2, Y10 \
	VUNPCKHPS Y3, Y2, Y11 \
	VUNPCKLPS Y5, Y4, Y12 \
	VUNPCKHPS Y5, Y4, Y13 \
	VUNPCKLPS Y7, Y6, Y14 \
	VUNPCKHPS Y7, Y6, Y15 \
	VSHUFPS $0x44, Y10, Y8, Y0 \
	VSHUFPS $0xEE, Y10, Y8, Y1 \
	VSHUFPS $0x44, Y11, Y9, Y2 \
	VSHUFPS $0xEE, Y11, Y9, Y3 \
	VSHUFPS $0x44, Y14, Y12, Y4 \
	VSHUFPS $0xEE, Y14, Y12, Y5 \
	VSHUFPS $0x44, Y15, Y13, Y6 \
	VSHUFPS $0xEE, Y15, Y13, Y7 \
	VPERM2F128 $0x20, Y4, Y0, Y8 \
	VPERM2F128 $0x20, Y5, Y1, Y9 \
	VPERM2F128 $0x20, Y6, Y2, Y10 \
	VPERM2F128 $0x20, Y7, Y3, Y11 \
	VPERM2F128 $0x31, Y4, Y0, Y12 \
	VPERM2F128 $0x31, Y5, Y1, Y13 \
	VPERM2F128 $0x31, Y6, Y2, Y14 \
	VPERM2F128 $0x31, Y7, Y3, Y15


// func transpose8x8Pack32(dst, src *float32, ld, k, stride int)
//
// Reads 8 rows of src (ld float32 apart) over their first k values (k a
// multiple of 8) and writes, for each column p, its 8 values (rows 0 to
// 7) to dst[p*stride : p*stride+8]: packRows's interleaving, 8×8 blocks
// transposed in registers (unpack, shuffle, 128-bit lane permute). Only
// moves values, so the result is packRows's bit for bit.
TEXT ·transpose8x8Pack32(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), BX
	MOVQ k+24(FP), CX
	MOVQ stride+32(FP), DX
	SHLQ $2, BX                // row stride in bytes
	SHLQ $2, DX                // output stride in bytes
	LEAQ (BX)(BX*2), R8        // 3 rows
	LEAQ (SI)(BX*4), R9        // row 4

block:
	CMPQ CX, $8
	JLT  done
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(BX*1), Y1
	VMOVUPS (SI)(BX*2), Y2
	VMOVUPS (SI)(R8*1), Y3
	VMOVUPS (R9), Y4
	VMOVUPS (R9)(BX*1), Y5
	VMOVUPS (R9)(BX*2), Y6
	VMOVUPS (R9)(R8*1), Y7

	TRANSPOSE8X8

	MOVQ    DI, AX
	VMOVUPS Y8, (AX)
	ADDQ    DX, AX
	VMOVUPS Y9, (AX)
	ADDQ    DX, AX
	VMOVUPS Y10, (AX)
	ADDQ    DX, AX
	VMOVUPS Y11, (AX)
	ADDQ    DX, AX
	VMOVUPS Y12, (AX)
	ADDQ    DX, AX
	VMOVUPS Y13, (AX)
	ADDQ    DX, AX
	VMOVUPS Y14, (AX)
	ADDQ    DX, AX
	VMOVUPS Y15, (AX)
	ADDQ    DX, AX
	MOVQ    AX, DI

	ADDQ $32, SI
	ADDQ $32, R9
	SUBQ $8, CX
	JMP  block

done:
	VZEROUPPER
	RET

// func copyChunks64(dst, src unsafe.Pointer, n, stride int)
//
// Copies n consecutive 64-byte chunks of src to dst, dst + stride, …
// (bytes): packB's dealing of a row of b to its slivers, without a call
// to memmove for every chunk.
TEXT ·copyChunks64(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ stride+24(FP), DX

chunk:
	TESTQ CX, CX
	JZ    chunksDone
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $64, SI
	ADDQ    DX, DI
	DECQ    CX
	JMP     chunk

chunksDone:
	VZEROUPPER
	RET

// func transpose6Pack32(dst, src *float32, ld, k int)
//
// packA's sliver of six rows for float32: column p of the 6 rows of src
// (ld apart, the first k values, k a multiple of 8) goes to dst[6p:6p+6],
// 8×8 blocks transposed in registers with two zero rows. Each column is
// stored as 8 values whose last two the next column's store overwrites,
// so the caller leaves at least 2 values of dst beyond 6k (it packs the
// last column itself).
TEXT ·transpose6Pack32(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), BX
	MOVQ k+24(FP), CX
	SHLQ $2, BX
	LEAQ (BX)(BX*2), R8        // 3 rows
	LEAQ (SI)(BX*4), R9        // row 4

block6:
	CMPQ CX, $8
	JLT  done6
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(BX*1), Y1
	VMOVUPS (SI)(BX*2), Y2
	VMOVUPS (SI)(R8*1), Y3
	VMOVUPS (R9), Y4
	VMOVUPS (R9)(BX*1), Y5
	VXORPS  Y6, Y6, Y6
	VXORPS  Y7, Y7, Y7

	TRANSPOSE8X8

	VMOVUPS Y8, (DI)
	VMOVUPS Y9, 24(DI)
	VMOVUPS Y10, 48(DI)
	VMOVUPS Y11, 72(DI)
	VMOVUPS Y12, 96(DI)
	VMOVUPS Y13, 120(DI)
	VMOVUPS Y14, 144(DI)
	VMOVUPS Y15, 168(DI)

	ADDQ $192, DI
	ADDQ $32, SI
	ADDQ $32, R9
	SUBQ $8, CX
	JMP  block6

done6:
	VZEROUPPER
	RET

// func affine32(out, x *float32, n int, s, b float32, relu bool)
//
// out[i] = x[i]·s + b for n values (a multiple of 8), then max(·, +0)
// when relu is set: ChannelAffine's plane and Relu's selection (the value
// first, so NaN and −0 give +0), an unfused multiply and add as the Go
// loop does at the default GOAMD64.
TEXT ·affine32(SB), NOSPLIT, $0-33
	MOVQ         out+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS s+24(FP), Y14
	VBROADCASTSS b+28(FP), Y13
	VXORPS       Y15, Y15, Y15
	MOVBLZX      relu+32(FP), DX
	XORQ         AX, AX

affineLoop:
	CMPQ    AX, CX
	JGE     affineDone
	VMOVUPS (SI)(AX*4), Y0
	VMULPS  Y14, Y0, Y0
	VADDPS  Y13, Y0, Y0
	TESTB   DL, DL
	JZ      affineStore
	VMAXPS  Y15, Y0, Y0

affineStore:
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     affineLoop

affineDone:
	VZEROUPPER
	RET

// func biasReluRows32(x, b *float32, rows, cols int, relu bool)
//
// biasRelu32 on each of rows consecutive rows of cols values (eight at a
// time, the last cols mod 8 one at a time with the same operations):
// row[j] += b[j], then max(·, +0) when relu is set; one call for a
// whole matrix instead of one per row.
TEXT ·biasReluRows32(SB), NOSPLIT, $0-33
	MOVQ    x+0(FP), DI
	MOVQ    b+8(FP), SI
	MOVQ    rows+16(FP), R8
	MOVQ    cols+24(FP), CX
	MOVBLZX relu+32(FP), DX
	VXORPS  Y15, Y15, Y15

	MOVQ    CX, R9
	ANDQ    $-8, R9 // the whole vectors of a row; the rest one by one

rowLoop:
	TESTQ R8, R8
	JZ    rowsDone
	XORQ  AX, AX

colLoop:
	CMPQ    AX, R9
	JGE     tailLoop
	VMOVUPS (DI)(AX*4), Y0
	VADDPS  (SI)(AX*4), Y0, Y0
	TESTB   DL, DL
	JZ      colStore
	VMAXPS  Y15, Y0, Y0

colStore:
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     colLoop

tailLoop:
	CMPQ   AX, CX
	JGE    rowEnd
	MOVSS  (DI)(AX*4), X0
	ADDSS  (SI)(AX*4), X0
	TESTB  DL, DL
	JZ     tailStore
	VMAXSS X15, X0, X0

tailStore:
	MOVSS X0, (DI)(AX*4)
	INCQ  AX
	JMP   tailLoop

rowEnd:
	LEAQ (DI)(CX*4), DI
	DECQ R8
	JMP  rowLoop

rowsDone:
	VZEROUPPER
	RET
