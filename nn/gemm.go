package nn

import (
	"fmt"
	"sync"
	"unsafe"
)

// This file is nn's matrix product, c = op(a)·op(b) + beta·c on row-major
// matrices, organised as in BLIS and GotoBLAS: the product is cut into
// blocks of kc steps of k, mc rows of a and nc columns of b; each block of
// b (kc×nc) and of a (mc×kc) is packed into slivers (gemmMR rows of a, or
// nr columns of b, stored step by step), so that the micro-kernel reads
// both operands contiguously whatever the transposes, and keeps a
// gemmMR×nr tile of c in registers for kc steps. The micro-kernels are
// AVX2/FMA assembly on amd64 processors that have them (gemm_amd64.s) and
// register-blocked Go elsewhere; the same driver, packing and tests serve
// both. Large products are split over the cores by a small pool of
// goroutines; small ones run on the caller's goroutine. Packing buffers
// are recycled, so a product allocates nothing once warm.

const (
	gemmMR = 6   // rows of a micro-tile (both precisions)
	gemmKC = 256 // steps of k per packed block
	// gemmParMin is the multiply–add count from which a product is split
	// over the cores: below it, waking a goroutine costs more than it saves.
	gemmParMin = 1 << 18
	gemmMaxPar = 8 // most goroutines one product is split over
	// gemmNarrow is the widest product computed as its transpose.
	gemmNarrow = 4
	// gemmDirectACols is the widest product whose A gemmBlocked reads in
	// place (see directA there).
	gemmDirectACols = 128
)

// gemmKernel computes, for packed slivers a (gemmMR values per step) and b
// (nr values per step) over k steps, the gemmMR×nr product p and stores
// c = p (acc false) or c += p (acc true), rows ldc apart.
type gemmKernel[T Float] func(k int, a, b, c []T, ldc int, acc bool)

// gemmKernelA is a kernel that reads its sliver of A in place: row r's
// value at step p at a[r·lda + p], where gemmKernel reads them packed.
type gemmKernelA[T Float] func(k int, a []T, lda int, b, c []T, ldc int, acc bool)

// gemmShape is a precision's micro-tile width, block sizes and kernels
// (kernA nil where there is none).
type gemmShape[T Float] struct {
	nr, mc, nc int
	kern       gemmKernel[T]
	kernA      gemmKernelA[T]
}

// Assembly kernels, set by gemm_amd64.go when the processor has AVX2 and
// FMA; asmKernels reports whether they are in use.
var (
	asmKernels bool
	sgemmAsm   gemmKernel[float32]
	sgemmAsmA  gemmKernelA[float32]
	dgemmAsm   gemmKernel[float64]
)

// External BLAS, set by the openblas build (gemm_openblas.go); nil in the
// default pure-Go build. blasMin is the multiply–add count from which
// products go to it rather than to the Go driver.
// With blasSplit, products are cut into parts by their shape alone
// (blasParts), each part one single-threaded BLAS call, and the parts are
// spread over the cores by nn's pool (OpenBLAS's own threads spin between
// calls and fight the Go code for the cores).
var (
	blasSgemm blasFunc[float32]
	blasDgemm blasFunc[float64]
	blasMin   int
	blasSplit bool
)

