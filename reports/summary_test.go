package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/genbench/genbench/results"
)

// named renames a hand-made record's model (and trial, to keep ids apart).
func named(r *results.Record, model string) *results.Record {
	r.Model = model
	r.Trial = r.Dataset + "-" + model + "-s1"
	return r
}

func baselineRec(ds string, dim int, metrics mm) *results.Record {
	r := rec(ds, dim, "gaussian", "gaussian", "flow", "exact", 1, metrics)
	r.ModelInfo = &results.ModelInfo{Sampling: "none", Baseline: true}
	return r
}

// TestSummarize checks the choice of each summary line on hand-made rows:
// the best test NLL within one family and NLL kind, coverage then speed
// without a likelihood, baselines and rows without ok trials left out.
func TestSummarize(t *testing.T) {
	failed := named(flowRec("ring8", 2, mm{"test_nll": 0.1}), "broken")
	failed.Status = "failed"
	tests := []struct {
		name string
		recs []*results.Record
		want []string // "data set/family/kind/best model/of"
	}{
		{"lowest NLL wins within a family", []*results.Record{
			named(flowRec("ring8", 2, mm{"test_nll": 0.9}), "a"),
			named(flowRec("ring8", 2, mm{"test_nll": 0.7}), "b"),
			named(flowRec("ring8", 2, mm{"test_nll": 0.8}), "c"),
		}, []string{"ring8/flow/exact/b/3"}},
		{"a baseline and a failed row never compete", []*results.Record{
			baselineRec("ring8", 2, mm{"test_nll": 0.1}),
			failed,
			named(flowRec("ring8", 2, mm{"test_nll": 0.7}), "b"),
		}, []string{"ring8/flow/exact/b/1"}},
		{"two NLL kinds of one family get a line each", []*results.Record{
			named(vaeRec("ring8", 2, mm{"test_nll": 1.2}), "vae"),
			named(rec("ring8", 2, "iwae", "iwae", "vae", "estimate", 1, mm{"test_nll": 0.9}), "iwae"),
			named(vaeRec("ring8", 2, mm{"test_nll": 1.1}), "vae2"),
		}, []string{"ring8/vae/estimate/iwae/1", "ring8/vae/bound/vae2/2"}}, // table order: iwae before vae
		{"without a likelihood: most modes, then fastest", []*results.Record{
			named(ganRec("ring8", 2, mm{"modes_covered": 6, "samples_per_sec": 900}), "g1"),
			named(ganRec("ring8", 2, mm{"modes_covered": 8, "samples_per_sec": 100}), "g2"),
			named(ganRec("ring8", 2, mm{"modes_covered": 8, "samples_per_sec": 200}), "g3"),
		}, []string{"ring8/gan/none/g3/3"}},
		{"a model lacking the NLL ranks after one having it", []*results.Record{
			named(flowRec("ring8", 2, mm{"samples_per_sec": 1e6}), "nonll"),
			named(flowRec("ring8", 2, mm{"test_nll": 5}), "nll"),
		}, []string{"ring8/flow/exact/nll/2"}},
		{"ties keep table order", []*results.Record{
			named(flowRec("ring8", 2, mm{"test_nll": 1}), "b"),
			named(flowRec("ring8", 2, mm{"test_nll": 1}), "a"),
		}, []string{"ring8/flow/exact/a/2"}},
		{"data sets in order, families in table order", []*results.Record{
			ganRec("ring8", 2, mm{"modes_covered": 3}),
			flowRec("ring8", 2, mm{"test_nll": 1}),
			madeRec("grid25", 2, mm{"test_nll": 2}),
			iaeRec("ring8", 2, mm{"test_nll": 1.5}),
		}, []string{"grid25/autoregressive/exact/made/1", "ring8/flow/exact/realnvp/1", "ring8/iae/exact/iae/1", "ring8/gan/none/gan/1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, l := range summarize(group(tt.recs, nil)) {
				got = append(got, strings.Join([]string{l.set.Label, l.family, l.kind, l.best.Model, itoa(l.of)}, "/"))
			}
			if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Errorf("summary lines\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func itoa(n int) string { return fmtInt(float64(n)) }

// TestSummaryCells checks the texts of a summary line's cells.
func TestSummaryCells(t *testing.T) {
	two := []*results.Record{
		rec("ring8", 2, "maf", "maf", "flow", "exact", 1, mm{"test_nll": 0.61234, "modes_covered": 7, "modes_total": 8, "samples_per_sec": 12345}),
		rec("ring8", 2, "maf", "maf", "flow", "exact", 2, mm{"test_nll": 0.61434, "modes_covered": 8, "modes_total": 8, "samples_per_sec": 12345}),
		rec("ring8", 2, "gan", "gan", "gan", "none", 1, mm{"classes_covered": 9, "classes_total": 10}),
	}
	two = append(two,
		rec("ring8", 2, "odd", "odd", "iae", "exact", 1, mm{"test_nll": 1}),
		rec("ring8", 2, "odd", "odd", "iae", "bound", 2, mm{"test_nll": 2}))
	lines := summarize(group(two, nil))
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3", len(lines))
	}
	tests := []struct {
		name, got, want string
	}{
		// sd over the two seeds is 0.0014: the mean gets 4 decimals, as in the detail table.
		{"NLL with its kind", summaryNLL(lines[0]), "0.6133 exact"},
		{"modes out of the total", summaryCoverage(lines[0].best), "7.50 / 8 modes"},
		{"classes when no modes", summaryCoverage(lines[2].best), "9 / 10 classes"},
		{"no likelihood", summaryNLL(lines[2]), "no likelihood"},
		{"one model", summaryModel(lines[0]), "maf"},
		{"several models", summaryModel(summaryLine{best: lines[0].best, of: 3}), "maf (best of 3)"},
		{"seeds of two NLL kinds are not ranked", summaryNLL(lines[1]), "mixed kinds"},
		{"absent metric", statText(lines[2].best, "samples_per_sec", meanText), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestClaimTally(t *testing.T) {
	tests := []struct {
		verdicts []Verdict
		want     string
	}{
		{[]Verdict{Supported, Supported}, "2 supported"},
		{[]Verdict{NotMeasured, Supported, NotSupported}, "1 supported, 1 not supported, 1 not measured in this run"},
		{nil, ""},
	}
	for _, tt := range tests {
		var c Claim
		for _, v := range tt.verdicts {
			c.Checks = append(c.Checks, Check{Verdict: v})
		}
		if got := claimTally(c); got != tt.want {
			t.Errorf("claimTally(%v) = %q, want %q", tt.verdicts, got, tt.want)
		}
	}
}

// TestSummaryRendering renders the summary of hand-made rows in Markdown
// and HTML: the same cells in both, the data set named once per group,
// verdict badges, and a sentence instead of an empty table.
func TestSummaryRendering(t *testing.T) {
	recs := []*results.Record{
		flowRec("ring8", 2, mm{"test_nll": 0.6, "samples_per_sec": 5000}),
		ganRec("ring8", 2, mm{"modes_covered": 2, "modes_total": 8}),
	}
	sets := group(recs, nil)
	blocks := summaryBlocks(summarize(sets), claimsFor(sets))
	var md, html bytes.Buffer
	if err := writeMarkdown(&md, blocks); err != nil {
		t.Fatal(err)
	}
	if err := writeHTML(&html, "t", blocks); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"## Summary\n",
		"| ring8 | flow | realnvp | 0.6000 exact | — | — | 5000 |\n",
		"|   | gan | gan | no likelihood | — | 2 / 8 modes | — |\n",
		"| gan | GANs suffer mode collapse: they cover fewer modes than likelihood-trained models. | **supported** | 1 supported |\n",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md.String())
		}
	}
	for _, want := range []string{
		`<h2 id="summary">Summary</h2>`,
		`<td>ring8</td><td>flow</td><td>realnvp</td><td class="r">0.6000 exact</td>`,
		`<td><span class="v-yes"><strong>supported</strong></span></td><td>1 supported</td>`,
	} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	md.Reset()
	if err := writeMarkdown(&md, summaryBlocks(nil, nil)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "No model finished ok") || strings.Contains(md.String(), "| data set |") {
		t.Errorf("summary without lines:\n%s", md.String())
	}
}
