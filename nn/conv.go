package nn

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// ImageShape is the channels × height × width of the images in a batch.
// A node holding a batch of images is B×(C·H·W): one image per row, in
// CHW order (channel-major, then raster order), i.e. NCHW.
type ImageShape struct{ C, H, W int }

// Size returns C·H·W, the number of columns of a batch of such images.
func (s ImageShape) Size() int { return s.C * s.H * s.W }

// String formats the shape as C×H×W.
func (s ImageShape) String() string { return fmt.Sprintf("%d×%d×%d", s.C, s.H, s.W) }

// Conv2D returns the 2-D convolution (cross-correlation, as in every deep
// learning library) of a batch of images with "same" zero padding and
// stride 1, computed by im2col and one matrix product per image.
//
// x is B×(C·H·W) with images of shape in. w is Cout×(C·K·K): row o holds
// the kernel of output channel o in (channel, row, column) order, so
//
//	out[o, i, j] = b[o] + Σ_{c,u,v} w[o, (c·K+u)·K+v] · x[c, i+u−K/2, j+v−K/2]
//
// with x zero outside the image. K must be odd. mask, when not nil, is a
// constant of w's shape multiplied into w (a masked convolution, see
// [CausalMask]); w's gradient is masked too, and kernel columns that the
// mask zeroes for every output channel are skipped entirely. b, when not
// nil, is a 1×Cout row of per-channel biases. The result is
// B×(Cout·H·W) with output shape Cout×H×W.
//
// Images are processed in parallel, one goroutine per available CPU.
func (t *Tape[T]) Conv2D(x *Node[T], in ImageShape, w *Node[T], k int, mask *Mat[T], b *Node[T]) *Node[T] {
	X, Wv := x.Value, w.Value
	hw := in.H * in.W
	if X.Cols != in.Size() {
		panic(fmt.Sprintf("nn.Conv2D: input %s for images of shape %s", X.shape(), in))
	}
	if k <= 0 || k%2 == 0 {
		panic(fmt.Sprintf("nn.Conv2D: kernel size %d, want a positive odd number", k))
	}
	if Wv.Cols != in.C*k*k {
		panic(fmt.Sprintf("nn.Conv2D: weights %s for %d channels and %d×%d kernels", Wv.shape(), in.C, k, k))
	}
	if mask != nil {
		sameShape("Conv2D", Wv, mask)
	}
	cout := Wv.Rows
	parents := []*Node[T]{x, w}
	if b != nil {
		if b.Value.Rows != 1 || b.Value.Cols != cout {
			panic(fmt.Sprintf("nn.Conv2D: bias %s for %d output channels", b.Value.shape(), cout))
		}
		parents = append(parents, b)
	}
	batch := X.Rows

	// Kernel columns that the mask leaves alive, and the packed masked
	// weights restricted to them (Cout×kk).
	ncol := in.C * k * k
	active := make([]int, 0, ncol)
	for col := 0; col < ncol; col++ {
		if mask == nil {
			active = append(active, col)
			continue
		}
		for o := 0; o < cout; o++ {
			if mask.Data[o*ncol+col] != 0 {
				active = append(active, col)
				break
			}
		}
	}
	kk := len(active)
	wp := t.buf(cout, kk)
	for o := 0; o < cout; o++ {
		for a, col := range active {
			v := Wv.Data[o*ncol+col]
			if mask != nil {
				v *= mask.Data[o*ncol+col]
			}
			wp.Data[o*kk+a] = v
		}
	}

	// A 1×1 convolution over all channels needs no im2col: the image is
	// its own column matrix.
	identity := k == 1 && kk == in.C
	out := t.rawNode(batch, cout*hw, parents...) // every value is written by the β=0 product
	oc := cout * hw

	// Scratch taken from the tape so that memory stays flat: per worker
	// for the input gradient, single for the sums over the images.
	var dcol, dwp, db *Mat[T]
	var sums *imageSums[T]
	if out.Grad != nil {
		if x.Grad != nil && !identity {
			dcol = t.buf(numWorkers(batch), kk*hw)
		}
		if w.Grad != nil {
			dwp = t.buf(cout, kk)
		}
		if b != nil && b.Grad != nil {
			db = t.buf(1, cout)
		}
		var dbData []T
		if db != nil {
			dbData = db.Data
		}
		sums = newImageSums(t, batch, hw, dwp, dbData)
	}

	// The column matrices: kept for the backward pass only when the
	// weight gradient's route reads them all at once (sums.run); otherwise
	// each worker builds an image's columns into scratch of its own, in
	// the forward pass and again in the backward pass, where they are
	// still in the core's cache when the products read them: storing the
	// whole batch's (a PixelCNN step's come to 200 MB) and reading them
	// back from memory cost more than building them twice.
	keep := !identity && sums != nil && !sums.perImage()
	var cols *Mat[T]
	switch {
	case keep:
		cols = t.rawBuf(batch, kk*hw) // im2col writes every element
	case !identity:
		cols = t.rawBuf(numWorkers(batch), kk*hw)
	}
	// colOf returns image img's column matrix, built by worker wk.
	colOf := func(wk, img int) []T {
		switch {
		case identity:
			return X.Data[img*X.Cols : (img+1)*X.Cols]
		case keep:
			return cols.Data[img*kk*hw : (img+1)*kk*hw]
		}
		c := cols.Data[wk*kk*hw : (wk+1)*kk*hw]
		im2col(X.Data[img*X.Cols:(img+1)*X.Cols], in, k, active, c)
		return c
	}

	// One goroutine per core runs the images, so their products stay on
	// it; a single image may split its products over the cores instead.
	mm := gemmSerial[T]
	if numWorkers(batch) == 1 {
		mm = gemm[T]
	}
	parallelImages(batch, func(wk, lo, hi int) {
		for img := lo; img < hi; img++ {
			if keep {
				im2col(X.Data[img*X.Cols:(img+1)*X.Cols], in, k, active, cols.Data[img*kk*hw:(img+1)*kk*hw])
			}
			o := out.Value.Data[img*oc : (img+1)*oc]
			mm(false, false, cout, hw, kk, wp.Data, kk, colOf(wk, img), hw, 0, o, hw)
			if b != nil {
				for c := 0; c < cout; c++ {
					// x·1 + b is x + b exactly, fused or not.
					affinePlane(o[c*hw:(c+1)*hw], o[c*hw:(c+1)*hw], 1, b.Value.Data[c], false)
				}
			}
		}
	})
	if out.Grad == nil {
		return out
	}
	return t.recordClaiming(out, func() {
		w.settle()
		if b != nil {
			b.settle()
		}
		// x's gradient, when fresh, is written image by image: col2im's
		// sums start from zeros cleared just before (still in cache), and
		// a 1×1 convolution's product has β = 0.
		freshX := x.Grad != nil && x.claim()
		G := out.Grad.Data
		gradOf := func(img int) []T { return G[img*oc : (img+1)*oc] }
		// dW' = Σ dOut · colᵀ and the bias sums, over the images in order.
		sums.left, sums.out = gradOf, gradOf
		if keep || identity {
			sums.right = func(img int) []T { return colOf(0, img) }
		}
		if x.Grad != nil || sums.perImage() {
			parallelImages(batch, func(wk, lo, hi int) {
				for img := lo; img < hi; img++ {
					if sums.perImage() {
						var right []T // the columns, when dW' needs them
						if dwp != nil {
							right = colOf(wk, img)
						}
						sums.image(img, gradOf(img), right)
					}
					if x.Grad == nil {
						continue
					}
					// dcol = W'ᵀ · dOut, scattered back onto the image; a
					// 1×1 convolution's dcol is the image's gradient, so the
					// product accumulates straight into it.
					gx := x.Grad.Data[img*X.Cols : (img+1)*X.Cols]
					if identity {
						var beta T = 1
						if freshX {
							beta = 0
						}
						mm(true, false, kk, hw, cout, wp.Data, kk, gradOf(img), hw, beta, gx, hw)
						continue
					}
					dc := dcol.Row(wk)
					mm(true, false, kk, hw, cout, wp.Data, kk, gradOf(img), hw, 0, dc, hw)
					if freshX {
						clear(gx)
					}
					col2im(dc, in, k, active, gx)
				}
			})
		}
		sums.finish()
		if dwp != nil {
			for o := 0; o < cout; o++ {
				for a, col := range active {
					v := dwp.Data[o*kk+a]
					if mask != nil {
						v *= mask.Data[o*ncol+col]
					}
					w.Grad.Data[o*ncol+col] += v
				}
			}
		}
		if db != nil {
			addTo(b.Grad.Data, db.Data)
		}
	})
}

