package nn

import (
	"fmt"
	"math"
	"unsafe"
)

// Per-channel operations on batches of images in C·H·W layout (see
// [ImageShape]), for multi-scale flows such as Glow (Kingma & Dhariwal
// 2018): a per-channel affine map (ActNorm), the moments that initialise
// it, and the squeeze that trades resolution for channels. Because the
// layout is channel-major, the first k channels of an image are its first
// k·H·W columns, so channel slicing and concatenation are SliceCols and
// ConcatCols.

// ChannelAffine returns x·scale[c] + shift[c] for every value of channel c
// of every image of x (B×(C·H·W), images of shape in). scale and shift are
// 1×C rows; shift may be nil (no shift).
func (t *Tape[T]) ChannelAffine(x *Node[T], in ImageShape, scale, shift *Node[T]) *Node[T] {
	return t.channelAffine("nn.ChannelAffine", x, in, scale, shift, false)
}

// ChannelAffineRelu returns max(x·scale[c] + shift[c], 0), ChannelAffine
// followed by Relu in one pass over the values instead of two each way,
// with the same bits: the same products and sums, the same selection.
func (t *Tape[T]) ChannelAffineRelu(x *Node[T], in ImageShape, scale, shift *Node[T]) *Node[T] {
	return t.channelAffine("nn.ChannelAffineRelu", x, in, scale, shift, true)
}

// channelAffine is ChannelAffine, followed by Relu when relu is set; op
// names the caller in panics.
func (t *Tape[T]) channelAffine(op string, x *Node[T], in ImageShape, scale, shift *Node[T], relu bool) *Node[T] {
	X := x.Value
	if X.Cols != in.Size() {
		panic(fmt.Sprintf("%s: input %s for images of shape %s", op, X.shape(), in))
	}
	parents := []*Node[T]{x, scale}
	for _, r := range []*Node[T]{scale, shift} {
		if r == nil {
			continue
		}
		if r.Value.Rows != 1 || r.Value.Cols != in.C {
			panic(fmt.Sprintf("%s: row %s for %d channels", op, r.Value.shape(), in.C))
		}
	}
	if shift != nil {
		parents = append(parents, shift)
	}
	hw := in.H * in.W
	out := t.rawNode(X.Rows, X.Cols, parents...)
	// each calls f(c, lo, hi) on every channel plane [lo, hi) of the batch.
	each := func(f func(c, lo, hi int)) {
		for img := 0; img < X.Rows; img++ {
			for c := 0; c < in.C; c++ {
				lo := img*X.Cols + c*hw
				f(c, lo, lo+hw)
			}
		}
	}
	each(func(c, lo, hi int) {
		s, b := scale.Value.Data[c], T(0)
		if shift != nil {
			b = shift.Value.Data[c]
		}
		affinePlane(out.Value.Data[lo:hi], X.Data[lo:hi], s, b, relu)
	})
	return t.record(out, func() {
		var gz []T // Relu's gradient, into a zeroed buffer as the separate op accumulates it
		if relu {
			gz = make([]T, hw)
		}
		each(func(c, lo, hi int) {
			g := out.Grad.Data[lo:hi]
			if relu {
				clear(gz)
				reluBackward(gz, g, out.Value.Data[lo:hi], true)
				g = gz
			}
			var gx []T
			if x.Grad != nil {
				gx = x.Grad.Data[lo:hi]
			}
			gs, gb := channelAffineBack(g, X.Data[lo:hi], gx, scale.Value.Data[c])
			if scale.Grad != nil {
				scale.Grad.Data[c] += gs
			}
			if shift != nil && shift.Grad != nil {
				shift.Grad.Data[c] += gb
			}
		})
	})
}

