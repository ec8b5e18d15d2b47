package digits

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/metrics"
)

// Validation of FD, KID and PRDC on real MNIST images in the feature space
// of a small classifier (smallRecipe, trained in about a second): the
// checks of Heusel et al. (2017) and Bińkowski et al. (2018) that a
// sample-quality distance is near its floor for real images and grows with
// every kind of damage.

const validationN = 2000 // images per set

type validationData struct {
	clf *Classifier
	// ref is the reference, twin a disjoint real sample of the same size
	// (the two give the floor), base a third, the one corrupted, with its
	// labels; all from the test split.
	ref, twin, base *mat.Dense
	baseLabels      []int
	// pool holds the remaining test images with their labels, for
	// replacing the images of dropped classes.
	pool       *mat.Dense
	poolLabels []int
	// train holds validationN training images the classifier never saw.
	train *mat.Dense
}

var validation struct {
	once sync.Once
	v    validationData
	err  error
}

// loadValidation trains the small classifier (no cache) and cuts the sets.
func loadValidation(t *testing.T) validationData {
	t.Helper()
	validation.once.Do(func() {
		r := smallRecipe("mnist")
		var d *datasets.Data
		if d, _, validation.err = trainingData(r); validation.err != nil {
			return
		}
		c := newClassifier(r, d.Dim, 10, hashData(d))
		if validation.err = c.train(d, nil); validation.err != nil {
			return
		}
		all, err := datasets.Build("mnist", map[string]any{"preprocess": []string{}}, 1)
		if err != nil {
			validation.err = err
			return
		}
		// Disjoint seeded random subsets of the test split: the test file
		// is ordered (its first half is the cleaner one), so consecutive
		// blocks are not samples of one distribution.
		n := validationN
		perm := rand.New(rand.NewPCG(3, 4)).Perm(10000)
		rows := func(idx []int) (*mat.Dense, []int) {
			m := mat.NewDense(len(idx), 784, nil)
			labels := make([]int, len(idx))
			for i, k := range idx {
				m.SetRow(i, all.Test.RawRowView(k))
				labels[i] = all.TestLabels[k]
			}
			return m, labels
		}
		v := validationData{clf: c}
		v.ref, _ = rows(perm[:n])
		v.twin, _ = rows(perm[n : 2*n])
		v.base, v.baseLabels = rows(perm[2*n : 3*n])
		v.pool, v.poolLabels = rows(perm[3*n:])
		// Unseen training images (smallRecipe trains on the first 4000).
		v.train = mat.DenseCopyOf(all.Train.Slice(10000, 10000+n, 0, 784))
		validation.v = v
	})
	if validation.err != nil {
		t.Fatal(validation.err)
	}
	return validation.v
}

