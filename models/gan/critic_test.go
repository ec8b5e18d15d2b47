package gan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/genbench/genbench/nn"
)

func randomMat(rng *rand.Rand, r, c int, scale float64) *nn.Mat[float64] {
	m := nn.NewMat[float64](r, c)
	for i := range m.Data {
		m.Data[i] = scale * rng.NormFloat64()
	}
	return m
}

// TestInputGradMatchesTape compares the explicit forward-op input gradient
// of MLP critics with the gradient the tape's own Backward gives for an
// input Var.
func TestInputGradMatchesTape(t *testing.T) {
	acts := []nn.Activation{nn.ActLeaky, nn.ActRelu, nn.ActTanh, nn.ActElu}
	shapes := [][]int{{3, 1}, {3, 7, 1}, {4, 6, 5, 1}, {2, 9, 9, 9, 1}}
	for _, act := range acts {
		for _, sizes := range shapes {
			t.Run(fmt.Sprintf("%s/%v", act, sizes), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(len(sizes)), 17))
				var ps nn.ParamSet[float64]
				m := nn.NewMLP(&ps, "d", sizes, act, false, rng)
				for _, b := range m.B {
					nn.Uniform(b, 0.5, rng)
				}
				x := randomMat(rng, 11, sizes[0], 1.5)

				var ref nn.Tape[float64]
				xv := ref.Var(x)
				want := m.Forward(&ref, xv)
				ref.Backward(ref.Sum(want))
				ps.ZeroGrad()

				var tp nn.Tape[float64]
				var p pool[float64]
				xn := tp.Const(x)
				tr := forwardTrace(&tp, m, xn)
				for i, v := range tr.out.Value.Data {
					if v != want.Value.Data[i] {
						t.Fatalf("forwardTrace output %v, MLP.Forward %v", v, want.Value.Data[i])
					}
				}
				gx, err := inputGrad(&tp, m, xn, tr, &p)
				if err != nil {
					t.Fatal(err)
				}
				if gx.Value.Rows != x.Rows || gx.Value.Cols != x.Cols {
					t.Fatalf("input gradient is %d×%d, input %d×%d", gx.Value.Rows, gx.Value.Cols, x.Rows, x.Cols)
				}
				var norm float64
				for i, v := range gx.Value.Data {
					g := xv.Grad.Data[i]
					norm += g * g
					if math.Abs(v-g) > 1e-12*(1+math.Abs(g)) {
						t.Fatalf("element %d: explicit gradient %v, tape gradient %v", i, v, g)
					}
				}
				if norm == 0 {
					t.Fatal("input gradient is identically zero: test exercises nothing")
				}
			})
		}
	}
}

func TestInputGradRejectsVectorOutput(t *testing.T) {
	var ps nn.ParamSet[float64]
	m := nn.NewMLP(&ps, "d", []int{3, 4, 2}, nn.ActRelu, false, rand.New(rand.NewPCG(1, 1)))
	var tp nn.Tape[float64]
	var p pool[float64]
	x := tp.Const(nn.NewMat[float64](2, 3))
	if _, err := inputGrad(&tp, m, x, forwardTrace(&tp, m, x), &p); err == nil {
		t.Error("input gradient of a 2-output network accepted")
	}
}
