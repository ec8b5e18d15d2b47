package reports

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The number formats of the report. Every number goes through one of
// these, so output is deterministic and uniform.

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// decimalsFor returns the decimals that show pm with two significant
// digits (0 to 6).
func decimalsFor(pm float64) int {
	if !finite(pm) || pm <= 0 {
		return -1
	}
	d := 1 - int(math.Floor(math.Log10(pm)))
	return max(0, min(d, 6))
}

// fmtPM writes "mean ± pm" with the mean rounded to the precision of pm
// (two significant digits of pm); "mean" alone in 4 significant digits
// when pm is unknown.
func fmtPM(mean, pm float64) string {
	d := decimalsFor(pm)
	if d < 0 {
		return fmtSig(mean, 4)
	}
	return strconv.FormatFloat(mean, 'f', d, 64) + " ± " + strconv.FormatFloat(pm, 'f', d, 64)
}

// fmtSig writes v with n significant digits in plain decimal notation
// (thousands grouped with commas from 10,000 up).
func fmtSig(v float64, n int) string {
	if math.IsNaN(v) {
		return "NaN"
	}
	if math.IsInf(v, 0) {
		if v > 0 {
			return "+Inf"
		}
		return "−Inf"
	}
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	if a < 1e-4 || a >= 1e15 {
		return strconv.FormatFloat(v, 'g', n, 64)
	}
	d := n - 1 - int(math.Floor(math.Log10(a)))
	if d < 0 {
		p := math.Pow(10, float64(-d))
		v = math.Round(v/p) * p
		d = 0
	}
	s := strconv.FormatFloat(v, 'f', d, 64)
	if math.Abs(v) >= 10000 {
		s = groupThousands(s)
	}
	return s
}

// fmtInt writes an integer with thousands grouped by commas.
func fmtInt(v float64) string {
	return groupThousands(strconv.FormatFloat(math.Round(v), 'f', 0, 64))
}

func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if hasFrac {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// fmtPct writes a fraction as a percentage with one decimal.
func fmtPct(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

// fmtRatio writes a ratio such as a speed-up with 3 significant digits
// and a trailing ×.
func fmtRatio(r float64) string { return fmtSig(r, 3) + "×" }

// median of a non-empty slice (copy sorted).
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// plural writes "1 trial" / "2 trials".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// fmtCount writes a count: an integer when v is integral, else 3
// significant digits (a mean over seeds).
func fmtCount(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmtInt(v)
	}
	return fmtSig(v, 3)
}
