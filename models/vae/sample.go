package vae

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/nn"
)

// Sample implements models.Model: z ~ N(0, I), then x ~ p(x|z), all from
// rng (the latents first, then the decoder noise).
func (v *VAE[T]) Sample(n int, rng *rand.Rand) (*mat.Dense, error) {
	if n < 1 {
		return nil, fmt.Errorf("vae: sample count %d", n)
	}
	z := normals[T](nil, n, v.Latent, rng)
	out := mat.NewDense(n, v.Dim, nil)
	raw := out.RawMatrix().Data // n×Dim, stride Dim
	t := &v.run
	t.NoGrad = true
	var sd []float64 // decoder standard deviations (continuous data)
	for lo := 0; lo < n; lo += evalChunk {
		hi := min(lo+evalChunk, n)
		t.Reset()
		zc := &nn.Mat[T]{Rows: hi - lo, Cols: v.Latent, Data: z.Data[lo*v.Latent : hi*v.Latent]}
		dec := v.Dec.Forward(t, t.Const(zc)).Value
		dst := raw[lo*v.Dim : hi*v.Dim]
		if v.Binary {
			// The probabilities need no noise, so they are computed on
			// all cores first, in place in out; the draws then replace
			// them one by one in the same order as ever.
			parallelRange(len(dst), func(a, b int) {
				for k, o := range dec.Data[a:b] {
					dst[a+k] = nn.SigmoidF(float64(o))
				}
			})
			for k, p := range dst {
				dst[k] = 0
				if rng.Float64() < p {
					dst[k] = 1
				}
			}
			continue
		}
		if sd == nil {
			sd = v.decoderLogVar(t).Value.Float64s()
			for j, lv := range sd {
				sd[j] = math.Exp(0.5 * lv)
			}
		}
		for k, o := range dec.Data {
			dst[k] = float64(o) + sd[k%v.Dim]*rng.NormFloat64()
		}
	}
	if v.Binary {
		return out, nil // every value is a draw, 0 or 1
	}
	for _, x := range raw {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return out, fmt.Errorf("vae: non-finite sample value %v", x)
		}
	}
	return out, nil
}

// sampleGrain is the fewest elementwise sigmoids worth a goroutine.
const sampleGrain = 1 << 14

// parallelRange runs f on contiguous parts of [0, n), one per core when
// n is large enough that the hand-off pays.
func parallelRange(n int, f func(lo, hi int)) {
	parts := max(1, min(runtime.GOMAXPROCS(0), n/sampleGrain))
	if parts == 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for p := range parts - 1 {
		wg.Go(func() { f(p*n/parts, (p+1)*n/parts) })
	}
	f((parts-1)*n/parts, n)
	wg.Wait()
}
