// Package autoregressive implements autoregressive models for genbench:
// models that factor p(x) = Π_j p(x_j | x_<j) in a fixed order, so the
// log-likelihood is exact and takes one network pass, while sampling takes
// one pass per dimension.
//
// Model types registered here:
//
//   - made: MADE (Germain et al. 2015), an MLP with connectivity masks.
//     Bernoulli conditionals for binary data; Gaussian or Gaussian-mixture
//     conditionals for continuous data. With masks > 1 it is
//     trained order-agnostically (one mask per step, in a cycle) and its
//     density is the mask ensemble (1/M) Σ_k p_k(x). A MADE with one hidden
//     layer samples incrementally: the hidden pre-activation is updated by
//     a rank-1 term per drawn coordinate (O(H) per step instead of O(D·H));
//     SampleNaive keeps the D-full-pass sampler for reference and speed
//     comparisons, and both draw identical samples from the same source.
//     With direct: true, masked input-to-output weights join the hidden
//     path (the setting of Germain et al.'s MNIST runs); the incremental
//     sampler updates their contribution the same rank-1 way.
//   - pixelcnn: a small PixelCNN (van den Oord et al. 2016) for binary
//     images, built on nn.Conv2D with nn.CausalMask (type A first layer,
//     type B after), Bernoulli outputs, raster order with channels inner.
//     Sampling runs one pass per value, each reading the window of rows
//     above and columns beside the pixel that its logit can see (Reach),
//     every later layer on the shrinking part of it that the logit still
//     depends on (a cone, cut with nn.CropImages). It draws the same
//     samples as full passes (SampleFull), several times faster.
//     Continuous data are refused.
//
// Both are generic over nn.Float (float32 for training, float64 for
// gradient checks), draw every random number from seeded sources, and save
// parameters, Adam state and random state so that training resumes
// exactly.
package autoregressive
