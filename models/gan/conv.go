package gan

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/genbench/genbench/nn"
)

// Architectures of the generator and discriminator.
const (
	ArchMLP  = "mlp"  // MLPs over the flattened data
	ArchConv = "conv" // a small convolutional pair for images (ConvGenerator, ConvDiscriminator)
)

// network is what training needs of a generator or discriminator: rows in,
// rows out on a tape. *nn.MLP, *ConvGenerator and *ConvDiscriminator are
// networks.
type network[T nn.Float] interface {
	Forward(t *nn.Tape[T], x *nn.Node[T]) *nn.Node[T]
}

// convKernel is the kernel size of every convolution of the conv pair.
const convKernel = 3

// convLayer is a 3×3 "same" convolution with per-channel biases on images
// of shape In.
type convLayer[T nn.Float] struct {
	W, B *nn.Node[T] // Cout×(Cin·3·3), 1×Cout
	In   nn.ImageShape
}

// newConvLayer adds the layer's parameters to ps with Glorot-uniform
// weights over the kernel's fan-in Cin·3·3 and fan-out Cout·3·3 (biases
// are set with the other biases, see initBiases).
func newConvLayer[T nn.Float](ps *nn.ParamSet[T], name string, in nn.ImageShape, cout int, rng *rand.Rand) convLayer[T] {
	kk := convKernel * convKernel
	l := convLayer[T]{W: ps.Add(name+".w", cout, in.C*kk), B: ps.Add(name+".b", 1, cout), In: in}
	nn.Uniform(l.W, math.Sqrt(6/float64((in.C+cout)*kk)), rng)
	return l
}

// fanIn is the number of inputs of each output unit.
func (l convLayer[T]) fanIn() int { return l.W.Value.Cols }

func (l convLayer[T]) out() nn.ImageShape {
	return nn.ImageShape{C: l.W.Value.Rows, H: l.In.H, W: l.In.W}
}

func (l convLayer[T]) apply(t *nn.Tape[T], x *nn.Node[T]) *nn.Node[T] {
	return t.Conv2D(x, l.In, l.W, convKernel, nil, l.B)
}

// ConvGenerator maps latent rows to images of shape Shape (H and W
// divisible by 4), DCGAN-like but with stride-1 convolutions and
// nearest-neighbour upsampling:
//
//	z → Linear → 2C×H/4×W/4 → act → Upsample2 → Conv3×3 (2C→C) → act
//	  → Upsample2 → Conv3×3 (C→Shape.C)
//
// The output is linear; the GAN applies its output nonlinearity.
type ConvGenerator[T nn.Float] struct {
	FC           *nn.MLP[T] // a single linear layer: latent → 2C·(H/4)·(W/4)
	Conv1, Conv2 convLayer[T]
	Act          nn.Activation
	Shape        nn.ImageShape
}

func newConvGenerator[T nn.Float](ps *nn.ParamSet[T], latent int, s nn.ImageShape, c int, act nn.Activation, rng *rand.Rand) *ConvGenerator[T] {
	s4 := nn.ImageShape{C: 2 * c, H: s.H / 4, W: s.W / 4}
	g := &ConvGenerator[T]{Act: act, Shape: s}
	g.FC = nn.NewMLP(ps, "gen.fc", []int{latent, s4.Size()}, act, false, rng)
	g.Conv1 = newConvLayer(ps, "gen.conv1", nn.ImageShape{C: 2 * c, H: s.H / 2, W: s.W / 2}, c, rng)
	g.Conv2 = newConvLayer(ps, "gen.conv2", nn.ImageShape{C: c, H: s.H, W: s.W}, s.C, rng)
	return g
}

// Forward maps B latent rows to B×Shape.Size() pre-output images.
func (g *ConvGenerator[T]) Forward(t *nn.Tape[T], z *nn.Node[T]) *nn.Node[T] {
	h := nn.Apply(g.Act, t, g.FC.Forward(t, z))
	h = t.Upsample2(h, nn.ImageShape{C: g.Conv1.In.C, H: g.Shape.H / 4, W: g.Shape.W / 4})
	h = nn.Apply(g.Act, t, g.Conv1.apply(t, h))
	h = t.Upsample2(h, g.Conv1.out())
	return g.Conv2.apply(t, h)
}

