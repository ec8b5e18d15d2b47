package vae

import (
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/models/internal/modeltest"
	"github.com/genbench/genbench/nn"
)

func build64(t testing.TB, typ string, user map[string]any, dim int, binary bool) *VAE[float64] {
	t.Helper()
	return modeltest.Build(t, typ, user, models.Config{Dim: dim, Binary: binary, Dtype: "float64", Seed: 9}).(*VAE[float64])
}

func randomize(ps *nn.ParamSet[float64], scale float64, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 5))
	for _, p := range ps.Nodes {
		nn.Uniform(p, scale, rng)
	}
}

func gaussianData(n, d int, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 2))
	x := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			x.Set(i, j, rng.NormFloat64())
		}
	}
	return x
}

// TestLossGradients checks the ELBO and IWAE losses against finite
// differences with the noise held fixed across evaluations.
func TestLossGradients(t *testing.T) {
	const d, l = 5, 2
	cases := []struct {
		name   string
		binary bool
		user   map[string]any
		k      int
		beta   float64
	}{
		{"bernoulli ELBO", true, nil, 1, 1},
		{"bernoulli β-ELBO", true, nil, 1, 4},
		{"bernoulli IWAE k=3", true, nil, 3, 1},
		{"gaussian learned variance ELBO", false, nil, 1, 1},
		{"gaussian learned variance IWAE k=4", false, nil, 4, 1},
		{"gaussian fixed variance IWAE k=2", false, map[string]any{"decoder_variance": "fixed", "decoder_std": 0.7}, 2, 1},
		{"linear maps, unbounded log-variances", true, map[string]any{"hidden_layers": 0, "logvar_bound": 0.0}, 2, 1},
	}
	for n, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			user := map[string]any{"latent": l, "hidden": 4, "hidden_layers": 1, "activation": "tanh"}
			for k, v := range c.user {
				user[k] = v
			}
			v := build64(t, "vae", user, d, c.binary)
			randomize(&v.Params, 0.6, uint64(n))
			var x *mat.Dense
			if c.binary {
				x = modeltest.BinaryPatterns(3, d, 4, uint64(n))
			} else {
				x = gaussianData(3, d, uint64(n))
			}
			xm := nn.FromDense[float64](x)
			eps := normals[float64](nil, 3*c.k, l, rand.New(rand.NewPCG(uint64(n), 7)))
			f := func(tp *nn.Tape[float64]) *nn.Node[float64] { return v.Loss(tp, xm, eps, c.k, c.beta) }
			if err := nn.CheckGrad(f, v.Params.Nodes, 1e-6); err > 1e-6 {
				t.Errorf("gradient error %.3g", err)
			}
		})
	}
}

// TestIWAEWithOneSampleIsTheELBO: with k = 1 the importance-weighted
// bound is the single-sample ELBO with a Monte Carlo KL; its expectation
// equals the closed-form-KL ELBO. With the same draws, the two differ
// only in the KL estimate, whose mean over many draws must agree.
func TestIWAEWithOneSampleIsTheELBO(t *testing.T) {
	v := build64(t, "vae", map[string]any{"latent": 3, "hidden": 8, "hidden_layers": 1}, 6, true)
	randomize(&v.Params, 0.5, 1)
	x := nn.FromDense[float64](repeatDense(modeltest.BinaryPatterns(1, 6, 4, 3), 20000))
	eps := normals[float64](nil, 20000, 3, rand.New(rand.NewPCG(1, 1)))
	var tp nn.Tape[float64]
	tp.NoGrad = true
	a := nn.Scalar(v.elboLoss(&tp, x, eps))
	b := nn.Scalar(tp.Scale(tp.Mean(v.iwBound(&tp, x, eps, 1)), -1))
	if math.Abs(a-b) > 0.05 {
		t.Errorf("closed-form KL ELBO loss %v, Monte Carlo KL %v", a, b)
	}
}

func (v *VAE[T]) elboLoss(t *nn.Tape[T], x, eps *nn.Mat[T]) *nn.Node[T] {
	return t.Scale(t.Mean(v.elbo(t, x, eps, 1)), -1)
}

func repeatDense(x *mat.Dense, k int) *mat.Dense {
	r, c := x.Dims()
	out := mat.NewDense(r*k, c, nil)
	for i := 0; i < r*k; i++ {
		out.SetRow(i, x.RawRowView(i/k))
	}
	return out
}

