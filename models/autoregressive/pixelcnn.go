package autoregressive

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/nn"
)

// pixelChunk bounds the images evaluated or sampled at once: a forward
// pass holds some 30 feature maps of Channels×H×W values per image
// (about 100 MB in float32 for 32 images of 28×28 with 32 channels).
const pixelChunk = 32

// convLayer is one masked convolution of a PixelCNN.
type convLayer[T nn.Float] struct {
	W, B *nn.Node[T]
	Mask *nn.Mat[T]
	In   nn.ImageShape
	K    int
}

// apply runs the layer on images of height h and width w (the model's
// own, or a window around a pixel when sampling).
func (l convLayer[T]) apply(t *nn.Tape[T], x *nn.Node[T], h, w int) *nn.Node[T] {
	in := l.In
	in.H, in.W = h, w
	return t.Conv2D(x, in, l.W, l.K, l.Mask, l.B)
}

// applyAct is act(apply(t, x, h, w)), in one op for ReLU
// (nn.Conv2DApply).
func (l convLayer[T]) applyAct(t *nn.Tape[T], act nn.Activation, x *nn.Node[T], h, w int) *nn.Node[T] {
	in := l.In
	in.H, in.W = h, w
	return nn.Conv2DApply(act, t, x, in, l.W, l.K, l.Mask, l.B)
}

// applyAdd is res + apply(t, x, h, w), in one op (nn.Conv2DAdd).
func (l convLayer[T]) applyAdd(t *nn.Tape[T], res, x *nn.Node[T], h, w int) *nn.Node[T] {
	in := l.In
	in.H, in.W = h, w
	return t.Conv2DAdd(res, x, in, l.W, l.K, l.Mask, l.B)
}

// PixelCNN is a small PixelCNN (van den Oord et al. 2016) for binary
// images: a K×K type-A masked convolution, residual blocks (1×1 conv to
// half the channels, 3×3 type-B masked conv, 1×1 conv back, added to the
// block's input), then two 1×1 convolutions to one Bernoulli logit per
// pixel and channel. Pixels are ordered in raster order and, within a
// pixel, by channel, so the log-likelihood of an image is exact and
// takes one pass; sampling takes one pass per pixel and channel.
type PixelCNN[T nn.Float] struct {
	Shape    nn.ImageShape
	Channels int
	Blocks   int
	Act      nn.Activation
	layers   []convLayer[T] // first, then 3 per block, then 2 output layers
	Params   nn.ParamSet[T]
	Opt      *nn.Adam[T]

	src        *rand.PCG
	train, run nn.Tape[T]
}

// PixelCNNConfig describes a PixelCNN.
type PixelCNNConfig struct {
	Shape    nn.ImageShape
	Channels int // feature channels (even, at least twice the image's)
	Blocks   int // residual blocks
	Kernel   int // first layer's kernel size (odd)
	Act      nn.Activation
	LR       float64
	ClipNorm float64
	Seed     uint64
}

