package nn

import "fmt"

// Resampling ops for convolutional networks. Conv2D has stride 1 and
// "same" padding, so a network changes resolution with these instead of
// strided or transposed convolutions: AvgPool2 halves the height and width
// (a discriminator's downsampling), Upsample2 doubles them (a generator's
// upsampling). Both act on each channel of each image separately and are
// linear, so their backward passes are their adjoints.

// AvgPool2 returns the 2×2 average pooling with stride 2 of a batch of
// images of shape in (H and W even): out[c, i, j] is the mean of
// x[c, 2i..2i+1, 2j..2j+1]. The result is B×(C·H/2·W/2), shape C×H/2×W/2.
func (t *Tape[T]) AvgPool2(x *Node[T], in ImageShape) *Node[T] {
	X := x.Value
	if X.Cols != in.Size() {
		panic(fmt.Sprintf("nn.AvgPool2: input %s for images of shape %s", X.shape(), in))
	}
	if in.H%2 != 0 || in.W%2 != 0 {
		panic(fmt.Sprintf("nn.AvgPool2: image shape %s, want even height and width", in))
	}
	oh, ow := in.H/2, in.W/2
	planes := X.Rows * in.C // (image, channel) pairs; rows are contiguous planes
	out := t.node(X.Rows, in.C*oh*ow, x)
	for p := 0; p < planes; p++ {
		src := X.Data[p*in.H*in.W : (p+1)*in.H*in.W]
		dst := out.Value.Data[p*oh*ow : (p+1)*oh*ow]
		for i := 0; i < oh; i++ {
			r0, r1 := src[2*i*in.W:(2*i+1)*in.W], src[(2*i+1)*in.W:(2*i+2)*in.W]
			d := dst[i*ow : (i+1)*ow]
			for j := range d {
				d[j] = (r0[2*j] + r0[2*j+1] + r1[2*j] + r1[2*j+1]) / 4
			}
		}
	}
	return t.record(out, func() {
		for p := 0; p < planes; p++ {
			g := out.Grad.Data[p*oh*ow : (p+1)*oh*ow]
			gx := x.Grad.Data[p*in.H*in.W : (p+1)*in.H*in.W]
			for i := 0; i < oh; i++ {
				r0, r1 := gx[2*i*in.W:(2*i+1)*in.W], gx[(2*i+1)*in.W:(2*i+2)*in.W]
				for j, v := range g[i*ow : (i+1)*ow] {
					v /= 4
					r0[2*j] += v
					r0[2*j+1] += v
					r1[2*j] += v
					r1[2*j+1] += v
				}
			}
		}
	})
}

// Upsample2 returns the nearest-neighbour 2× upsampling of a batch of
// images of shape in: out[c, i, j] = x[c, i/2, j/2]. The result is
// B×(C·2H·2W), shape C×2H×2W.
func (t *Tape[T]) Upsample2(x *Node[T], in ImageShape) *Node[T] {
	X := x.Value
	if X.Cols != in.Size() {
		panic(fmt.Sprintf("nn.Upsample2: input %s for images of shape %s", X.shape(), in))
	}
	oh, ow := 2*in.H, 2*in.W
	planes := X.Rows * in.C
	out := t.node(X.Rows, in.C*oh*ow, x)
	for p := 0; p < planes; p++ {
		src := X.Data[p*in.H*in.W : (p+1)*in.H*in.W]
		dst := out.Value.Data[p*oh*ow : (p+1)*oh*ow]
		for i := 0; i < in.H; i++ {
			s := src[i*in.W : (i+1)*in.W]
			r0 := dst[2*i*ow : (2*i+1)*ow]
			for j, v := range s {
				r0[2*j], r0[2*j+1] = v, v
			}
			copy(dst[(2*i+1)*ow:(2*i+2)*ow], r0)
		}
	}
	return t.record(out, func() {
		for p := 0; p < planes; p++ {
			g := out.Grad.Data[p*oh*ow : (p+1)*oh*ow]
			gx := x.Grad.Data[p*in.H*in.W : (p+1)*in.H*in.W]
			for i := 0; i < in.H; i++ {
				r0, r1 := g[2*i*ow:(2*i+1)*ow], g[(2*i+1)*ow:(2*i+2)*ow]
				d := gx[i*in.W : (i+1)*in.W]
				for j := range d {
					d[j] += r0[2*j] + r0[2*j+1] + r1[2*j] + r1[2*j+1]
				}
			}
		}
	})
}
