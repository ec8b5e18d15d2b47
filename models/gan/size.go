package gan

import "github.com/genbench/genbench/models"

// Size estimates for the registry (models.Type.EstimateSize).

// estimateSize mirrors NewGAN: an MLP or convolutional generator and
// discriminator. Per example a step runs the generator once and the
// discriminator on real and generated packs, and WGAN-GP's penalty
// differentiates the critic once more: the critic's activations count
// four times.
func estimateSize(cfg models.Config, loss Loss) (models.Size, error) {
	o, err := options(cfg, loss)
	if err != nil {
		return models.Size{}, err
	}
	var g, d models.Size
	if o.Arch == ArchConv && len(cfg.Shape) == 3 {
		g, d = convSizes(o)
	} else {
		hidden := models.Repeat(o.Layers, o.Hidden)
		g = models.MLPSize(models.Widths(o.Latent, hidden, o.Dim)...)
		d = models.MLPSize(models.Widths(o.Pack*o.Dim, hidden, 1)...)
	}
	d.Activations *= 4
	return g.Plus(d), nil
}

// convSizes mirrors newConvGenerator and newConvDiscriminator.
func convSizes(o Options) (g, d models.Size) {
	s, c := o.Shape, o.Channels
	px, px2, px4 := s.H*s.W, (s.H/2)*(s.W/2), (s.H/4)*(s.W/4)
	g = models.MLPSize(o.Latent, 2*c*px4).Plus(models.ConvSize(2*c, c, 3, px2)).Plus(models.ConvSize(c, s.C, 3, px))
	d = models.ConvSize(o.Pack*s.C, c, 3, px).Plus(models.ConvSize(c, 2*c, 3, px2)).Plus(models.MLPSize(2*c*px4, 1))
	return g, d
}