// NewPixelCNN builds a PixelCNN with weights drawn from its own source
// seeded by c.Seed.
func NewPixelCNN[T nn.Float](c PixelCNNConfig) (*PixelCNN[T], error) {
	s := c.Shape
	if s.C < 1 || s.H < 1 || s.W < 1 {
		return nil, fmt.Errorf("pixelcnn: image shape %s", s)
	}
	if c.Kernel < 1 || c.Kernel%2 == 0 {
		return nil, fmt.Errorf("pixelcnn: kernel %d, want a positive odd size", c.Kernel)
	}
	if c.Channels%2 != 0 || c.Channels/2 < s.C {
		return nil, fmt.Errorf("pixelcnn: %d channels, want an even number at least %d (twice the image's channels)", c.Channels, 2*s.C)
	}
	if c.Blocks < 0 {
		return nil, fmt.Errorf("pixelcnn: %d blocks", c.Blocks)
	}
	p := &PixelCNN[T]{Shape: s, Channels: c.Channels, Blocks: c.Blocks, Act: c.Act,
		src: rand.NewPCG(c.Seed, 0x7069786c)}
	rng := rand.New(p.src)
	f, h := c.Channels, c.Channels/2
	add := func(name string, cin, cout, k int, typeA bool) {
		l := convLayer[T]{
			W:    p.Params.Add(name+".w", cout, cin*k*k),
			B:    p.Params.Add(name+".b", 1, cout),
			Mask: nn.CausalMask[T](typeA, cin, cout, k, s.C),
			In:   nn.ImageShape{C: cin, H: s.H, W: s.W},
			K:    k,
		}
		// Glorot-uniform over the connections the mask keeps.
		var live float64
		for _, v := range l.Mask.Data {
			live += float64(v)
		}
		fanIn, fanOut := live/float64(cout), live/float64(cin)
		nn.Uniform(l.W, math.Sqrt(6/math.Max(fanIn+fanOut, 1)), rng)
		p.layers = append(p.layers, l)
	}
	add("in", s.C, f, c.Kernel, true)
	for b := 0; b < c.Blocks; b++ {
		add(fmt.Sprintf("block%d.reduce", b), f, h, 1, false)
		add(fmt.Sprintf("block%d.conv", b), h, h, 3, false)
		add(fmt.Sprintf("block%d.expand", b), h, f, 1, false)
	}
	add("out1", f, f, 1, false)
	add("out2", f, s.C, 1, false)
	p.Opt = nn.NewAdam(&p.Params, c.LR)
	p.Opt.ClipNorm = c.ClipNorm
	return p, nil
}

// Logits records the Bernoulli logit of every pixel and channel,
// B×(C·H·W) in the images' own layout.
func (p *PixelCNN[T]) Logits(t *nn.Tape[T], x *nn.Node[T]) *nn.Node[T] {
	return p.logits(t, x, p.Shape.H, p.Shape.W)
}

// logits runs the network on images of height h and width w.
func (p *PixelCNN[T]) logits(t *nn.Tape[T], x *nn.Node[T], h, w int) *nn.Node[T] {
	act := func(n *nn.Node[T]) *nn.Node[T] { return nn.Apply(p.Act, t, n) }
	f := p.layers[0].apply(t, x, h, w)
	for b := 0; b < p.Blocks; b++ {
		l := p.layers[1+3*b : 4+3*b]
		r := l[0].applyAct(t, p.Act, act(f), h, w)
		r = l[1].applyAct(t, p.Act, r, h, w)
		f = l[2].applyAdd(t, f, r, h, w)
	}
	n := len(p.layers)
	f = p.layers[n-2].apply(t, act(f), h, w)
	return p.layers[n-1].apply(t, act(f), h, w)
}

// window is a rectangle of image rows and columns.
type window struct{ top, left, h, w int }

// cone is the part of the image whose values at a stage of the network
// that has reached c rows up (and c columns to either side) pixel (i, j)'s
// logit depends on: rows i−(R−c) … i and columns j−(R−c) … j+(R−c) with
// R = Reach(), clipped to the image. At c = 0 it is the input window the
// logit can see; at c = R it is the pixel alone.
func (p *PixelCNN[T]) cone(i, j, c int) window {
	r := p.Reach() - c
	top, left, right := max(0, i-r), max(0, j-r), min(p.Shape.W-1, j+r)
	return window{top, left, i - top + 1, right - left + 1}
}

