package models

// Size is what a model of a given configuration holds, estimated from the
// configuration alone, without building the model, so that a runner can
// refuse a trial that cannot fit in memory before it allocates anything.
// Counts are float64 so that absurd configurations (hidden: 1e18) give
// huge estimates instead of overflowing.
type Size struct {
	// Params counts the trainable scalars as stored: masked weights count
	// in full (NumParams counts only those a mask keeps).
	Params float64
	// Activations counts the scalars a training step keeps per example of
	// the batch: every layer's output before and after its nonlinearity,
	// and their gradients.
	Activations float64
	// Buffers counts other scalars the model keeps whatever the batch:
	// masks, fixed matrices.
	Buffers float64
	// EvalRows is the most examples the model evaluates or samples at
	// once (its chunk), without gradients; 0 means 1024.
	EvalRows int
}

// Plus returns the sum of two sizes (a model made of parts).
func (s Size) Plus(o Size) Size {
	return Size{Params: s.Params + o.Params, Activations: s.Activations + o.Activations, Buffers: s.Buffers + o.Buffers, EvalRows: s.EvalRows}
}

// Times returns k copies of s (k identical layers).
func (s Size) Times(k float64) Size {
	return Size{Params: k * s.Params, Activations: k * s.Activations, Buffers: k * s.Buffers, EvalRows: s.EvalRows}
}

// MLPSize is the Size of a fully connected network with the given layer
// widths, input first: a weight matrix and a bias per layer, and per
// example each layer's pre-activation, activation and both gradients.
func MLPSize(widths ...int) Size {
	var s Size
	for k := 0; k+1 < len(widths); k++ {
		in, out := float64(widths[k]), float64(widths[k+1])
		s.Params += in*out + out
		s.Activations += 4 * out
	}
	return s
}

// Repeat returns n copies of width: the hidden layers of a network.
func Repeat(n, width int) []int {
	out := make([]int, max(n, 0))
	for i := range out {
		out[i] = width
	}
	return out
}

// Widths joins layer widths: Widths(in, Repeat(2, h), out).
func Widths(in int, hidden []int, out int) []int {
	return append(append([]int{in}, hidden...), out)
}

// EstimateSize resolves user parameters and estimates the size of a model
// of the named type; ok is false when the type offers no estimate.
func EstimateSize(name string, user map[string]any, cfg Config) (s Size, ok bool, err error) {
	t, found := Lookup(name)
	if !found || t.EstimateSize == nil {
		return Size{}, false, nil
	}
	p, err := t.Params.Resolve(user)
	if err != nil {
		return Size{}, false, err
	}
	cfg.Params = p
	s, err = t.EstimateSize(cfg)
	return s, err == nil, err
}

// ConvSize is the Size of a k×k convolution from cin to cout channels
// whose output has pixels positions: weights and biases, and per example
// the output before and after its nonlinearity with their gradients, and
// the unfolded input (im2col) with its gradient.
func ConvSize(cin, cout, k, pixels int) Size {
	ci, co, kk, px := float64(cin), float64(cout), float64(k*k), float64(pixels)
	return Size{Params: co*ci*kk + co, Activations: 4*co*px + 2*ci*kk*px}
}
