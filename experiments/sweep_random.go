package experiments

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
)

// Mode random draws the sweep's points instead of listing them, so that
// models are compared at an equal tuning budget: N configurations each,
// drawn from the same declared ranges (Lucic et al. 2018; Bergstra &
// Bengio 2012 on why random beats grid search at a fixed budget):
//
//	sweep:
//	  mode: random
//	  points: 20        # N points, each a value for every axis
//	  seed: 7           # the draw's own seed (default 1), not a trial seed
//	  axes:
//	    - {path: "models[gan].train.lr", range: [1e-5, 1e-3], scale: log}
//	    - {path: "models[gan].params.hidden", values: [64, 128, 256]}
//	    - {path: train.batch_size, range: [64, 256], scale: linear}
//
// An axis draws uniformly from its values list, or from its range: scale
// log is log-uniform (for rates and scales spanning decades), linear is
// uniform; ranges need a numeric target and scale log a positive lower
// bound. Integer targets draw integers in [lo, hi], bounds included (log:
// the log-uniform draw on [lo, hi+1) rounded down). Real values are kept
// to 4 significant digits, so that points read well in tables and
// records, and inside the range. Each axis draws from its own stream, a
// PCG (math/rand/v2) seeded by the sweep seed and a hash of the axis
// path: the same spec gives the same points on every machine, and adding
// an axis leaves the values of the others as they were. Every drawn value
// is checked against the target's schema like a value written in place.
// A point drawn twice runs once (trial IDs hash the resolved trial).

// Range scales.
const (
	ScaleLinear = "linear" // uniform on [lo, hi]
	ScaleLog    = "log"    // log-uniform on [lo, hi], lo > 0
)

// defaultSweepSeed is the draw's seed when the spec gives none.
const defaultSweepSeed = 1

// realDigits is the number of significant digits kept of a drawn real.
const realDigits = 4

// SweepRange is the range a mode-random axis draws from.
type SweepRange struct {
	Lo, Hi any    // the bounds, converted to the target's type (int or float64)
	Scale  string // ScaleLinear or ScaleLog
	Line   int    // line of the range in the spec file
}

// randomSettings reads points: and seed:, which only mode random takes.
func (p *parser) randomSettings(m *mapNode, sw *SweepSpec) bool {
	if sw.Mode != SweepRandom {
		good := true
		for _, k := range []string{"points", "seed"} {
			if n := m.get(k); n != nil {
				p.errorf(resolve(n).Line, "sweep."+k, "only mode random takes %s (mode is %s)", k, sw.Mode)
				good = false
			}
		}
		return good
	}
	if !p.require(m, "sweep", "points") {
		return false
	}
	good := true
	n := resolve(m.get("points"))
	switch v := nodeValue(n).(type) {
	case int:
		if v < 1 || v > maxSweepPoints {
			p.errorf(n.Line, "sweep.points", "want 1 to %d points, got %d", maxSweepPoints, v)
			good = false
		}
		sw.Points = v
	default:
		p.errorf(n.Line, "sweep.points", "want a positive integer, got %s", describeNode(n))
		good = false
	}
	sw.Seed = defaultSweepSeed
	if n := m.get("seed"); n != nil {
		seed, ok := p.seed(resolve(n), "sweep.seed")
		good = good && ok
		sw.Seed = seed
	}
	return good
}

// axisSource checks that an axis gives what its mode draws from: values
// (grid, zip), or values or a range with its scale (random).
func (p *parser) axisSource(am *mapNode, path, mode string) bool {
	if !p.require(am, path, "path") {
		return false
	}
	hasRange, hasValues := am.get("range") != nil, am.get("values") != nil
	if mode != SweepRandom {
		good := true
		for _, k := range []string{"range", "scale"} {
			if n := am.get(k); n != nil {
				p.errorf(resolve(n).Line, path+"."+k, "only mode random draws from a range; list the values (mode is %s)", mode)
				good = false
			}
		}
		return p.require(am, path, "values") && good
	}
	switch {
	case hasRange && hasValues:
		p.errorf(am.node.Line, path, "give values or range, not both")
		return false
	case !hasRange && !hasValues:
		p.errorf(am.node.Line, path, "give values: [...] (drawn uniformly) or range: [lo, hi] with scale: log or linear")
		return false
	case hasValues && am.get("scale") != nil:
		p.errorf(resolve(am.get("scale")).Line, path+".scale", "scale goes with a range, not with values")
		return false
	case hasRange && am.get("scale") == nil:
		p.errorf(am.node.Line, path+".scale", "a range needs scale: log (log-uniform, for rates) or linear (uniform)")
		return false
	}
	return true
}

