package glow

import "github.com/genbench/genbench/models"

// estimateSize is Glow's size from its configuration alone (for the
// harness's memory check): per step an actnorm (2C), an LU-parameterised
// 1×1 convolution (about C²+3C) and a coupling network of a 3×3
// convolution from C/2 to hidden channels, a 1×1 from hidden to hidden and
// a 3×3 from hidden to C; below the last level a 3×3 prior from the kept
// half to the mean and log-std of the factored half. Level k works on
// C₀·4·2ᵏ channels of (H/2ᵏ⁺¹)×(W/2ᵏ⁺¹) pixels. A step keeps per example
// its feature maps and their gradients: about 3 hidden maps and 4 data
// maps, each twice.
func estimateSize(cfg models.Config) (models.Size, error) {
	c, err := ConfigFrom(cfg)
	if err != nil {
		return models.Size{}, err
	}
	h := float64(c.Hidden)
	var s models.Size
	ch, pixels := float64(c.Shape.C), float64(c.Shape.H*c.Shape.W)
	for k := 0; k < c.Levels; k++ {
		ch, pixels = 4*ch, pixels/4
		half := ch / 2
		step := models.Size{
			Params:      2*ch + ch*ch + 3*ch + 9*half*h + 2*h + h*h + 2*h + 9*h*ch + 2*ch, // biases or actnorms, output scales
			Activations: 2 * pixels * (3*h + 4*ch),
			Buffers:     ch * ch, // the permutation and masks of the LU weight
		}
		s = s.Plus(step.Times(float64(c.Steps)))
		if k == c.Levels-1 && c.LearnTop {
			s.Params += 2 * ch * pixels
		}
		if k < c.Levels-1 {
			s.Params += 9*half*ch + 2*ch
			s.Activations += 2 * pixels * 2 * ch
			ch = half
		}
	}
	return s, nil
}
