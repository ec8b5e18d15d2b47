package digits

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Image corruptions for the validation tests, on rows of 28×28
// intensities in [0,1]. Each returns a new matrix and is the identity at
// strength 0.

const side = 28

// mapRows returns a copy of x with f applied to each row (f writes out
// from in).
func mapRows(x *mat.Dense, f func(out, in []float64)) *mat.Dense {
	r, c := x.Dims()
	y := mat.NewDense(r, c, nil)
	for i := range r {
		f(y.RawRowView(i), x.RawRowView(i))
	}
	return y
}

// gaussianNoise adds N(0, σ²) to every pixel and clamps to [0,1].
func gaussianNoise(x *mat.Dense, sigma float64, rng *rand.Rand) *mat.Dense {
	return mapRows(x, func(out, in []float64) {
		for j, v := range in {
			if sigma > 0 {
				v += sigma * rng.NormFloat64()
			}
			out[j] = math.Min(1, math.Max(0, v))
		}
	})
}

// saltAndPepper sets each pixel, with probability p, to 0 or 1 (even odds).
func saltAndPepper(x *mat.Dense, p float64, rng *rand.Rand) *mat.Dense {
	return mapRows(x, func(out, in []float64) {
		copy(out, in)
		for j := range out {
			if rng.Float64() < p {
				out[j] = float64(rng.IntN(2))
			}
		}
	})
}

// blur convolves each image with a separable Gaussian of standard
// deviation sigma pixels, truncated at 3σ, with zero padding (MNIST's
// background).
func blur(x *mat.Dense, sigma float64) *mat.Dense {
	if sigma == 0 {
		return mat.DenseCopyOf(x)
	}
	radius := int(math.Ceil(3 * sigma))
	kernel := make([]float64, 2*radius+1)
	total := 0.0
	for k := range kernel {
		d := float64(k - radius)
		kernel[k] = math.Exp(-d * d / (2 * sigma * sigma))
		total += kernel[k]
	}
	for k := range kernel {
		kernel[k] /= total
	}
	pass := func(out, in []float64, step func(i, j int) int) {
		for i := range side {
			for j := range side {
				s := 0.0
				for k, w := range kernel {
					if idx := step(i, j+k-radius); idx >= 0 {
						s += w * in[idx]
					}
				}
				out[i*side+j] = s
			}
		}
	}
	rowwise := func(i, j int) int {
		if j < 0 || j >= side {
			return -1
		}
		return i*side + j
	}
	colwise := func(i, j int) int { // i is the column, j the row
		if j < 0 || j >= side {
			return -1
		}
		return j*side + i
	}
	return mapRows(x, func(out, in []float64) {
		tmp := make([]float64, len(in))
		pass(tmp, in, rowwise)
		// The second pass reads columns: out[i*side+j] is written for
		// column i, row j, so transpose the write as well.
		col := make([]float64, len(in))
		pass(col, tmp, colwise)
		for i := range side {
			for j := range side {
				out[j*side+i] = col[i*side+j]
			}
		}
	})
}

// swapPatches cuts each image into a 4×4 grid of 7×7 patches and swaps k
// disjoint random pairs of them (k ≤ 8).
func swapPatches(x *mat.Dense, k int, rng *rand.Rand) *mat.Dense {
	const patch, grid = 7, 4
	return mapRows(x, func(out, in []float64) {
		copy(out, in)
		order := rng.Perm(grid * grid)
		for p := range k {
			a, b := order[2*p], order[2*p+1]
			ar, ac := (a/grid)*patch, (a%grid)*patch
			br, bc := (b/grid)*patch, (b%grid)*patch
			for i := range patch {
				for j := range patch {
					ia, ib := (ar+i)*side+ac+j, (br+i)*side+bc+j
					out[ia], out[ib] = in[ib], in[ia]
				}
			}
		}
	})
}

// dropClasses replaces every image of the classes 0..k−1 with the next
// unused pool image of another class, so the set keeps its size but
// misses k classes.
func dropClasses(x *mat.Dense, labels []int, pool *mat.Dense, poolLabels []int, k int) *mat.Dense {
	y := mat.DenseCopyOf(x)
	next := 0
	for i, l := range labels {
		if l >= k {
			continue
		}
		for poolLabels[next] < k {
			next++
		}
		y.SetRow(i, pool.RawRowView(next))
		next++
	}
	return y
}

func TestCorruptionsAtZeroAreTheIdentity(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := mat.NewDense(3, side*side, nil)
	for i := range 3 {
		for j := range side * side {
			x.Set(i, j, rng.Float64())
		}
	}
	labels := []int{0, 1, 2}
	for _, tc := range corruptions {
		y := tc.apply(validationData{baseLabels: labels}, x, 0, rng)
		if !mat.Equal(x, y) {
			t.Errorf("%s at 0 changed the images", tc.name)
		}
	}
}

// Blurring a single bright pixel spreads it symmetrically and keeps its
// mass (away from the border).
func TestBlurOfAPoint(t *testing.T) {
	x := mat.NewDense(1, side*side, nil)
	x.Set(0, 14*side+14, 1)
	y := blur(x, 1).RawRowView(0)
	sum := 0.0
	for _, v := range y {
		sum += v
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("mass %v, want 1", sum)
	}
	at := func(i, j int) float64 { return y[i*side+j] }
	if at(13, 14) != at(15, 14) || at(14, 13) != at(14, 15) || math.Abs(at(13, 14)-at(14, 13)) > 1e-15 || !(at(14, 14) > at(13, 14)) {
		t.Errorf("blur of a point is not a symmetric bump: centre %v, neighbours %v %v %v %v", at(14, 14), at(13, 14), at(15, 14), at(14, 13), at(14, 15))
	}
	if want := math.Exp(-1) * at(14, 14); math.Abs(at(13, 15)-want) > 1e-12 { // exp(−(1+1)/2)
		t.Errorf("diagonal %v, want e^{-1}·centre %v", at(13, 15), want)
	}
}
