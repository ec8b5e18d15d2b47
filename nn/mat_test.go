package nn

import (
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestTapeFromDense checks that the tape's conversion equals FromDense,
// on a view with a stride wider than its columns, and that its buffer is
// recycled by Reset instead of allocated again.
func TestTapeFromDense(t *testing.T) {
	big := mat.NewDense(4, 5, nil)
	for i := range big.RawMatrix().Data {
		big.RawMatrix().Data[i] = float64(i)*0.37 - 3
	}
	view := big.Slice(1, 3, 1, 4)
	want := FromDense[float32](view)
	var tp Tape[float32]
	got := tp.FromDense(view)
	if got.Rows != 2 || got.Cols != 3 {
		t.Fatalf("shape %s", got.shape())
	}
	for i := range want.Data {
		if got.Data[i] != want.Data[i] {
			t.Fatalf("element %d: %v, want %v", i, got.Data[i], want.Data[i])
		}
	}
	tp.Reset()
	if allocs := testing.AllocsPerRun(10, func() { tp.Reset(); tp.FromDense(view) }); allocs != 0 {
		t.Errorf("%v allocations per converted batch after the first", allocs)
	}
}
