package stats

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/genbench/genbench/internal/jsonnum"
)

// Alternative names the alternative hypothesis of a test on a difference
// d = a − b.
type Alternative string

const (
	// TwoSided tests H1: the mean difference is not zero.
	TwoSided Alternative = "two-sided"
	// Greater tests H1: the mean difference a − b is positive.
	Greater Alternative = "greater"
	// Less tests H1: the mean difference a − b is negative.
	Less Alternative = "less"
)

func (a Alternative) valid() bool { return a == TwoSided || a == Greater || a == Less }

// Names of the tests, stable strings stored in [Result.Test].
const (
	TestPairedZ       = "paired-z"              // per-example paired z test within one seed
	TestSignFlipExact = "sign-flip-exact"       // all 2^S sign patterns
	TestSignFlipMC    = "sign-flip-monte-carlo" // seeded random sign patterns
	TestWilcoxonExact = "wilcoxon-exact"        // exact signed-rank distribution
	TestWilcoxonNorm  = "wilcoxon-normal"       // normal approximation with tie and continuity correction
	TestRandomEffects = "random-effects-hksj"   // per-seed means combined (DerSimonian–Laird, Hartung–Knapp)
	TestBootstrap     = "bootstrap"             // interval only, no p-value
)

// Names of the effect sizes stored in [Result.EffectName].
const (
	EffectCohenDz = "cohen_dz" // mean / sd of the paired differences
	EffectZ       = "z"        // mean difference / its standard error
)

// Result is the outcome of one comparison or interval. Difference is the
// estimate of a − b (the mean difference unless Test says otherwise: the
// Wilcoxon tests report the Hodges–Lehmann estimate). Every float that cannot
// be computed is NaN, serialised as JSON null; Note says why.
//
// PHolm and Significant refer to the family the result was adjusted in by
// [AdjustHolm]; a fresh result is a family of one (PHolm = PValue).
type Result struct {
	Test        string      `json:"test"`
	Alternative Alternative `json:"alternative,omitempty"`
	Difference  float64     `json:"difference"`
	StdErr      float64     `json:"std_err"`
	CILow       float64     `json:"ci_low"`
	CIHigh      float64     `json:"ci_high"`
	CILevel     float64     `json:"ci_level"`
	CIMethod    string      `json:"ci_method,omitempty"`
	PValue      float64     `json:"p_value"`
	PHolm       float64     `json:"p_holm"`
	Alpha       float64     `json:"alpha"`
	Significant bool        `json:"significant"`
	EffectSize  float64     `json:"effect_size"`
	EffectName  string      `json:"effect_name,omitempty"`
	// MinP is the smallest p-value the test could have produced with this
	// many seeds and examples (0 for tests with a continuous null). When
	// MinP > Alpha the test cannot reject whatever the data, and Note says so.
	MinP      float64 `json:"min_p"`
	NSeeds    int     `json:"n_seeds"`
	NExamples int     `json:"n_examples"`
	Note      string  `json:"note,omitempty"`
}

// newResult returns a Result whose floats are all NaN, so that nothing left
// unset can pass for a zero.
func newResult(test string, alt Alternative, alpha float64) Result {
	nan := math.NaN()
	return Result{
		Test: test, Alternative: alt, Alpha: alpha,
		Difference: nan, StdErr: nan, CILow: nan, CIHigh: nan, CILevel: nan,
		PValue: nan, PHolm: nan, EffectSize: nan, MinP: nan,
	}
}

// finish sets PHolm to PValue (a family of one), decides Significant and
// appends the note on an unattainable level.
func (r *Result) finish() {
	r.PHolm = r.PValue
	r.Significant = !math.IsNaN(r.PHolm) && r.PHolm <= r.Alpha
	if r.MinP > r.Alpha {
		r.addNote(fmt.Sprintf("the smallest attainable p-value is %.4g > α = %g: this test cannot reject with %d seeds", r.MinP, r.Alpha, r.NSeeds))
	}
}

func (r *Result) addNote(s string) {
	if r.Note == "" {
		r.Note = s
		return
	}
	r.Note += "; " + s
}

// resultJSON mirrors Result with null-safe floats; the field names are the
// stable interface.
type resultJSON struct {
	Test        string        `json:"test"`
	Alternative Alternative   `json:"alternative,omitempty"`
	Difference  jsonnum.Float `json:"difference"`
	StdErr      jsonnum.Float `json:"std_err"`
	CILow       jsonnum.Float `json:"ci_low"`
	CIHigh      jsonnum.Float `json:"ci_high"`
	CILevel     jsonnum.Float `json:"ci_level"`
	CIMethod    string        `json:"ci_method,omitempty"`
	PValue      jsonnum.Float `json:"p_value"`
	PHolm       jsonnum.Float `json:"p_holm"`
	Alpha       jsonnum.Float `json:"alpha"`
	Significant bool          `json:"significant"`
	EffectSize  jsonnum.Float `json:"effect_size"`
	EffectName  string        `json:"effect_name,omitempty"`
	MinP        jsonnum.Float `json:"min_p"`
	NSeeds      int           `json:"n_seeds"`
	NExamples   int           `json:"n_examples"`
	Note        string        `json:"note,omitempty"`
}

// MarshalJSON writes the result with NaN and ±Inf as null.
func (r Result) MarshalJSON() ([]byte, error) {
	return json.Marshal(resultJSON{
		r.Test, r.Alternative, jsonnum.Float(r.Difference), jsonnum.Float(r.StdErr),
		jsonnum.Float(r.CILow), jsonnum.Float(r.CIHigh), jsonnum.Float(r.CILevel), r.CIMethod,
		jsonnum.Float(r.PValue), jsonnum.Float(r.PHolm), jsonnum.Float(r.Alpha), r.Significant,
		jsonnum.Float(r.EffectSize), r.EffectName, jsonnum.Float(r.MinP),
		r.NSeeds, r.NExamples, r.Note,
	})
}

// UnmarshalJSON reads what MarshalJSON wrote, null becoming NaN.
func (r *Result) UnmarshalJSON(b []byte) error {
	var j resultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("stats: decoding result: %w", err)
	}
	*r = Result{
		Test: j.Test, Alternative: j.Alternative, Difference: float64(j.Difference),
		StdErr: float64(j.StdErr), CILow: float64(j.CILow), CIHigh: float64(j.CIHigh),
		CILevel: float64(j.CILevel), CIMethod: j.CIMethod, PValue: float64(j.PValue),
		PHolm: float64(j.PHolm), Alpha: float64(j.Alpha), Significant: j.Significant,
		EffectSize: float64(j.EffectSize), EffectName: j.EffectName, MinP: float64(j.MinP),
		NSeeds: j.NSeeds, NExamples: j.NExamples, Note: j.Note,
	}
	return nil
}
