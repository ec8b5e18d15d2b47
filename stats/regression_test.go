package stats

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// Student's t with 2 degrees of freedom has the closed form
// P(T > t) = (1 − t/√(2 + t²))/2; for {1, 2, 3}, t = 2√3.
func TestPairedTClosedForm(t *testing.T) {
	r, err := PairedT([]float64{1, 2, 3}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tt := 2 * math.Sqrt(3)
	want := 1 - tt/math.Sqrt(2+tt*tt)
	if !near(r.PValue, want, 1e-9) || r.EffectSize != 2 || r.Difference != 2 {
		t.Errorf("p %g (want %g) effect %g difference %g", r.PValue, want, r.EffectSize, r.Difference)
	}
	if _, err := PairedT([]float64{1}, Options{}); err == nil {
		t.Error("one seed accepted")
	}
}

func TestCombine(t *testing.T) {
	one := []ExampleDiff{{Mean: 0.5, Std: 2, StdErr: 0.1, N: 400}}
	r, v, err := Combine(one, Options{})
	if err != nil || r.Test != TestPairedZ || !math.IsNaN(v.SeedSD) || v.ExampleSE != 0.1 {
		t.Errorf("one seed: %s, %+v, %v", r.Test, v, err)
	}
	same := []ExampleDiff{{N: 100}, {N: 100}, {N: 100}}
	r, _, err = Combine(same, Options{})
	if err != nil || r.PValue != 1 || r.Significant || r.Test != TestRandomEffects {
		t.Errorf("identical models: p %g significant %v test %s, %v", r.PValue, r.Significant, r.Test, err)
	}
	if _, _, err := Combine([]ExampleDiff{{N: 1}}, Options{}); err == nil {
		t.Error("a seed of one example accepted")
	}
}

// Combine separates the variance sources: over many seeds the
// DerSimonian–Laird τ recovers the planted between-seed sd of the
// difference (√2·0.1) and ExampleSE the per-example standard error
// (√(2·0.3²/400)).
func TestCombineRecoversVarianceSources(t *testing.T) {
	sim := simulation{seeds: 200, examples: 400, seedSD: 0.1, noiseSD: 0.3, difficultySD: 1}
	p := sim.pair(rand.New(rand.NewPCG(4, 4)))
	per, err := p.exampleDiffs()
	if err != nil {
		t.Fatal(err)
	}
	_, v, err := Combine(per, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantTau, wantSE := math.Sqrt2*0.1, math.Sqrt(2*0.09/400)
	if !near(v.SeedSD, wantTau, 0.15*wantTau) || !near(v.ExampleSE, wantSE, 0.05*wantSE) {
		t.Errorf("seed sd %g (want %g), example se %g (want %g)", v.SeedSD, wantTau, v.ExampleSE, wantSE)
	}
	t.Logf("seed sd %.4f (planted %.4f), example se %.4f (planted %.4f)", v.SeedSD, wantTau, v.ExampleSE, wantSE)
}

func TestCompare(t *testing.T) {
	ex := [][]float64{{1, 2, 3}, {2, 3, 4}}
	exB := [][]float64{{1, 2, 2}, {2, 2, 4}}
	c, err := Compare(Pair{ExamplesA: ex, ExamplesB: exB}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Combined == nil || c.Primary.Test != TestRandomEffects || c.SignFlip.NSeeds != 2 || c.SignFlip.Difference != 1.0/3 {
		t.Errorf("primary %s, sign-flip %+v", c.Primary.Test, c.SignFlip)
	}
	if _, err := json.Marshal(c); err != nil {
		t.Errorf("marshal: %v", err)
	}
	bad := []struct {
		name string
		p    Pair
		want string
	}{
		{"no values", Pair{}, "neither"},
		{"seeds differ", Pair{A: []float64{1, 2}, B: []float64{1}}, "seeds"},
		{"examples differ", Pair{ExamplesA: ex, ExamplesB: exB[:1]}, "per-example"},
		{"ids differ", Pair{ExamplesA: ex, ExamplesB: exB, IDsA: [][]string{{"a", "b", "c"}, {"a", "b", "c"}},
			IDsB: [][]string{{"a", "b", "c"}, {"a", "c", "b"}}}, "seed 1: stats: example 1 differs"},
	}
	for _, b := range bad {
		if _, err := Compare(b.p, Options{}); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: error %v, want %q", b.name, err, b.want)
		}
	}
	only, err := Compare(Pair{A: []float64{1, 2, 3, 4, 5, 6}, B: []float64{0, 0, 0, 0, 0, 0}}, Options{})
	if err != nil || only.Primary.Test != TestSignFlipExact || Verdict(only.Primary, LowerIsBetter) != "b better" {
		t.Errorf("per-seed only: %s verdict %q, %v", only.Primary.Test, Verdict(only.Primary, LowerIsBetter), err)
	}
}

// The acceptance case of `genbench check`: one deterministic seed, an
// unchanged rerun passes and a 0.5% worse NLL on every example fails.
func TestCheckRegressionOneSeedPerExample(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	base := make([]float64, 1000)
	for i := range base {
		base[i] = 88 + 20*rng.NormFloat64()
	}
	worse := make([]float64, len(base))
	for i, v := range base {
		worse[i] = v * 1.005
	}
	cases := []struct {
		name  string
		cur   []float64
		dir   Direction
		worse bool
	}{
		{"unchanged", base, LowerIsBetter, false},
		{"0.5% worse", worse, LowerIsBetter, true},
		{"0.5% higher, higher is better", worse, HigherIsBetter, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := CheckRegression(RegressionInput{Baseline: []float64{mean(base)}, Current: []float64{mean(c.cur)},
				BaselineExamples: [][]float64{base}, CurrentExamples: [][]float64{c.cur}, Direction: c.dir}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if g.Worse != c.worse || strings.Contains(g.Message, "REGRESSION") != c.worse {
				t.Errorf("worse %v, want %v: %s", g.Worse, c.worse, g.Message)
			}
			t.Log(g.Message)
		})
	}
}

func TestCheckRegressionPerSeed(t *testing.T) {
	base := []float64{88.1, 88.5, 87.9, 88.3}
	cases := []struct {
		name   string
		cur    []float64
		margin float64
		worse  bool
		pNaN   bool
	}{
		{"noise", []float64{88.2, 88.4, 88.0, 88.2}, 0, false, false},
		{"0.5% worse", []float64{88.55, 88.93, 88.36, 88.72}, 0, true, false},
		{"within margin", []float64{88.55, 88.93, 88.36, 88.72}, 0.5, false, false},
	}
	for _, c := range cases {
		g, err := CheckRegression(RegressionInput{Baseline: base, Current: c.cur, Direction: LowerIsBetter, Margin: c.margin}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if g.Worse != c.worse || g.Result.Test != TestPairedT {
			t.Errorf("%s: worse %v, want %v: %s", c.name, g.Worse, c.worse, g.Message)
		}
	}
	g, err := CheckRegression(RegressionInput{Baseline: base[:1], Current: []float64{99}, Direction: LowerIsBetter}, Options{})
	if err != nil || g.Worse || !math.IsNaN(g.Result.PValue) || !strings.Contains(g.Message, "no test possible") {
		t.Errorf("one seed, no examples: %+v, %v", g, err)
	}
	if _, err := json.Marshal(g); err != nil {
		t.Errorf("marshal: %v", err)
	}
	if _, err := CheckRegression(RegressionInput{Baseline: base, Current: base, Direction: "up"}, Options{}); err == nil {
		t.Error("unknown direction accepted")
	}
}

// Holm across checks: three p-values of 0.02 each pass alone but not as a
// family of three (adjusted 0.06).
func TestAdjustRegressions(t *testing.T) {
	gs := make([]Regression, 3)
	for i := range gs {
		gs[i] = Regression{Result: Result{PValue: 0.02, Significant: true}, Worse: true}
	}
	AdjustRegressions(gs, 0.05)
	for _, g := range gs {
		if g.Worse || !near(g.Result.PHolm, 0.06, 1e-15) || !strings.Contains(g.Message, "no evidence") {
			t.Errorf("after Holm: worse %v p_holm %g: %s", g.Worse, g.Result.PHolm, g.Message)
		}
	}
}

func TestCheckRegressionFromExamplesOnly(t *testing.T) {
	base := [][]float64{{1, 2, 3, 4}, {2, 3, 4, 5}}
	cur := [][]float64{{1.5, 2.4, 3.6, 4.5}, {2.5, 3.6, 4.4, 5.5}}
	g, err := CheckRegression(RegressionInput{BaselineExamples: base, CurrentExamples: cur, Direction: LowerIsBetter}, Options{})
	if err != nil || g.BaselineMean != 3 || g.Result.Test != TestRandomEffects {
		t.Fatalf("%+v, %v", g, err)
	}
	if _, err := CheckRegression(RegressionInput{Baseline: []float64{1, 2, 3}, Current: []float64{1, 2, 3},
		BaselineExamples: base, CurrentExamples: cur, Direction: LowerIsBetter}, Options{}); err == nil {
		t.Error("3 seeds with per-example values for 2 accepted")
	}
}
