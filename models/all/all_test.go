package all_test

import (
	"fmt"
	"testing"

	"github.com/genbench/genbench/models"
	_ "github.com/genbench/genbench/models/all"
)

// TestTypesDeclareFacts checks that every registered type states how it
// samples and which data it accepts, since reports and validation rely on
// these facts instead of type names.
func TestTypesDeclareFacts(t *testing.T) {
	for _, name := range models.Names() {
		typ, _ := models.Lookup(name)
		if err := typ.Check(); err != nil {
			t.Error(err)
		}
	}
}

// TestAcceptsMatchesConstructors builds every type on small data of every
// form: Admit must agree with the constructor, so that validation refuses
// exactly what would fail at run time.
func TestAcceptsMatchesConstructors(t *testing.T) {
	forms := []struct {
		binary bool
		shape  []int
		dim    int
	}{
		{false, nil, 4}, {true, nil, 4}, {false, []int{1, 4, 4}, 16}, {true, []int{1, 4, 4}, 16},
	}
	for _, name := range models.Names() {
		typ, _ := models.Lookup(name)
		for _, f := range forms {
			t.Run(fmt.Sprintf("%s/binary=%v/shape=%v", name, f.binary, f.shape), func(t *testing.T) {
				admitErr := typ.Admit(f.binary, f.shape)
				_, newErr := models.New(name, map[string]any{}, models.Config{Dim: f.dim, Binary: f.binary, Shape: f.shape, LR: 1e-3, Seed: 1})
				if (admitErr == nil) != (newErr == nil) {
					t.Errorf("Admit: %v; New: %v", admitErr, newErr)
				}
			})
		}
	}
}

// TestSamplingFollowsParameters: a type whose parameters change its
// sampling unit (nsf's variants) says so per configuration.
func TestSamplingFollowsParameters(t *testing.T) {
	ty, ok := models.Lookup("nsf")
	if !ok {
		t.Fatal("nsf not registered")
	}
	for variant, want := range map[string]models.Sampling{"coupling": models.OnePass, "autoregressive": models.PerDimension} {
		p, err := ty.Params.Resolve(map[string]any{"variant": variant})
		if err != nil {
			t.Fatal(err)
		}
		if got := ty.SamplingOf(p); got != want {
			t.Errorf("nsf variant %s: sampling %q, want %q", variant, got, want)
		}
	}
}
