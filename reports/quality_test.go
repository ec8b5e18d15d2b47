package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/results"
)

// qualityFixture is MNIST in three forms: grey and logit (continuous) and
// binarized, with one model each and two on grey.
func qualityFixture() []*DataSet {
	set := func(label, kind string) *DataSet {
		return &DataSet{Name: "mnist", Label: label, Kind: kind, Slug: label}
	}
	grey, logit, binary := set("mnist-grey", "continuous"), set("mnist-logit", "continuous"), set("mnist-binary", "binary")
	row := func(ds *DataSet, model, family string, fd ...float64) {
		r := &Row{Set: ds, Model: model, Label: model, Family: family}
		for i, v := range fd {
			rec := &results.Record{Trial: model + string(rune('a'+i)), Status: results.StatusOK,
				Metrics:  map[string]float64{"fd": v, "fd_floor": 4.5, "kid": v / 100},
				Protocol: map[string]string{"fd": "FD note n=2000"}}
			r.Trials, r.OK = append(r.Trials, rec), append(r.OK, rec)
		}
		ds.Rows = append(ds.Rows, r)
	}
	row(grey, "gan", "gan", 80, 90, 100)
	row(grey, "gan-b", "gan", 200, 210)
	row(logit, "realnvp", "flow", 150, 160, 170)
	row(binary, "made", "autoregressive", 20, 30)
	return []*DataSet{grey, logit, binary}
}

func TestQualityGroupsByKind(t *testing.T) {
	ranked, floors, _ := qualityKeys()
	var names []string
	for _, k := range ranked {
		names = append(names, k.Name)
	}
	for _, want := range []string{"fd", "kid", "precision", "recall"} {
		if !strings.Contains(" "+strings.Join(names, " ")+" ", " "+want+" ") {
			t.Errorf("ranked keys %v lack %s", names, want)
		}
	}
	if len(floors) == 0 {
		t.Fatal("no floor keys: the registry declares fd_floor and kid_floor")
	}
	groups := qualityGroups(qualityFixture(), ranked)
	if len(groups) != 1 {
		t.Fatalf("%d groups, want 1: the binary form alone has no other form to rank against", len(groups))
	}
	g := groups[0]
	if g.kind != "continuous" || len(g.sets) != 2 || len(g.rows) != 3 {
		t.Fatalf("group %s with %d forms and %d rows, want continuous, 2, 3", g.kind, len(g.sets), len(g.rows))
	}
	var fd metrics.Key
	for _, k := range ranked {
		if k.Name == "fd" {
			fd = k
		}
	}
	ranks := rankByMean(g.rows, fd)
	want := map[string]int{"gan": 1, "realnvp": 2, "gan-b": 3}
	for _, row := range g.rows {
		if ranks[row] != want[row.Model] {
			t.Errorf("%s ranked %d on fd (lower is better), want %d", row.Model, ranks[row], want[row.Model])
		}
	}
}

func TestQualitySectionText(t *testing.T) {
	r := &Report{Sets: qualityFixture()}
	var buf bytes.Buffer
	if err := writeMarkdown(&buf, r.qualitySection()); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"## Sample quality across data forms",
		"### mnist, continuous forms (mnist-grey, mnist-logit)",
		"Floor of mnist-grey: fd 4.50",
		"FD note n=2000",
		"**90.0 ± 10** (1)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("section lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "made") {
		t.Errorf("the binarized form's model is ranked with the continuous forms:\n%s", md)
	}
	if got := (&Report{Sets: qualityFixture()[2:]}).qualitySection(); got != nil {
		t.Errorf("one form: got a section of %d blocks, want none", len(got))
	}
}
