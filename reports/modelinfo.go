package reports

import (
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/results"
)

// modelFacts is what the reports act on about a row's model type. They
// come from the records (model_info), never from the type's name.
type modelFacts struct {
	sequential bool // sampling takes one pass per dimension or pixel
	baseline   bool // a closed-form fit, left out of the family claims
}

// factsOf reads a record's model facts. Records written before model_info
// fall back on the model registry when their type is registered in this
// binary; a type known nowhere is neither sequential nor a baseline.
func factsOf(r *results.Record) modelFacts {
	if r.ModelInfo != nil {
		return modelFacts{sequential: models.Sampling(r.ModelInfo.Sampling).Sequential(), baseline: r.ModelInfo.Baseline}
	}
	return registeredFacts(r.Type)
}

// registeredFacts returns the registry's facts about a model type, zero
// when the type is not registered.
func registeredFacts(typeName string) modelFacts {
	t, ok := models.Lookup(typeName)
	if !ok {
		return modelFacts{}
	}
	return modelFacts{sequential: t.Sampling.Sequential(), baseline: t.Baseline}
}

// registeredFamily returns the family of a registered model type, for rows
// known only from spec.json; "unknown" otherwise.
func registeredFamily(typeName string) string {
	if t, ok := models.Lookup(typeName); ok {
		return string(t.Family)
	}
	return unknownFamily
}
