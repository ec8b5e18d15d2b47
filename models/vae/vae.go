package vae

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/nn"
)

const halfLog2Pi = 0.9189385332046727 // ½·ln 2π

// evalChunk bounds the examples encoded at once; estimateRows bounds the
// latent samples decoded at once by LogProbEstimate (examples × k).
const (
	evalChunk    = 1024
	estimateRows = 4096
)

// Decoder variance modes for continuous data.
const (
	VarianceLearned = "learned"
	VarianceFixed   = "fixed"
)

// Config describes a VAE.
type Config struct {
	Dim, Latent int
	Hidden      []int // encoder and decoder hidden sizes (empty: linear maps)
	Act         nn.Activation
	Binary      bool    // Bernoulli decoder; otherwise Gaussian
	DecoderVar  string  // continuous data: VarianceLearned or VarianceFixed
	DecoderStd  float64 // the fixed decoder standard deviation
	Beta        float64 // weight of the KL term in the training loss (k = 1)
	K           int     // importance samples of the training bound (1: ELBO)
	LogVarBound float64 // log-variances are bound·tanh(raw/bound); 0: unbounded
	LR          float64
	ClipNorm    float64
	Seed        uint64
}

// VAE is a variational autoencoder (Kingma & Welling 2014) with a
// diagonal-Gaussian encoder q(z|x) = N(μ(x), diag σ²(x)), a standard
// normal prior, and a Bernoulli (binary data) or Gaussian decoder p(x|z).
//
// With K = 1 it trains on the negative β-ELBO,
// −E_q[log p(x|z)] + β·KL(q(z|x)‖p(z)), the KL in closed form; with K > 1
// on the negative importance-weighted bound of Burda et al. (2016),
// −log (1/K) Σ_k p(x, z_k)/q(z_k|x), z_k ~ q(z|x). Noise comes from the
// model's own seeded source, saved with the model.
type VAE[T nn.Float] struct {
	Dim, Latent int
	Binary      bool
	Enc         *nn.MLP[T] // D → 2·Latent: means, then raw log-variances
	Dec         *nn.MLP[T] // Latent → D: logits (binary) or means
	DecLogVar   *nn.Node[T]
	FixedLogVar float64 // decoder log-variance when DecLogVar is nil
	Beta        float64
	K           int
	LogVarBound float64
	Params      nn.ParamSet[T]
	Opt         *nn.Adam[T]

	src        *rand.PCG // training noise
	seed       uint64    // LowerBound's fixed evaluation noise
	train, run nn.Tape[T]
	eps        *nn.Mat[T]
}

// New builds a VAE with weights drawn from its own source seeded by c.Seed.
func New[T nn.Float](c Config) (*VAE[T], error) {
	if c.Dim < 1 || c.Latent < 1 {
		return nil, fmt.Errorf("vae: data dimension %d, latent dimension %d", c.Dim, c.Latent)
	}
	if c.K < 1 {
		return nil, fmt.Errorf("vae: %d importance samples, want at least 1", c.K)
	}
	if c.Beta < 0 || math.IsNaN(c.Beta) {
		return nil, fmt.Errorf("vae: beta %v, want ≥ 0", c.Beta)
	}
	if c.K > 1 && c.Beta != 1 {
		return nil, fmt.Errorf("vae: beta %v with iwae_k %d: beta weights the KL term of the ELBO (iwae_k 1); the importance-weighted bound has no KL term", c.Beta, c.K)
	}
	v := &VAE[T]{Dim: c.Dim, Latent: c.Latent, Binary: c.Binary, Beta: c.Beta, K: c.K,
		LogVarBound: c.LogVarBound, src: rand.NewPCG(c.Seed, 0x766165), seed: c.Seed}
	rng := rand.New(v.src)
	v.Enc = nn.NewMLP(&v.Params, "enc", append(append([]int{c.Dim}, c.Hidden...), 2*c.Latent), c.Act, false, rng)
	v.Dec = nn.NewMLP(&v.Params, "dec", append(append([]int{c.Latent}, c.Hidden...), c.Dim), c.Act, false, rng)
	if !c.Binary {
		switch c.DecoderVar {
		case VarianceLearned, "":
			v.DecLogVar = v.Params.Add("dec.logvar", 1, c.Dim)
		case VarianceFixed:
			if !(c.DecoderStd > 0) || math.IsInf(c.DecoderStd, 1) {
				return nil, fmt.Errorf("vae: decoder_std %v, want a positive number", c.DecoderStd)
			}
			v.FixedLogVar = 2 * math.Log(c.DecoderStd)
		default:
			return nil, fmt.Errorf("vae: decoder_variance %q (valid: learned, fixed)", c.DecoderVar)
		}
	}
	v.Opt = nn.NewAdam(&v.Params, c.LR)
	v.Opt.ClipNorm = c.ClipNorm
	return v, nil
}

