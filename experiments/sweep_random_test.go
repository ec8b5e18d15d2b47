package experiments

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// randomBase is sweepBase without model a's own lr, so that a train.lr
// axis touches both models.
var randomBase = strings.Replace(sweepBase, ", train: {lr: 1e-4}", "", 1)

// randomSpec parses randomBase with a random sweep of n points under seed.
func randomSpec(t *testing.T, n int, seed string, axes string) *Spec {
	t.Helper()
	text := randomBase + fmt.Sprintf("sweep:\n  mode: random\n  points: %d\n%s  axes:\n%s", n, seed, axes)
	s, err := Parse("rs.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const randomAxes = `    - {path: train.lr, range: [1e-5, 1e-3], scale: log}
    - {path: "models[f].params.hidden", values: [16, 32, 64]}
    - {path: train.batch_size, range: [64, 256], scale: linear}
`

// pointsOf lists the sweep points of a spec's trials of model f, seed 1.
func pointsOf(s *Spec) []string {
	var out []string
	for _, tr := range s.TrialSpecs() {
		if tr.Model.Name == "f" && tr.Seed == 1 {
			out = append(out, tr.Sweep.String())
		}
	}
	return out
}

// TestRandomSweepDeterministic: the same spec draws the same points (and
// trial IDs and hash); another sweep seed draws others; adding an axis
// leaves the values of the others alone.
func TestRandomSweepDeterministic(t *testing.T) {
	a := randomSpec(t, 12, "  seed: 7\n", randomAxes)
	b := randomSpec(t, 12, "  seed: 7\n", randomAxes)
	c := randomSpec(t, 12, "  seed: 8\n", randomAxes)
	if a.Hash != b.Hash || !reflect.DeepEqual(pointsOf(a), pointsOf(b)) {
		t.Error("the same spec drew different points")
	}
	if a.Hash == c.Hash || reflect.DeepEqual(pointsOf(a), pointsOf(c)) {
		t.Error("another sweep seed drew the same points")
	}
	if got := len(pointsOf(a)); got != 12 {
		t.Errorf("%d points of f, want 12", got)
	}
	d := randomSpec(t, 12, "", randomAxes)
	e := randomSpec(t, 12, "  seed: 1\n", randomAxes)
	if d.Hash != e.Hash {
		t.Error("the default seed is not 1")
	}
	more := randomSpec(t, 12, "  seed: 7\n", randomAxes+"    - {path: train.epochs, range: [2, 9], scale: linear}\n")
	for a2, ax := range a.Sweep.Axes {
		if !reflect.DeepEqual(ax.Values, more.Sweep.Axes[a2].Values) {
			t.Errorf("axis %s changed when an axis was added", ax.Path)
		}
	}
}

// TestRandomSweepGolden pins the first points drawn, so that a change of
// the draw (which would silently change every random sweep's trials) is
// seen.
func TestRandomSweepGolden(t *testing.T) {
	s := randomSpec(t, 3, "  seed: 7\n", randomAxes)
	want := []string{
		"models[f].params.hidden=16, train.batch_size=236, train.lr=4.846e-05",
		"models[f].params.hidden=16, train.batch_size=247, train.lr=0.0006517",
		"models[f].params.hidden=32, train.batch_size=245, train.lr=4.93e-05",
	}
	if got := pointsOf(s); !reflect.DeepEqual(got, want) {
		t.Errorf("points\n%q\nwant\n%q", got, want)
	}
}

// TestRandomSweepBounds: every drawn value lies in its range or list, has
// the target's type, and reals keep 4 significant digits; integer ranges
// reach both bounds.
func TestRandomSweepBounds(t *testing.T) {
	s := randomSpec(t, 3000, "  seed: 3\n", randomAxes)
	seen := map[int]bool{}
	for _, ax := range s.Sweep.Axes {
		if len(ax.Values) != 3000 {
			t.Fatalf("%s: %d values", ax.Path, len(ax.Values))
		}
		for _, v := range ax.Values {
			switch ax.Path {
			case "train.lr":
				x := v.(float64)
				if x < 1e-5 || x > 1e-3 || x != roundSig(x, realDigits) {
					t.Fatalf("lr %v out of range or not 4 digits", x)
				}
			case "models[f].params.hidden":
				if h := v.(int); h != 16 && h != 32 && h != 64 {
					t.Fatalf("hidden %d not listed", h)
				}
				seen[v.(int)] = true
			case "train.batch_size":
				b := v.(int)
				if b < 64 || b > 256 {
					t.Fatalf("batch size %d out of [64, 256]", b)
				}
				seen[-b] = true
			}
		}
	}
	for _, want := range []int{16, 32, 64, -64, -256} {
		if !seen[want] {
			t.Errorf("value %d never drawn in 3000 points", want)
		}
	}
}

// TestRandomRangeLaws checks the laws of the draws over many values: a
// log-uniform draw falls below the geometric midpoint half the time, a
// uniform one below the arithmetic midpoint half the time (and rarely
// below the geometric one), and a log-scale integer v with probability
// log((v+1)/v)/log((hi+1)/lo). Tolerances are 4.5 binomial standard errors.
func TestRandomRangeLaws(t *testing.T) {
	const n = 20000
	frac := func(r SweepRange, below float64) float64 {
		k := 0
		for _, v := range r.draw(axisRand(11, "x"), n) {
			if toReal(v) < below {
				k++
			}
		}
		return float64(k) / n
	}
	tol := func(p float64) float64 { return 4.5 * math.Sqrt(p*(1-p)/n) }
	geo := math.Sqrt(1e-5 * 1e-3)
	cases := []struct {
		name  string
		r     SweepRange
		below float64
		want  float64
	}{
		{"log, geometric midpoint", SweepRange{Lo: 1e-5, Hi: 1e-3, Scale: ScaleLog}, geo, 0.5},
		{"linear, arithmetic midpoint", SweepRange{Lo: 1e-5, Hi: 1e-3, Scale: ScaleLinear}, (1e-5 + 1e-3) / 2, 0.5},
		{"linear, geometric midpoint", SweepRange{Lo: 1e-5, Hi: 1e-3, Scale: ScaleLinear}, geo, (geo - 1e-5) / (1e-3 - 1e-5)},
		{"int log, 1 of [1, 3]", SweepRange{Lo: 1, Hi: 3, Scale: ScaleLog}, 2, math.Log(2) / math.Log(4)},
		{"int log, 1 or 2 of [1, 3]", SweepRange{Lo: 1, Hi: 3, Scale: ScaleLog}, 3, math.Log(3) / math.Log(4)},
		{"int linear, 64 of [64, 67]", SweepRange{Lo: 64, Hi: 67, Scale: ScaleLinear}, 65, 0.25},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := frac(c.r, c.below); math.Abs(got-c.want) > tol(c.want) {
				t.Errorf("fraction below %g: %.4f, want %.4f ± %.4f", c.below, got, c.want, tol(c.want))
			}
		})
	}
	for _, v := range (&SweepRange{Lo: 2, Hi: 5, Scale: ScaleLog}).draw(axisRand(1, "y"), 1000) {
		if x := v.(int); x < 2 || x > 5 {
			t.Fatalf("int log draw %d out of [2, 5]", x)
		}
	}
}

// TestRandomSweepCount: points count in the trial caps like a zip's
// length, and the count matches TrialSpecs when no point repeats.
func TestRandomSweepCount(t *testing.T) {
	s := randomSpec(t, 9, "", "    - {path: train.lr, range: [1e-4, 1e-2], scale: log}\n")
	if got, want := s.trialCount(s.Sweep), float64(len(s.TrialSpecs())); got != want || want != 9*2*2 {
		t.Errorf("trialCount %v, TrialSpecs %v, want 36", got, want)
	}
	text := randomBase + "sweep:\n  mode: random\n  points: 60000\n  axes:\n    - {path: train.lr, range: [1e-4, 1e-2], scale: log}\n"
	_, err := Parse("rs.yaml", []byte(text))
	if err == nil || !strings.Contains(err.Error(), "rs.yaml:10: sweep: 240000 trials") {
		t.Errorf("error %v, want the trial cap", err)
	}
}

func TestRandomSweepErrors(t *testing.T) {
	head := "sweep:\n  mode: random\n  points: 4\n  axes:\n"
	cases := []struct {
		name, sweep, want, msg string
	}{
		{"points outside random", "sweep:\n  points: 3\n  axes: [{path: train.lr, values: [1]}]\n", "rs.yaml:10: sweep.points: ", "only mode random takes points (mode is grid)"},
		{"seed outside random", "sweep:\n  mode: zip\n  seed: 3\n  axes: [{path: train.lr, values: [1]}]\n", "rs.yaml:11: sweep.seed: ", "only mode random takes seed (mode is zip)"},
		{"range outside random", "sweep:\n  axes:\n    - {path: train.lr, range: [1e-4, 1e-3], scale: log}\n", "rs.yaml:11: sweep.axes[0].range: ", "only mode random draws from a range"},
		{"no points", "sweep:\n  mode: random\n  axes: [{path: train.lr, values: [1]}]\n", "rs.yaml:10: sweep.points: ", "missing required key"},
		{"zero points", "sweep:\n  mode: random\n  points: 0\n  axes: [{path: train.lr, values: [1]}]\n", "rs.yaml:11: sweep.points: ", "want 1 to 100000 points, got 0"},
		{"points not a number", "sweep:\n  mode: random\n  points: many\n  axes: [{path: train.lr, values: [1]}]\n", "rs.yaml:11: sweep.points: ", "want a positive integer"},
		{"negative seed", "sweep:\n  mode: random\n  points: 2\n  seed: -1\n  axes: [{path: train.lr, values: [1]}]\n", "rs.yaml:12: sweep.seed: ", "must not be negative"},
		{"both values and range", head + "    - {path: train.lr, values: [1], range: [1, 2], scale: log}\n", "rs.yaml:13: sweep.axes[0]: ", "values or range, not both"},
		{"neither", head + "    - {path: train.lr}\n", "rs.yaml:13: sweep.axes[0]: ", "give values: [...]"},
		{"no scale", head + "    - {path: train.lr, range: [1e-4, 1e-3]}\n", "rs.yaml:13: sweep.axes[0].scale: ", "a range needs scale: log"},
		{"scale with values", head + "    - {path: train.lr, values: [1e-4], scale: log}\n", "rs.yaml:13: sweep.axes[0].scale: ", "scale goes with a range"},
		{"bad scale", head + "    - {path: train.lr, range: [1e-4, 1e-3], scale: ln}\n", "rs.yaml:13: sweep.axes[0].scale: ", `"ln" is not one of log, linear`},
		{"lo not below hi", head + "    - {path: train.lr, range: [1e-3, 1e-3], scale: linear}\n", "rs.yaml:13: sweep.axes[0].range: ", "want lo < hi, got [0.001, 0.001]"},
		{"lo above hi", head + "    - {path: train.epochs, values: [2]}\n    - {path: train.lr, range: [1e-2, 1e-3], scale: linear}\n", "rs.yaml:14: sweep.axes[1].range: ", "want lo < hi, got [0.01, 0.001]"},
		{"log needs lo > 0", head + "    - {path: train.min_delta, range: [0, 1], scale: log}\n", "rs.yaml:13: sweep.axes[0].range: ", "scale log needs lo > 0, got 0"},
		{"int bounds", head + "    - {path: train.batch_size, range: [64.5, 128], scale: linear}\n", "rs.yaml:13: sweep.axes[0].range[0]: ", "train.batch_size: want an integer, got 64.5"},
		{"schema check of a bound", head + "    - {path: train.lr_decay, range: [0.5, 2], scale: linear}\n", "rs.yaml:13: sweep.axes[0].range[1]: ", "must be in (0, 1], got 2"},
		{"not a number", head + "    - {path: models.f.params.activation, range: [1, 2], scale: linear}\n", "rs.yaml:13: sweep.axes[0].range: ", "models[f].params.activation is not a number: list its values instead"},
		{"three bounds", head + "    - {path: train.lr, range: [1, 2, 3], scale: linear}\n", "rs.yaml:13: sweep.axes[0].range: ", "want [lo, hi], got 3 values"},
		{"infinite bound", head + "    - {path: train.lr, range: [1e-4, .inf], scale: log}\n", "rs.yaml:13: sweep.axes[0].range[1]: ", "want a finite number for train.lr"},
		{"repeated choice", head + "    - {path: train.epochs, values: [2, 2]}\n", "rs.yaml:13: sweep.axes[0].values[1]: ", "value 2 repeated"},
		{"batch too large at a drawn point", head + "    - {path: train.batch_size, range: [100, 5000], scale: log}\n", "rs.yaml:13: sweep.axes[0].range (point ", "is larger than n_train 1000"},
		{"batch too large at a drawn choice", head + "    - path: train.batch_size\n      values:\n        - 2000\n", "rs.yaml:15: sweep.axes[0].values[0] (point 0): ", "batch size 2000 of model f is larger than n_train 1000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse("rs.yaml", []byte(randomBase+c.sweep))
			var errs SpecErrors
			if !errors.As(err, &errs) {
				t.Fatalf("want SpecErrors, got %v (spec %v)", err, s)
			}
			for _, e := range errs {
				if strings.HasPrefix(e.Error(), c.want) && strings.Contains(e.Error(), c.msg) {
					return
				}
			}
			t.Errorf("no error %q ... %q in\n%v", c.want, c.msg, err)
		})
	}
}
