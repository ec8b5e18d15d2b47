package nn

import (
	"bytes"
	"encoding/gob"
	"slices"
	"testing"
)

// extrasCheckpoint is a checkpoint with several extra values, as a GAN's
// (losses, standardisation, spectral-norm vectors).
func extrasCheckpoint() (Checkpoint[float64], map[string][]float64) {
	var ps ParamSet[float64]
	ps.Add("w", 2, 2)
	extra := map[string][]float64{"last": {1, 2, 3}, "norm": {4, 5}, "sn0": {6}, "sn1": {7, 8}, "flags": {9}}
	return Checkpoint[float64]{Params: &ps, Extra: extra}, extra
}

// The same checkpoint saved again gives the same bytes: gob writes a map
// in Go's randomised iteration order, so with the extras in a map 20
// saves of 5 extras all agreeing would be chance (1 in 120¹⁹).
func TestCheckpointBytesDeterministic(t *testing.T) {
	c, _ := extrasCheckpoint()
	var first bytes.Buffer
	if err := c.Save(&first); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		var again bytes.Buffer
		if err := c.Save(&again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), again.Bytes()) {
			t.Fatalf("save %d gave other bytes than the first", i+2)
		}
	}
}

// Extras round-trip, from the current files and from files of version 1,
// which held them in a map.
func TestCheckpointExtrasLoad(t *testing.T) {
	c, extra := extrasCheckpoint()
	var current bytes.Buffer
	if err := c.Save(&current); err != nil {
		t.Fatal(err)
	}
	var v1 bytes.Buffer
	old := state{Version: 1, Names: []string{"w"}, Shapes: [][2]int{{2, 2}}, Values: [][]float64{make([]float64, 4)}, Extra: extra}
	if err := gob.NewEncoder(&v1).Encode(&old); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"current", current.Bytes()}, {"version 1", v1.Bytes()}} {
		loaded, dst := extrasCheckpoint()
		for _, v := range dst {
			clear(v)
		}
		if err := loaded.Load(bytes.NewReader(f.data)); err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		for k, v := range extra {
			if !slices.Equal(dst[k], v) {
				t.Errorf("%s: extra %s = %v, want %v", f.name, k, dst[k], v)
			}
		}
	}
}
