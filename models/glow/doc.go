// Package glow implements Glow (Kingma & Dhariwal 2018), a multi-scale
// convolutional normalizing flow for images, as the model type "glow".
//
// Images are rows of C·H·W values in channel-major order (nn.ImageShape),
// so the first k channels of an image are its first k·H·W columns. Each
// level squeezes the image (every 2×2 block of pixels becomes one pixel
// with four times the channels: a fixed column permutation), then runs
// steps of
//
//   - ActNorm: a per-channel affine map, initialised from the first
//     training batch so that its output has zero mean and unit variance
//     per channel; the initialisation is saved with the model;
//   - an invertible 1×1 convolution whose weight is kept LU-decomposed,
//     W = P·L·(U + diag(sign·exp(log|s|))), so log|det| = H·W·Σ log|s|;
//   - an affine coupling: the first half of the channels pass unchanged
//     and feed a small convolutional network (3×3 conv, ActNorm, ReLU,
//     1×1 conv, ActNorm, ReLU, 3×3 conv starting at zero whose output
//     channels are scaled by a learned exp(3·logs)) that gives a shift
//     and a scale sigmoid(raw + 2) for the second half, as in Glow's code.
//
// After every level but the last, half of the channels are factored out
// under a learned conditional Gaussian prior whose mean and log-std come
// from a zero-initialised (and scaled) 3×3 convolution of the kept half;
// the last level's latent has a learned mean and log-std per value
// (Glow's learned top prior). The package writes each prior as one more
// transform, ε = (z₂ − μ(z₁))·exp(−log σ(z₁)), so that the whole model is
// a chain of transforms (flow.Transform) with a standard normal base,
// later levels acting on the kept columns only.
//
// The networks' ActNorms, their output scales and the top prior are
// Glow's code's details that small re-implementations drop; each is a
// parameter (net_actnorm, zero_scale, learn_top), on by default. On
// dequantized MNIST the three together were one to two epochs ahead of
// the plain network after three epochs (docs/results/mnist-flows).
// log p(x) is exact; sampling draws the base noise with a temperature.
//
// Direction convention as in package flow: Forward maps data to noise and
// returns log|det ∂z/∂x|.
package glow