// blasFunc is an external gemm: c = op(a)·op(b) + beta·c, row-major.
type blasFunc[T Float] func(tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

// blasName names the external BLAS of this build ("" for none).
var blasName string

// BLAS names the matrix-product implementation this build uses.
func BLAS() string {
	own := "nn's Go GEMM with portable Go kernels"
	if asmKernels {
		own = "nn's Go GEMM with AVX2/FMA kernels"
	}
	if blasName != "" {
		return fmt.Sprintf("%s for products of at least %d multiply-adds, %s below", blasName, blasMin, own)
	}
	return own
}

func shape32(useAsm bool) gemmShape[float32] {
	if useAsm && sgemmAsm != nil {
		return gemmShape[float32]{nr: 16, mc: 120, nc: 2048, kern: sgemmAsm, kernA: sgemmAsmA}
	}
	return gemmShape[float32]{nr: 16, mc: 120, nc: 2048, kern: microGo[float32]}
}

func shape64(useAsm bool) gemmShape[float64] {
	if useAsm && dgemmAsm != nil {
		return gemmShape[float64]{nr: 8, mc: 72, nc: 1024, kern: dgemmAsm}
	}
	return gemmShape[float64]{nr: 8, mc: 72, nc: 1024, kern: microGo[float64]}
}

// gemmFloat32 and gemmFloat64 are gemm for each precision: the external
// BLAS when built with one and the product is large enough, else the Go
// driver; split lets a large product spread over the cores.
func gemmFloat32(split, tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if blasSgemm != nil && m*n*k >= blasMin {
		if blasSplit && (beta == 0 || beta == 1) && gemmParallel(shape32(asmKernels), nil, blasSgemm, blasParts(m, n, k), split, tA, tB, m, n, k, a, lda, b, ldb, beta == 1, c, ldc) {
			return
		}
		blasSgemm(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gemmGo(split, shape32(asmKernels), &pool32, tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

func gemmFloat64(split, tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if blasDgemm != nil && m*n*k >= blasMin {
		if blasSplit && (beta == 0 || beta == 1) && gemmParallel(shape64(asmKernels), nil, blasDgemm, blasParts(m, n, k), split, tA, tB, m, n, k, a, lda, b, ldb, beta == 1, c, ldc) {
			return
		}
		blasDgemm(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gemmGo(split, shape64(asmKernels), &pool64, tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// asF32 and asF64 reinterpret a slice of a Float type of that size.
func asF32[T Float](x []T) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}

func asF64[T Float](x []T) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}

// scaleRows sets the m×n matrix c to beta·c (to zero when beta is 0,
// whatever c held).
func scaleRows[T Float](m, n int, beta T, c []T, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// gemmBuf is one goroutine's packing space.
type gemmBuf[T Float] struct {
	a, b, tile []T
}

// gemmPool recycles packing buffers without allocating once warm.
type gemmPool[T Float] struct {
	mu   sync.Mutex
	free []*gemmBuf[T]
}

var (
	pool32 gemmPool[float32]
	pool64 gemmPool[float64]
)

func (p *gemmPool[T]) get() *gemmBuf[T] {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		b := p.free[n-1]
		p.free = p.free[:n-1]
		return b
	}
	return new(gemmBuf[T])
}

func (p *gemmPool[T]) put(b *gemmBuf[T]) {
	p.mu.Lock()
	p.free = append(p.free, b)
	p.mu.Unlock()
}

// alignedSlice returns n zeroed elements starting on a 64-byte boundary.
func alignedSlice[T Float](n int) []T {
	var z T
	es := int(unsafe.Sizeof(z))
	s := make([]T, n+64/es)
	off := int(uintptr(unsafe.Pointer(unsafe.SliceData(s)))&63) / es
	if off != 0 {
		off = 64/es - off
	}
	return s[off : off+n : off+n]
}

func grow[T Float](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return alignedSlice[T](n)
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }

// gemmGo computes c = op(a)·op(b) + beta·c with the Go driver, split
// over the cores when split is set and the product is large.
func gemmGo[T Float](split bool, sh gemmShape[T], pool *gemmPool[T], tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || (beta != 0 && beta != 1) {
		scaleRows(m, n, beta, c, ldc)
		if k == 0 {
			return
		}
		beta = 1
	}
	acc := beta == 1
	if k == 1 && outerProduct(tA, tB, m, n, a, lda, b, ldb, acc, c, ldc) {
		return
	}
	if n <= gemmNarrow && m >= 2*sh.nr {
		// A narrow product (such as a layer with one or two outputs)
		// would fill n of the nr columns of every micro-tile; its
		// transpose, cᵀ = op(b)ᵀ·op(a)ᵀ, fills n of the gemmMR rows.
		buf := pool.get()
		gemmBlocked(sh, buf, !tB, !tA, n, m, k, b, ldb, a, lda, acc, true, c, ldc)
		pool.put(buf)
		return
	}
	if w := gemmWorkers(m, n, k); split && w > 1 {
		if gemmParallel(sh, pool, nil, w, true, tA, tB, m, n, k, a, lda, b, ldb, acc, c, ldc) {
			return
		}
	}
	buf := pool.get()
	gemmBlocked(sh, buf, tA, tB, m, n, k, a, lda, b, ldb, acc, false, c, ldc)
	pool.put(buf)
}

// gemmBlocked runs the blocked product on one goroutine: c = op(a)·op(b),
// added to c when acc is set. With transC, c is stored transposed: element
// (i, j) of the product is c[j*ldc+i].
func gemmBlocked[T Float](sh gemmShape[T], buf *gemmBuf[T], tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, acc, transC bool, c []T, ldc int) {
	nr := sh.nr
	kcMax := min(gemmKC, k)
	// Balance the row blocks: ceil(m/mc) blocks of equal height, rounded up
	// to whole slivers.
	blocks := (m + sh.mc - 1) / sh.mc
	mc := roundUp((m+blocks-1)/blocks, gemmMR)
	ncMax := min(sh.nc, roundUp(n, nr))
	buf.a = grow(buf.a, kcMax*min(mc, roundUp(m, gemmMR)))
	buf.b = grow(buf.b, kcMax*ncMax)
	buf.tile = grow(buf.tile, gemmMR*nr)
	tile := buf.tile
	// The kernel that reads A in place skips packing its whole slivers:
	// a row-major A's six rows are read side by side as they lie, where
	// packing would transpose them first (the sums are the same). It pays
	// where few slivers of B share each packed sliver of A (n up to
	// gemmDirectACols: 1024×64·64×64 8% faster); with more, packing costs
	// little and the packed sliver reads a little faster (64×196·196×64
	// 2% slower in place, Glow's sampling 5%).
	directA := sh.kernA != nil && !tA && !transC && n <= gemmDirectACols
	for jc := 0; jc < n; jc += sh.nc {
		ncb := min(sh.nc, n-jc)
		for pc := 0; pc < k; pc += gemmKC {
			kcb := min(gemmKC, k-pc)
			accBlock := acc || pc > 0
			packB(buf.b, b, ldb, tB, pc, kcb, jc, ncb, nr)
			for ic := 0; ic < m; ic += mc {
				mcb := min(mc, m-ic)
				fullA := mcb / gemmMR * gemmMR // whole slivers, read in place when directA
				switch {
				case !directA:
					packA(buf.a, a, lda, tA, ic, mcb, pc, kcb)
				case fullA < mcb:
					packA(buf.a[fullA*kcb:], a, lda, tA, ic+fullA, mcb-fullA, pc, kcb)
				}
				for jr := 0; jr < ncb; jr += nr {
					nrb := min(nr, ncb-jr)
					pb := buf.b[jr*kcb : (jr+nr)*kcb]
					for ir := 0; ir < mcb; ir += gemmMR {
						mrb := min(gemmMR, mcb-ir)
						pa := buf.a[ir*kcb : (ir+gemmMR)*kcb]
						if directA && ir < fullA && nrb == nr {
							ci := (ic+ir)*ldc + jc + jr
							sh.kernA(kcb, a[(ic+ir)*lda+pc:], lda, pb, c[ci:ci+(gemmMR-1)*ldc+nr], ldc, accBlock)
							continue
						}
						if directA && ir < fullA {
							// A partial sliver of B with a whole one of A: the
							// packed kernel needs A packed, so pack it here.
							packA(pa, a, lda, tA, ic+ir, gemmMR, pc, kcb)
						}
						if transC {
							sh.kern(kcb, pa, pb, tile, nr, false)
							for r := 0; r < mrb; r++ {
								for j, v := range tile[r*nr : r*nr+nrb] {
									ct := &c[(jc+jr+j)*ldc+ic+ir+r]
									if accBlock {
										*ct += v
									} else {
										*ct = v
									}
								}
							}
							continue
						}
						ci := (ic+ir)*ldc + jc + jr
						if mrb == gemmMR && nrb == nr {
							sh.kern(kcb, pa, pb, c[ci:ci+(gemmMR-1)*ldc+nr], ldc, accBlock)
							continue
						}
						sh.kern(kcb, pa, pb, tile, nr, false)
						for r := 0; r < mrb; r++ {
							row := c[ci+r*ldc : ci+r*ldc+nrb]
							t := tile[r*nr : r*nr+nrb]
							if accBlock {
								for j, v := range t {
									row[j] += v
								}
							} else {
								copy(row, t)
							}
						}
					}
				}
			}
		}
	}
}

// packA packs rows [i0, i0+mc) and steps [p0, p0+kc) of op(a) into slivers
// of gemmMR rows, each stored step by step (gemmMR values per step), the
// last sliver padded with zeros.
func packA[T Float](dst, a []T, lda int, tA bool, i0, mc, p0, kc int) {
	for s := 0; s < mc; s += gemmMR {
		rows := min(gemmMR, mc-s)
		d := dst[s*kc : (s+gemmMR)*kc]
		if tA {
			// op(a)[i][p] = a[p][i]: a sliver's step is contiguous in a.
			for p := 0; p < kc; p++ {
				src := a[(p0+p)*lda+i0+s:]
				dp := d[p*gemmMR : p*gemmMR+gemmMR]
				if rows == gemmMR {
					dp[0], dp[1], dp[2], dp[3], dp[4], dp[5] = src[0], src[1], src[2], src[3], src[4], src[5]
					continue
				}
				clear(dp[copy(dp, src[:rows]):])
			}
			continue
		}
		if rows == gemmMR {
			// Six rows read side by side, the sliver written in order.
			base := (i0+s)*lda + p0
			r0 := a[base : base+kc]
			r1 := a[base+lda : base+lda+kc]
			r2 := a[base+2*lda : base+2*lda+kc]
			r3 := a[base+3*lda : base+3*lda+kc]
			r4 := a[base+4*lda : base+4*lda+kc]
			r5 := a[base+5*lda : base+5*lda+kc]
			first := 0
			if elemAsm && gemmMR == 6 && unsafe.Sizeof(a[0]) == 4 && kc > 8 {
				// All but the last column (whose 8-value store would run
				// past the sliver) in 8×8 register transposes.
				first = (kc - 1) &^ 7
				transpose6Pack32(&asF32(d)[0], &asF32(a)[base], lda, first)
			}
			for p := first; p < kc; p++ {
				dp := d[p*gemmMR : p*gemmMR+gemmMR]
				dp[0], dp[1], dp[2], dp[3], dp[4], dp[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
			}
			continue
		}
		clear(d)
		for r := 0; r < rows; r++ {
			src := a[(i0+s+r)*lda+p0 : (i0+s+r)*lda+p0+kc]
			for p, v := range src {
				d[p*gemmMR+r] = v
			}
		}
	}
}

// packB packs steps [p0, p0+kc) and columns [j0, j0+nc) of op(b) into
// slivers of nr columns, each stored step by step (nr values per step),
// the last sliver padded with zeros.
func packB[T Float](dst, b []T, ldb int, tB bool, p0, kc, j0, nc, nr int) {
	if !tB {
		// Row by row of b, so that b is read in order; each row is dealt
		// out to the slivers, nr values (one cache line) to each.
		full := nc / nr * nr
		for p := 0; p < kc; p++ {
			src := b[(p0+p)*ldb+j0 : (p0+p)*ldb+j0+nc]
			s := 0
			if elemAsm && int(unsafe.Sizeof(src[0]))*nr == 64 && full > 0 {
				// One 64-byte sliver row per chunk (16 float32, 8 float64).
				_ = dst[(full-nr)*kc+p*nr+nr-1]
				copyChunks64(unsafe.Pointer(&dst[p*nr]), unsafe.Pointer(&src[0]), full/nr, kc*64)
				s = full
			}
			switch nr {
			case 16:
				for ; s < full; s += 16 {
					d := dst[s*kc+p*16 : s*kc+p*16+16]
					*(*[16]T)(d) = *(*[16]T)(src[s : s+16])
				}
			case 8:
				for ; s < full; s += 8 {
					d := dst[s*kc+p*8 : s*kc+p*8+8]
					*(*[8]T)(d) = *(*[8]T)(src[s : s+8])
				}
			}
			for ; s < nc; s += nr {
				d := dst[s*kc+p*nr : s*kc+p*nr+nr]
				clear(d[copy(d, src[s:]):])
			}
		}
		return
	}
	for s := 0; s < nc; s += nr {
		cols := min(nr, nc-s)
		d := dst[s*kc : (s+nr)*kc]
		// op(b)[p][j] = b[j][p]: a column of op(b) is a row of b. Read
		// the sliver's rows side by side and write it in order.
		if cols < nr {
			clear(d)
		}
		base := (j0+s)*ldb + p0
		if cols == nr {
			packRows(d, b, base, ldb, kc, nr)
			continue
		}
		for p := 0; p < kc; p++ {
			dp := d[p*nr : p*nr+cols]
			for j := range dp {
				dp[j] = b[base+j*ldb+p]
			}
		}
	}
}

// packRows interleaves nr (8 or 16) rows of x, kc values each starting
// at base, ld apart: d[p*nr+j] = x[base+j*ld+p].
func packRows[T Float](d, x []T, base, ld, kc, nr int) {
	if elemAsm && unsafe.Sizeof(x[0]) == 4 && kc >= 8 {
		// 8×8 blocks transposed in registers, the rest below.
		done := kc &^ 7
		_, _ = x[base+(nr-1)*ld+kc-1], d[kc*nr-1] // the bounds the assembly does not check
		xs, ds := asF32(x), asF32(d)
		for g := 0; g < nr; g += 8 {
			transpose8x8Pack32(&ds[g], &xs[base+g*ld], ld, done, nr)
		}
		if done == kc {
			return
		}
		d, base, kc = d[done*nr:], base+done, kc-done
	}
	var rows [16][]T
	for j := 0; j < nr; j++ {
		rows[j] = x[base+j*ld : base+j*ld+kc]
	}
	d = d[:kc*nr]
	if nr == 8 {
		r0, r1, r2, r3, r4, r5, r6, r7 := rows[0], rows[1][:kc], rows[2][:kc], rows[3][:kc], rows[4][:kc], rows[5][:kc], rows[6][:kc], rows[7][:kc]
		for p := range r0 {
			dp := (*[8]T)(d[p*8 : p*8+8])
			dp[0], dp[1], dp[2], dp[3], dp[4], dp[5], dp[6], dp[7] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p], r6[p], r7[p]
		}
		return
	}
	r0, r1, r2, r3, r4, r5, r6, r7 := rows[0], rows[1][:kc], rows[2][:kc], rows[3][:kc], rows[4][:kc], rows[5][:kc], rows[6][:kc], rows[7][:kc]
	r8, r9, r10, r11, r12, r13, r14, r15 := rows[8][:kc], rows[9][:kc], rows[10][:kc], rows[11][:kc], rows[12][:kc], rows[13][:kc], rows[14][:kc], rows[15][:kc]
	for p := range r0 {
		dp := (*[16]T)(d[p*16 : p*16+16])
		dp[0], dp[1], dp[2], dp[3], dp[4], dp[5], dp[6], dp[7] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p], r6[p], r7[p]
		dp[8], dp[9], dp[10], dp[11], dp[12], dp[13], dp[14], dp[15] = r8[p], r9[p], r10[p], r11[p], r12[p], r13[p], r14[p], r15[p]
	}
}

// microGo is the portable micro-kernel: a gemmMR×2 block of c in
// registers at a time, for each pair of the nr columns.
func microGo[T Float](k int, a, b, c []T, ldc int, acc bool) {
	nr := len(b) / k
	a = a[:k*gemmMR]
	for j := 0; j < nr; j += 2 {
		var c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51 T
		for p := 0; p < k; p++ {
			ap := a[p*gemmMR : p*gemmMR+gemmMR]
			bp := b[p*nr+j : p*nr+j+2]
			b0, b1 := bp[0], bp[1]
			c00 += ap[0] * b0
			c01 += ap[0] * b1
			c10 += ap[1] * b0
			c11 += ap[1] * b1
			c20 += ap[2] * b0
			c21 += ap[2] * b1
			c30 += ap[3] * b0
			c31 += ap[3] * b1
			c40 += ap[4] * b0
			c41 += ap[4] * b1
			c50 += ap[5] * b0
			c51 += ap[5] * b1
		}
		res := [gemmMR][2]T{{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}}
		for r := range res {
			row := c[r*ldc+j : r*ldc+j+2]
			if acc {
				row[0] += res[r][0]
				row[1] += res[r][1]
			} else {
				row[0], row[1] = res[r][0], res[r][1]
			}
		}
	}
}
