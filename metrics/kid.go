package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// KIDResult is a kernel distance, mean and standard deviation over subsets,
// with what it was computed from.
type KIDResult struct {
	// Mean and Std are the mean and the unbiased (n−1) standard deviation
	// of the per-subset MMD² estimates (Std is 0 for a single subset).
	Mean, Std float64
	// SubsetSize rows of each set enter each of Subsets estimates.
	SubsetSize, Subsets int
	Provenance
}

// KID returns the kernel inception-style distance of Bińkowski et al.
// (2018) between the rows of real and fake: the unbiased estimate of the
// squared maximum mean discrepancy (Gretton et al. 2012) with the cubic
// polynomial kernel k(x, y) = (xᵀy/d + 1)³, d the number of columns,
//
//	MMD²_u = Σ_{i≠j} k(x_i, x_j)/(m(m−1)) + Σ_{i≠j} k(y_i, y_j)/(m(m−1)) − 2 Σ_{i,j} k(x_i, y_j)/m²
//
// averaged over `subsets` pairs of subsets of subsetSize rows, each drawn
// without replacement from real and from fake (as the authors' code does).
// Unlike FD the estimate is unbiased, so its expectation is 0 when real and
// fake come from the same distribution and single values can be negative.
// The subsets are drawn from rand.NewPCG(seed, 0x6b6964): the same seed and
// inputs give the same bits.
//
// Errors: nil or empty matrices, non-finite entries, different numbers of
// columns, subsetSize < 2 or larger than either set, subsets < 1.
func KID(real, fake *mat.Dense, subsetSize, subsets int, seed uint64) (KIDResult, error) {
	n, nRef, err := checkPair("metrics: kid", real, fake, 2)
	if err != nil {
		return KIDResult{}, err
	}
	if subsetSize < 2 || subsetSize > n || subsetSize > nRef {
		return KIDResult{}, fmt.Errorf("metrics: kid: subset size %d must be in [2, min(%d real, %d fake)]", subsetSize, nRef, n)
	}
	if subsets < 1 {
		return KIDResult{}, fmt.Errorf("metrics: kid: %d subsets, need at least 1", subsets)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6b6964))
	est := make([]float64, subsets)
	for s := range est {
		x := pickRows(real, rng.Perm(nRef)[:subsetSize])
		y := pickRows(fake, rng.Perm(n)[:subsetSize])
		est[s] = mmdUnbiased(x, y)
	}
	r := KIDResult{Mean: stat.Mean(est, nil), SubsetSize: subsetSize, Subsets: subsets,
		Provenance: Provenance{N: n, NRef: nRef}}
	if subsets > 1 {
		r.Std = stat.StdDev(est, nil)
	}
	return r, nil
}

// pickRows copies the rows idx of x into a new matrix.
func pickRows(x *mat.Dense, idx []int) *mat.Dense {
	_, d := x.Dims()
	out := mat.NewDense(len(idx), d, nil)
	for i, k := range idx {
		copy(out.RawRowView(i), x.RawRowView(k))
	}
	return out
}

// mmdUnbiased is the unbiased MMD² of two sets of m ≥ 2 rows with the
// cubic polynomial kernel.
func mmdUnbiased(x, y *mat.Dense) float64 {
	m, _ := x.Dims()
	mm := float64(m)
	offXX := sumKernelOffDiagonal(x)
	offYY := sumKernelOffDiagonal(y)
	xy := sumKernel(x, y)
	return (offXX+offYY)/(mm*(mm-1)) - 2*xy/(mm*mm)
}

// cubic is the kernel applied to an inner product g of d-vectors.
func cubic(g float64, d int) float64 {
	v := g/float64(d) + 1
	return v * v * v
}

// sumKernel returns Σ_{i,j} k(a_i, b_j).
func sumKernel(a, b *mat.Dense) float64 {
	_, d := a.Dims()
	var g mat.Dense
	g.Mul(a, b.T())
	s := 0.0
	for _, v := range g.RawMatrix().Data {
		s += cubic(v, d)
	}
	return s
}

// sumKernelOffDiagonal returns Σ_{i≠j} k(a_i, a_j), from the upper
// triangle of the symmetric Gram matrix (half the products of a·aᵀ).
func sumKernelOffDiagonal(a *mat.Dense) float64 {
	m, d := a.Dims()
	var g mat.SymDense
	g.SymOuterK(1, a)
	raw := g.RawSymmetric()
	s := 0.0
	for i := range m {
		for _, v := range raw.Data[i*raw.Stride+i+1 : i*raw.Stride+m] {
			s += cubic(v, d)
		}
	}
	return 2 * s
}

func init() {
	Register(Metric{
		Name: "kid",
		Doc: "images: KID (unbiased MMD², cubic kernel) of samples to the test split in the data set's classifier features, " +
			"mean ± std over subsets, with n, the floor and the network's hash; lower is better",
		Protocol:   "Fréchet distance and KID",
		Order:      101, // after fd, whose samples and floor it shares
		Stochastic: Sampled,
		Needs:      NeedsSamples | NeedsImages | NeedsClassifier | NeedsValid,
		Keys: []Key{
			// AbsTol: about the floor's scale (≈ 0.003 for MNIST at n = 2000).
			{Name: "kid", Doc: "KID of n samples to n test rows, mean over subsets", Better: Lower, RelTol: 0.1, AbsTol: 0.005,
				Column: &Column{Header: "KID", Rank: 216, Format: Sig3}},
			{Name: "kid_std", Doc: "standard deviation of kid over its subsets", Better: Neither, Qualifies: "kid", RelTol: 0.2, AbsTol: 0.005},
			{Name: "kid_n", Doc: "n of kid and its floor: samples, test rows and validation rows each", Better: Neither, Stable: true, Qualifies: "kid"},
			{Name: "kid_floor", FloorOf: "kid", Doc: "KID of n validation rows to the same n test rows: what a perfect model scores at n (about 0)", Better: Neither, Stable: true, RelTol: 1e-3, AbsTol: 1e-6,
				Column: &Column{Header: "KID floor", Rank: 217, Format: Sig3}},
			{Name: "kid_floor_std", Doc: "standard deviation of kid_floor over its subsets", Better: Neither, Stable: true, Qualifies: "kid_floor", RelTol: 1e-3, AbsTol: 1e-6},
		},
		Compute: computeKID,
	})
}

// computeKID writes the KID of the trial's samples, from subsets drawn
// with a seed taken from the evaluation's random stream, and the floor of
// its data set.
func computeKID(in *Input, out *Output) error {
	d, err := prepareDistances(in)
	if err != nil {
		return err
	}
	floor, err := d.floor.KID()
	if err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	seed := in.Rand.Uint64()
	mean, std := math.NaN(), math.NaN()
	if d.fake != nil {
		r, err := KID(d.floor.ref, d.fake, kidSubsetSize(d.n), kidSubsets, seed)
		if err != nil {
			return err
		}
		mean, std = r.Mean, r.Std
	}
	out.Put("kid", mean)
	out.Put("kid_std", std)
	out.Put("kid_n", float64(d.n))
	out.Put("kid_floor", floor.Mean)
	out.Put("kid_floor_std", floor.Std)
	out.Note("kid", distanceNote(in, d, fmt.Sprintf("KID (Bińkowski et al. 2018), unbiased MMD² with k(x,y) = (xᵀy/d + 1)³, mean ± std over %d subsets of %d",
		kidSubsets, kidSubsetSize(d.n))))
	putProvenance(out, in, "kid")
	return nil
}