// distances returns FD and KID (5 subsets of 1000, the same rows for every
// fake set of validationN rows, so that comparisons are paired) of fake
// against ref in the classifier's feature space.
func distances(t *testing.T, c *Classifier, ref, fake *mat.Dense) (fd, kid float64) {
	t.Helper()
	fr, ff := c.Features(ref), c.Features(fake)
	f, err := metrics.FrechetDistance(fr, ff)
	if err != nil {
		t.Fatal(err)
	}
	k, err := metrics.KID(fr, ff, validationN/2, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	return f.FD, k.Mean
}

// The floor (FD and KID between two disjoint real samples of the test
// split) is matched by any other disjoint real sample: unseen training
// images.
func TestFDRealVersusRealIsTheFloor(t *testing.T) {
	v := loadValidation(t)
	floorFD, floorKID := distances(t, v.clf, v.ref, v.twin)
	fd, kid := distances(t, v.clf, v.ref, v.base)
	selfFD, _ := distances(t, v.clf, v.ref, v.ref)
	trainFD, trainKID := distances(t, v.clf, v.ref, v.train)
	t.Logf("floor FD %.4g KID %.3g; third test sample FD %.4g KID %.3g; self FD %.3g; unseen training images FD %.4g KID %.3g",
		floorFD, floorKID, fd, kid, selfFD, trainFD, trainKID)
	if !(floorFD > 0) || math.Abs(fd-floorFD) > 0.5*floorFD {
		t.Errorf("FD(test, other test) = %.4g, floor %.4g: want within 50%%", fd, floorFD)
	}
	if math.Abs(kid) > 0.5*math.Abs(floorKID)+0.01 {
		t.Errorf("KID(test, other test) = %.3g, floor %.3g: want near 0", kid, floorKID)
	}
	if math.Abs(selfFD) > 1e-6*floorFD {
		t.Errorf("FD(test, test) = %g, want 0", selfFD)
	}
	// A mild corruption must already stand above the floor's scale.
	noisy, _ := distances(t, v.clf, v.ref, gaussianNoise(v.base, 0.1, rand.New(rand.NewPCG(1, 1))))
	if noisy < 2*floorFD {
		t.Errorf("noise σ=0.1 gives FD %.4g, not above twice the floor %.4g", noisy, floorFD)
	}
}

// corruption damages images (rows of 28×28 intensities in [0,1]) with a
// strength; strength 0 must leave them unchanged.
type corruption struct {
	name      string
	strengths []float64
	apply     func(v validationData, x *mat.Dense, s float64, rng *rand.Rand) *mat.Dense
}

var corruptions = []corruption{
	{"gaussian noise σ", []float64{0, 0.05, 0.1, 0.2, 0.4},
		func(_ validationData, x *mat.Dense, s float64, rng *rand.Rand) *mat.Dense {
			return gaussianNoise(x, s, rng)
		}},
	{"gaussian blur σ (pixels)", []float64{0, 0.6, 1, 1.5, 2.5},
		func(_ validationData, x *mat.Dense, s float64, _ *rand.Rand) *mat.Dense { return blur(x, s) }},
	{"salt and pepper fraction", []float64{0, 0.02, 0.05, 0.1, 0.2},
		func(_ validationData, x *mat.Dense, s float64, rng *rand.Rand) *mat.Dense {
			return saltAndPepper(x, s, rng)
		}},
	{"swapped 7×7 patch pairs", []float64{0, 1, 2, 4, 8},
		func(_ validationData, x *mat.Dense, s float64, rng *rand.Rand) *mat.Dense {
			return swapPatches(x, int(s), rng)
		}},
	{"dropped classes", []float64{0, 1, 2, 4, 6},
		func(v validationData, x *mat.Dense, s float64, _ *rand.Rand) *mat.Dense {
			return dropClasses(x, v.baseLabels, v.pool, v.poolLabels, int(s))
		}},
}

// FD and KID rise strictly with the strength of every corruption.
func TestFDAndKIDRiseWithCorruption(t *testing.T) {
	v := loadValidation(t)
	baseFD, baseKID := distances(t, v.clf, v.ref, v.base)
	t.Logf("uncorrupted: FD %.4g, KID %.4g", baseFD, baseKID)
	for _, tc := range corruptions {
		t.Run(tc.name, func(t *testing.T) {
			prevFD, prevKID := baseFD, baseKID
			for _, s := range tc.strengths[1:] { // strength 0 is the base
				fake := tc.apply(v, v.base, s, rand.New(rand.NewPCG(2, uint64(s*1000))))
				fd, kid := distances(t, v.clf, v.ref, fake)
				t.Logf("%s %g: FD %.4g, KID %.4g", tc.name, s, fd, kid)
				if fd <= prevFD || kid <= prevKID {
					t.Errorf("%s %g: FD %.4g (previous %.4g), KID %.4g (previous %.4g): not rising", tc.name, s, fd, prevFD, kid, prevKID)
				}
				prevFD, prevKID = fd, kid
			}
		})
	}
}

// PRDC(real, fake) takes the real set first: a fake set missing most
// classes has high precision and lower recall, and swapping the arguments
// swaps precision and recall exactly.
func TestPRDCArgumentOrder(t *testing.T) {
	v := loadValidation(t)
	real := v.clf.Features(v.ref)
	fake := v.clf.Features(dropClasses(v.base, v.baseLabels, v.pool, v.poolLabels, 6))
	fr, err := metrics.PRDC(real, fake, 5)
	if err != nil {
		t.Fatal(err)
	}
	rf, err := metrics.PRDC(fake, real, 5)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("4 classes of 10: precision %.3f recall %.3f density %.3f coverage %.3f", fr.Precision, fr.Recall, fr.Density, fr.Coverage)
	if !(fr.Precision > 0.8 && fr.Recall < fr.Precision-0.2 && fr.Coverage < 0.6) {
		t.Errorf("4 of 10 classes: precision %.3f, recall %.3f, coverage %.3f: want high precision, lower recall and coverage", fr.Precision, fr.Recall, fr.Coverage)
	}
	if fr.Precision != rf.Recall || fr.Recall != rf.Precision {
		t.Errorf("swapped arguments: (P, R) = (%v, %v), want (%v, %v)", rf.Precision, rf.Recall, fr.Recall, fr.Precision)
	}
}

// Distances stamps both results with the sample sizes, the reference and
// the network hash, and agrees with the metrics on the features.
func TestDistancesCarryProvenance(t *testing.T) {
	v := loadValidation(t)
	fake := v.base.Slice(0, 500, 0, 784).(*mat.Dense)
	fd, kid, err := v.clf.Distances(v.ref, fake, "test", KIDSettings{SubsetSize: 1000, Subsets: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []metrics.Provenance{fd.Provenance, kid.Provenance} {
		if p.N != 500 || p.NRef != validationN || p.Reference != "test" || p.FeatureNet != v.clf.Hash() {
			t.Errorf("provenance %+v", p)
		}
	}
	if kid.SubsetSize != 500 {
		t.Errorf("KID subset size %d, want it clamped to 500", kid.SubsetSize)
	}
	want, _ := metrics.FrechetDistance(v.clf.Features(v.ref), v.clf.Features(fake))
	if fd.FD != want.FD {
		t.Errorf("FD %v, want %v", fd.FD, want.FD)
	}
}
