// Package golden pins the exact bits that every model family produces
// (training losses, trained parameters and optimiser state, samples and
// densities) in float32 and float64, so that speed work on nn and on the
// models (issue 18) provably changes no result: the hashes in
// golden_test.go were taken from the code before that work.
package golden
