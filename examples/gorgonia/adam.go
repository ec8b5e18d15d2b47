package gorgflow

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"
)

// adam is Adam (Kingma & Ba 2015) over the weights' backing slices. The
// flow does not use gorgonia's AdamSolver because that solver keeps its
// moment estimates and step count unexported: a checkpoint could not hold
// them, and a resumed run would not continue the one it interrupted.
type adam struct {
	weights      [][]float64 // the tensors' backing slices, updated in place
	m, v         [][]float64
	t            int
	lr           float64
	beta1, beta2 float64
	eps          float64
}

func newAdam(ts []*tensor.Dense, lr float64) *adam {
	a := &adam{lr: lr, beta1: 0.9, beta2: 0.999, eps: 1e-8}
	for _, t := range ts {
		w := t.Data().([]float64)
		a.weights = append(a.weights, w)
		a.m = append(a.m, make([]float64, len(w)))
		a.v = append(a.v, make([]float64, len(w)))
	}
	return a
}

// step applies one update with the gradients grads (one per weight tensor,
// in order) and then zeroes them: gorgonia accumulates gradients across
// runs of a machine, and only its own solvers reset them.
func (a *adam) step(grads []*tensor.Dense) {
	a.t++
	c1 := 1 - math.Pow(a.beta1, float64(a.t))
	c2 := 1 - math.Pow(a.beta2, float64(a.t))
	for i, w := range a.weights {
		g := grads[i].Data().([]float64)
		m, v := a.m[i], a.v[i]
		for j := range w {
			m[j] = a.beta1*m[j] + (1-a.beta1)*g[j]
			v[j] = a.beta2*v[j] + (1-a.beta2)*g[j]*g[j]
			w[j] -= a.lr * (m[j] / c1) / (math.Sqrt(v[j]/c2) + a.eps)
		}
		grads[i].Zero()
	}
}

// adamState is the optimiser's part of a checkpoint.
type adamState struct {
	M, V [][]float64
	T    int
	LR   float64
}

func (a *adam) state() adamState { return adamState{M: a.m, V: a.v, T: a.t, LR: a.lr} }

func (a *adam) restore(s adamState) error {
	if len(s.M) != len(a.m) || len(s.V) != len(a.v) {
		return fmt.Errorf("optimiser state has %d and %d tensors, model has %d", len(s.M), len(s.V), len(a.m))
	}
	for i := range a.m {
		if len(s.M[i]) != len(a.m[i]) || len(s.V[i]) != len(a.v[i]) {
			return fmt.Errorf("optimiser tensor %d has %d and %d values, model wants %d", i, len(s.M[i]), len(s.V[i]), len(a.m[i]))
		}
	}
	for i := range a.m {
		copy(a.m[i], s.M[i])
		copy(a.v[i], s.V[i])
	}
	a.t, a.lr = s.T, s.LR
	return nil
}