// coneLogits is logits for pixel (i, j) alone: x holds the images' cone
// at c = 0 and every stage runs only on its own cone, cropping each
// feature map as the reach grows. A value at the edge of a cone is exact
// because what it reads lies inside the previous cone or outside the
// image (where the full pass reads zero padding too). The result is
// B×C: the logit of every channel of pixel (i, j).
func (p *PixelCNN[T]) coneLogits(t *nn.Tape[T], x *nn.Node[T], i, j int) *nn.Node[T] {
	act := func(n *nn.Node[T]) *nn.Node[T] { return nn.Apply(p.Act, t, n) }
	// crop cuts feature maps of ch channels on cone from down to cone to.
	crop := func(n *nn.Node[T], ch int, from, to window) *nn.Node[T] {
		if from == to {
			return n
		}
		return t.CropImages(n, nn.ImageShape{C: ch, H: from.h, W: from.w}, to.top-from.top, to.left-from.left, to.h, to.w)
	}
	full, half := p.Channels, p.Channels/2
	in := p.cone(i, j, 0)
	c := p.layers[0].K / 2
	cur := p.cone(i, j, c)
	f := crop(p.layers[0].apply(t, x, in.h, in.w), full, in, cur)
	for b := 0; b < p.Blocks; b++ {
		l := p.layers[1+3*b : 4+3*b]
		r := l[0].applyAct(t, p.Act, act(f), cur.h, cur.w)
		r = l[1].applyAct(t, p.Act, r, cur.h, cur.w)
		c++
		next := p.cone(i, j, c)
		r, f = crop(r, half, cur, next), crop(f, full, cur, next)
		cur = next
		f = l[2].applyAdd(t, f, r, cur.h, cur.w)
	}
	n := len(p.layers)
	f = p.layers[n-2].apply(t, act(f), cur.h, cur.w)
	return p.layers[n-1].apply(t, act(f), cur.h, cur.w)
}

// Reach is how many rows above a pixel, and columns to either side, its
// logit can see: K/2 for the first layer plus one per residual block's
// 3×3 convolution.
func (p *PixelCNN[T]) Reach() int { return p.layers[0].K/2 + p.Blocks }

func (p *PixelCNN[T]) logProb(t *nn.Tape[T], x *nn.Mat[T]) *nn.Node[T] {
	return t.SumCols(t.BernoulliLogLik(p.Logits(t, t.Const(x)), x))
}

func (p *PixelCNN[T]) checkCols(x *mat.Dense, what string) (int, error) {
	r, c := x.Dims()
	if c != p.Shape.Size() {
		return 0, fmt.Errorf("pixelcnn: %s has %d columns, images of shape %s have %d", what, c, p.Shape, p.Shape.Size())
	}
	return r, nil
}

// TrainStep implements models.Model: one Adam step on the mean NLL.
func (p *PixelCNN[T]) TrainStep(x *mat.Dense) (float64, error) {
	if _, err := p.checkCols(x, "batch"); err != nil {
		return 0, err
	}
	t := &p.train
	t.Reset()
	loss := t.Scale(t.Mean(p.logProb(t, nn.FromDense[T](x))), -1)
	l, err := p.Opt.Minimize(t, loss)
	if err != nil {
		return l, fmt.Errorf("pixelcnn: %w", err)
	}
	return l, nil
}

// LogProb implements models.Density: the exact log-likelihood in one pass.
func (p *PixelCNN[T]) LogProb(x *mat.Dense) ([]float64, error) {
	r, err := p.checkCols(x, "data")
	if err != nil {
		return nil, err
	}
	out := make([]float64, 0, r)
	t := &p.run
	t.NoGrad = true
	for lo := 0; lo < r; lo += pixelChunk {
		hi := min(lo+pixelChunk, r)
		t.Reset()
		lp := p.logProb(t, nn.FromDense[T](x.Slice(lo, hi, 0, p.Shape.Size())))
		out = append(out, lp.Value.Float64s()...)
	}
	return out, nil
}

// Sample implements models.Model: pixel by pixel in raster order,
// channels inner, each value from one network pass. The pass for pixel
// (i, j) reads only the window its logit can see, rows i−R … i and
// columns j−R … j+R with R = Reach(), and each later stage runs only on
// the part of that window that the logit still depends on, shrinking by
// one row and one column on each side per 3×3 convolution (see
// coneLogits). Values outside the image are zero padding in both cases,
// and SampleFull, which runs full passes, draws the same samples. The
// uniforms deciding each value are drawn from rng before each chunk of
// images is sampled, image by image in the images' own (C, H, W) layout.
func (p *PixelCNN[T]) Sample(n int, rng *rand.Rand) (*mat.Dense, error) {
	return p.sample(n, rng, false)
}

