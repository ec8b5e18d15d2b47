package reports

import (
	"math"
	"testing"
)

func TestFormats(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"pm two digits", fmtPM(0.789740792965889, 0.0354), "0.790 ± 0.035"},
		{"pm large", fmtPM(1300.52, 1.83), "1300.5 ± 1.8"},
		{"pm integer", fmtPM(1234.4, 25), "1234 ± 25"},
		{"pm unknown", fmtPM(0.78974, math.NaN()), "0.7897"},
		{"pm zero", fmtPM(2.5, 0), "2.500"},
		{"sig small", fmtSig(0.0005386, 3), "0.000539"},
		{"sig grouped", fmtSig(28184637, 3), "28,200,000"},
		{"sig plain", fmtSig(4786.2, 3), "4790"},
		{"sig tiny", fmtSig(1.5e-7, 3), "1.5e-07"},
		{"sig negative", fmtSig(-1.2345, 3), "-1.23"},
		{"sig inf", fmtSig(math.Inf(-1), 3), "−Inf"},
		{"int", fmtInt(1234567), "1,234,567"},
		{"int small", fmtInt(4), "4"},
		{"count integral", fmtCount(8), "8"},
		{"count mean", fmtCount(7.5), "7.50"},
		{"pct", fmtPct(0.7848), "78.5%"},
		{"ratio", fmtRatio(0.2561), "0.256×"},
		{"slug", slugify("MNIST [preprocess=binarize]"), "mnist-preprocess-binarize"},
		{"params", formatParams(map[string]any{"std": 0.1, "preprocess": []string{"a", "b"}}), "preprocess=[a,b], std=0.1"},
		{"md escape", mdInline(cat(txt("a_b *c* [r1] x|y <z>"), txt(" "), bld(" bold "), cde("k|v"))), `a\_b \*c\* \[r1\] x\|y &lt;z&gt;  **bold** ` + "`k\\|v`"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if m := median([]float64{3, 1, 2, 10}); m != 2.5 {
		t.Errorf("median = %v", m)
	}
}