// convGradCols is the width of the column chunks that a convolution's
// weight gradient is cut into for the cores when the per-image partial
// sums would not fit imagePartsMax: fixed, so that the cut, and with an
// external BLAS the rounding, does not depend on their number.
const convGradCols = 64

// imagePartsMax is the most elements of per-image partial sums a
// convolution keeps for its gradients (16 MiB in float32); the glow and
// PixelCNN layers need well under 2 MiB.
const imagePartsMax = 1 << 22

// imageSums are the gradients of a convolution that sum over the images
// of a batch: the weights' dw += Σ_img left(img) · right(img)ᵀ (left
// rows×hw, right cols×hw, dw rows×cols) and the per-channel bias sums
// db[c] += Σ_img Σ_p out(img)[c·hw + p]. Either may be nil.
//
// Every element is summed as one goroutine going through the batch with
// one product per image would (the product adding each block of gemmKC
// steps onto dw in turn), so the bits do not depend on how many cores
// share the work. With parts (see newImageSums), each image's block
// products and bias sums go into slots of their own, computed wherever
// that image's other work runs (image), and reduce adds the slots onto
// dw and db in that order; without, run cuts the work along dw's columns
// in chunks of at most convGradCols (a cut that depends on the shape
// only) and each chunk goes through all the images.
type imageSums[T Float] struct {
	batch, hw   int
	left, right func(img int) []T
	dw          *Mat[T]
	out         func(img int) []T
	db          []T
	parts       []T // batch slots of blocks()·len(dw.Data) + len(db) values, or nil
}

