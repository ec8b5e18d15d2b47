package models_test

import (
	"encoding/gob"
	"fmt"
	"io"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/params"
)

// meanModel is a toy model: it learns the mean of its data and samples it.
type meanModel struct {
	Sum []float64
	N   float64
}

func (m *meanModel) TrainStep(x *mat.Dense) (float64, error) {
	r, c := x.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Sum[j] += x.At(i, j)
		}
	}
	m.N += float64(r)
	return 0, nil
}

func (m *meanModel) Sample(n int, _ *rand.Rand) (*mat.Dense, error) {
	out := mat.NewDense(n, len(m.Sum), nil)
	for i := 0; i < n; i++ {
		for j, s := range m.Sum {
			out.Set(i, j, s/max(m.N, 1))
		}
	}
	return out, nil
}

func (m *meanModel) NumParams() int         { return len(m.Sum) }
func (m *meanModel) Save(w io.Writer) error { return gob.NewEncoder(w).Encode(m) }
func (m *meanModel) Load(r io.Reader) error { return gob.NewDecoder(r).Decode(m) }

// A model type is registered once, from its package's init function, with
// the facts the harness acts on: how it samples, whether it is a
// closed-form baseline, and which data it accepts. Validation refuses
// other data before a trial runs; reports read the facts from each
// result, never from the type's name.
func ExampleRegister() {
	models.Register(models.Type{
		Name:   "example_mean",
		Family: models.Flow,
		Doc:    "the training mean, sampled as a point mass (a toy)",
		Params: params.Schema{},
		New: func(cfg models.Config) (models.Model, error) {
			return &meanModel{Sum: make([]float64, cfg.Dim)}, nil
		},

		Sampling: models.OnePass,
		Accepts:  models.Vectors | models.Continuous,
	})

	typ, _ := models.Lookup("example_mean")
	fmt.Println(typ.Check())
	fmt.Println(typ.Admit(false, nil))
	fmt.Println(typ.Admit(true, []int{1, 28, 28}))

	m, err := models.New("example_mean", nil, models.Config{Dim: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	m.TrainStep(mat.NewDense(2, 2, []float64{1, 2, 3, 4}))
	s, _ := m.Sample(1, nil)
	fmt.Println(mat.Formatted(s))
	// Output:
	// <nil>
	// <nil>
	// model type example_mean takes continuous vectors; this data set is binary images
	// [2  3]
}