func (v *VAE[T]) bound(t *nn.Tape[T], raw *nn.Node[T]) *nn.Node[T] {
	return t.SoftClamp(raw, v.LogVarBound)
}

// Encode records the means and log-variances of q(z|x), each B×Latent.
func (v *VAE[T]) Encode(t *nn.Tape[T], x *nn.Node[T]) (mu, logvar *nn.Node[T]) {
	out := v.Enc.Forward(t, x)
	return t.SliceCols(out, 0, v.Latent), v.bound(t, t.SliceCols(out, v.Latent, 2*v.Latent))
}

// decoderLogVar returns the decoder's per-dimension log-variance as a
// 1×D node (continuous data only).
func (v *VAE[T]) decoderLogVar(t *nn.Tape[T]) *nn.Node[T] {
	if v.DecLogVar != nil {
		return v.bound(t, v.DecLogVar)
	}
	vals := make([]float64, v.Dim)
	for i := range vals {
		vals[i] = v.FixedLogVar
	}
	return t.Input(1, v.Dim, vals)
}

// logLik records log p(x|z) for each row as an N×1 column.
func (v *VAE[T]) logLik(t *nn.Tape[T], z *nn.Node[T], x *nn.Mat[T]) *nn.Node[T] {
	out := v.Dec.Forward(t, z)
	if v.Binary {
		return t.SumCols(t.BernoulliLogLik(out, x))
	}
	lv := v.decoderLogVar(t)
	sq := t.Square(t.Sub(t.Const(x), out))
	ll := t.Scale(t.SumCols(t.MulRow(sq, t.Exp(t.Scale(lv, -1)))), -0.5)
	norm := t.AddScalar(t.Scale(t.Sum(lv), -0.5), -float64(v.Dim)*halfLog2Pi) // 1×1
	return t.AddRow(ll, norm)
}

// kl records KL(q(z|x)‖N(0, I)) = ½ Σ_u (μ² + σ² − 1 − log σ²) per row.
func (v *VAE[T]) kl(t *nn.Tape[T], mu, lv *nn.Node[T]) *nn.Node[T] {
	s := t.Sub(t.Add(t.Square(mu), t.Exp(lv)), lv)
	return t.Scale(t.AddScalar(t.SumCols(s), -float64(v.Latent)), 0.5)
}

// reparam records z = μ + exp(½ log σ²) ⊙ eps.
func reparam[T nn.Float](t *nn.Tape[T], mu, lv *nn.Node[T], eps *nn.Mat[T]) *nn.Node[T] {
	return t.Add(mu, t.Mul(t.Exp(t.Scale(lv, 0.5)), t.Const(eps)))
}

// elbo records the per-example ELBO with weight beta on the KL term, with
// one latent draw per example from the noise eps (B×Latent).
func (v *VAE[T]) elbo(t *nn.Tape[T], x, eps *nn.Mat[T], beta float64) *nn.Node[T] {
	mu, lv := v.Encode(t, t.Const(x))
	rec := v.logLik(t, reparam(t, mu, lv, eps), x)
	return t.Sub(rec, t.Scale(v.kl(t, mu, lv), beta))
}

