package nn_test

import (
	"fmt"

	"github.com/genbench/genbench/nn"
)

// A least-squares loss recorded on a tape and differentiated: for
// loss = mean((x·w − y)²) the gradient is 2/n · xᵀ(x·w − y).
func ExampleTape() {
	w := nn.NewParam[float64](2, 1) // starts at zero
	x := &nn.Mat[float64]{Rows: 2, Cols: 2, Data: []float64{1, 2, 3, 4}}
	y := &nn.Mat[float64]{Rows: 2, Cols: 1, Data: []float64{1, 1}}
	var t nn.Tape[float64]
	loss := t.Mean(t.Square(t.Sub(t.MatMul(t.Const(x), w), t.Const(y))))
	t.Backward(loss)
	fmt.Println("loss:", nn.Scalar(loss))
	fmt.Println("dloss/dw:", w.Grad.Data)
	// Output:
	// loss: 1
	// dloss/dw: [-4 -6]
}

// The weight mask of a PixelCNN's first 3×3 convolution on one-channel
// images: output channel 0 sees the row above and the pixel to the left,
// never the pixel itself (type A); type B lets later layers see it.
func ExampleCausalMask() {
	for _, typeA := range []bool{true, false} {
		m := nn.CausalMask[float64](typeA, 1, 1, 3, 1)
		fmt.Println("type A:", typeA)
		for u := 0; u < 3; u++ {
			fmt.Println(m.Data[u*3 : u*3+3])
		}
	}
	// Output:
	// type A: true
	// [1 1 1]
	// [1 0 0]
	// [0 0 0]
	// type A: false
	// [1 1 1]
	// [1 1 0]
	// [0 0 0]
}
