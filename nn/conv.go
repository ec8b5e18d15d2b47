package nn

import (
	"fmt"
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
	return t.conv2D(x, in, w, k, mask, b, nil, false)
}

// Conv2DRelu returns Relu(Conv2D(x, in, w, k, mask, b)), the values and
// gradients of the two ops bit for bit, without keeping the convolution's
// own output: each image is rectified while in the cache, and the
// backward pass masks each image's gradient (where the output is > 0,
// which is where its input was) just before the products read it.
func (t *Tape[T]) Conv2DRelu(x *Node[T], in ImageShape, w *Node[T], k int, mask *Mat[T], b *Node[T]) *Node[T] {
	return t.conv2D(x, in, w, k, mask, b, nil, true)
}

// Conv2DApply returns Apply(a, Conv2D(x, in, w, k, mask, b)): fused
// (Conv2DRelu) when a is ReLU.
func Conv2DApply[T Float](a Activation, t *Tape[T], x *Node[T], in ImageShape, w *Node[T], k int, mask *Mat[T], b *Node[T]) *Node[T] {
	if appliesRelu(a) {
		return t.Conv2DRelu(x, in, w, k, mask, b)
	}
	return Apply(a, t, t.Conv2D(x, in, w, k, mask, b))
}

// Conv2DAdd returns res + Conv2D(x, in, w, k, mask, b), with the values
// and gradients of Add(res, Conv2D(…)) bit for bit: a residual block's
// last convolution and its skip connection. Each image's sum is taken
// while its convolution output is still in the cache, and the backward
// pass hands the sum's gradient to the convolution as it is rather than
// through a copy for the convolution's own output.
func (t *Tape[T]) Conv2DAdd(res, x *Node[T], in ImageShape, w *Node[T], k int, mask *Mat[T], b *Node[T]) *Node[T] {
	return t.conv2D(x, in, w, k, mask, b, res, false)
}

// conv2D is Conv2D, plus res when res is not nil (Conv2DAdd), rectified
// when relu is set (Conv2DRelu; not with res).
func (t *Tape[T]) conv2D(x *Node[T], in ImageShape, w *Node[T], k int, mask *Mat[T], b, res *Node[T], relu bool) *Node[T] {
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
	if res != nil {
		if res.Value.Rows != batch || res.Value.Cols != Wv.Rows*hw {
			panic(fmt.Sprintf("nn.Conv2DAdd: %s added to %d×%d outputs", res.Value.shape(), batch, Wv.Rows*hw))
		}
		parents = append(parents, res)
	}

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
	// With relu, the gradient at the convolution's own output: masked
	// image by image into per-worker scratch, or for the whole batch
	// when the column-chunk route reads all images at once.
	var gm *Mat[T]
	if relu && out.Grad != nil {
		if sums.perImage() {
			gm = t.rawBuf(numWorkers(batch), oc)
		} else {
			gm = t.rawBuf(batch, oc)
		}
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
			if res != nil { // res + conv, as Add(res, conv) adds them
				sumInto(o, res.Value.Data[img*oc:(img+1)*oc], o)
			}
			if relu {
				reluForward(o, o)
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
		if res != nil && res.Grad != nil {
			// Add's backward for res; the convolution's own output's
			// gradient would be 0 + G, which its products use as they
			// would G (a −0 in G makes no difference to a product or sum
			// that starts from +0).
			dr := claimed(res)
			parallelElems(len(G), func(lo, hi int) { sumInto(res.Grad.Data[lo:hi], part(dr, lo, hi), G[lo:hi]) })
		}
		Y := out.Value.Data
		gradOf := func(img int) []T { return G[img*oc : (img+1)*oc] }
		if relu && !sums.perImage() {
			parallelElems(len(G), func(lo, hi int) { reluBackward(gm.Data[lo:hi], G[lo:hi], Y[lo:hi], false) })
			gradOf = func(img int) []T { return gm.Data[img*oc : (img+1)*oc] }
		}
		// imgGrad is image img's output gradient for worker wk, masked
		// into the worker's scratch with relu on the per-image route.
		imgGrad := func(wk, img int) []T {
			if !relu || !sums.perImage() {
				return gradOf(img)
			}
			g := gm.Row(wk)
			reluBackward(g, G[img*oc:(img+1)*oc], Y[img*oc:(img+1)*oc], false)
			return g
		}
		// dW' = Σ dOut · colᵀ and the bias sums, over the images in order.
		sums.left, sums.out = gradOf, gradOf
		if keep || identity {
			sums.right = func(img int) []T { return colOf(0, img) }
		}
		if x.Grad != nil || sums.perImage() {
			parallelImages(batch, func(wk, lo, hi int) {
				for img := lo; img < hi; img++ {
					g := imgGrad(wk, img)
					if sums.perImage() {
						var right []T // the columns, when dW' needs them
						if dwp != nil {
							right = colOf(wk, img)
						}
						sums.image(img, g, right, g)
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
						mm(true, false, kk, hw, cout, wp.Data, kk, g, hw, beta, gx, hw)
						continue
					}
					dc := dcol.Row(wk)
					mm(true, false, kk, hw, cout, wp.Data, kk, g, hw, 0, dc, hw)
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
