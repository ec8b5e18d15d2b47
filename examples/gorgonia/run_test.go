package gorgflow_test

import (
	"math"
	"testing"

	"github.com/genbench/genbench/experiments"
	_ "github.com/genbench/genbench/models/all"

	gorgflow "github.com/genbench/genbench/examples/gorgonia"
)

// The example spec runs end to end through genbench's own loader and
// runner: every trial ends ok, the gorgonia flow's NLL is exact, finite,
// below the fitted Gaussian's (the floor every density model must beat)
// and not below the data's own entropy by more than sampling noise.
func TestSpecRunsEndToEnd(t *testing.T) {
	spec, err := experiments.Load("spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out, err := experiments.Run(spec, experiments.Options{Out: t.TempDir(), Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Records are found by field values only, so that the test does not
	// depend on which package declares the record type.
	flowAt, floorAt := -1, -1
	for i, r := range out.Records {
		if r.Status != "ok" {
			t.Fatalf("%s: status %s (%s)", r.Model, r.Status, r.Reason)
		}
		switch r.Type {
		case gorgflow.TypeName:
			flowAt = i
		case "gaussian":
			floorAt = i
		}
	}
	if flowAt < 0 || floorAt < 0 || len(out.Records) != 2 {
		t.Fatalf("%d records, want one of %s and one of gaussian", len(out.Records), gorgflow.TypeName)
	}
	flow, floor := out.Records[flowAt], out.Records[floorAt]
	if flow.NLLKind != "exact" {
		t.Errorf("NLL kind %q, want exact", flow.NLLKind)
	}
	if mi := flow.ModelInfo; mi == nil || mi.Sampling != "none" || mi.Baseline {
		t.Errorf("model_info %+v: want the facts the example registers (one-pass sampling, no baseline)", mi)
	}
	nll, trueNLL := flow.Metrics["test_nll"], flow.Metrics["true_nll"]
	t.Logf("gorgonia flow NLL %.4f, Gaussian floor %.4f, true NLL %.4f (nats)", nll, floor.Metrics["test_nll"], trueNLL)
	if math.IsNaN(nll) || math.IsInf(nll, 0) {
		t.Fatalf("NLL %v", nll)
	}
	if !(nll < floor.Metrics["test_nll"]-0.2) {
		t.Errorf("flow NLL %v does not beat the Gaussian floor %v by 0.2 nats", nll, floor.Metrics["test_nll"])
	}
	if !(nll > trueNLL-0.1) {
		t.Errorf("flow NLL %v is below the data's entropy %v: the density is not normalised", nll, trueNLL)
	}
}