// newImageSums returns the sums for dw and db (either may be nil), with
// per-image slots taken from t when they fit imagePartsMax. It is called
// while recording, so that the scratch is the tape's to reuse.
func newImageSums[T Float](t *Tape[T], batch, hw int, dw *Mat[T], db []T) *imageSums[T] {
	s := &imageSums[T]{batch: batch, hw: hw, dw: dw, db: db}
	// With an external BLAS that runs threads of its own (OpenBLAS with
	// OPENBLAS_NUM_THREADS set) the per-image products would be BLAS
	// calls from every core at once, each wanting the cores for its
	// threads: PixelCNN's step took 4.4× as long. Such a build keeps the
	// column-chunk route, whose products the pool cuts by shape. With
	// single-threaded BLAS calls (blasSplit, the default) each core runs
	// its own images' products, as in the pure-Go build.
	if (blasSgemm != nil || blasDgemm != nil) && !blasSplit {
		return s
	}
	if n := batch * s.slot(); n > 0 && n <= imagePartsMax {
		s.parts = t.rawBuf(batch, s.slot()).Data
	}
	return s
}

// blocks is the number of gemmKC-step blocks of one image's product.
func (s *imageSums[T]) blocks() int { return (s.hw + gemmKC - 1) / gemmKC }

func (s *imageSums[T]) slot() int {
	n := len(s.db)
	if s.dw != nil {
		n += s.blocks() * len(s.dw.Data)
	}
	return n
}

// perImage reports whether the slots are the route: the caller then calls
// image for every image (from any goroutine) before finish.
func (s *imageSums[T]) perImage() bool { return s.parts != nil }