// linearGaussian is a VAE with linear encoder and decoder and a fixed
// decoder std σ: p(x) = N(b, WᵀW + σ²I) exactly (rows: x = zW + b + σε).
type linearGaussian struct {
	v              *VAE[float64]
	w              *mat.Dense // L×D decoder weights
	b              []float64
	sigma          float64
	chol           mat.Cholesky // of the marginal covariance WᵀW + σ²I
	s2             float64      // isotropic encoder variance
	encW, encShift *mat.Dense   // encoder mean = (x − b)·encW
}

func newLinearGaussian(t *testing.T, d, l int, sigma float64) *linearGaussian {
	v := build64(t, "vae", map[string]any{"latent": l, "hidden_layers": 0, "decoder_variance": "fixed", "decoder_std": sigma}, d, false)
	rng := rand.New(rand.NewPCG(4, 4))
	g := &linearGaussian{v: v, w: mat.NewDense(l, d, nil), b: make([]float64, d), sigma: sigma}
	for i := 0; i < l; i++ {
		for j := 0; j < d; j++ {
			g.w.Set(i, j, rng.NormFloat64())
		}
	}
	for j := range g.b {
		g.b[j] = rng.NormFloat64()
	}
	copy(v.Dec.W[0].Value.Data, g.w.RawMatrix().Data)
	copy(v.Dec.B[0].Value.Data, g.b)
	var cov mat.SymDense
	cov.SymOuterK(1, g.w.T())
	for j := 0; j < d; j++ {
		cov.SetSym(j, j, cov.At(j, j)+sigma*sigma)
	}
	if ok := g.chol.Factorize(&cov); !ok {
		t.Fatal("covariance not positive definite")
	}
	// Exact posterior: precision I + WWᵀ/σ², mean (x − b)·Wᵀ·Σ/σ².
	var prec mat.SymDense
	prec.SymOuterK(1/(sigma*sigma), g.w)
	for i := 0; i < l; i++ {
		prec.SetSym(i, i, prec.At(i, i)+1)
	}
	var post mat.Dense
	if err := post.Inverse(&prec); err != nil {
		t.Fatal(err)
	}
	g.encW = mat.NewDense(d, l, nil)
	g.encW.Mul(g.w.T(), &post)
	g.encW.Scale(1/(sigma*sigma), g.encW)
	// q is the posterior mean with an isotropic variance 1.2× the largest
	// posterior variance, wider than the posterior in every direction, so
	// the importance weights have finite variance.
	var eig mat.EigenSym
	postSym := mat.NewSymDense(l, nil)
	for i := 0; i < l; i++ {
		for j := i; j < l; j++ {
			postSym.SetSym(i, j, post.At(i, j))
		}
	}
	eig.Factorize(postSym, false)
	vals := eig.Values(nil)
	g.s2 = 1.2 * vals[len(vals)-1]
	shift := mat.NewDense(1, l, nil)
	shift.Mul(mat.NewDense(1, d, g.b), g.encW)
	bound := v.LogVarBound
	for u := 0; u < l; u++ {
		for j := 0; j < d; j++ {
			v.Enc.W[0].Value.Set(j, u, g.encW.At(j, u))
			v.Enc.W[0].Value.Set(j, l+u, 0)
		}
		v.Enc.B[0].Value.Set(0, u, -shift.At(0, u))
		v.Enc.B[0].Value.Set(0, l+u, bound*math.Atanh(math.Log(g.s2)/bound))
	}
	g.encShift = shift
	return g
}

// logMarginal is log N(x; b, WᵀW + σ²I).
func (g *linearGaussian) logMarginal(x []float64) float64 {
	d := len(x)
	r := mat.NewVecDense(d, nil)
	for j := range x {
		r.SetVec(j, x[j]-g.b[j])
	}
	var sol mat.VecDense
	if err := g.chol.SolveVecTo(&sol, r); err != nil {
		panic(err)
	}
	return -0.5*mat.Dot(r, &sol) - 0.5*g.chol.LogDet() - float64(d)*halfLog2Pi
}

func (g *linearGaussian) sample(n int, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 3))
	l, d := g.w.Dims()
	x := mat.NewDense(n, d, nil)
	z := make([]float64, l)
	for i := 0; i < n; i++ {
		for u := range z {
			z[u] = rng.NormFloat64()
		}
		for j := 0; j < d; j++ {
			s := g.b[j] + g.sigma*rng.NormFloat64()
			for u := range z {
				s += z[u] * g.w.At(u, j)
			}
			x.Set(i, j, s)
		}
	}
	return x
}

