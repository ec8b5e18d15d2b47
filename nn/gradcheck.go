package nn

import "math"

// CheckGrad compares the tape's gradients of the scalar built by f with
// central finite differences for every element of every node in wrt, and
// returns the largest relative error max|a−n|/max(1, |a|, |n|).
// f must be deterministic; it is called many times on fresh tapes.
func CheckGrad(f func(t *Tape[float64]) *Node[float64], wrt []*Node[float64], h float64) float64 {
	for _, p := range wrt {
		clear(p.Grad.Data)
	}
	var t Tape[float64]
	t.Backward(f(&t))
	worst := 0.0
	for _, p := range wrt {
		for i := range p.Value.Data {
			orig := p.Value.Data[i]
			p.Value.Data[i] = orig + h
			var tp Tape[float64]
			up := Scalar(f(&tp))
			p.Value.Data[i] = orig - h
			var tm Tape[float64]
			down := Scalar(f(&tm))
			p.Value.Data[i] = orig
			num := (up - down) / (2 * h)
			ana := p.Grad.Data[i]
			err := math.Abs(num-ana) / math.Max(1, math.Max(math.Abs(num), math.Abs(ana)))
			if err > worst || math.IsNaN(err) {
				worst = err
			}
		}
	}
	return worst
}