// image writes image img's products, one per block of steps, and bias
// sums into its slot, with left and right the image's factors (left(img)
// and right(img) where run would use them).
func (s *imageSums[T]) image(img int, left, right []T) {
	p := s.parts[img*s.slot() : (img+1)*s.slot()]
	if s.dw != nil {
		rows, cols, hw := s.dw.Rows, s.dw.Cols, s.hw
		for p0 := 0; p0 < hw; p0 += gemmKC {
			gemmSerial(false, true, rows, cols, min(gemmKC, hw-p0), left[p0:], hw, right[p0:], hw, 0, p, cols)
			p = p[rows*cols:]
		}
	}
	if s.db != nil {
		planeSums(p[:len(s.db)], s.out(img), s.hw)
	}
}

// planeSums sets sums[c] to the sum of plane c of g (planes of hw values),
// each added up in order from the plane's first value. Four planes at a
// time: their sums are independent chains of additions, which the core
// overlaps, where one plane alone waits for every addition in turn.
func planeSums[T Float](sums, g []T, hw int) {
	c := 0
	for ; c+4 <= len(sums); c += 4 {
		p0, p1, p2, p3 := g[c*hw:(c+1)*hw], g[(c+1)*hw:(c+2)*hw], g[(c+2)*hw:(c+3)*hw], g[(c+3)*hw:(c+4)*hw]
		var s0, s1, s2, s3 T
		for i, v := range p0 {
			s0 += v
			s1 += p1[i]
			s2 += p2[i]
			s3 += p3[i]
		}
		sums[c], sums[c+1], sums[c+2], sums[c+3] = s0, s1, s2, s3
	}
	for ; c < len(sums); c++ {
		var sum T
		for _, v := range g[c*hw : (c+1)*hw] {
			sum += v
		}
		sums[c] = sum
	}
}

// reduce adds the slots onto dw and db, image by image and block by
// block, each element's sum in that order whichever core adds it.
func (s *imageSums[T]) reduce() {
	nw, blocks := 0, 1
	if s.dw != nil {
		nw, blocks = len(s.dw.Data), s.blocks()
	}
	slot, m := s.slot(), nw+len(s.db)
	total := slot * s.batch // the adds, for the cut over the cores
	parallelElems(total, func(lo, hi int) {
		lo, hi = lo*m/total, hi*m/total // elements [lo, hi) of dw then db
		for img := 0; img < s.batch; img++ {
			p := s.parts[img*slot : (img+1)*slot]
			if lo < nw {
				for b := 0; b < blocks; b++ {
					addTo(s.dw.Data[lo:min(hi, nw)], p[b*nw+lo:b*nw+min(hi, nw)])
				}
			}
			if hi > nw {
				db := p[blocks*nw:]
				addTo(s.db[max(lo, nw)-nw:hi-nw], db[max(lo, nw)-nw:hi-nw])
			}
		}
	})
}

// finish completes the sums: reduce after image has run for every image,
// or run without slots.
func (s *imageSums[T]) finish() {
	if s.perImage() {
		s.reduce()
		return
	}
	s.run()
}

// run computes the sums without per-image slots: the work cut along dw's
// columns, the bias sums one more part.
func (s *imageSums[T]) run() {
	chunks := 0
	if s.dw != nil {
		chunks = (s.dw.Cols + convGradCols - 1) / convGradCols
	}
	parts := chunks
	if s.db != nil {
		parts++ // the bias sums, last
	}
	// A product alone may spread over the cores itself: the Go driver's
	// sums do not depend on its cut, and an external BLAS's cut depends
	// on the shape only.
	mm := gemmSerial[T]
	if chunks == 1 {
		mm = gemm[T]
	}
	parallelChunks(parts, func(part int) {
		if part == chunks {
			s.sumBias()
			return
		}
		rows, cols, hw := s.dw.Rows, s.dw.Cols, s.hw
		c0, c1 := s.chunk(part, chunks)
		cw := c1 - c0
		for img := 0; img < s.batch; img++ {
			mm(false, true, rows, cw, hw, s.left(img), hw, s.right(img)[c0*hw:], hw, 1, s.dw.Data[c0:], cols)
		}
	})
}

