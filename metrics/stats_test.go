package metrics

import (
	"math"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name          string
		x             []float64
		mean, std, se float64
		n, nonFinite  int
	}{
		{"empty", nil, nan, nan, nan, 0, 0},
		{"all non-finite", []float64{nan, inf, -inf}, nan, nan, nan, 0, 3},
		{"single", []float64{3.5}, 3.5, 0, 0, 1, 0},
		{"four", []float64{1, 2, 3, 4}, 2.5, math.Sqrt(5.0 / 3), math.Sqrt(5.0/3) / 2, 4, 0},
		{"non-finite counted not dropped", []float64{1, nan, 2, inf, 3, -inf, 4}, 2.5, math.Sqrt(5.0 / 3), math.Sqrt(5.0/3) / 2, 4, 3},
		{"large offset", []float64{1e9 + 1, 1e9 + 2, 1e9 + 3}, 1e9 + 2, 1, 1 / math.Sqrt(3), 3, 0},
		{"constant", []float64{7, 7, 7, 7, 7}, 7, 0, 0, 5, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Summarize(tc.x)
			if s.N != tc.n || s.NonFinite != tc.nonFinite {
				t.Fatalf("N, NonFinite = %d, %d; want %d, %d", s.N, s.NonFinite, tc.n, tc.nonFinite)
			}
			assertClose(t, "Mean", s.Mean, tc.mean, 1e-14)
			assertClose(t, "Std", s.Std, tc.std, 1e-12)
			assertClose(t, "StdErr", s.StdErr, tc.se, 1e-12)
		})
	}
}

func TestNLL(t *testing.T) {
	s := NLL([]float64{-1, -2, -3, math.Inf(-1), math.NaN()})
	if s.N != 3 || s.NonFinite != 2 {
		t.Fatalf("N, NonFinite = %d, %d; want 3, 2", s.N, s.NonFinite)
	}
	assertClose(t, "Mean", s.Mean, 2, 1e-15)
	assertClose(t, "Std", s.Std, 1, 1e-15)
	lo, hi := s.Interval()
	assertClose(t, "lo", lo, 2-2/math.Sqrt(3), 1e-14)
	assertClose(t, "hi", hi, 2+2/math.Sqrt(3), 1e-14)
	str := s.String()
	for _, want := range []string{"2.0000 ± 1.1547", "n=3", "non-finite=2"} {
		if !strings.Contains(str, want) {
			t.Errorf("String() = %q, missing %q", str, want)
		}
	}
}

func TestAggregate(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name              string
		x                 []float64
		mean, std, lo, hi float64
		n, nonFinite      int
	}{
		{"empty", nil, nan, nan, nan, nan, 0, 0},
		{"one seed: zero width, no NaN", []float64{5}, 5, 0, 5, 5, 1, 0},
		// t(0.975, 1) = 12.706204736174698; s.e. = √2/√2 = 1.
		{"two seeds", []float64{0, 2}, 1, math.Sqrt2, 1 - 12.706204736174698, 1 + 12.706204736174698, 2, 0},
		// t(0.975, 4) = 2.7764451051977987; std of 1..5 = √2.5, s.e. = √0.5.
		{"five seeds", []float64{1, 2, 3, 4, 5}, 3, math.Sqrt(2.5), 3 - 2.7764451051977987*math.Sqrt(0.5), 3 + 2.7764451051977987*math.Sqrt(0.5), 5, 0},
		{"failed seed counted", []float64{1, 2, 3, 4, 5, nan}, 3, math.Sqrt(2.5), 3 - 2.7764451051977987*math.Sqrt(0.5), 3 + 2.7764451051977987*math.Sqrt(0.5), 5, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Aggregate(tc.x)
			if a.N != tc.n || a.NonFinite != tc.nonFinite {
				t.Fatalf("N, NonFinite = %d, %d; want %d, %d", a.N, a.NonFinite, tc.n, tc.nonFinite)
			}
			assertClose(t, "Mean", a.Mean, tc.mean, 1e-14)
			assertClose(t, "Std", a.Std, tc.std, 1e-12)
			assertClose(t, "CI95Lo", a.CI95Lo, tc.lo, 1e-9)
			assertClose(t, "CI95Hi", a.CI95Hi, tc.hi, 1e-9)
		})
	}
}

func TestLogSumExp(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	tests := []struct {
		name string
		x    []float64
		lse  float64
		lme  float64
	}{
		{"empty", nil, -inf, nan},
		{"one", []float64{0}, 0, 0},
		{"two zeros", []float64{0, 0}, math.Ln2, 0},
		{"log 1 and log 3", []float64{0, math.Log(3)}, math.Log(4), math.Log(2)},
		{"no overflow", []float64{1000, 1000}, 1000 + math.Ln2, 1000},
		{"no underflow", []float64{-1000, -1000, -1000}, -1000 + math.Log(3), -1000},
		{"dominant term", []float64{-1e300, 0}, 0, -math.Ln2},
		{"all -Inf", []float64{-inf, -inf}, -inf, -inf},
		{"one -Inf", []float64{-inf, 0}, 0, -math.Ln2},
		{"+Inf", []float64{inf, 1}, inf, inf},
		{"NaN", []float64{1, nan}, nan, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertClose(t, "LogSumExp", LogSumExp(tc.x), tc.lse, 1e-15)
			assertClose(t, "LogMeanExp", LogMeanExp(tc.x), tc.lme, 1e-15)
		})
	}
	// Against the naive formula where it does not overflow.
	x := []float64{-3.2, 0.5, 1.7, -0.1, 2.9}
	naive := 0.0
	for _, v := range x {
		naive += math.Exp(v)
	}
	assertClose(t, "LogSumExp vs naive", LogSumExp(x), math.Log(naive), 1e-14)
}
