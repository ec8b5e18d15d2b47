package autoregressive

import "github.com/genbench/genbench/models"

// Size estimates for the registry (models.Type.EstimateSize).

// estimateMADE: the masked MLP (a mask per layer and per ensemble member
// stored beside the weights) and the optional direct connections.
func estimateMADE(cfg models.Config) (models.Size, error) {
	c, err := MADEConfigFrom(cfg)
	if err != nil {
		return models.Size{}, err
	}
	k := 1
	if c.Out == Mixture {
		k = c.Components
	}
	outCols := c.Out.blocks() * c.Dim * k
	s := models.MLPSize(models.Widths(c.Dim, c.Hidden, outCols)...)
	weights := s.Params
	if c.Direct {
		direct := float64(c.Dim) * float64(outCols)
		s.Params += direct
		weights += direct
	}
	s.Buffers = float64(c.Masks) * weights
	return s, nil
}

// estimatePixelCNN mirrors NewPixelCNN's layers: the type-A input
// convolution, three convolutions per residual block and two 1×1 output
// convolutions, each with a mask as large as its weights.
func estimatePixelCNN(cfg models.Config) (models.Size, error) {
	c, err := PixelCNNConfigFrom(cfg)
	if err != nil {
		return models.Size{}, err
	}
	px := c.Shape.H * c.Shape.W
	f, h := c.Channels, c.Channels/2
	s := models.ConvSize(c.Shape.C, f, c.Kernel, px)
	block := models.ConvSize(f, h, 1, px).Plus(models.ConvSize(h, h, 3, px)).Plus(models.ConvSize(h, f, 1, px))
	s = s.Plus(block.Times(float64(c.Blocks)))
	s = s.Plus(models.ConvSize(f, f, 1, px)).Plus(models.ConvSize(f, c.Shape.C, 1, px))
	s.Buffers = s.Params
	s.EvalRows = pixelChunk
	return s, nil
}
