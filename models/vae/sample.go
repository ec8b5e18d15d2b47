package vae

import (
	"fmt"
	"math"
	"math/rand/v2"

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
			nn.BernoulliDraws(dst, dec.Data, rng)
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
