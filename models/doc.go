// Package models defines what a generative model is to genbench and keeps
// the registry of model types.
//
// A model implements [Model] (train on minibatches, sample, save and load)
// on gonum matrices, and whichever likelihood interfaces it can honour:
// [Density] (exact), [Estimator] (importance-sampled estimate), [Bounded]
// (a lower bound), or none. [Kind] reports the best of them, and results
// always carry that kind next to the number.
//
// A model type is registered once, from the init function of its family
// package, with [Register]: its name, family, parameter schema,
// constructor, and the facts the harness acts on and records with each
// result: how sampling scales ([Sampling]), whether it is a closed-form
// baseline, and which data it accepts ([DataKinds]). Reports and spec
// validation read those facts, never the type's name, so a new type needs
// its own file and one Register call, nothing else:
//
//	models.Register(models.Type{
//		Name: "nsf", Family: models.Flow, Doc: "neural spline flow ...",
//		Params: schema, New: newNSF,
//		Sampling: models.OnePass, Accepts: models.Vectors | models.Images | models.Continuous,
//	})
//
// The family packages (flow, autoregressive, vae, gan, iae) register
// themselves when imported; models/all imports them all.
package models
