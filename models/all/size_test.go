package all

import (
	"fmt"
	"testing"

	"github.com/genbench/genbench/models"
)

// TestEstimateSizeTracksNumParams builds every registered model type on
// small configurations and checks that the size its type estimates from
// the configuration alone is within a factor of the parameters the built
// model counts, so that an estimate cannot rot when a model changes. A
// type registered without an estimate, or without a case here, fails.
func TestEstimateSizeTracksNumParams(t *testing.T) {
	const factor = 3 // masked weights are stored in full, NumParams counts those kept
	vec := models.Config{Dim: 6, LR: 1e-3, Seed: 1}
	bin := models.Config{Dim: 6, Binary: true, LR: 1e-3, Seed: 1}
	img := models.Config{Dim: 64, Binary: true, Shape: []int{1, 8, 8}, LR: 1e-3, Seed: 1}
	type config struct {
		cfg    models.Config
		params map[string]any
	}
	cases := map[string][]config{
		"gaussian": {{vec, nil}},
		"realnvp":  {{vec, nil}, {vec, map[string]any{"layers": 3, "hidden": 17, "hidden_layers": 1}}},
		"maf":      {{vec, nil}, {vec, map[string]any{"layers": 2, "hidden": 40, "hidden_layers": 3}}},
		"glow": {{models.Config{Dim: 64, Shape: []int{1, 8, 8}, LR: 1e-3, Seed: 1}, nil},
			{models.Config{Dim: 2 * 64, Shape: []int{2, 8, 8}, LR: 1e-3, Seed: 1}, map[string]any{"levels": 3, "steps": 2, "hidden": 8}}},
		"nsf": {{vec, nil}, {vec, map[string]any{"variant": "autoregressive", "bins": 4, "elementwise": false}}},
		"made": {{bin, nil}, {vec, map[string]any{"hidden": 30, "hidden_layers": 2, "components": 3}},
			{bin, map[string]any{"hidden": 20, "direct": true, "masks": 4}}},
		"pixelcnn": {{img, nil}, {img, map[string]any{"channels": 8, "blocks": 1, "kernel": 3}}},
		"gan":      {{vec, nil}, {img, map[string]any{"arch": "conv", "channels": 4}}},
		"pacgan":   {{vec, nil}, {vec, map[string]any{"pack": 4, "hidden": 16}}},
		"wgan_gp":  {{vec, map[string]any{"hidden_layers": 1, "latent": 3}}},
		"vae":      {{vec, nil}, {bin, map[string]any{"latent": 2, "hidden": 7, "hidden_layers": 0}}},
		"beta_vae": {{vec, nil}},
		"iwae":     {{bin, nil}},
		"iae":      {{vec, nil}, {vec, map[string]any{"bottleneck": 2, "layers": 2, "hidden": 9}}},
	}
	for _, name := range models.Names() {
		ty, _ := models.Lookup(name)
		if ty.EstimateSize == nil {
			t.Errorf("model type %s has no EstimateSize", name)
			continue
		}
		if len(cases[name]) == 0 {
			t.Errorf("model type %s: no case in this test", name)
		}
		for i, c := range cases[name] {
			t.Run(fmt.Sprintf("%s/%d", name, i), func(t *testing.T) {
				m, err := models.New(name, c.params, c.cfg)
				if err != nil {
					t.Fatal(err)
				}
				s, ok, err := models.EstimateSize(name, c.params, c.cfg)
				if err != nil || !ok {
					t.Fatalf("estimate: ok %v, %v", ok, err)
				}
				real := float64(m.NumParams())
				if s.Params < real/factor || s.Params > real*factor {
					t.Errorf("estimated %g parameters, the model has %g", s.Params, real)
				}
				if s.Activations <= 0 {
					t.Errorf("no activations estimated: %+v", s)
				}
			})
		}
	}
}

// TestEstimateSizeOfAbsurdConfigs: sizes no machine holds give huge,
// finite estimates, never an overflow to a small or negative number.
func TestEstimateSizeOfAbsurdConfigs(t *testing.T) {
	cfg := models.Config{Dim: 2, LR: 1e-3, Seed: 1}
	for _, c := range []struct {
		name    string
		params  map[string]any
		atLeast float64
	}{
		{"realnvp", map[string]any{"layers": 2, "hidden": 20000000}, 1e14},
		{"realnvp", map[string]any{"layers": 100000000}, 1e11},
		{"maf", map[string]any{"hidden": 4000000000}, 1e18},
	} {
		s, _, err := models.EstimateSize(c.name, c.params, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !(s.Params >= c.atLeast) {
			t.Errorf("%s %v: %g parameters estimated, want at least %g", c.name, c.params, s.Params, c.atLeast)
		}
	}
}