// chunk returns the columns [c0, c1) of dw that part i of n covers: the
// columns in blocks of 16 (a micro-tile's width), dealt out evenly.
func (s *imageSums[T]) chunk(i, n int) (c0, c1 int) {
	const block = 16
	blocks := (s.dw.Cols + block - 1) / block
	return blocks * i / n * block, min(blocks*(i+1)/n*block, s.dw.Cols)
}

func (s *imageSums[T]) sumBias() {
	sums := make([]T, len(s.db))
	for img := 0; img < s.batch; img++ {
		planeSums(sums, s.out(img), s.hw)
		addTo(s.db, sums)
	}
}

// CropImages returns the h×w part of each image of x (of shape in) whose
// top-left corner is at row top and column left: B×(C·h·w), images of
// shape C×h×w. The part must lie inside the images.
func (t *Tape[T]) CropImages(x *Node[T], in ImageShape, top, left, h, w int) *Node[T] {
	X := x.Value
	if X.Cols != in.Size() {
		panic(fmt.Sprintf("nn.CropImages: input %s for images of shape %s", X.shape(), in))
	}
	if top < 0 || left < 0 || h < 1 || w < 1 || top+h > in.H || left+w > in.W {
		panic(fmt.Sprintf("nn.CropImages: %d×%d part at (%d, %d) of %s images", h, w, top, left, in))
	}
	out := t.rawNode(X.Rows, in.C*h*w, x)
	// each calls f(src, dst) on every cropped image row: src indexes x,
	// dst the output.
	each := func(f func(src, dst int)) {
		for img := 0; img < X.Rows; img++ {
			for c := 0; c < in.C; c++ {
				for i := 0; i < h; i++ {
					f(img*X.Cols+(c*in.H+top+i)*in.W+left, img*out.Value.Cols+(c*h+i)*w)
				}
			}
		}
	}
	each(func(src, dst int) { copy(out.Value.Data[dst:dst+w], X.Data[src:src+w]) })
	return t.record(out, func() {
		each(func(src, dst int) { addTo(x.Grad.Data[src:src+w], out.Grad.Data[dst:dst+w]) })
	})
}

// numWorkers is how many goroutines share a batch of n images.
func numWorkers(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n))
}

// parallelImages splits images [0, n) into numWorkers(n) contiguous
// ranges and runs f(worker, lo, hi) on each, concurrently.
func parallelImages(n int, f func(worker, lo, hi int)) {
	parallelParts(n, numWorkers(n), f)
}

// elemGrain is the smallest slice that parallelElems splits: below it
// the goroutine hand-off costs more than the loop.
const elemGrain = 1 << 16

// parallelElems runs f on contiguous parts of [0, n) concurrently, one
// per available CPU, when n is large enough to be worth it: elementwise
// ops on whole feature maps are memory-bound loops that would otherwise
// leave all cores but one idle between the parallel convolutions.
func parallelElems(n int, f func(lo, hi int)) {
	parallelParts(n, max(1, min(n/elemGrain, runtime.GOMAXPROCS(0))), func(_, lo, hi int) { f(lo, hi) })
}