// iwBound records the per-example importance-weighted bound with k
// draws per example; eps is (B·k)×Latent, example i's draws in rows
// i·k … i·k+k−1.
//
// The encoder runs once. Its outputs are replicated k times side by side
// (B×(k·Latent), cost and memory O(B·k·Latent)), and since row-major
// B×(k·Latent) is (B·k)×Latent with example i's draws in consecutive
// rows, the decoder sees the draws as a view, without copying.
func (v *VAE[T]) iwBound(t *nn.Tape[T], x, eps *nn.Mat[T], k int) *nn.Node[T] {
	b, l := x.Rows, v.Latent
	mu, lv := v.Encode(t, t.Const(x))
	muK, lvK := mu, lv
	if k > 1 {
		// ConcatCols keeps its argument slice for the backward pass, so
		// each call gets its own.
		repeat := func(n *nn.Node[T]) *nn.Node[T] {
			copies := make([]*nn.Node[T], k)
			for s := range copies {
				copies[s] = n
			}
			return t.ConcatCols(copies...)
		}
		muK, lvK = repeat(mu), repeat(lv)
	}
	epsK := &nn.Mat[T]{Rows: b, Cols: k * l, Data: eps.Data}
	z := nn.View(reparam(t, muK, lvK, epsK), b*k, l)
	// log w = log p(x|z) + log p(z) − log q(z|x), with z = μ + σ·ε:
	// log p(z) − log q(z|x) = Σ_u −½z² + ½ε² + ½ log σ² (the ½ log 2π cancel).
	// The last term is the same for all k draws and joins after the sum.
	halfEpsSq := make([]float64, b*k)
	for i := range halfEpsSq {
		for _, e := range eps.Row(i) {
			halfEpsSq[i] += 0.5 * float64(e) * float64(e)
		}
	}
	logPrior := t.Scale(t.SumCols(t.Square(z)), -0.5)
	partial := t.Add(t.Add(v.logLik(t, z, repeatRows(x, k)), logPrior), t.Input(b*k, 1, halfEpsSq))
	lse := t.LogSumExpCols(nn.View(partial, b, k))
	return t.AddScalar(t.Add(lse, t.Scale(t.SumCols(lv), 0.5)), -math.Log(float64(k)))
}

// Loss records the training loss on x (the mean negative β-ELBO, or the
// mean negative k-sample bound when k > 1) with standard-normal noise
// eps given explicitly: B×Latent for k = 1, (B·k)×Latent otherwise. It is
// deterministic in its arguments, for gradient checks.
func (v *VAE[T]) Loss(t *nn.Tape[T], x, eps *nn.Mat[T], k int, beta float64) *nn.Node[T] {
	if k == 1 {
		return t.Scale(t.Mean(v.elbo(t, x, eps, beta)), -1)
	}
	return t.Scale(t.Mean(v.iwBound(t, x, eps, k)), -1)
}

// repeatRows returns x with each row repeated k times in place.
func repeatRows[T nn.Float](x *nn.Mat[T], k int) *nn.Mat[T] {
	if k == 1 {
		return x
	}
	out := nn.NewMat[T](x.Rows*k, x.Cols)
	for i := 0; i < x.Rows; i++ {
		for s := 0; s < k; s++ {
			copy(out.Row(i*k+s), x.Row(i))
		}
	}
	return out
}

// normals returns an r×c matrix of standard normals from rng, row-major.
func normals[T nn.Float](dst *nn.Mat[T], r, c int, rng *rand.Rand) *nn.Mat[T] {
	if dst == nil || cap(dst.Data) < r*c {
		dst = nn.NewMat[T](r, c)
	}
	dst.Rows, dst.Cols, dst.Data = r, c, dst.Data[:r*c]
	for i := range dst.Data {
		dst.Data[i] = T(rng.NormFloat64())
	}
	return dst
}

func (v *VAE[T]) checkCols(x *mat.Dense, what string) (int, error) {
	return models.CheckCols(x, v.Dim, "vae", what)
}

// TrainStep implements models.Model: one Adam step on the training loss
// with fresh noise from the model's own source.
func (v *VAE[T]) TrainStep(x *mat.Dense) (float64, error) {
	r, err := v.checkCols(x, "batch")
	if err != nil {
		return 0, err
	}
	v.eps = normals(v.eps, r*v.K, v.Latent, rand.New(v.src))
	t := &v.train
	t.Reset()
	loss := v.Loss(t, t.FromDense(x), v.eps, v.K, v.Beta)
	l, err := v.Opt.Minimize(t, loss)
	if err != nil {
		return l, fmt.Errorf("vae: %w", err)
	}
	return l, nil
}

// elbos returns the per-example ELBO (β = 1, closed-form KL, one latent
// draw per example from rng).
func (v *VAE[T]) elbos(x *mat.Dense, rng *rand.Rand) []float64 {
	r, _ := x.Dims()
	out := make([]float64, 0, r)
	t := &v.run
	t.NoGrad = true
	var eps *nn.Mat[T]
	for lo := 0; lo < r; lo += evalChunk {
		hi := min(lo+evalChunk, r)
		eps = normals(eps, hi-lo, v.Latent, rng)
		t.Reset()
		e := v.elbo(t, t.FromDense(x.Slice(lo, hi, 0, v.Dim)), eps, 1)
		out = append(out, e.Value.Float64s()...)
	}
	return out
}

