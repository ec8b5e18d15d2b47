package gorgflow

import (
	"fmt"
	"strings"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/params"
)

// TypeName is the model type this package registers; a spec names it in
// a model's type key.
const TypeName = "gorgonia-realnvp"

// Importing the package registers the type, exactly as genbench's own
// families do: a blank import is enough.
func init() {
	models.Register(models.Type{
		Name:   TypeName,
		Family: models.Flow,
		Doc:    "RealNVP affine couplings written in gorgonia (example module examples/gorgonia); float64 only",
		Params: params.Schema{
			{Key: "layers", Default: 6, Doc: "coupling layers, masks alternating", Check: params.Positive},
			{Key: "hidden", Default: 32, Doc: "tanh units in each coupling's conditioner", Check: params.Positive},
			{Key: "scale_bound", Default: 2.0, Doc: "log-scales are bound·tanh(raw)", Check: params.Positive},
		},
		New: newFromConfig,

		// The facts genbench records with every result and checks specs
		// against: one network pass per sample batch, continuous vectors
		// only (validate refuses images and binary data for this type).
		Sampling: models.OnePass,
		Accepts:  models.Vectors | models.Continuous,
	})
}

func newFromConfig(cfg models.Config) (models.Model, error) {
	if cfg.Binary {
		return nil, fmt.Errorf("%s models continuous data; this data set is binary", TypeName)
	}
	if cfg.Shape != nil {
		return nil, fmt.Errorf("%s models vectors; this data set has image shape %v", TypeName, cfg.Shape)
	}
	// The graphs are built in float64; a float32 run would record a dtype
	// the model did not use.
	if strings.ToLower(cfg.Dtype) != "float64" {
		return nil, fmt.Errorf("%s computes in float64: set train: {dtype: float64} (got %q)", TypeName, cfg.Dtype)
	}
	p := cfg.Params
	return NewFlow(Options{
		Dim: cfg.Dim, Layers: p.Int("layers"), Hidden: p.Int("hidden"),
		ScaleBound: p.Float("scale_bound"), LR: cfg.LR, Seed: cfg.Seed,
	})
}
