package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/params"
)

// Stream constants: every random draw uses
// rand.New(rand.NewPCG(seed, stream)) with one of these as the stream, so
// that the splits are independent of one another (changing n_train does not
// change the test set) and reproducible from the seed alone.
const (
	streamTrain     uint64 = 0x7472_6169_6e5f_3031 // synthetic train split
	streamValid     uint64 = 0x7661_6c69_645f_3032 // synthetic valid split
	streamTest      uint64 = 0x7465_7374_5f5f_3033 // synthetic test split
	streamStructure uint64 = 0x7374_7275_6374_3034 // gaussian/gmm parameters (seeded by structure_seed)

	streamSubsetTrain uint64 = 0x7375_6274_726e_3035 // MNIST subsets
	streamSubsetValid uint64 = 0x7375_6276_6c64_3036
	streamSubsetTest  uint64 = 0x7375_6274_7374_3037
	streamEpoch       uint64 = 0x6570_6f63_685f_3038 // per-epoch train noise (dequantization, binarization)
	streamNoiseValid  uint64 = 0x6e6f_6976_6c64_3039 // fixed valid noise
	streamNoiseTest   uint64 = 0x6e6f_6974_7374_3130 // fixed test noise
	streamStackTrain  uint64 = 0x7374_6b74_726e_3131 // stacked MNIST digit draws
	streamStackValid  uint64 = 0x7374_6b76_6c64_3132
	streamStackTest   uint64 = 0x7374_6b74_7374_3133
)

// newRNG returns the generator for one purpose.
func newRNG(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// splitmix64 is a bijective 64-bit mixer (Steele, Lea & Flood 2014).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// subStream derives a stream constant from a purpose and further indices
// (epoch, block), so that each (purpose, indices) gets its own stream.
func subStream(purpose uint64, idx ...uint64) uint64 {
	h := purpose
	for _, v := range idx {
		h = splitmix64(h ^ splitmix64(v))
	}
	return h
}

// sizeFields returns the n_train, n_valid and n_test fields of synthetic sets.
func sizeFields(nTrain int) []params.Field {
	return []params.Field{
		{Key: "n_train", Default: nTrain, Doc: "training examples", Check: params.Positive},
		{Key: "n_valid", Default: 5000, Doc: "validation examples", Check: params.Positive},
		{Key: "n_test", Default: 5000, Doc: "test examples", Check: params.Positive},
	}
}

// schema concatenates field lists.
func schema(lists ...[]params.Field) params.Schema {
	var s params.Schema
	for _, l := range lists {
		s = append(s, l...)
	}
	return s
}

// positiveFinite rejects values <= 0, NaN and ±Inf.
func positiveFinite(v any) error {
	if err := params.Positive(v); err != nil {
		return err
	}
	return finite(v)
}

// nonnegativeFinite rejects values < 0, NaN and ±Inf.
func nonnegativeFinite(v any) error {
	if err := params.Nonnegative(v); err != nil {
		return err
	}
	return finite(v)
}

func finite(v any) error {
	if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return fmt.Errorf("must be finite, got %v", f)
	}
	return nil
}

// atMost rejects non-positive ints and ints above max, naming the data set.
func atMost(max int, set string) func(any) error {
	return func(v any) error {
		if err := params.Positive(v); err != nil {
			return err
		}
		if n, ok := v.(int); ok && n > max {
			return fmt.Errorf("at most %d for %s, got %d", max, set, n)
		}
		return nil
	}
}

// sampler draws one example into x (len Dim) and returns its label
// (mixture component, class), or -1 when there is none.
type sampler func(rng *rand.Rand, x []float64) int

// drawSplits fills Train, Valid and Test (and the label slices when the
// sampler gives labels) with n_train, n_valid, n_test i.i.d. draws, each
// split from its own stream of the seed.
func drawSplits(d *Data, p params.Set, seed uint64, draw sampler) {
	split := func(n int, stream uint64) (*mat.Dense, []int) {
		rng := newRNG(seed, stream)
		m := mat.NewDense(n, d.Dim, nil)
		labels := make([]int, n)
		hasLabels := false
		for i := range n {
			labels[i] = draw(rng, m.RawRowView(i))
			hasLabels = hasLabels || labels[i] >= 0
		}
		if !hasLabels {
			labels = nil
		}
		return m, labels
	}
	d.Train, d.TrainLabels = split(p.Int("n_train"), streamTrain)
	d.Valid, _ = split(p.Int("n_valid"), streamValid)
	d.Test, d.TestLabels = split(p.Int("n_test"), streamTest)
}

// splitProtocol describes the sizes and seeding of synthetic splits.
func splitProtocol(p params.Set) string {
	return fmt.Sprintf("i.i.d. splits train n=%d, valid n=%d, test n=%d, each from its own stream of the data seed",
		p.Int("n_train"), p.Int("n_valid"), p.Int("n_test"))
}

// isoMixture is an equal-weight mixture of isotropic Gaussians with a common
// standard deviation: the density of ring8, grid25 and gmm.
type isoMixture struct {
	means [][]float64
	std   float64
}

func (g isoMixture) dim() int { return len(g.means[0]) }

// sample draws one point and returns its component.
func (g isoMixture) sample(rng *rand.Rand, x []float64) int {
	k := rng.IntN(len(g.means))
	for j, m := range g.means[k] {
		x[j] = m + g.std*rng.NormFloat64()
	}
	return k
}

// logDensity is the exact log-density, log-sum-exp over components.
func (g isoMixture) logDensity() func(x []float64) float64 {
	d := g.dim()
	k := len(g.means)
	inv := 1 / (2 * g.std * g.std)
	norm := -math.Log(float64(k)) - 0.5*float64(d)*math.Log(2*math.Pi*g.std*g.std)
	return func(x []float64) float64 {
		checkLen(x, d)
		terms := make([]float64, k)
		for c, m := range g.means {
			s := 0.0
			for j, mj := range m {
				r := x[j] - mj
				s += r * r
			}
			terms[c] = -s * inv
		}
		return metrics.LogSumExp(terms) + norm
	}
}

// modes returns a copy of the means, for Data.Modes.
func (g isoMixture) modes() [][]float64 {
	out := make([][]float64, len(g.means))
	for i, m := range g.means {
		out[i] = append([]float64(nil), m...)
	}
	return out
}

func checkLen(x []float64, d int) {
	if len(x) != d {
		panic(fmt.Sprintf("datasets: LogDensity of a %d-vector, want dimension %d", len(x), d))
	}
}
