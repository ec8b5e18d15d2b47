package nn

import "fmt"

// Conv2DNarrow returns the same convolution as Conv2D without a mask
// (stride 1, "same" zero padding, w Cout×(C·K·K), b nil or 1×Cout), by a
// route that is faster when the output has few channels and the input
// many (the last layer of a flow's coupling network: 64 channels in, 4
// out). Conv2D expands every image into C·K² rows of H·W values (im2col)
// and multiplies; here one product per image gives the K² partial outputs
// of every kernel offset, P = W̃·x with W̃ (K²·Cout)×C, and each partial
// output is shifted into place and added: K²·Cout rows instead of C·K².
// The backward pass runs the same way in reverse.
func (t *Tape[T]) Conv2DNarrow(x *Node[T], in ImageShape, w *Node[T], k int, b *Node[T]) *Node[T] {
	X, Wv := x.Value, w.Value
	if X.Cols != in.Size() {
		panic(fmt.Sprintf("nn.Conv2DNarrow: input %s for images of shape %s", X.shape(), in))
	}
	if k <= 0 || k%2 == 0 {
		panic(fmt.Sprintf("nn.Conv2DNarrow: kernel size %d, want a positive odd number", k))
	}
	if Wv.Cols != in.C*k*k {
		panic(fmt.Sprintf("nn.Conv2DNarrow: weights %s for %d channels and %d×%d kernels", Wv.shape(), in.C, k, k))
	}
	cout := Wv.Rows
	parents := []*Node[T]{x, w}
	if b != nil {
		if b.Value.Rows != 1 || b.Value.Cols != cout {
			panic(fmt.Sprintf("nn.Conv2DNarrow: bias %s for %d output channels", b.Value.shape(), cout))
		}
		parents = append(parents, b)
	}
	batch, hw, kk := X.Rows, in.H*in.W, k*k
	rows := kk * cout // rows of W̃ and P: (offset u·K+v, output channel o)
	// W̃[(u·K+v)·Cout+o, c] = w[o, (c·K+u)·K+v]
	wt := t.rawBuf(rows, in.C)
	for o := 0; o < cout; o++ {
		for c := 0; c < in.C; c++ {
			for off := 0; off < kk; off++ {
				wt.Data[(off*cout+o)*in.C+c] = Wv.Data[o*in.C*kk+c*kk+off]
			}
		}
	}
	workers := numWorkers(batch)
	parts := t.rawBuf(workers, rows*hw) // each worker's P, fully written by its product
	out := t.rawNode(batch, cout*hw, parents...)
	oc := cout * hw
	parallelImages(batch, func(wk, lo, hi int) {
		p := parts.Row(wk)
		for img := lo; img < hi; img++ {
			gemmSerial(false, false, rows, hw, in.C, wt.Data, in.C, X.Data[img*X.Cols:(img+1)*X.Cols], hw, 0, p, hw)
			o := out.Value.Data[img*oc : (img+1)*oc]
			for c := 0; c < cout; c++ {
				var bc T
				if b != nil {
					bc = b.Value.Data[c]
				}
				plane := o[c*hw : (c+1)*hw]
				for i := range plane {
					plane[i] = bc
				}
			}
			shiftPartials(p, o, in, k, cout, false)
		}
	})
	if out.Grad == nil {
		return out
	}
	// The weight gradient sums over the images in order (see imageSums):
	// with per-image slots each worker's dP serves its images, otherwise
	// the dP of every image is kept for the sums that run after.
	var dwt, db *Mat[T]
	var dbData []T
	if w.Grad != nil {
		dwt = t.buf(rows, in.C)
	}
	if b != nil && b.Grad != nil {
		db = t.buf(1, cout)
		dbData = db.Data
	}
	sums := newImageSums(t, batch, hw, dwt, dbData)
	kept := workers
	if dwt != nil && !sums.perImage() {
		kept = batch
	}
	dparts := t.rawBuf(kept, rows*hw)
	return t.record(out, func() {
		gradOf := func(img int) []T { return out.Grad.Data[img*oc : (img+1)*oc] }
		dpOf := func(img int) []T { return dparts.Row(img) }
		imageOf := func(img int) []T { return X.Data[img*X.Cols : (img+1)*X.Cols] }
		// dW̃ = Σ dP·xᵀ and the bias sums, over the images in order.
		sums.left, sums.right, sums.out = dpOf, imageOf, gradOf // left for run
		parallelImages(batch, func(wk, lo, hi int) {
			for img := lo; img < hi; img++ {
				dp := dparts.Row(wk)
				if kept == batch {
					dp = dpOf(img)
				}
				if x.Grad != nil || dwt != nil {
					clear(dp)
					shiftPartials(dp, gradOf(img), in, k, cout, true)
				}
				if sums.perImage() {
					sums.image(img, dp, imageOf(img), gradOf(img))
				}
				if x.Grad != nil { // dx += W̃ᵀ·dP
					gemmSerial(true, false, in.C, hw, rows, wt.Data, in.C, dp, hw, 1, x.Grad.Data[img*X.Cols:(img+1)*X.Cols], hw)
				}
			}
		})
		sums.finish()
		if dwt != nil {
			for o := 0; o < cout; o++ {
				for c := 0; c < in.C; c++ {
					for off := 0; off < kk; off++ {
						w.Grad.Data[o*in.C*kk+c*kk+off] += dwt.Data[(off*cout+o)*in.C+c]
					}
				}
			}
		}
		if db != nil {
			addTo(b.Grad.Data, db.Data)
		}
	})
}

// shiftPartials adds each partial output P[(u·K+v)·Cout+o] (a plane of
// H·W values indexed by input position) into output channel o shifted by
// the offset: out[o, i, j] += P[(u,v,o), i+u−K/2, j+v−K/2] wherever that
// input position lies in the image. With adjoint set it runs the other
// way: P[(u,v,o), i+u−K/2, j+v−K/2] += out[o, i, j].
func shiftPartials[T Float](p, out []T, in ImageShape, k, cout int, adjoint bool) {
	hw, pad := in.H*in.W, k/2
	for u := 0; u < k; u++ {
		ilo, ihi := max(0, pad-u), min(in.H, in.H+pad-u)
		for v := 0; v < k; v++ {
			jlo, jhi := max(0, pad-v), min(in.W, in.W+pad-v)
			if jlo >= jhi {
				continue
			}
			for o := 0; o < cout; o++ {
				src := p[((u*k+v)*cout+o)*hw : ((u*k+v)*cout+o+1)*hw]
				dst := out[o*hw : (o+1)*hw]
				for i := ilo; i < ihi; i++ {
					s := (i+u-pad)*in.W + v - pad
					if adjoint {
						addTo(src[s+jlo:s+jhi], dst[i*in.W+jlo:i*in.W+jhi])
					} else {
						addTo(dst[i*in.W+jlo:i*in.W+jhi], src[s+jlo:s+jhi])
					}
				}
			}
		}
	}
}
