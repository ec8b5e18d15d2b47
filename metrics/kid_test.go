package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Hand example, d = 1, k(a, b) = (ab + 1)³, one subset of both whole sets:
// real {0, 1}: off-diagonal k(0,1) = 1, mean 1; fake {1, 2}: k(1,2) = 27;
// cross: k(0,1) + k(0,2) + k(1,1) + k(1,2) = 1 + 1 + 8 + 27 = 37, so
// MMD²_u = 1 + 27 − 2·37/4 = 9.5.
func TestKIDHandExample(t *testing.T) {
	r, err := KID(col(0, 1), col(1, 2), 2, 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "KID", r.Mean, 9.5, 1e-12)
	if r.Std != 0 || r.N != 2 || r.NRef != 2 || r.SubsetSize != 2 || r.Subsets != 1 {
		t.Errorf("result %+v", r)
	}
	// d = 2 scales the inner products: real rows (1,1), (0,0); fake (1,0),
	// (0,1). k(x1,x2) = 1; k(y1,y2) = 1; cross: (1/2+1)³ twice and 1 twice
	// = 2·3.375 + 2 = 8.75, so MMD²_u = 1 + 1 − 8.75/2 = −2.375.
	real := mat.NewDense(2, 2, []float64{1, 1, 0, 0})
	fake := mat.NewDense(2, 2, []float64{1, 0, 0, 1})
	if r, err = KID(real, fake, 2, 3, 7); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "KID d=2", r.Mean, -2.375, 1e-12)
	assertClose(t, "KID d=2 std over identical subsets", r.Std, 0, 1e-12)
}

// Over many independent draws of two samples from one distribution, the
// estimates average to 0 within their standard error (the estimator is
// unbiased), and some are negative; for a shifted distribution they do
// not.
func TestKIDUnbiased(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const draws, n, d = 300, 60, 4
	same := make([]float64, draws)
	shifted := make([]float64, draws)
	for i := range draws {
		x := gauss(rng, n, d, 0)
		r, err := KID(x, gauss(rng, n, d, 0), n, 1, uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		same[i] = r.Mean
		if r, err = KID(x, gauss(rng, n, d, 0.3), n, 1, uint64(i)); err != nil {
			t.Fatal(err)
		}
		shifted[i] = r.Mean
	}
	s := Summarize(same)
	if math.Abs(s.Mean) > 3*s.StdErr {
		t.Errorf("identical distributions: mean KID %g ± %g (s.e.), want 0 within 3 s.e.", s.Mean, s.StdErr)
	}
	negative := 0
	for _, v := range same {
		if v < 0 {
			negative++
		}
	}
	if negative == 0 {
		t.Error("no negative estimate among identical distributions: biased?")
	}
	if sh := Summarize(shifted); sh.Mean < 5*sh.StdErr {
		t.Errorf("shifted distributions: mean KID %g ± %g, want clearly positive", sh.Mean, sh.StdErr)
	}
	t.Logf("identical: %.3g ± %.2g (s.e.), %d/%d negative", s.Mean, s.StdErr, negative, draws)
}

func TestKIDDeterministicAndSubsets(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	x, y := gauss(rng, 100, 3, 0), gauss(rng, 120, 3, 0.5)
	a, err := KID(x, y, 50, 10, 99)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := KID(x, y, 50, 10, 99)
	c, _ := KID(x, y, 50, 10, 100)
	if a != b {
		t.Errorf("same seed, different results: %+v vs %+v", a, b)
	}
	if a.Mean == c.Mean {
		t.Error("another seed drew the same subsets")
	}
	if !(a.Std > 0) || a.N != 120 || a.NRef != 100 || a.Subsets != 10 || a.SubsetSize != 50 {
		t.Errorf("result %+v", a)
	}
}

func TestKIDErrors(t *testing.T) {
	ok := col(1, 2, 3)
	tests := []struct {
		name          string
		real, fake    *mat.Dense
		size, subsets int
	}{
		{"nil", nil, ok, 2, 1},
		{"columns differ", ok, mat.NewDense(3, 2, nil), 2, 1},
		{"subset of 1", ok, ok, 1, 1},
		{"subset larger than fake", ok, col(1, 2), 3, 1},
		{"no subsets", ok, ok, 2, 0},
		{"Inf", ok, col(1, math.Inf(1), 3), 2, 1},
	}
	for _, tc := range tests {
		if _, err := KID(tc.real, tc.fake, tc.size, tc.subsets, 1); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
