package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/genbench/genbench/params"
)

// The 2-D toy sets.

func init() {
	Register(Source{
		Name: "ring8",
		Doc:  "8 Gaussians on the unit circle, std 0.01 (VEEGAN/PacGAN mode-coverage protocol); exact density",
		Params: schema(sizeFields(100000), []params.Field{
			{Key: "std", Default: 0.01, Doc: "standard deviation of each mode", Check: positiveFinite},
		}),
		Build:  buildRing8,
		Layout: planeLayout,
	})
	Register(Source{
		Name: "grid25",
		Doc:  "25 Gaussians on {-4,-2,0,2,4}^2, std 0.05 (VEEGAN/PacGAN mode-coverage protocol); exact density",
		Params: schema(sizeFields(100000), []params.Field{
			{Key: "std", Default: 0.05, Doc: "standard deviation of each mode", Check: positiveFinite},
		}),
		Build:  buildGrid25,
		Layout: planeLayout,
	})
	Register(Source{
		Name: "moons",
		Doc:  "two interleaving half circles with Gaussian noise (sklearn make_moons); no analytic density",
		Params: schema(sizeFields(20000), []params.Field{
			{Key: "noise", Default: 0.05, Doc: "standard deviation of the Gaussian noise added to each coordinate", Check: nonnegativeFinite},
		}),
		Build:  buildMoons,
		Layout: planeLayout,
	})
	Register(Source{
		Name: "spirals",
		Doc:  "two interleaved spirals of 1.5 turns with Gaussian noise (FFJORD 2spirals); no analytic density",
		Params: schema(sizeFields(20000), []params.Field{
			{Key: "noise", Default: 0.1, Doc: "standard deviation of the Gaussian noise added to each coordinate", Check: nonnegativeFinite},
		}),
		Build:  buildSpirals,
		Layout: planeLayout,
	})
	Register(Source{
		Name:   "checkerboard",
		Doc:    "uniform on the 8 black squares of a 4x4 board over [-4,4]^2 (FFJORD/nsf); exact density",
		Params: schema(sizeFields(20000)),
		Build:  buildCheckerboard,
		Layout: planeLayout,
	})
}

// ringMeans returns the means (cos 2πi/n, sin 2πi/n), i = 0..n-1: n distinct
// angles, the endpoint 2π excluded.
func ringMeans(n int, radius float64) [][]float64 {
	means := make([][]float64, n)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		means[i] = []float64{radius * math.Cos(a), radius * math.Sin(a)}
	}
	return means
}

// gridMeans returns the means {−4,−2,0,2,4}², x-major.
func gridMeans() [][]float64 {
	var means [][]float64
	for i := -2; i <= 2; i++ {
		for j := -2; j <= 2; j++ {
			means = append(means, []float64{2 * float64(i), 2 * float64(j)})
		}
	}
	return means
}

func buildMixture2D(name string, g isoMixture, desc string, p params.Set, seed uint64) *Data {
	d := &Data{
		Name:       name,
		Dim:        2,
		Kind:       Continuous,
		LogDensity: g.logDensity(),
		Modes:      g.modes(),
		ModeStd:    g.std,
		Protocol: []string{
			desc,
			"labels are the mixture component of each example",
			splitProtocol(p),
		},
	}
	drawSplits(d, p, seed, g.sample)
	return d
}

func buildRing8(p params.Set, seed uint64) (*Data, error) {
	g := isoMixture{means: ringMeans(8, 1), std: p.Float("std")}
	desc := fmt.Sprintf("ring of 8 Gaussians, means (cos 2πi/8, sin 2πi/8), i=0..7, radius 1, std %g, equal weights (VEEGAN/PacGAN protocol)", g.std)
	return buildMixture2D("ring8", g, desc, p, seed), nil
}

func buildGrid25(p params.Set, seed uint64) (*Data, error) {
	g := isoMixture{means: gridMeans(), std: p.Float("std")}
	desc := fmt.Sprintf("grid of 25 Gaussians, means {-4,-2,0,2,4}^2, std %g, equal weights (VEEGAN/PacGAN protocol)", g.std)
	return buildMixture2D("grid25", g, desc, p, seed), nil
}

