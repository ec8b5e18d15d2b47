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
GLOBL spc<>(SB), RODATA|NOPTR, $0x420

// func softplusParts32(e, l *float64, x *float32, n int)
// For four float32 x at a time: e[i] ≈ e^−|x| (2^k·P(r), r = a − k·ln2
// with ln 2 in two parts (Cody and Waite 1980), P the
// degree-11 Taylor polynomial, |r| ≤ ln2/2, a clamped at −708 so that 2^k
// stays normal) and l[i] ≈ log1p(e[i]) = 2·atanh(s) with s = e/(2+e) ≤
// 1/3, by its series to s^27. NaN stays NaN. See fastsoftplus.go for the
// bounds.
TEXT ·softplusParts32(SB), NOSPLIT, $0-32
	MOVQ e+0(FP), DI
	MOVQ l+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	VMOVUPD spc<>+0x020(SB), Y14
	VMOVUPD spc<>+0x0c0(SB), Y10
	VMOVUPD spc<>+0x0e0(SB), Y11
	XORQ AX, AX
loop:
	CMPQ AX, CX
	JGE done
	VCVTPS2PD (SI)(AX*4), Y0
	VORPD spc<>+0x000(SB), Y0, Y1
	VMAXPD Y1, Y14, Y1
	VMOVUPD spc<>+0x060(SB), Y2
	VFMADD231PD spc<>+0x040(SB), Y1, Y2
	VSUBPD spc<>+0x060(SB), Y2, Y3
	VMOVAPD Y1, Y4
	VFNMADD231PD spc<>+0x080(SB), Y3, Y4
	VFNMADD231PD spc<>+0x400(SB), Y3, Y4
	VPSUBQ spc<>+0x0a0(SB), Y2, Y2
	VPSLLQ $52, Y2, Y2
	VMOVUPD spc<>+0x100(SB), Y5
	VFMADD213PD spc<>+0x120(SB), Y4, Y5
	VFMADD213PD spc<>+0x140(SB), Y4, Y5
	VFMADD213PD spc<>+0x160(SB), Y4, Y5
	VFMADD213PD spc<>+0x180(SB), Y4, Y5
	VFMADD213PD spc<>+0x1a0(SB), Y4, Y5
	VFMADD213PD spc<>+0x1c0(SB), Y4, Y5
	VFMADD213PD spc<>+0x1e0(SB), Y4, Y5
	VFMADD213PD spc<>+0x200(SB), Y4, Y5
	VFMADD213PD spc<>+0x220(SB), Y4, Y5
	VFMADD213PD Y10, Y4, Y5
	VFMADD213PD Y10, Y4, Y5
	VMULPD Y2, Y5, Y5
	VMOVUPD Y5, (DI)(AX*8)
	VADDPD Y11, Y5, Y6
	VDIVPD Y6, Y5, Y6
	VMULPD Y6, Y6, Y7
	VMOVUPD spc<>+0x240(SB), Y8
	VFMADD213PD spc<>+0x260(SB), Y7, Y8
	VFMADD213PD spc<>+0x280(SB), Y7, Y8
	VFMADD213PD spc<>+0x2a0(SB), Y7, Y8
	VFMADD213PD spc<>+0x2c0(SB), Y7, Y8
	VFMADD213PD spc<>+0x2e0(SB), Y7, Y8
	VFMADD213PD spc<>+0x300(SB), Y7, Y8
	VFMADD213PD spc<>+0x320(SB), Y7, Y8
	VFMADD213PD spc<>+0x340(SB), Y7, Y8
	VFMADD213PD spc<>+0x360(SB), Y7, Y8
	VFMADD213PD spc<>+0x380(SB), Y7, Y8
	VFMADD213PD spc<>+0x3a0(SB), Y7, Y8
	VFMADD213PD spc<>+0x3c0(SB), Y7, Y8
	VFMADD213PD spc<>+0x3e0(SB), Y7, Y8
	VADDPD Y6, Y6, Y6
	VMULPD Y8, Y6, Y6
	VMOVUPD Y6, (DX)(AX*8)
	ADDQ $4, AX
	JMP loop
done:
	VZEROUPPER
	RET