// closedFormELBO is E_q[log p(x|z)] − KL(q‖p) for q = N(μ(x), s²I).
func (g *linearGaussian) closedFormELBO(x []float64) float64 {
	l, d := g.w.Dims()
	mu := make([]float64, l)
	for u := range mu {
		for j := 0; j < d; j++ {
			mu[u] += (x[j] - g.b[j]) * g.encW.At(j, u)
		}
	}
	s2, v := g.s2, g.sigma*g.sigma
	rec := -float64(d) * 0.5 * math.Log(2*math.Pi*v)
	for j := 0; j < d; j++ {
		m := g.b[j]
		var spread float64
		for u := range mu {
			m += mu[u] * g.w.At(u, j)
			spread += s2 * g.w.At(u, j) * g.w.At(u, j)
		}
		rec -= ((x[j]-m)*(x[j]-m) + spread) / (2 * v)
	}
	kl := 0.0
	for _, m := range mu {
		kl += 0.5 * (m*m + s2 - 1 - math.Log(s2))
	}
	return rec - kl
}

func meanSE(x []float64) (mean, se float64) {
	for _, v := range x {
		mean += v
	}
	n := float64(len(x))
	mean /= n
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / (n - 1) / n)
}

// TestEstimateConvergesOnLinearGaussian: for a linear-Gaussian VAE the
// marginal likelihood is closed form; the importance-sampled estimate
// must approach it as k grows, and ELBO ≤ estimate ≤ truth + noise.
func TestEstimateConvergesOnLinearGaussian(t *testing.T) {
	const d, l, n = 4, 2, 300
	g := newLinearGaussian(t, d, l, 0.5)
	x := g.sample(n, 1)
	truth := make([]float64, n)
	for i := range truth {
		truth[i] = g.logMarginal(x.RawRowView(i))
	}

	// The model's ELBO matches the closed form (up to its one-draw noise).
	elbo, err := g.v.LowerBound(x)
	if err != nil {
		t.Fatal(err)
	}
	diff := make([]float64, n)
	for i := range diff {
		diff[i] = elbo[i] - g.closedFormELBO(x.RawRowView(i))
	}
	if m, se := meanSE(diff); math.Abs(m) > 4*se+1e-9 {
		t.Errorf("ELBO − closed form = %.4f ± %.4f", m, se)
	}

	var prevErr float64
	var est1000 []float64
	for _, k := range []int{1, 10, 100, 1000} {
		est, err := g.v.LogProbEstimate(x, k, rand.New(rand.NewPCG(uint64(k), 1)))
		if err != nil {
			t.Fatal(err)
		}
		gap := make([]float64, n)
		for i := range gap {
			gap[i] = truth[i] - est[i]
		}
		m, se := meanSE(gap)
		t.Logf("k=%4d: mean(truth − estimate) = %.5f ± %.5f", k, m, se)
		switch {
		case k == 1:
			if m < 0.05 {
				t.Fatalf("k=1 gap %.4f: q is too close to the posterior for the test to mean anything", m)
			}
		case k < 1000:
			if !(m < prevErr) {
				t.Errorf("k=%d: mean error %.5f did not shrink from %.5f", k, m, prevErr)
			}
		default:
			if math.Abs(m) > 3*se+2e-3 {
				t.Errorf("k=1000: mean error %.5f ± %.5f, want within noise of 0", m, se)
			}
			est1000 = est
		}
		prevErr = m
	}
	me, _ := meanSE(elbo)
	mi, sei := meanSE(est1000)
	mt, _ := meanSE(truth)
	if !(me < mi) {
		t.Errorf("mean ELBO %.4f not below the k=1000 estimate %.4f", me, mi)
	}
	if mi > mt+3*sei {
		t.Errorf("mean estimate %.4f above the truth %.4f by more than noise", mi, mt)
	}
}