func buildMoons(p params.Set, seed uint64) (*Data, error) {
	noise := p.Float("noise")
	d := &Data{
		Name: "moons",
		Dim:  2,
		Kind: Continuous,
		Protocol: []string{
			fmt.Sprintf("two moons (sklearn make_moons geometry): moon 0 = (cos t, sin t), moon 1 = (1 - cos t, 0.5 - sin t), t ~ U(0, π), moon chosen with probability 1/2, plus N(0, %g²) noise per coordinate", noise),
			"labels are the moon of each example",
			"no analytic density",
			splitProtocol(p),
		},
	}
	drawSplits(d, p, seed, func(rng *rand.Rand, x []float64) int {
		k := rng.IntN(2)
		t := math.Pi * rng.Float64()
		if k == 0 {
			x[0], x[1] = math.Cos(t), math.Sin(t)
		} else {
			x[0], x[1] = 1-math.Cos(t), 0.5-math.Sin(t)
		}
		x[0] += noise * rng.NormFloat64()
		x[1] += noise * rng.NormFloat64()
		return k
	})
	return d, nil
}

func buildSpirals(p params.Set, seed uint64) (*Data, error) {
	noise := p.Float("noise")
	d := &Data{
		Name: "spirals",
		Dim:  2,
		Kind: Continuous,
		Protocol: []string{
			fmt.Sprintf("two interleaved spirals (FFJORD 2spirals geometry): t = 3π·sqrt(v), v ~ U(0,1); arm 0 = (−t cos t, t sin t)/3, arm 1 = its negation; arm chosen with probability 1/2, plus N(0, %g²) noise per coordinate (FFJORD's extra uniform jitter omitted)", noise),
			"labels are the arm of each example",
			"no analytic density",
			splitProtocol(p),
		},
	}
	drawSplits(d, p, seed, func(rng *rand.Rand, x []float64) int {
		k := rng.IntN(2)
		t := 3 * math.Pi * math.Sqrt(rng.Float64())
		a, b := -t*math.Cos(t)/3, t*math.Sin(t)/3
		if k == 1 {
			a, b = -a, -b
		}
		x[0] = a + noise*rng.NormFloat64()
		x[1] = b + noise*rng.NormFloat64()
		return k
	})
	return d, nil
}

// checkerBlack reports whether (x, y) lies on a black square of the board:
// cells [2i, 2i+2) × [2j, 2j+2), i, j ∈ {−2..1}, black when i+j is even.
func checkerBlack(x, y float64) bool {
	if !(x >= -4 && x < 4 && y >= -4 && y < 4) {
		return false
	}
	i := int(math.Floor(x / 2))
	j := int(math.Floor(y / 2))
	return (i+j)%2 == 0
}

func buildCheckerboard(p params.Set, seed uint64) (*Data, error) {
	logIn := -math.Log(32)
	d := &Data{
		Name: "checkerboard",
		Dim:  2,
		Kind: Continuous,
		LogDensity: func(x []float64) float64 {
			checkLen(x, 2)
			if checkerBlack(x[0], x[1]) {
				return logIn
			}
			return math.Inf(-1)
		},
		Protocol: []string{
			"checkerboard (FFJORD/nsf): uniform on the 8 black squares of a 4x4 board of 2x2 cells over [-4,4)^2, cell (i,j) black when i+j is even; density 1/32 inside, 0 outside",
			splitProtocol(p),
		},
	}
	drawSplits(d, p, seed, func(rng *rand.Rand, x []float64) int {
		// Column uniform, then one of its two black cells uniformly.
		x0 := -4 + 8*rng.Float64()
		i := int(math.Floor(x0 / 2)) // −2..1
		j := 2*rng.IntN(2) - 2       // −2 or 0
		if (i+j)%2 != 0 {
			j++ // −1 or 1
		}
		x[0] = x0
		x[1] = 2*float64(j) + 2*rng.Float64()
		return -1
	})
	return d, nil
}
