package reports

import (
	"sort"

	"github.com/genbench/genbench/results"
)

// The claims machinery: a claim is a family's textbook statement with a
// deterministic rule, checked per data set (or across data sets) and
// combined into one verdict. Each family's claims live in
// claims_<family>.go; the row selections and the numeric helpers they
// share live in claims_rows.go.

// Verdict is the outcome of checking a claim against measured numbers.
type Verdict string

// The verdicts.
const (
	Supported    Verdict = "supported"
	NotSupported Verdict = "not supported"
	NotMeasured  Verdict = "not measured in this run"
)

// Check is a claim's verdict on one data set (or on all of them, for
// claims across data sets), with the numbers behind it.
type Check struct {
	Scope    string // data set label, or "across data sets"
	Verdict  Verdict
	Evidence string
}

// Claim is a family's textbook claim, the deterministic rule that decides
// it, the overall verdict and the per-data-set checks.
type Claim struct {
	ID        string
	Family    string // a models.Family value
	Statement string
	Rule      string
	Verdict   Verdict
	Checks    []Check
	// Figures names the figures (file names under figures/) that show the
	// evidence; only those the report actually drew are kept.
	Figures []string
}

// Thresholds of the verdict rules.
const (
	// OnePassFactor: flows sample "as fast as" one-pass decoders when their
	// median samples/s is at least this fraction of the decoders' median.
	OnePassFactor = 0.1
	// SlowFactor: autoregressive models sample "slowly" when their median
	// samples/s is at most this fraction of the one-pass models' median.
	SlowFactor = 0.5
	// ModeMargin: a model misses modes when its mean modes covered is at
	// least this many modes below the comparison.
	ModeMargin = 1.0
)

// How per-data-set checks combine into the overall verdict.
const (
	combineAll = "Overall: supported if supported on every data set where it was measured, not supported if not supported on any, not measured if measured nowhere."
	combineAny = "Overall: supported if supported on at least one data set, not supported if measured and supported on none, not measured if measured nowhere."
)

// claimDef declares one claim: its text, its rule, and the functions that
// check it per data set (perSet) or across data sets (global).
type claimDef struct {
	id, family, statement, rule string
	any                         bool
	perSet                      func(ds *DataSet) (Check, bool) // false: the claim's subject is absent
	global                      func(sets []*DataSet) []Check
	figures                     func(ds *DataSet) []string
	globalFigures               []string
	absent                      string // evidence when no data set has the subject
}

// claimDefs lists every claim in report order: flows, VAEs,
// autoregressive models, GANs, invertible autoencoders.
var claimDefs = concatClaims(flowClaims, vaeClaims, arClaims, ganClaims, iaeClaims)

func concatClaims(groups ...[]claimDef) []claimDef {
	var out []claimDef
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// Claims checks every family's textbook claim against the records and
// returns them in a fixed order. Records need not be sorted.
func Claims(recs []*results.Record) []Claim {
	sorted := append([]*results.Record(nil), recs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Trial < sorted[j].Trial })
	return claimsFor(group(sorted, nil))
}

func claimsFor(sets []*DataSet) []Claim {
	out := make([]Claim, 0, len(claimDefs))
	for _, def := range claimDefs {
		out = append(out, def.check(sets))
	}
	return out
}

// check decides one claim on the data sets.
func (def claimDef) check(sets []*DataSet) Claim {
	c := Claim{ID: def.id, Family: def.family, Statement: def.statement}
	c.Rule = def.rule + " " + combineAll
	if def.any {
		c.Rule = def.rule + " " + combineAny
	}
	if def.global != nil {
		c.Checks = def.global(sets)
		c.Figures = append(c.Figures, def.globalFigures...)
	}
	if def.perSet != nil {
		for _, ds := range sets {
			ch, ok := def.perSet(ds)
			if !ok {
				continue
			}
			ch.Scope = ds.Label
			c.Checks = append(c.Checks, ch)
			if def.figures != nil && ch.Verdict != NotMeasured {
				c.Figures = append(c.Figures, def.figures(ds)...)
			}
		}
	}
	if len(c.Checks) == 0 {
		c.Checks = []Check{{Scope: "across data sets", Verdict: NotMeasured, Evidence: def.absent}}
	}
	c.Verdict = combine(c.Checks, def.any)
	return c
}

func combine(checks []Check, any bool) Verdict {
	var sup, not int
	for _, c := range checks {
		switch c.Verdict {
		case Supported:
			sup++
		case NotSupported:
			not++
		}
	}
	switch {
	case any && sup > 0:
		return Supported
	case any && not > 0:
		return NotSupported
	case !any && not > 0:
		return NotSupported
	case !any && sup > 0:
		return Supported
	}
	return NotMeasured
}

// verdictOf turns a rule's outcome into a check: supported when holds.
func verdictOf(holds bool, evidence string) Check {
	if holds {
		return Check{Verdict: Supported, Evidence: evidence}
	}
	return Check{Verdict: NotSupported, Evidence: evidence}
}