// axisRange reads an axis's range: and scale: into ax.Range.
func (p *parser) axisRange(am *mapNode, path string, known bool, ax *SweepAxis) bool {
	key := path + ".range"
	seq, ok := p.sequence(am.get("range"), key)
	if !ok {
		return false
	}
	scale, ok := p.str(am.get("scale"), path+".scale")
	if !ok {
		return false
	}
	if scale != ScaleLog && scale != ScaleLinear {
		p.errorf(resolve(am.get("scale")).Line, path+".scale", "%q is not one of %s, %s", scale, ScaleLog, ScaleLinear)
		return false
	}
	if len(seq.Content) != 2 {
		p.errorf(seq.Line, key, "want [lo, hi], got %d values", len(seq.Content))
		return false
	}
	if !known {
		return true // the target's entry is broken; reported already
	}
	switch ax.field.Default.(type) {
	case int, float64:
	default:
		p.errorf(seq.Line, key, "%s is not a number: list its values instead", ax.Path)
		return false
	}
	var bounds [2]any
	for i, n := range seq.Content {
		v, ok := p.convertFor(ax.field, resolve(n), fmt.Sprintf("%s[%d]", key, i), ax.Path)
		if !ok {
			return false
		}
		bounds[i] = v
	}
	r := &SweepRange{Lo: bounds[0], Hi: bounds[1], Scale: scale, Line: seq.Line}
	lo, hi := r.bounds()
	switch {
	case lo >= hi:
		p.errorf(seq.Line, key, "want lo < hi, got [%v, %v]", r.Lo, r.Hi)
		return false
	case scale == ScaleLog && lo <= 0:
		p.errorf(seq.Line, key, "scale log needs lo > 0, got %v", r.Lo)
		return false
	}
	ax.Range = r
	return true
}

// bounds returns the range as reals.
func (r *SweepRange) bounds() (lo, hi float64) { return toReal(r.Lo), toReal(r.Hi) }

// integer reports whether the range's target is an integer setting.
func (r *SweepRange) integer() bool { _, ok := r.Lo.(int); return ok }

func toReal(v any) float64 {
	if i, ok := v.(int); ok {
		return float64(i)
	}
	return v.(float64)
}

// drawPoints draws sw.Points values for every axis, checks each against
// the axis's target, and fills Values, Lines and the keys errors name.
func (p *parser) drawPoints(sw *SweepSpec) bool {
	good := true
	for a := range sw.Axes {
		ax := &sw.Axes[a]
		rng := axisRand(sw.Seed, ax.Path)
		if ax.Range == nil {
			choices, lines := ax.Values, ax.Lines
			ax.Choices, ax.Values, ax.Lines = choices, nil, nil
			for i := 0; i < sw.Points; i++ {
				c := rng.IntN(len(choices))
				ax.Values = append(ax.Values, choices[c])
				ax.Lines = append(ax.Lines, lines[c])
				ax.keys = append(ax.keys, fmt.Sprintf("sweep.axes[%d].values[%d] (point %d)", a, c, i))
			}
			continue
		}
		key := fmt.Sprintf("sweep.axes[%d].range", a)
		for i, v := range ax.Range.draw(rng, sw.Points) {
			out, err := ax.field.Convert(v)
			if err != nil {
				p.errorf(ax.Range.Line, key, "%s: value %v drawn at point %d: %v", ax.Path, v, i, err)
				good = false
				continue
			}
			ax.Values = append(ax.Values, out)
			ax.Lines = append(ax.Lines, ax.Range.Line)
			ax.keys = append(ax.keys, fmt.Sprintf("%s (point %d)", key, i))
		}
	}
	return good
}

// axisRand is the stream an axis draws from: the sweep seed and a hash of
// the axis path seed a PCG.
func axisRand(seed uint64, path string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(path))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// draw draws n values from the range: ints for an integer target, reals
// kept to realDigits significant digits, all within [lo, hi].
func (r *SweepRange) draw(rng *rand.Rand, n int) []any {
	lo, hi := r.bounds()
	out := make([]any, n)
	for i := range out {
		if r.integer() {
			out[i] = r.drawInt(rng, int(lo), int(hi))
			continue
		}
		var x float64
		if r.Scale == ScaleLog {
			x = math.Exp(math.Log(lo) + rng.Float64()*(math.Log(hi)-math.Log(lo)))
		} else {
			x = lo + rng.Float64()*(hi-lo)
		}
		out[i] = math.Min(hi, math.Max(lo, roundSig(x, realDigits)))
	}
	return out
}

// drawInt draws an integer in [lo, hi]: uniformly, or for scale log with
// probability log((v+1)/v)/log((hi+1)/lo), the log-uniform law on
// [lo, hi+1) rounded down.
func (r *SweepRange) drawInt(rng *rand.Rand, lo, hi int) int {
	if r.Scale != ScaleLog {
		return lo + int(rng.Int64N(int64(hi)-int64(lo)+1))
	}
	l, h := math.Log(float64(lo)), math.Log(float64(hi)+1)
	v := int(math.Floor(math.Exp(l + rng.Float64()*(h-l))))
	return min(hi, max(lo, v))
}

// roundSig rounds x to digits significant digits through its decimal
// form, which is exact and the same on every machine.
func roundSig(x float64, digits int) float64 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', digits, 64), 64)
	if err != nil {
		return x
	}
	return v
}

// valueKey names, in errors, the value axis a gives at point index i: the
// listed value in modes grid and zip, the drawn one in mode random.
func (ax *SweepAxis) valueKey(a, i int) string {
	if i < len(ax.keys) {
		return ax.keys[i]
	}
	return fmt.Sprintf("sweep.axes[%d].values[%d]", a, i)
}
