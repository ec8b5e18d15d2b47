package results

import "testing"

// TestSpecFileSweepMode: the sweep's mode and, in mode random, its draw
// seed (as written: seeds may exceed 2^53) are read from spec.json.
func TestSpecFileSweepMode(t *testing.T) {
	const head = `{"name": "o", "seeds": [1], "datasets": [{"name": "ring8", "params": {}}], "models": [{"name": "g", "type": "gaussian"}], "eval": {}`
	cases := []struct{ sweep, mode, seed string }{
		{``, "", ""},
		{`, "sweep": {"mode": "grid", "axes": []}`, "grid", ""},
		{`, "sweep": {"mode": "random", "points": 8, "seed": 18446744073709551615, "axes": []}`, "random", "18446744073709551615"},
	}
	for _, c := range cases {
		f, err := ParseSpecFile([]byte(head + c.sweep + "}"))
		if err != nil {
			t.Fatal(err)
		}
		if f.SweepMode != c.mode || f.SweepSeed != c.seed || f.Sweep != (c.mode != "") {
			t.Errorf("%s: mode %q seed %q, want %q %q", c.sweep, f.SweepMode, f.SweepSeed, c.mode, c.seed)
		}
	}
}
