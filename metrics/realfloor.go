package metrics

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// This file prepares what the fd and kid metrics compare (docs/protocols.md,
// Fréchet distance and KID): classifier features of n samples, of the
// n test rows (the reference) and of n validation rows, a real
// sample disjoint from the reference whose distance to it is the floor a
// perfect model would score at that n.

// Reference is the split every FD and KID is measured against.
const Reference = "test"

// KID's subsets: Bińkowski et al. (2018) average 100 subsets of 1000; 10
// keep a trial's KID to seconds, and the standard deviation over subsets
// says how far that is from the mean of many.
const (
	kidSubsets   = 10
	kidFloorSeed = 0x666c6f6f72 // fixed: the floor is a fact of the data set
	// realSubsetSeed draws the reference and floor rows.
	realSubsetSeed = 0x7265616c // "real"
)

// kidSubsetSize is 1000 rows, or half of n when n is below 2000, so that
// the subsets differ and their spread means something.
func kidSubsetSize(n int) int { return max(2, min(1000, n/2)) }

// realFloor holds the reference and floor features of one data set at one
// n in one feature space, and the floor distances, each computed once per
// process however many trials share them.
type realFloor struct {
	featuresOnce sync.Once
	ref, twin    *mat.Dense

	fdOnce sync.Once
	fd     FDResult
	fdErr  error

	kidOnce sync.Once
	kid     KIDResult
	kidErr  error
}

// floors caches realFloor by feature network, n and the pixels of both
// real sets, so that every model of a run gets the same floor. Entries
// live as long as the process: 2·n rows of features each (16 MB at
// n = 2000 and 512 features), one per data set, preprocessing and n.
var floors = struct {
	sync.Mutex
	byKey map[string]*realFloor
}{byKey: map[string]*realFloor{}}

// FD returns the floor's Fréchet distance.
func (f *realFloor) FD() (FDResult, error) {
	f.fdOnce.Do(func() { f.fd, f.fdErr = FrechetDistance(f.ref, f.twin) })
	return f.fd, f.fdErr
}

// KID returns the floor's KID, from subsets drawn with a fixed seed.
func (f *realFloor) KID() (KIDResult, error) {
	f.kidOnce.Do(func() {
		n, _ := f.twin.Dims()
		f.kid, f.kidErr = KID(f.ref, f.twin, kidSubsetSize(n), kidSubsets, kidFloorSeed)
	})
	return f.kid, f.kidErr
}

// distanceInputs are what FD or KID compare for one trial.
type distanceInputs struct {
	n     int
	fake  *mat.Dense // features of n samples; nil when a sample is not finite
	floor *realFloor
	// lowered says why n is below eval.fd_samples ("" when it is not).
	lowered string
}

// prepareDistances draws (or reuses) the trial's n samples and finds the
// floor of its data set.
func prepareDistances(in *Input) (*distanceInputs, error) {
	if in.Classifier.Hash == "" {
		return nil, errors.New("the classifier has no hash: a distance without its feature network cannot be compared")
	}
	n, lowered, err := distanceN(in)
	if err != nil {
		return nil, err
	}
	floor := floorFor(in, n)
	fake, err := in.sampleFeatures(n)
	if err != nil {
		return nil, err
	}
	if !allFinite(fake) {
		fake = nil
	}
	return &distanceInputs{n: n, fake: fake, floor: floor, lowered: lowered}, nil
}

// distanceN is eval.fd_samples, lowered to the rows of the smaller real
// split when that has fewer: the floor needs n rows of each.
func distanceN(in *Input) (n int, lowered string, err error) {
	want := in.Settings.FDSamples
	if want < 2 {
		return 0, "", fmt.Errorf("fd_samples = %d, need at least 2", want)
	}
	if in.Valid == nil {
		return 0, "", errors.New("no validation split to measure the floor with")
	}
	nTest, _ := in.Test.Dims()
	nValid, _ := in.Valid.Dims()
	n = min(want, nTest, nValid)
	if n < 2 {
		return 0, "", fmt.Errorf("%d test and %d validation rows, need at least 2 each", nTest, nValid)
	}
	if n < want {
		lowered = fmt.Sprintf("; fd_samples %d lowered to %d, the rows of the smaller real split (test %d, validation %d)", want, n, nTest, nValid)
	}
	return n, lowered, nil
}

// floorFor returns the cached floor of the trial's n reference test rows
// and n validation rows in its classifier's feature space.
func floorFor(in *Input, n int) *realFloor {
	ref := in.Pixels(realSubset(in.Test, n, 1))
	twin := in.Pixels(realSubset(in.Valid, n, 2))
	key := floorKey(in.Classifier.Hash, ref, twin)
	floors.Lock()
	f, ok := floors.byKey[key]
	if !ok {
		f = &realFloor{}
		floors.byKey[key] = f
	}
	floors.Unlock()
	label := in.Classifier.Label
	f.featuresOnce.Do(func() {
		_, f.ref = label(ref)
		_, f.twin = label(twin)
	})
	return f
}

// floorKey identifies a floor by its feature network and the bits of both
// real sets (which fixes the data set, its preprocessing and n).
func floorKey(hash string, sets ...*mat.Dense) string {
	h := sha256.New()
	h.Write([]byte(hash))
	var buf [8]byte
	for _, x := range sets {
		r, c := x.Dims()
		fmt.Fprintf(h, "|%d×%d|", r, c)
		for i := range r {
			for _, v := range x.RawRowView(i) {
				binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
				h.Write(buf[:])
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// realSubset returns n rows of x drawn without replacement with a fixed
// seed (all of x when n is its size): the same rows for every model, and
// not the first n: splits keep file order, and MNIST's test file, for
// one, holds its 5000 cleaner, easier images first (LeCun et al. 1998).
func realSubset(x *mat.Dense, n int, stream uint64) *mat.Dense {
	r, _ := x.Dims()
	if n >= r {
		return x
	}
	idx := rand.New(rand.NewPCG(realSubsetSeed, stream)).Perm(r)[:n]
	slices.Sort(idx)
	return pickRows(x, idx)
}

// sampleFeatures returns the classifier features of Samples(n), computed
// once per evaluation.
func (in *Input) sampleFeatures(n int) (*mat.Dense, error) {
	if f, ok := in.features[n]; ok {
		return f, nil
	}
	s, err := in.Samples(n)
	if err != nil {
		return nil, fmt.Errorf("samples: %w", err)
	}
	_, f := in.Classifier.Label(in.Pixels(s))
	if in.features == nil {
		in.features = map[int]*mat.Dense{}
	}
	in.features[n] = f
	return f, nil
}

// allFinite reports whether every entry of x is finite.
func allFinite(x *mat.Dense) bool {
	r, _ := x.Dims()
	for i := range r {
		for _, v := range x.RawRowView(i) {
			if !isFinite(v) {
				return false
			}
		}
	}
	return true
}

// distanceNote says how an FD or KID was made: n, the reference, the
// feature network and the floor.
func distanceNote(in *Input, d *distanceInputs, what string) string {
	return fmt.Sprintf("%s in the penultimate layer of the classifier %s (hash %s): %d samples vs %d %s rows; floor: the same between those and %d validation rows (both drawn with a fixed seed)%s",
		what, in.Classifier.Name, in.Classifier.Hash, d.n, d.n, Reference, d.n, d.lowered)
}

// putProvenance records the reference split and feature network of a
// distance as protocol notes under prefix_reference and prefix_features.
func putProvenance(out *Output, in *Input, prefix string) {
	out.Note(prefix+"_reference", Reference)
	out.Note(prefix+"_features", in.Classifier.Hash)
}