// affinePlane sets o[i] = x[i]·s + b, then ReLU's selection when relu is
// set (the branch-free loops); float32 planes eight at a time in AVX2,
// the same unfused multiply and add.
func affinePlane[T Float](o, x []T, s, b T, relu bool) {
	o = o[:len(x)]
	done := 0
	if elemAsm && unsafe.Sizeof(s) == 4 {
		if done = len(x) &^ 7; done > 0 {
			affine32(&asF32(o)[0], &asF32(x)[0], done, float32(s), float32(b), relu)
		}
	}
	for i := done; i < len(x); i++ {
		o[i] = x[i]*s + b
	}
	if relu {
		reluForward(o[done:], o[done:])
	}
}

// channelAffineBack is one channel plane's backward in a single pass:
// gx += g·s when gx is not nil, and the sums Σ g·x and Σ g, each over four
// interleaved partial sums (fixed order, so the same bits on any machine)
// that keep the adds from waiting on each other.
func channelAffineBack[T Float](g, x, gx []T, s T) (sumGX, sumG T) {
	n := len(g)
	x = x[:n]
	var p0, p1, p2, p3, q0, q1, q2, q3 T
	i := 0
	for ; i+4 <= n; i += 4 {
		p0 += g[i] * x[i]
		p1 += g[i+1] * x[i+1]
		p2 += g[i+2] * x[i+2]
		p3 += g[i+3] * x[i+3]
		q0 += g[i]
		q1 += g[i+1]
		q2 += g[i+2]
		q3 += g[i+3]
	}
	for ; i < n; i++ {
		p0 += g[i] * x[i]
		q0 += g[i]
	}
	if gx != nil {
		gx = gx[:n]
		for i, v := range g {
			gx[i] += v * s
		}
	}
	return (p0 + p1) + (p2 + p3), (q0 + q1) + (q2 + q3)
}

// ChannelMoments returns the mean and the standard deviation of every
// channel of a batch of images of shape in, over the batch and the pixels
// (ActNorm's data-dependent initialisation), accumulated in float64.
func ChannelMoments[T Float](x *Mat[T], in ImageShape) (mean, std []float64) {
	if x.Cols != in.Size() || x.Rows < 1 {
		panic(fmt.Sprintf("nn.ChannelMoments: %s for images of shape %s", x.shape(), in))
	}
	hw := in.H * in.W
	mean, std = make([]float64, in.C), make([]float64, in.C)
	n := float64(x.Rows * hw)
	for c := range mean {
		var s float64
		for img := 0; img < x.Rows; img++ {
			for _, v := range x.Data[img*x.Cols+c*hw : img*x.Cols+(c+1)*hw] {
				s += float64(v)
			}
		}
		mean[c] = s / n
		var q float64
		for img := 0; img < x.Rows; img++ {
			for _, v := range x.Data[img*x.Cols+c*hw : img*x.Cols+(c+1)*hw] {
				d := float64(v) - mean[c]
				q += d * d
			}
		}
		std[c] = math.Sqrt(q / n)
	}
	return mean, std
}

// SqueezePerm returns the column permutation, for PermuteCols, that turns
// images of shape in (H and W even) into images of shape 4C×H/2×W/2 as
// Glow's squeeze does: every 2×2 block of pixels becomes one pixel with
// four times the channels, out[4c + 2u + v, i, j] = in[c, 2i+u, 2j+v].
func SqueezePerm(in ImageShape) []int {
	if in.H%2 != 0 || in.W%2 != 0 {
		panic(fmt.Sprintf("nn.SqueezePerm: image shape %s, want even height and width", in))
	}
	oh, ow := in.H/2, in.W/2
	perm := make([]int, in.Size())
	for c := 0; c < in.C; c++ {
		for u := 0; u < 2; u++ {
			for v := 0; v < 2; v++ {
				oc := 4*c + 2*u + v
				for i := 0; i < oh; i++ {
					for j := 0; j < ow; j++ {
						perm[(oc*oh+i)*ow+j] = (c*in.H+2*i+u)*in.W + 2*j + v
					}
				}
			}
		}
	}
	return perm
}