// SampleFull draws the same samples as Sample with H·W·C full network
// passes (for tests and speed comparisons).
func (p *PixelCNN[T]) SampleFull(n int, rng *rand.Rand) (*mat.Dense, error) {
	return p.sample(n, rng, true)
}

func (p *PixelCNN[T]) sample(n int, rng *rand.Rand, full bool) (*mat.Dense, error) {
	if n < 1 {
		return nil, fmt.Errorf("pixelcnn: sample count %d", n)
	}
	s := p.Shape
	d, hw := s.Size(), s.H*s.W
	reach := p.Reach()
	out := mat.NewDense(n, d, nil)
	t := &p.run
	t.NoGrad = true
	u := make([]float64, pixelChunk*d)
	var win *nn.Mat[T]
	for lo := 0; lo < n; lo += pixelChunk {
		hi := min(lo+pixelChunk, n)
		rows := hi - lo
		for i := range u[:rows*d] {
			u[i] = rng.Float64()
		}
		x := nn.NewMat[T](rows, d)
		for i := 0; i < s.H; i++ {
			top, bottom := max(0, i-reach), i
			if full {
				top, bottom = 0, s.H-1
			}
			wh := bottom - top + 1
			for j := 0; j < s.W; j++ {
				left, right := max(0, j-reach), min(s.W-1, j+reach)
				if full {
					left, right = 0, s.W-1
				}
				ww := right - left + 1
				whw := wh * ww
				if win == nil || cap(win.Data) < rows*s.C*whw {
					win = nn.NewMat[T](rows, s.C*whw)
				}
				win.Rows, win.Cols, win.Data = rows, s.C*whw, win.Data[:rows*s.C*whw]
				for r := 0; r < rows; r++ {
					dst, src := win.Row(r), x.Row(r)
					for c := 0; c < s.C; c++ {
						for y := top; y <= bottom; y++ {
							o := c*whw + (y-top)*ww
							copy(dst[o:o+ww], src[c*hw+y*s.W+left:c*hw+y*s.W+right+1])
						}
					}
				}
				for c := 0; c < s.C; c++ {
					widx := c*whw + (i-top)*ww + (j - left)
					idx := c*hw + i*s.W + j
					t.Reset()
					var logits *nn.Mat[T]
					lidx := widx // the logit's column
					if full {
						logits = p.logits(t, t.Const(win), wh, ww).Value
					} else {
						logits, lidx = p.coneLogits(t, t.Const(win), i, j).Value, c
					}
					for r := 0; r < rows; r++ {
						if u[r*d+idx] < nn.SigmoidF(float64(logits.At(r, lidx))) {
							win.Set(r, widx, 1)
							x.Set(r, idx, 1)
						}
					}
				}
			}
		}
		for r := 0; r < rows; r++ {
			for j := 0; j < d; j++ {
				out.Set(lo+r, j, float64(x.At(r, j)))
			}
		}
	}
	return out, nil
}

// NumParams implements models.Model: the weights the masks keep, and the
// biases.
func (p *PixelCNN[T]) NumParams() int {
	n := 0
	for _, l := range p.layers {
		for _, v := range l.Mask.Data {
			if v != 0 {
				n++
			}
		}
		n += len(l.B.Value.Data)
	}
	return n
}

// SetLR implements models.LRSetter.
func (p *PixelCNN[T]) SetLR(lr float64) { p.Opt.LR = lr }

func (p *PixelCNN[T]) checkpoint() nn.Checkpoint[T] {
	return nn.Checkpoint[T]{Params: &p.Params, Opt: p.Opt, RNG: p.src}
}

// Save implements models.Model.
func (p *PixelCNN[T]) Save(w io.Writer) error {
	if err := p.checkpoint().Save(w); err != nil {
		return fmt.Errorf("pixelcnn: %w", err)
	}
	return nil
}

// Load implements models.Model.
func (p *PixelCNN[T]) Load(r io.Reader) error {
	if err := p.checkpoint().Load(r); err != nil {
		return fmt.Errorf("pixelcnn: %w", err)
	}
	return nil
}
