// Package nn is genbench's small reverse-mode automatic differentiation
// library: dense row-major matrices, a tape of operations recorded as they
// run, hand-written backward passes, and Adam.
//
// It exists instead of a general graph library because the harness needs
// three things that such libraries make hard: every random draw from the
// caller's seeded source, arbitrary batch sizes without rebuilding graphs
// (training, evaluation and sampling share one model), and buffers reused
// step after step so that memory stays flat. Every operation has a
// finite-difference gradient test in float64; training runs in float32 or
// float64 through the same generic code.
//
// A training step looks like:
//
//	tape.Reset()
//	h := tape.Tanh(tape.Linear(tape.Const(x), w1, b1))
//	loss := tape.Mean(...)
//	tape.Backward(loss)
//	opt.Step()
package nn