// LowerBound implements models.Bounded: the per-example ELBO with β = 1
// (the true bound on log p(x), whatever β training used), estimated with
// the closed-form KL and one latent draw per example. The draws come from
// a fixed source derived from the model's seed, so the result is
// deterministic and evaluating does not disturb the training noise.
func (v *VAE[T]) LowerBound(x *mat.Dense) ([]float64, error) {
	if _, err := v.checkCols(x, "data"); err != nil {
		return nil, err
	}
	return v.elbos(x, rand.New(rand.NewPCG(v.seed, 0x656c626f))), nil
}

// LogProbEstimate implements models.Estimator: the importance-sampled
// log p(x) ≈ log (1/k) Σ_s p(x, z_s)/q(z_s|x), z_s ~ q(z|x) drawn from
// rng (Burda et al. 2016). It is a stochastic lower bound whose
// expectation rises to log p(x) as k grows. Examples are processed in
// blocks of about estimateRows/k, so memory is bounded for any k.
func (v *VAE[T]) LogProbEstimate(x *mat.Dense, k int, rng *rand.Rand) ([]float64, error) {
	r, err := v.checkCols(x, "data")
	if err != nil {
		return nil, err
	}
	if k < 1 {
		return nil, fmt.Errorf("vae: %d importance samples, want at least 1", k)
	}
	l, d := v.Latent, v.Dim
	block := max(1, estimateRows/k)
	out := make([]float64, 0, r)
	t := &v.run
	t.NoGrad = true
	z := nn.NewMat[T](block*k, l)
	xr := nn.NewMat[T](block*k, d)
	logw := make([]float64, block*k)
	for lo := 0; lo < r; lo += block {
		hi := min(lo+block, r)
		n := (hi - lo) * k
		xb := nn.FromDense[T](x.Slice(lo, hi, 0, d))
		t.Reset()
		mu, lv := v.Encode(t, t.Const(xb))
		z.Rows, z.Data = n, z.Data[:n*l]
		xr.Rows, xr.Data = n, xr.Data[:n*d]
		for i := 0; i < hi-lo; i++ {
			m, lvi := mu.Value.Row(i), lv.Value.Row(i)
			for s := 0; s < k; s++ {
				row := i*k + s
				copy(xr.Row(row), xb.Row(i))
				zr := z.Row(row)
				var lw float64 // log p(z) − log q(z|x), the ½ log 2π cancelling
				for u := 0; u < l; u++ {
					e := rng.NormFloat64()
					zu := float64(m[u]) + math.Exp(0.5*float64(lvi[u]))*e
					zr[u] = T(zu)
					lw += -0.5*zu*zu + 0.5*e*e + 0.5*float64(lvi[u])
				}
				logw[row] = lw
			}
		}
		ll := v.decodeLogLik(t, z, xr)
		for i := 0; i < hi-lo; i++ {
			w := logw[i*k : (i+1)*k]
			for s := range w {
				w[s] += ll[i*k+s]
			}
			out = append(out, metrics.LogMeanExp(w))
		}
	}
	return out, nil
}

// decodeLogLik returns log p(x|z) per row without recording gradients;
// the elementwise log-likelihood, which dominates the cost with the last
// matrix product, is spread over goroutines.
func (v *VAE[T]) decodeLogLik(t *nn.Tape[T], z, x *nn.Mat[T]) []float64 {
	out := v.Dec.Forward(t, t.Const(z)).Value
	n := x.Rows
	ll := make([]float64, n)
	var lv []float64
	var norm float64
	if !v.Binary {
		lvn := v.decoderLogVar(t).Value
		lv = lvn.Float64s()
		for _, a := range lv {
			norm += -0.5*a - halfLog2Pi
		}
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), n))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				o, xi := out.Row(i), x.Row(i)
				var s float64
				if v.Binary {
					s = bernoulliLogLik(o, xi)
				} else {
					for j, m := range o {
						r := float64(xi[j]) - float64(m)
						s -= 0.5 * r * r * math.Exp(-lv[j])
					}
					s += norm
				}
				ll[i] = s
			}
		}()
	}
	wg.Wait()
	return ll
}