// parallelChunks runs f(0), …, f(n−1) on numWorkers(n) goroutines, each
// taking the next chunk not yet taken: which goroutine runs a chunk is
// left to timing, so chunks must write disjoint results.
func parallelChunks(n int, f func(chunk int)) {
	workers := numWorkers(n)
	if workers == 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var next atomic.Int64
	work := func() {
		for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
			f(i)
		}
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

// parallelParts splits [0, n) into parts contiguous ranges and runs
// f(part, lo, hi) on each, the last on the calling goroutine.
func parallelParts(n, parts int, f func(part, lo, hi int)) {
	if parts <= 1 {
		f(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for p := range parts - 1 {
		wg.Go(func() { f(p, p*n/parts, (p+1)*n/parts) })
	}
	f(parts-1, (parts-1)*n/parts, n)
	wg.Wait()
}

// im2col writes, for each active kernel column (c, u, v), the H·W input
// values x[c, i+u−K/2, j+v−K/2] it meets (zero outside the image) as one
// row of dst (len(active)×H·W). Every element of dst is written, the
// zeros included, so dst need not start zeroed.
//
// Within the image rows that exist for the column, dst and x differ by a
// fixed shift of (u−K/2)·W + v−K/2 elements, so each column is one copy
// followed by zeroing the K/2 or fewer wrapped values at each row's ends,
// not a copy per image row.
func im2col[T Float](x []T, in ImageShape, k int, active []int, dst []T) {
	hw, p, W := in.H*in.W, k/2, in.W
	for a, col := range active {
		c, u, v := col/(k*k), (col/k)%k, col%k
		row := dst[a*hw : (a+1)*hw]
		src := x[c*hw : (c+1)*hw]
		jlo, jhi := max(0, p-v), min(W, W+p-v)
		ilo, ihi := max(0, p-u), min(in.H, in.H+p-u)
		if jlo >= jhi || ilo >= ihi {
			clear(row)
			continue
		}
		clear(row[:ilo*W])
		clear(row[ihi*W:])
		d0, d1 := ilo*W+jlo, (ihi-1)*W+jhi
		shift := (u-p)*W + v - p
		copy(row[d0:d1], src[d0+shift:d1+shift])
		for i := ilo; i < ihi; i++ {
			clear(row[i*W : i*W+jlo])
			clear(row[i*W+jhi : (i+1)*W])
		}
	}
}

// col2im is the adjoint of im2col: it adds each row of d back onto the
// input positions it was read from, each kernel column's image rows in
// one block addition (the same fixed shift as im2col's).
func col2im[T Float](d []T, in ImageShape, k int, active []int, gx []T) {
	hw, p, W := in.H*in.W, k/2, in.W
	for a, col := range active {
		c, u, v := col/(k*k), (col/k)%k, col%k
		row := d[a*hw : (a+1)*hw]
		dst := gx[c*hw : (c+1)*hw]
		jlo, jhi := max(0, p-v), min(W, W+p-v)
		ilo, ihi := max(0, p-u), min(in.H, in.H+p-u)
		if jlo >= jhi || ilo >= ihi {
			continue
		}
		d0 := ilo*W + jlo
		shift := (u-p)*W + v - p
		addBlock(dst[d0+shift:], row[d0:], ihi-ilo, jhi-jlo, W, W)
	}
}

// CausalMask returns the Cout×(Cin·K·K) weight mask of a PixelCNN masked
// convolution (van den Oord et al. 2016) for the raster order: pixels are
// generated row by row, left to right, and within a pixel channel group
// by channel group. Output channel o at pixel (i, j) may see every input
// channel at pixels before (i, j) and, at (i, j) itself, input channels
// of an earlier group (type A, typeA true: the first layer, so a pixel
// never sees itself) or of an earlier or the same group (type B: later
// layers, whose inputs at (i, j) already exclude the pixel's own value).
//
// Channel c belongs to group c mod groups, in input and output alike, so
// with groups equal to the image's channel count the image channel c is
// group c; groups 1 is the plain single-channel mask.
func CausalMask[T Float](typeA bool, cin, cout, k, groups int) *Mat[T] {
	if k <= 0 || k%2 == 0 || groups < 1 {
		panic(fmt.Sprintf("nn.CausalMask: kernel %d, groups %d", k, groups))
	}
	m := NewMat[T](cout, cin*k*k)
	p := k / 2
	for o := 0; o < cout; o++ {
		og := o % groups
		for c := 0; c < cin; c++ {
			ig := c % groups
			for u := 0; u < k; u++ {
				for v := 0; v < k; v++ {
					var keep bool
					switch {
					case u < p || (u == p && v < p):
						keep = true
					case u == p && v == p:
						keep = ig < og || (!typeA && ig == og)
					}
					if keep {
						m.Set(o, (c*k+u)*k+v, 1)
					}
				}
			}
		}
	}
	return m
}
