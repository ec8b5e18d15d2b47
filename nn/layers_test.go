package nn

import (
	"math/rand/v2"
	"testing"
)

// TestMADEMasksAreAutoregressive multiplies the masks into a path count:
// input i may reach output j only when i comes strictly before j.
func TestMADEMasksAreAutoregressive(t *testing.T) {
	cases := []struct {
		name   string
		order  []int
		hidden []int
	}{
		{"natural, one layer", []int{1, 2, 3, 4, 5}, []int{8}},
		{"reversed, two layers", []int{5, 4, 3, 2, 1}, []int{7, 9}},
		{"shuffled, narrow", []int{3, 1, 4, 2}, []int{3, 3}},
		{"no hidden layer", []int{2, 1, 3}, nil},
		{"two dims", []int{1, 2}, []int{4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := len(c.order)
			masks := MADEMasks[float64](c.order, c.hidden, 2, 1, nil)
			paths := NewMat[float64](d, d)
			for i := 0; i < d; i++ {
				paths.Set(i, i, 1)
			}
			for _, m := range masks {
				next := NewMat[float64](d, m.Cols)
				MatMulInto(next, paths, m)
				paths = next
			}
			for i := 0; i < d; i++ {
				for b := 0; b < 2; b++ {
					for j := 0; j < d; j++ {
						reach := paths.At(i, b*d+j) > 0
						if reach && c.order[i] >= c.order[j] {
							t.Errorf("input %d reaches output %d (block %d) against the order", i, j, b)
						}
						// Every earlier input should be able to reach j when hidden
						// layers are at least D−1 wide.
						wide := true
						for _, h := range c.hidden {
							wide = wide && h >= d-1
						}
						if wide && !reach && c.order[i] < c.order[j] {
							t.Errorf("input %d cannot reach output %d", i, j)
						}
					}
				}
			}
		})
	}
}

// TestMADEMasksNarrowSeeEveryInput checks hidden layers narrower than D−1:
// every input but the last in the order must still reach the output of the
// last dimension, which cyclic degrees (stopping at H) would not allow.
func TestMADEMasksNarrowSeeEveryInput(t *testing.T) {
	for _, c := range []struct{ d, h int }{{784, 500}, {10, 3}, {50, 2}, {6, 4}} {
		order := make([]int, c.d)
		for i := range order {
			order[i] = i + 1
		}
		masks := MADEMasks[float64](order, []int{c.h, c.h}, 1, 1, nil)
		paths := NewMat[float64](c.d, c.d)
		for i := 0; i < c.d; i++ {
			paths.Set(i, i, 1)
		}
		for _, m := range masks {
			next := NewMat[float64](c.d, m.Cols)
			MatMulInto(next, paths, m)
			paths = next
		}
		for i := 0; i < c.d-1; i++ {
			if paths.At(i, c.d-1) == 0 {
				t.Errorf("D=%d H=%d: input %d never reaches the last output", c.d, c.h, i)
			}
		}
	}
}

func TestMLPGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var ps ParamSet[float64]
	for _, act := range []Activation{ActRelu, ActTanh, ActElu, ActLeaky} {
		m := NewMLP(&ps, "mlp", []int{3, 5, 4, 2}, act, false, rng)
		x := randParam(rng, 6, 3, -1, 1)
		wrt := append([]*Node[float64]{x}, ps.Nodes...)
		if err := CheckGrad(func(t *Tape[float64]) *Node[float64] { return weighted(t, m.Forward(t, x)) }, wrt, 1e-6); err > 1e-6 {
			t.Errorf("%s: gradient error %.3g", act, err)
		}
	}
}