// ConvDiscriminator maps images of shape In (for PacGAN, m packed images
// stacked as m·C channels) to one logit each:
//
//	x → Conv3×3 (In.C→C) → act → AvgPool2 → Conv3×3 (C→2C) → act → AvgPool2
//	  → Linear (2C·H/4·W/4 → 1)
type ConvDiscriminator[T nn.Float] struct {
	Conv1, Conv2 convLayer[T]
	FC           *nn.MLP[T] // a single linear layer: 2C·(H/4)·(W/4) → 1
	Act          nn.Activation
}

func newConvDiscriminator[T nn.Float](ps *nn.ParamSet[T], in nn.ImageShape, c int, act nn.Activation, rng *rand.Rand) *ConvDiscriminator[T] {
	d := &ConvDiscriminator[T]{Act: act}
	d.Conv1 = newConvLayer(ps, "disc.conv1", in, c, rng)
	d.Conv2 = newConvLayer(ps, "disc.conv2", nn.ImageShape{C: c, H: in.H / 2, W: in.W / 2}, 2*c, rng)
	d.FC = nn.NewMLP(ps, "disc.fc", []int{2 * c * (in.H / 4) * (in.W / 4), 1}, act, false, rng)
	return d
}

// Forward maps B×In.Size() image rows to B×1 logits.
func (d *ConvDiscriminator[T]) Forward(t *nn.Tape[T], x *nn.Node[T]) *nn.Node[T] {
	h := nn.Apply(d.Act, t, d.Conv1.apply(t, x))
	h = t.AvgPool2(h, d.Conv1.out())
	h = nn.Apply(d.Act, t, d.Conv2.apply(t, h))
	h = t.AvgPool2(h, d.Conv2.out())
	return d.FC.Forward(t, h)
}

// checkConv validates the conv architecture's options.
func checkConv(o Options) error {
	s := o.Shape
	switch {
	case s.C < 1 || s.H < 1 || s.W < 1:
		return fmt.Errorf("arch conv needs image data with shape [channels, height, width]; these data have none (use arch mlp)")
	case s.Size() != o.Dim:
		return fmt.Errorf("arch conv: image shape %s has %d values, data have %d columns", s, s.Size(), o.Dim)
	case s.H%4 != 0 || s.W%4 != 0:
		return fmt.Errorf("arch conv: image shape %s, want height and width divisible by 4 (two 2× resamplings)", s)
	case o.Channels < 1:
		return fmt.Errorf("arch conv: %d channels", o.Channels)
	case o.Loss == WassersteinGP:
		return fmt.Errorf("arch conv is not available for wgan_gp: the gradient penalty's explicit input gradient (inputGrad) is written for the MLP critic only (use arch mlp)")
	}
	return nil
}

// buildConv creates the conv pair's parameters: the generator's, then the
// discriminator's, all weights from rng.
func (g *GAN[T]) buildConv(rng *rand.Rand) {
	o := g.Opts
	g.CG = newConvGenerator(&g.GParams, o.Latent, o.Shape, o.Channels, o.GAct, rng)
	packed := nn.ImageShape{C: o.Pack * o.Shape.C, H: o.Shape.H, W: o.Shape.W}
	g.CD = newConvDiscriminator(&g.DParams, packed, o.Channels, o.DAct, rng)
	g.gNet, g.dNet = g.CG, g.CD
}

// initBiases draws every bias U(±1/√fan_in) from rng (PyTorch's default
// for linear and convolutional layers), MLP layers in order, then
// convolutions in order.
func initBiases[T nn.Float](rng *rand.Rand, mlps []*nn.MLP[T], convs []convLayer[T]) {
	for _, m := range mlps {
		for k, b := range m.B {
			nn.Uniform(b, 1/math.Sqrt(float64(m.W[k].Value.Rows)), rng)
		}
	}
	for _, l := range convs {
		nn.Uniform(l.B, 1/math.Sqrt(float64(l.fanIn())), rng)
	}
}
