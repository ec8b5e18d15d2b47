package nn

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
// sums into its slot, with left, right and out the image's factors and
// output gradient (left(img), right(img) and out(img) where run would use
// them).
func (s *imageSums[T]) image(img int, left, right, out []T) {
	p := s.parts[img*s.slot() : (img+1)*s.slot()]
	if s.dw != nil {
		rows, cols, hw := s.dw.Rows, s.dw.Cols, s.hw
		for p0 := 0; p0 < hw; p0 += gemmKC {
			gemmSerial(false, true, rows, cols, min(gemmKC, hw-p0), left[p0:], hw, right[p0:], hw, 0, p, cols)
			p = p[rows*cols:]
		}
	}
	if s.db != nil {
		planeSums(p[:len(s.db)], out, s.hw)
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
	ForChunks(parts, 1, func(_, part, _ int) {
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
