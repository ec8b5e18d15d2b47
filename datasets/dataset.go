package datasets

import (
	"fmt"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/internal/registry"
	"github.com/genbench/genbench/params"
)

// Kind says what values a data set's examples take.
type Kind string

const (
	// Continuous data: real vectors (toys, dequantized images).
	Continuous Kind = "continuous"
	// Binary data: vectors of 0s and 1s (binarized MNIST).
	Binary Kind = "binary"
)

// Data is a built data set: fixed splits, a way to draw a fresh training
// view per epoch, and what is known about the true density.
//
// All matrices hold one example per row in model space, i.e. after the
// preprocessing the spec asked for.
type Data struct {
	Name  string
	Dim   int
	Kind  Kind
	Shape []int // image shape (channels, height, width); nil for vectors

	Train, Valid, Test *mat.Dense

	// Epoch returns the training matrix for an epoch (>= 0) with fresh
	// dequantization noise or binarization, drawn deterministically from
	// the data seed and the epoch. Nil when the training data are static.
	Epoch func(epoch int) *mat.Dense

	// LogDensity is the true log-density of one example in model space;
	// nil when the data set has no analytic density.
	LogDensity func(x []float64) float64

	// UnitLogDet maps model space back to the data space in which bits/dim
	// are defined ([0,1]^D for dequantized 8-bit images): it returns
	// log|det d u / d y| for one example y, so that
	// log p_u(u) = log p_y(y) - UnitLogDet(y). Nil means the identity.
	UnitLogDet func(y []float64) float64

	// ToPixels maps one example from model space back to image
	// intensities in [0,1] (clamped), so that a classifier trained on
	// pixels can label generated samples. Nil for non-image data.
	ToPixels func(y, out []float64)

	// Levels is the number of quantization levels of the original data
	// (256 for 8-bit images) when bits/dim apply to continuous data, 0
	// otherwise. For binary data bits/dim are NLL/(D ln 2).
	Levels int

	// Labels of the test split (class per row), nil when unlabelled;
	// TrainLabels likewise for the training split.
	TrainLabels, TestLabels []int

	// ClassNames names the labels (ClassNames[label]) for reports; nil
	// when the data are unlabelled or the label numbers name themselves
	// (stacked_mnist's 100·d1+10·d2+d3).
	ClassNames []string

	// Modes and ModeStd describe a mixture of isotropic Gaussians with equal
	// weights (ring8, grid25, gmm), for the mode-coverage protocol; nil otherwise.
	Modes   [][]float64
	ModeStd float64

	// Protocol lists how the data were made, in words, for the report
	// (e.g. "dynamic binarization", "dequantized x+u/256", "logit λ=1e-6").
	Protocol []string
}

// Source builds a data set from resolved parameters and a seed that fixes
// the draw and the splits.
type Source struct {
	Name   string
	Doc    string
	Params params.Schema
	Build  func(p params.Set, seed uint64) (*Data, error)

	// Layout, when set, tells the dimension, kind and image shape of the
	// examples from the parameters alone, without building the data set
	// (memory estimates before a run); nil when unknown.
	Layout func(p params.Set) Layout
}

// Layout is what a data set's examples look like in model space.
type Layout struct {
	Dim   int
	Kind  Kind
	Shape []int // (channels, height, width) for images, nil for vectors
}

// planeLayout is the layout of the 2-D toy sets.
func planeLayout(params.Set) Layout { return Layout{Dim: 2, Kind: Continuous} }

var sources = registry.New[Source]("datasets")

// Register adds a data set source; it panics on a duplicate name.
func Register(s Source) { sources.Add(s.Name, s) }

// Lookup returns the source of the named data set.
func Lookup(name string) (Source, bool) { return sources.Lookup(name) }

// Names lists registered data sets, sorted.
func Names() []string { return sources.Names() }

// Build resolves user parameters against the named source and builds it.
func Build(name string, user map[string]any, seed uint64) (*Data, error) {
	s, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown data set %q (valid: %s)", name, strings.Join(Names(), ", "))
	}
	p, err := s.Params.Resolve(user)
	if err != nil {
		return nil, fmt.Errorf("data set %s: %w", name, err)
	}
	d, err := s.Build(p, seed)
	if err != nil {
		return nil, fmt.Errorf("data set %s: %w", name, err)
	}
	return d, nil
}
