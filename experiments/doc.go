// Package experiments parses experiment specs and runs their trials:
// training, evaluation and results.
package experiments
