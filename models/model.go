package models

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/internal/registry"
	"github.com/genbench/genbench/params"
)

// Model is what every family implements: it learns from minibatches, draws
// samples, and saves and restores its state. Rows of every matrix are
// examples in the data set's model space.
type Model interface {
	// TrainStep takes one optimisation step on the minibatch x and returns
	// the training loss averaged over the batch.
	TrainStep(x *mat.Dense) (float64, error)
	// Sample draws n examples with randomness from rng only.
	Sample(n int, rng *rand.Rand) (*mat.Dense, error)
	// NumParams counts trainable scalars.
	NumParams() int
	// Save writes the model's complete training state: parameters,
	// optimiser state and internal random state.
	Save(w io.Writer) error
	// Load restores what Save wrote.
	Load(r io.Reader) error
}

// Density is satisfied by models with an exact, normalised log-density.
type Density interface {
	LogProb(x *mat.Dense) ([]float64, error)
}

// Bounded is satisfied by models with a lower bound on the log-density
// (a VAE's ELBO).
type Bounded interface {
	LowerBound(x *mat.Dense) ([]float64, error)
}

// Estimator is satisfied by models with a stochastic estimate of the
// log-density that improves with k (importance samples, kernels).
type Estimator interface {
	LogProbEstimate(x *mat.Dense, k int, rng *rand.Rand) ([]float64, error)
}

// Validator is satisfied by models without any likelihood that still offer
// a loss to monitor on held-out data (GAN critics, autoencoders).
type Validator interface {
	ValidationLoss(x *mat.Dense) (float64, error)
}

// Diagnoser is satisfied by models that report family-specific numbers
// (a VAE's active units and KL per dimension, an autoencoder's
// reconstruction error).
type Diagnoser interface {
	Diagnostics(x *mat.Dense, rng *rand.Rand) (map[string]float64, error)
}

// Fitter is satisfied by models fitted in closed form on the whole
// training split; the trainer calls Fit instead of a minibatch loop.
type Fitter interface {
	Fit(train *mat.Dense) error
}

// LRSetter is satisfied by models whose learning rate the trainer may
// change during training (schedules, decay on plateau).
type LRSetter interface {
	SetLR(lr float64)
}

// Family names one of the five model families.
type Family string

// The families.
const (
	Flow           Family = "flow"
	VAE            Family = "vae"
	GAN            Family = "gan"
	Autoregressive Family = "autoregressive"
	IAE            Family = "iae"
)

// NLLKind says what a reported NLL is.
type NLLKind string

// NLL kinds (docs/protocols.md, "Importance-sampled NLL").
const (
	Exact    NLLKind = "exact"
	Bound    NLLKind = "bound"
	Estimate NLLKind = "estimate"
	None     NLLKind = "none"
)

// Config is what a model is built from.
type Config struct {
	Dim    int
	Binary bool  // data are 0/1 (Bernoulli outputs); otherwise continuous
	Shape  []int // (channels, height, width) for images, nil for vectors
	Params params.Set
	Dtype  string  // "float32" or "float64"
	LR     float64 // Adam step size
	Seed   uint64  // seeds weight initialisation and the model's own noise
}

// Type is a registered model type.
type Type struct {
	Name   string
	Family Family
	Doc    string
	Params params.Schema
	New    func(Config) (Model, error)

	// EstimateSize, when set, estimates the size of the model New would
	// build from the same Config, without building it (see Size); nil
	// when unknown. It must stay within a small factor of NumParams.
	EstimateSize func(Config) (Size, error)

	// Facts the harness acts on and records with every result, so that
	// reports and validation never decide from a type's name. A test of
	// models/all checks that every registered type declares them.

	// Sampling says how many network passes drawing a batch takes:
	// OnePass, or one per dimension (PerDimension) or per pixel and
	// channel (PerPixel) for sequential samplers.
	Sampling Sampling
	// SamplingWith, when set, gives the sampling unit of a configuration
	// whose parameters change it (nsf's autoregressive variant samples in
	// D passes, its coupling variant in one); Sampling is then the
	// default configuration's.
	SamplingWith func(params.Set) Sampling
	// Baseline marks a closed-form fit (the diagonal Gaussian): the floor
	// every trained model must beat, not a competitor.
	Baseline bool
	// Accepts lists the data the type can be trained on; validation
	// refuses other data sets before any trial runs.
	Accepts DataKinds
}

var types = registry.New[Type]("models")

// Register adds a model type; it panics on a duplicate name.
func Register(t Type) { types.Add(t.Name, t) }

// Lookup returns the named model type.
func Lookup(name string) (Type, bool) { return types.Lookup(name) }

// Names lists registered model types, sorted.
func Names() []string { return types.Names() }

// New resolves user parameters and builds a model of the named type.
func New(name string, user map[string]any, cfg Config) (Model, error) {
	t, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown model type %q (valid: %s)", name, strings.Join(Names(), ", "))
	}
	p, err := t.Params.Resolve(user)
	if err != nil {
		return nil, fmt.Errorf("model type %s: %w", name, err)
	}
	cfg.Params = p
	m, err := t.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("model type %s: %w", name, err)
	}
	return m, nil
}

// Kind reports the best likelihood a model offers.
func Kind(m Model) NLLKind {
	switch m.(type) {
	case Density:
		return Exact
	case Estimator:
		return Estimate
	case Bounded:
		return Bound
	}
	return None
}

// ByDtype builds the float32 or the float64 variant of a model, as the
// spec's dtype asks ("" means float32).
func ByDtype(dtype string, f32, f64 func() (Model, error)) (Model, error) {
	switch strings.ToLower(dtype) {
	case "", "float32":
		return f32()
	case "float64":
		return f64()
	}
	return nil, fmt.Errorf("unknown dtype %q (valid: float32, float64)", dtype)
}

// CheckCols returns the number of rows of x, or an error naming the model
// type and what x is (a batch, data) when x's columns are not dim.
func CheckCols(x *mat.Dense, dim int, model, what string) (int, error) {
	r, c := x.Dims()
	if c != dim {
		return 0, fmt.Errorf("%s: %s has %d columns, model has %d", model, what, c, dim)
	}
	return r, nil
}
