package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestBitsPerDimClosedForm(t *testing.T) {
	tests := []struct {
		name      string
		nll, corr []float64
		dim, lev  int
		mean      float64
		n, nonFin int
	}{
		// The uniform density on [0,1]^D has NLL 0: exactly 8 bits/dim for 8-bit data.
		{"uniform on unit cube, 8 bit", []float64{0, 0, 0}, nil, 784, 256, 8, 3, 0},
		{"uniform, 5 bit", []float64{0, 0}, nil, 10, 32, 5, 2, 0},
		// Binary data: no quantisation term, bpd = NLL/(D ln 2).
		{"binary, levels 0", []float64{784 * math.Ln2}, nil, 784, 0, 1, 1, 0},
		{"binary, mean of two", []float64{0, 2 * 10 * math.Ln2}, nil, 10, 0, 1, 2, 0},
		// A density 2^D on [0,½]^D has NLL −D ln 2: one bit per dim less.
		{"concentrated density", []float64{-3 * math.Ln2}, nil, 3, 256, 7, 1, 0},
		// The correction is added to the NLL before conversion.
		{"correction added", []float64{1}, []float64{-1}, 4, 256, 8, 1, 0},
		{"non-finite counted", []float64{0, math.Inf(1), 0}, []float64{0, 0, math.NaN()}, 2, 256, 8, 1, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := BitsPerDim(tc.nll, tc.corr, tc.dim, tc.lev)
			if err != nil {
				t.Fatal(err)
			}
			if s.N != tc.n || s.NonFinite != tc.nonFin {
				t.Fatalf("N, NonFinite = %d, %d; want %d, %d", s.N, s.NonFinite, tc.n, tc.nonFin)
			}
			assertClose(t, "bits/dim", s.Mean, tc.mean, 1e-14)
		})
	}
}

func TestBitsPerDimErrors(t *testing.T) {
	tests := []struct {
		name      string
		nll, corr []float64
		dim, lev  int
	}{
		{"dim 0", []float64{1}, nil, 0, 256},
		{"negative levels", []float64{1}, nil, 3, -1},
		{"one level", []float64{1}, nil, 3, 1},
		{"correction length", []float64{1, 2}, []float64{1}, 3, 256},
	}
	for _, tc := range tests {
		if _, err := BitsPerDim(tc.nll, tc.corr, tc.dim, tc.lev); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func sigmoid(y float64) float64 { return 1 / (1 + math.Exp(-y)) }

// logitData draws u ~ U[0,1]^D and returns y = logit(λ + (1−2λ)u) together
// with the exact NLL of y, −log p_y(y) = −Σ log[σ(y)(1−σ(y))] + D log(1−2λ),
// written naively (independently of LogitCorrection).
func logitData(rng *rand.Rand, n, d int, lambda float64) (ys [][]float64, nllY []float64) {
	for range n {
		y := make([]float64, d)
		nll := float64(d) * math.Log(1-2*lambda)
		for i := range y {
			x := lambda + (1-2*lambda)*rng.Float64()
			y[i] = math.Log(x / (1 - x))
			s := sigmoid(y[i])
			nll -= math.Log(s * (1 - s))
		}
		ys = append(ys, y)
		nllY = append(nllY, nll)
	}
	return ys, nllY
}

// The uniform density on [0,1]^D pushed through the logit transform must
// come back to exactly 8 bits/dim once the Jacobian is added back.
func TestBitsPerDimLogitUniform(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, lambda := range []float64{1e-6, 0.05, 0} {
		ys, nllY := logitData(rng, 200, 3, lambda)
		corr := make([]float64, len(ys))
		for i, y := range ys {
			c, err := LogitCorrection(y, lambda)
			if err != nil {
				t.Fatal(err)
			}
			corr[i] = c
		}
		s, err := BitsPerDim(nllY, corr, 3, 256)
		if err != nil {
			t.Fatal(err)
		}
		if s.N != 200 || s.NonFinite != 0 {
			t.Fatalf("λ=%g: N, NonFinite = %d, %d", lambda, s.N, s.NonFinite)
		}
		assertClose(t, "bits/dim of logit-uniform", s.Mean, 8, 1e-9)
		if s.Std > 1e-9 {
			t.Errorf("λ=%g: per-example bits/dim vary (std %g); each must be 8", lambda, s.Std)
		}
		// Without the correction the number is wrong (this is the bug the
		// correction prevents).
		raw, _ := BitsPerDim(nllY, nil, 3, 256)
		if math.Abs(raw.Mean-8) < 0.5 {
			t.Errorf("λ=%g: uncorrected bits/dim %g is close to 8; test has no power", lambda, raw.Mean)
		}
	}
}

// BitsPerDim with LogitCorrection must agree with the formula of docs/protocols.md, "Bits per dimension"
// written out literally, for arbitrary model NLLs in logit space.
func TestBitsPerDimMatchesReferenceFormula(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const d, lambda = 5, 1e-6
	ys, _ := logitData(rng, 50, d, lambda)
	for i, y := range ys {
		nllY := 100 * rng.Float64() // some model's NLL of y
		lit := nllY/(d*math.Ln2) - math.Log2(1-2*lambda) + 8
		sum := 0.0
		for _, v := range y {
			sum += math.Log2(sigmoid(v)) + math.Log2(1-sigmoid(v))
		}
		lit += sum / d
		c, err := LogitCorrection(y, lambda)
		if err != nil {
			t.Fatal(err)
		}
		s, err := BitsPerDim([]float64{nllY}, []float64{c}, d, 256)
		if err != nil {
			t.Fatal(err)
		}
		if !near(s.Mean, lit, 1e-12) {
			t.Errorf("example %d: BitsPerDim %.15g, reference formula %.15g", i, s.Mean, lit)
		}
	}
}

func TestLogitCorrection(t *testing.T) {
	tests := []struct {
		name   string
		y      []float64
		lambda float64
		want   float64
	}{
		// σ(0)(1−σ(0)) = 1/4.
		{"zero", []float64{0, 0}, 0, 2 * math.Log(0.25)},
		{"lambda term", []float64{0}, 0.05, math.Log(0.25) - math.Log(0.9)},
		// For large |y|, log σ(y)(1−σ(y)) ≈ −|y|; the naive form gives −Inf.
		{"stable for large |y|", []float64{800, -800}, 0, -1600},
	}
	for _, tc := range tests {
		got, err := LogitCorrection(tc.y, tc.lambda)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		assertClose(t, tc.name, got, tc.want, 1e-14)
	}
	for _, bad := range []struct {
		y      []float64
		lambda float64
	}{{[]float64{0}, -0.1}, {[]float64{0}, 0.5}, {[]float64{0}, math.NaN()}, {nil, 0.05}} {
		if _, err := LogitCorrection(bad.y, bad.lambda); err == nil {
			t.Errorf("LogitCorrection(%v, %v): no error", bad.y, bad.lambda)
		}
	}
}