// bernoulliLogLik returns Σ_j x_j·l_j − softplus(l_j), the log-likelihood
// of x under Bernoulli(σ(l)). With softplus(l) = max(l, 0) + log(1 + e^−|l|)
// it multiplies the factors 1 + e^−|l| ∈ (1, 2] and takes one logarithm
// per 512 of them instead of one per value, a several-fold saving on the
// estimator's dominant elementwise cost; the product's rounding costs
// about 1e-13 nats.
func bernoulliLogLik[T nn.Float](logits, x []T) float64 {
	var s float64
	prod, n := 1.0, 0
	for j, lg := range logits {
		l := float64(lg)
		s += float64(x[j])*l - math.Max(l, 0)
		prod *= 1 + math.Exp(-math.Abs(l))
		if n++; n == 512 {
			s -= math.Log(prod)
			prod, n = 1, 0
		}
	}
	return s - math.Log(prod)
}

// Diagnostic keys. Per-dimension KL keys are KLDimKey(u), u = 0 … Latent−1.
const (
	KeyActiveUnits = "active_units"
	KeyKLTotal     = "kl_total"
	KeyELBO        = "elbo"
)

// KLDimKey names the mean KL of latent dimension u in Diagnostics.
func KLDimKey(u int) string { return "kl_dim_" + strconv.Itoa(u) }

// Diagnostics implements models.Diagnoser on data x (at least 2 rows):
//
//   - active_units: the number of latent units u with
//     A_u = Cov_x(E_q[z_u|x]) > 0.01 (Burda et al. 2016), A_u being the
//     unbiased sample variance of the encoder mean over the rows of x;
//   - kl_dim_<u>: the mean over x of KL(q(z_u|x)‖N(0, 1)) in nats;
//   - kl_total: their sum, the mean KL(q(z|x)‖p(z));
//   - elbo: the mean ELBO (β = 1) with latent draws from rng.
func (v *VAE[T]) Diagnostics(x *mat.Dense, rng *rand.Rand) (map[string]float64, error) {
	r, err := v.checkCols(x, "data")
	if err != nil {
		return nil, err
	}
	if r < 2 {
		return nil, fmt.Errorf("vae: diagnostics need at least 2 examples, got %d", r)
	}
	l := v.Latent
	kl := make([]float64, l)
	mus := make([]float64, 0, r*l)
	t := &v.run
	t.NoGrad = true
	for lo := 0; lo < r; lo += evalChunk {
		hi := min(lo+evalChunk, r)
		t.Reset()
		mu, lv := v.Encode(t, t.Const(t.FromDense(x.Slice(lo, hi, 0, v.Dim))))
		for i := 0; i < hi-lo; i++ {
			for u := 0; u < l; u++ {
				m, a := float64(mu.Value.At(i, u)), float64(lv.Value.At(i, u))
				kl[u] += 0.5 * (m*m + math.Exp(a) - 1 - a)
				mus = append(mus, m)
			}
		}
	}
	n := float64(r)
	out := make(map[string]float64, l+3)
	// Non-finite encoder means (a diverged model) make the count NaN: a
	// non-finite diagnostic, reported as such, not a failed evaluation.
	out[KeyActiveUnits] = math.NaN()
	if active, _, err := metrics.ActiveUnits(mat.NewDense(r, l, mus), metrics.ActiveUnitThreshold); err == nil {
		out[KeyActiveUnits] = float64(active)
	}
	var klTotal float64
	for u := 0; u < l; u++ {
		out[KLDimKey(u)] = kl[u] / n
		klTotal += kl[u] / n
	}
	out[KeyKLTotal] = klTotal
	var e float64
	for _, x := range v.elbos(x, rng) {
		e += x
	}
	out[KeyELBO] = e / n
	return out, nil
}

// NumParams implements models.Model.
func (v *VAE[T]) NumParams() int { return v.Params.Count() }

// SetLR implements models.LRSetter.
func (v *VAE[T]) SetLR(lr float64) { v.Opt.LR = lr }

func (v *VAE[T]) checkpoint() nn.Checkpoint[T] {
	return nn.Checkpoint[T]{Params: &v.Params, Opt: v.Opt, RNG: v.src}
}

// Save implements models.Model: parameters, Adam state and the training
// noise source.
func (v *VAE[T]) Save(w io.Writer) error {
	if err := v.checkpoint().Save(w); err != nil {
		return fmt.Errorf("vae: %w", err)
	}
	return nil
}

// Load implements models.Model.
func (v *VAE[T]) Load(r io.Reader) error {
	if err := v.checkpoint().Load(r); err != nil {
		return fmt.Errorf("vae: %w", err)
	}
	return nil
}