// TestActiveUnits builds linear encoders whose means vary in known
// directions, so the activity of each unit is known in advance.
func TestActiveUnits(t *testing.T) {
	const d, l, n = 6, 4, 500
	x := gaussianData(n, d, 3)
	col0 := mat.Col(nil, 0, x)
	_, se0 := meanSE(col0)
	var0 := se0 * se0 * n // sample variance of x_0
	cases := []struct {
		name string
		// scale[u]: unit u's mean is scale[u]·x_0 … so Var = scale²·var0
		variance []float64
		want     int
	}{
		{"collapsed", []float64{0, 0, 0, 0}, 0},
		{"two of four", []float64{0.5, 0, 2, 0}, 2},
		{"threshold", []float64{0.005, 0.02, 0.0099, 0.0101}, 2},
		{"all", []float64{1, 1, 0.3, 0.05}, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := build64(t, "vae", map[string]any{"latent": l, "hidden_layers": 0}, d, false)
			clear(v.Enc.W[0].Value.Data)
			rng := rand.New(rand.NewPCG(2, 2))
			for u := 0; u < l; u++ {
				v.Enc.W[0].Value.Set(0, u, math.Sqrt(c.variance[u]/var0))
				v.Enc.B[0].Value.Set(0, u, 0.3*rng.NormFloat64())
				v.Enc.B[0].Value.Set(0, l+u, 0.5*rng.NormFloat64()) // constant log-variances
			}
			diag, err := v.Diagnostics(x, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if got := diag[KeyActiveUnits]; got != float64(c.want) {
				t.Errorf("active units %v, want %d", got, c.want)
			}
			// KL per dimension, from the encoder's outputs by hand.
			var total float64
			for u := 0; u < l; u++ {
				a := v.LogVarBound * math.Tanh(v.Enc.B[0].Value.At(0, l+u)/v.LogVarBound)
				var kl float64
				for i := 0; i < n; i++ {
					m := v.Enc.W[0].Value.At(0, u)*x.At(i, 0) + v.Enc.B[0].Value.At(0, u)
					kl += 0.5 * (m*m + math.Exp(a) - 1 - a)
				}
				kl /= n
				if got := diag[KLDimKey(u)]; math.Abs(got-kl) > 1e-9 {
					t.Errorf("kl_dim_%d = %v, want %v", u, got, kl)
				}
				total += kl
			}
			if math.Abs(diag[KeyKLTotal]-total) > 1e-9 {
				t.Errorf("kl_total %v, want %v", diag[KeyKLTotal], total)
			}
			if e := diag[KeyELBO]; math.IsNaN(e) || math.IsInf(e, 0) {
				t.Errorf("elbo %v", e)
			}
		})
	}
}

func TestDiagnosticsKeys(t *testing.T) {
	v := build64(t, "vae", map[string]any{"latent": 3, "hidden": 8}, 5, true)
	x := modeltest.BinaryPatterns(20, 5, 4, 1)
	diag, err := v.Diagnostics(x, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range diag {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := "active_units elbo kl_dim_0 kl_dim_1 kl_dim_2 kl_total"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("keys %q, want %q", got, want)
	}
	// The mean ELBO is the mean LowerBound up to its noise, and a
	// Bernoulli ELBO is negative.
	lb, _ := v.LowerBound(x)
	m, _ := meanSE(lb)
	if diag[KeyELBO] >= 0 || math.Abs(diag[KeyELBO]-m) > 0.5*math.Abs(m) {
		t.Errorf("elbo %v, LowerBound mean %v", diag[KeyELBO], m)
	}
	if _, err := v.Diagnostics(modeltest.BinaryPatterns(1, 5, 4, 1), rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("diagnostics on one example accepted")
	}
}

// TestLowerBoundIgnoresBeta: β shapes training only; the bound a vae and
// a beta_vae with the same weights report is the same, and it is
// deterministic.
func TestLowerBoundIgnoresBeta(t *testing.T) {
	x := modeltest.BinaryPatterns(50, 8, 4, 2)
	a := build64(t, "vae", map[string]any{"latent": 3, "hidden": 8}, 8, true)
	b := build64(t, "beta_vae", map[string]any{"latent": 3, "hidden": 8}, 8, true)
	if b.Beta != 4 {
		t.Fatalf("beta_vae default beta %v, want 4", b.Beta)
	}
	la, _ := a.LowerBound(x)
	lb, _ := b.LowerBound(x)
	la2, _ := a.LowerBound(x)
	for i := range la {
		if la[i] != lb[i] || la[i] != la2[i] {
			t.Fatalf("example %d: bounds %v, %v (β=4), %v (again)", i, la[i], lb[i], la2[i])
		}
	}
}
