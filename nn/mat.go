package nn

import (
	"fmt"
	"unsafe"

	"gonum.org/v1/gonum/mat"
)

// Float is the element type of a matrix: float32 for training speed,
// float64 for gradient checks and metrics.
type Float interface{ ~float32 | ~float64 }

// Mat is a dense row-major matrix; a batch has one example per row.
type Mat[T Float] struct {
	Rows, Cols int
	Data       []T
}

// NewMat returns a zeroed r×c matrix.
func NewMat[T Float](r, c int) *Mat[T] {
	return &Mat[T]{Rows: r, Cols: c, Data: make([]T, r*c)}
}

// At returns element (i, j).
func (m *Mat[T]) At(i, j int) T { return m.Data[i*m.Cols+j] }

// Set sets element (i, j).
func (m *Mat[T]) Set(i, j int, v T) { m.Data[i*m.Cols+j] = v }

// Row returns row i, sharing storage.
func (m *Mat[T]) Row(i int) []T { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// Clone returns a deep copy.
func (m *Mat[T]) Clone() *Mat[T] {
	return &Mat[T]{Rows: m.Rows, Cols: m.Cols, Data: append([]T(nil), m.Data...)}
}

// FromDense converts a gonum matrix.
func FromDense[T Float](d mat.Matrix) *Mat[T] {
	r, c := d.Dims()
	m := NewMat[T](r, c)
	fillFromDense(m, d)
	return m
}

// FromDense converts a gonum matrix into a tape-owned buffer, valid until
// the next Reset: a training loop converting its batch every step then
// allocates nothing for it.
func (t *Tape[T]) FromDense(d mat.Matrix) *Mat[T] {
	r, c := d.Dims()
	m := t.rawBuf(r, c)
	fillFromDense(m, d)
	return m
}

// fillFromDense writes every element of d, converted, into m (of d's shape).
func fillFromDense[T Float](m *Mat[T], d mat.Matrix) {
	r, c := m.Rows, m.Cols
	if dd, ok := d.(*mat.Dense); ok {
		raw := dd.RawMatrix()
		for i := 0; i < r; i++ {
			src := raw.Data[i*raw.Stride : i*raw.Stride+c]
			dst := m.Data[i*c : (i+1)*c]
			for j, v := range src {
				dst[j] = T(v)
			}
		}
		return
	}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Data[i*c+j] = T(d.At(i, j))
		}
	}
}

// ToDense converts to a gonum float64 matrix.
func (m *Mat[T]) ToDense() *mat.Dense {
	data := make([]float64, len(m.Data))
	for i, v := range m.Data {
		data[i] = float64(v)
	}
	if m.Rows == 0 || m.Cols == 0 {
		return &mat.Dense{}
	}
	return mat.NewDense(m.Rows, m.Cols, data)
}

// Float64s copies the values into a new float64 slice.
func (m *Mat[T]) Float64s() []float64 {
	out := make([]float64, len(m.Data))
	for i, v := range m.Data {
		out[i] = float64(v)
	}
	return out
}

func (m *Mat[T]) shape() string { return fmt.Sprintf("%d×%d", m.Rows, m.Cols) }

func sameShape[T Float](op string, a, b *Mat[T]) {
	if a.Rows != b.Rows || a.Cols != b.Cols {
		panic(fmt.Sprintf("nn.%s: shapes %s and %s differ", op, a.shape(), b.shape()))
	}
}

// gemm computes c = op(a)·op(b) + beta·c for row-major a (m×k after op),
// b (k×n after op) and c (m×n); beta 0 overwrites c whatever it held. It
// runs nn's own blocked GEMM (gemm.go), or OpenBLAS in the openblas build.
func gemm[T Float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemmOn(true, tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// gemmSerial is gemm on the calling goroutine only, for products inside
// code that already runs one goroutine per core (the images of a
// convolution): splitting them again would only oversubscribe the cores,
// and with an external BLAS whether a product is split would then depend
// on which goroutine got the pool first, and so would its rounding.
func gemmSerial[T Float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemmOn(false, tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

func gemmOn[T Float](split, tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if unsafe.Sizeof(beta) == 4 {
		gemmFloat32(split, tA, tB, m, n, k, asF32(a), lda, asF32(b), ldb, float32(beta), asF32(c), ldc)
	} else {
		gemmFloat64(split, tA, tB, m, n, k, asF64(a), lda, asF64(b), ldb, float64(beta), asF64(c), ldc)
	}
}

// MatMulInto computes dst = a·b without a tape (for inference helpers).
func MatMulInto[T Float](dst, a, b *Mat[T]) {
	if a.Cols != b.Rows || dst.Rows != a.Rows || dst.Cols != b.Cols {
		panic(fmt.Sprintf("nn.MatMulInto: %s · %s → %s", a.shape(), b.shape(), dst.shape()))
	}
	gemm(false, false, a.Rows, b.Cols, a.Cols, a.Data, a.Cols, b.Data, b.Cols, 0, dst.Data, dst.Cols)
}
