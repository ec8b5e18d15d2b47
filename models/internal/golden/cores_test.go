package golden

import (
	"runtime"
	"testing"
)

// coreCases add, to the golden cases, families and variants that have no
// fingerprint from before issue 18 but must reproduce on any number of
// cores all the same: glow (whose couplings end in Conv2DNarrow, its
// weights wide enough to be cut into chunks in the large case), the
// convolutional GAN, nsf, the Gaussian, β-VAE and PacGAN.
var coreCases = []goldenCase{
	{"glow", "glow", map[string]any{"levels": 1, "steps": 2, "hidden": 8}, 16, false, []int{1, 4, 4}, 0, 0, false},
	{"large/glow", "glow", map[string]any{"levels": 1, "steps": 1, "hidden": 144}, 64, false, []int{1, 8, 8}, 8, 4, false},
	{"gan-conv", "gan", map[string]any{"arch": "conv", "channels": 4, "hidden": 8}, 64, true, []int{1, 8, 8}, 0, 0, true},
	{"pacgan", "pacgan", map[string]any{"hidden": 16, "hidden_layers": 1}, 2, false, nil, 0, 0, true},
	{"nsf", "nsf", map[string]any{"layers": 2, "hidden": 8}, 2, false, nil, 0, 0, false},
	{"gaussian", "gaussian", nil, 3, false, nil, 0, 0, false},
	{"beta_vae", "beta_vae", map[string]any{"latent": 2, "hidden": 8}, 20, true, nil, 0, 0, false},
}

// TestSameBitsOnAnyCores: the same spec and seed give the same bits
// whatever the number of cores. Every family trains, samples and scores
// under GOMAXPROCS 1 and 4 and the fingerprints must agree. Unlike
// TestGolden this runs in every build (the openblas one, GOAMD64=v3):
// it compares a build with itself. The large cases reach the sizes at
// which nn splits products, images and Adam's passes over goroutines.
func TestSameBitsOnAnyCores(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range append(append([]goldenCase(nil), cases...), coreCases...) {
		for _, dtype := range []string{"float32", "float64"} {
			c.savedMap = false // saved bytes are deterministic: hash them too
			t.Run(c.name+"/"+dtype, func(t *testing.T) {
				runtime.GOMAXPROCS(1)
				one := fingerprint(t, c, dtype)
				runtime.GOMAXPROCS(4)
				four := fingerprint(t, c, dtype)
				if one != four {
					t.Errorf("fingerprint %s on 1 core, %s on 4", one, four)
				}
			})
		}
	}
}
