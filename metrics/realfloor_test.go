package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// identityInput is an Input whose classifier's features are the pixels
// themselves and whose model draws N(shift, 1) rows, so that fd and kid
// can be checked against FrechetDistance and KID called directly.
func identityInput(test, valid *mat.Dense, shift float64, fdSamples int, hash string) *Input {
	_, d := test.Dims()
	return &Input{
		Test: test, Valid: valid, Rand: rand.New(rand.NewPCG(3, 4)),
		Settings: Settings{FDSamples: fdSamples},
		Pixels:   func(x *mat.Dense) *mat.Dense { return x },
		Classifier: &Classifier{Name: "identity", Hash: hash, Classes: 1,
			Label: func(x *mat.Dense) ([]int, *mat.Dense) { return make([]int, x.RawMatrix().Rows), x }},
		Draw: func(n int, rng *rand.Rand) (*mat.Dense, error) { return gauss(rng, n, d, shift), nil },
	}
}

func runMetric(t *testing.T, name string, in *Input) *Output {
	t.Helper()
	m, ok := Lookup(name)
	if !ok {
		t.Fatalf("%s is not registered", name)
	}
	out := NewOutput()
	if err := out.Run(m, in); err != nil {
		t.Fatal(err)
	}
	return out
}

// The registered fd and kid are FrechetDistance and KID of the samples'
// and n test rows' features; the floors are those of n
// validation rows; provenance is noted; the floor is computed once.
func TestFDAndKIDMetrics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	test, valid := gauss(rng, 400, 4, 0), gauss(rng, 300, 4, 0)
	const n = 250
	in := identityInput(test, valid, 1, n, "feat-hash")
	fdOut := runMetric(t, "fd", in)
	kidOut := runMetric(t, "kid", in)

	ref, twin := realSubset(test, n, 1), realSubset(valid, n, 2)
	fake, _ := in.Samples(n)
	wantFD, _ := FrechetDistance(ref, fake)
	wantFloor, _ := FrechetDistance(ref, twin)
	wantKIDFloor, _ := KID(ref, twin, n/2, kidSubsets, kidFloorSeed)
	tests := []struct {
		key       string
		got, want float64
	}{
		{"fd", fdOut.Values["fd"], wantFD.FD},
		{"fd_floor", fdOut.Values["fd_floor"], wantFloor.FD},
		{"fd_n", fdOut.Values["fd_n"], n},
		{"kid_n", kidOut.Values["kid_n"], n},
		{"kid_floor", kidOut.Values["kid_floor"], wantKIDFloor.Mean},
		{"kid_floor_std", kidOut.Values["kid_floor_std"], wantKIDFloor.Std},
	}
	for _, tt := range tests {
		assertClose(t, tt.key, tt.got, tt.want, 1e-12)
	}
	// A shift of 1 in each of 4 coordinates: FD ≈ ‖Δμ‖² = 4, far above
	// the floor; KID far above its floor.
	if fd := fdOut.Values["fd"]; math.Abs(fd-4) > 1 || fd < 10*fdOut.Values["fd_floor"] {
		t.Errorf("fd %v, floor %v: want about 4, far above the floor", fd, fdOut.Values["fd_floor"])
	}
	if kid := kidOut.Values["kid"]; kid < 10*math.Abs(kidOut.Values["kid_floor"]) || !(kidOut.Values["kid_std"] > 0) {
		t.Errorf("kid %v ± %v, floor %v: want well above the floor", kid, kidOut.Values["kid_std"], kidOut.Values["kid_floor"])
	}
	for name, out := range map[string]*Output{"fd": fdOut, "kid": kidOut} {
		if out.Notes[name+"_reference"] != Reference || out.Notes[name+"_features"] != "feat-hash" {
			t.Errorf("%s provenance notes %v: want reference %s and features feat-hash", name, out.Notes, Reference)
		}
	}
	// Another trial on the same data shares the floor; other n does not.
	if floorFor(in, n) != floorFor(identityInput(test, valid, 0, n, "feat-hash"), n) {
		t.Error("the same data, n and features gave two floors")
	}
	if floorFor(in, n) == floorFor(in, n-1) || floorFor(in, n) == floorFor(identityInput(test, valid, 0, n, "other"), n) {
		t.Error("another n or feature network shared a floor")
	}
}

// Samples with non-finite features make fd and kid non-finite (listed,
// never zero, never an error); a classifier without a hash is refused.
func TestFDAndKIDRefuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	test, valid := gauss(rng, 50, 3, 0), gauss(rng, 50, 3, 0)
	in := identityInput(test, valid, 0, 40, "h")
	in.Draw = func(n int, rng *rand.Rand) (*mat.Dense, error) {
		x := gauss(rng, n, 3, 0)
		x.Set(0, 0, math.NaN())
		return x, nil
	}
	for _, name := range []string{"fd", "kid"} {
		out := runMetric(t, name, in)
		if !slices.Contains(out.NonFinite, name) {
			t.Errorf("%s with a NaN sample: non-finite %v, values %v", name, out.NonFinite, out.Values)
		}
		if _, ok := out.Values[name+"_floor"]; !ok {
			t.Errorf("%s: floor missing beside a non-finite value", name)
		}
	}
	bad := identityInput(test, valid, 0, 40, "")
	if err := NewOutput().Run(mustLookup(t, "fd"), bad); err == nil || !strings.Contains(err.Error(), "hash") {
		t.Errorf("classifier without a hash: error %v", err)
	}
	bad = identityInput(test, nil, 0, 40, "h")
	if err := NewOutput().Run(mustLookup(t, "kid"), bad); err == nil || !strings.Contains(err.Error(), "validation") {
		t.Errorf("no validation split: error %v", err)
	}
}

func mustLookup(t *testing.T, name string) Metric {
	t.Helper()
	m, ok := Lookup(name)
	if !ok {
		t.Fatalf("%s is not registered", name)
	}
	return m
}
