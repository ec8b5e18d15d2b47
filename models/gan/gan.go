package gan

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/nn"
)

// Loss selects the adversarial objective.
type Loss string

// The objectives.
const (
	// NonSaturating is Goodfellow et al.'s GAN with the non-saturating
	// generator loss: D minimises softplus(−D(x)) + softplus(D(G(z))),
	// G minimises softplus(−D(G(z))) (D outputs logits).
	NonSaturating Loss = "ns"
	// WassersteinGP is WGAN-GP (Gulrajani et al. 2017): the critic
	// minimises E[D(G(z))] − E[D(x)] + λ·E[(‖∇D(x̂)‖₂ − 1)²], G minimises
	// −E[D(G(z))].
	WassersteinGP Loss = "wgan_gp"
)

// evalChunk bounds the rows evaluated at once.
const evalChunk = 1024

// streams of the model's PCG sources (the seed is the other half).
const (
	trainStream = 0x67616e   // "gan": initialisation and training noise
	evalStream  = 0x67616e76 // "ganv": fixed noise of ValidationLoss
)

// Options are the architecture and training settings of a GAN.
type Options struct {
	Dim, Latent    int
	Arch           string        // ArchMLP ("" too) or ArchConv
	Hidden, Layers int           // arch mlp: width and number of hidden layers of both networks
	Shape          nn.ImageShape // the data's image shape (required by arch conv)
	Channels       int           // arch conv: C, see ConvGenerator and ConvDiscriminator
	GAct, DAct     nn.Activation // hidden nonlinearities
	Output         string        // generator output: linear, sigmoid or tanh
	Standardize    bool          // fix a per-coordinate standardisation from the first batch (linear output only)
	Pack           int           // PacGAN packing degree m (1: none)
	DSteps         int           // discriminator updates per TrainStep
	Loss           Loss
	Lambda         float64 // gradient-penalty weight (WGAN-GP)
	LR, LRG, LRD   float64 // LRG, LRD: 0 means LR
	Beta1, Beta2   float64
	ClipNorm       float64
	Seed           uint64
	SpectralNorm   bool // normalise every discriminator weight by its spectral norm (spectral.go)
}

// GAN is a generator and a discriminator (critic), both MLPs (arch mlp)
// or both convolutional (arch conv), with separate parameter sets and Adam
// optimisers.
type GAN[T nn.Float] struct {
	Opts             Options
	G, D             *nn.MLP[T]            // arch mlp; nil for conv
	CG               *ConvGenerator[T]     // arch conv; nil for mlp
	CD               *ConvDiscriminator[T] // arch conv; nil for mlp
	GParams, DParams nn.ParamSet[T]
	OptG, OptD       *nn.Adam[T]

	gNet, dNet network[T] // the pair in use: G, D or CG, CD

	sn *spectralNorm[T] // nil unless Opts.SpectralNorm

	src                *rand.PCG
	rng                *rand.Rand
	train, gen, run    nn.Tape[T]
	trainPool, runPool pool[T]

	lastD, lastG   float64 // losses of the last TrainStep
	trained        bool
	ratioG, ratioD float64 // each optimiser's LR / the base LR (for SetLR)

	// Standardisation fixed by the first training batch: D sees
	// (x − shift)/scale, G's outputs u are in those units and samples are
	// shift + scale·u. Identity until set.
	shift, scale []float64
	normSet      bool
	realBuf      []float64 // reused buffer of standardised real rows
}

// NewGAN makes a GAN from o, ready to train: both networks initialised
// from the model's own source seeded with o.Seed.
func NewGAN[T nn.Float](o Options) (*GAN[T], error) {
	if o.Dim < 1 || o.Latent < 1 || o.Hidden < 1 || o.Layers < 0 || o.Pack < 1 || o.DSteps < 1 {
		return nil, fmt.Errorf("invalid GAN options: dim %d, latent %d, hidden %d, layers %d, pack %d, discriminator steps %d",
			o.Dim, o.Latent, o.Hidden, o.Layers, o.Pack, o.DSteps)
	}
	switch o.Loss {
	case NonSaturating, WassersteinGP:
	default:
		return nil, fmt.Errorf("unknown GAN loss %q", o.Loss)
	}
	switch o.Output {
	case "linear":
	case "sigmoid", "tanh":
		o.Standardize = false // outputs in a fixed range are not rescaled
	default:
		return nil, fmt.Errorf("unknown generator output %q (valid: linear, sigmoid, tanh)", o.Output)
	}
	for _, a := range []nn.Activation{o.GAct, o.DAct} {
		if err := nn.CheckActivation(string(a)); err != nil {
			return nil, err
		}
	}
	switch o.Arch {
	case "", ArchMLP:
		o.Arch = ArchMLP
	case ArchConv:
		if err := checkConv(o); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown GAN architecture %q (valid: %s, %s)", o.Arch, ArchMLP, ArchConv)
	}
	g := &GAN[T]{Opts: o, src: rand.NewPCG(o.Seed, trainStream)}
	g.rng = rand.New(g.src)
	// Biases U(±1/√fan_in) (PyTorch's default for linear layers): with
	// zero biases every first-layer unit's hyperplane passes through the
	// origin, and a discriminator must grow its biases step by step before
	// it can place features away from it (25 grid modes at ±4 stay
	// invisible for thousands of steps).
	if o.Arch == ArchConv {
		g.buildConv(g.rng)
		initBiases(g.rng, []*nn.MLP[T]{g.CG.FC, g.CD.FC},
			[]convLayer[T]{g.CG.Conv1, g.CG.Conv2, g.CD.Conv1, g.CD.Conv2})
	} else {
		hidden := make([]int, o.Layers)
		for i := range hidden {
			hidden[i] = o.Hidden
		}
		gSizes := append(append([]int{o.Latent}, hidden...), o.Dim)
		dSizes := append(append([]int{o.Pack * o.Dim}, hidden...), 1)
		g.G = nn.NewMLP(&g.GParams, "gen", gSizes, o.GAct, false, g.rng)
		g.D = nn.NewMLP(&g.DParams, "disc", dSizes, o.DAct, false, g.rng)
		g.gNet, g.dNet = g.G, g.D
		initBiases(g.rng, []*nn.MLP[T]{g.G, g.D}, nil)
	}
	if o.SpectralNorm {
		g.sn = newSpectralNorm(g.discriminatorWeights(), o.Seed)
	}
	g.shift, g.scale = make([]float64, o.Dim), make([]float64, o.Dim)
	for j := range g.scale {
		g.scale[j] = 1
	}
	lrG, lrD := o.LRG, o.LRD
	if lrG == 0 {
		lrG = o.LR
	}
	if lrD == 0 {
		lrD = o.LR
	}
	g.ratioG, g.ratioD = 1, 1
	if o.LR > 0 {
		g.ratioG, g.ratioD = lrG/o.LR, lrD/o.LR
	}
	g.OptG = nn.NewAdam(&g.GParams, lrG)
	g.OptD = nn.NewAdam(&g.DParams, lrD)
	for _, a := range []*nn.Adam[T]{g.OptG, g.OptD} {
		a.Beta1, a.Beta2, a.ClipNorm = o.Beta1, o.Beta2, o.ClipNorm
	}
	return g, nil
}

// noise returns rows×Latent standard normals from rng in a pool buffer.
func (g *GAN[T]) noise(p *pool[T], rows int, rng *rand.Rand) *nn.Mat[T] {
	z := p.get(rows, g.Opts.Latent)
	for i := range z.Data {
		z.Data[i] = T(rng.NormFloat64())
	}
	return z
}

// generate runs the generator on the noise rows z.
func (g *GAN[T]) generate(t *nn.Tape[T], z *nn.Mat[T]) *nn.Node[T] {
	h := g.gNet.Forward(t, t.Const(z))
	switch g.Opts.Output {
	case "sigmoid":
		h = t.Sigmoid(h)
	case "tanh":
		h = t.Tanh(h)
	}
	return h
}

// packedFakes maps Pack·n noise rows to n packed fakes (n × Pack·Dim):
// packed row i concatenates the generator's outputs on noise rows
// i, n+i, ..., (Pack−1)·n+i (the noise is i.i.d., so this is the same
// distribution as packing consecutive samples). For images in CHW order
// the concatenation of m images of shape C×H×W is one image of shape
// m·C×H×W, the m samples stacked as channels: the conv discriminator's
// packed input.
func (g *GAN[T]) packedFakes(t *nn.Tape[T], z *nn.Mat[T]) *nn.Node[T] {
	m := g.Opts.Pack
	if m == 1 {
		return g.generate(t, z)
	}
	n, l := z.Rows/m, z.Cols
	parts := make([]*nn.Node[T], m)
	for j := range parts {
		blk := &nn.Mat[T]{Rows: n, Cols: l, Data: z.Data[j*n*l : (j+1)*n*l]}
		parts[j] = g.generate(t, blk)
	}
	return t.ConcatCols(parts...)
}

// packedReal returns the first n·Pack rows of x as n packed rows:
// consecutive Pack-tuples of examples, the remainder dropped.
// Rows are standardised once the standardisation is set.
func (g *GAN[T]) packedReal(t *nn.Tape[T], x *mat.Dense, lo, n int) *nn.Node[T] {
	w := g.Opts.Pack * g.Opts.Dim
	raw := x.RawMatrix()
	if raw.Stride == g.Opts.Dim && !g.normSet {
		start := lo * g.Opts.Dim
		return t.Input(n, w, raw.Data[start:start+n*w])
	}
	vals := g.realBuf[:0]
	for i := lo; i < lo+n*g.Opts.Pack; i++ {
		for j, v := range x.RawRowView(i) {
			vals = append(vals, (v-g.shift[j])/g.scale[j])
		}
	}
	g.realBuf = vals
	return t.Input(n, w, vals)
}

// setStandardisation fixes shift and scale from the batch x: per
// coordinate mean and standard deviation (1 where it vanishes).
func (g *GAN[T]) setStandardisation(x *mat.Dense) {
	r, _ := x.Dims()
	for j := range g.shift {
		var s, ss float64
		for i := 0; i < r; i++ {
			v := x.At(i, j)
			s += v
			ss += v * v
		}
		mean := s / float64(r)
		sd := math.Sqrt(math.Max(ss/float64(r)-mean*mean, 0))
		if !(sd > 1e-8*(1+math.Abs(mean))) || !finite(sd) {
			sd = 1
		}
		g.shift[j], g.scale[j] = mean, sd
	}
	g.normSet = true
}

// discLoss records the discriminator's (critic's) loss on packed real and
// fake rows, both constants. For WGAN-GP, eps holds one interpolation
// weight per row and lambda weights the gradient penalty (0: no penalty,
// and no interpolates); the non-saturating loss ignores both.
func (g *GAN[T]) discLoss(t *nn.Tape[T], p *pool[T], real, fake, eps *nn.Mat[T], lambda float64) (*nn.Node[T], error) {
	if real.Rows != fake.Rows || real.Cols != fake.Cols {
		return nil, fmt.Errorf("real rows %d×%d, fake rows %d×%d", real.Rows, real.Cols, fake.Rows, fake.Cols)
	}
	defer g.sn.use(t)()
	dReal := g.dNet.Forward(t, t.Const(real))
	dFake := g.dNet.Forward(t, t.Const(fake))
	if g.Opts.Loss == NonSaturating {
		return t.Add(t.Mean(t.Softplus(t.Scale(dReal, -1))), t.Mean(t.Softplus(dFake))), nil
	}
	w := t.Sub(t.Mean(dFake), t.Mean(dReal))
	if lambda == 0 {
		return w, nil
	}
	if eps == nil || eps.Rows != real.Rows {
		return nil, fmt.Errorf("gradient penalty needs one interpolation weight per row")
	}
	if g.D == nil { // NewGAN refuses this; inputGrad knows only MLPs
		return nil, fmt.Errorf("gradient penalty needs the MLP critic, model has arch %s", g.Opts.Arch)
	}
	xh := p.get(real.Rows, real.Cols)
	c := real.Cols
	for i := 0; i < real.Rows; i++ {
		e := eps.Data[i]
		for j := i * c; j < (i+1)*c; j++ {
			xh.Data[j] = e*real.Data[j] + (1-e)*fake.Data[j]
		}
	}
	xn := t.Const(xh)
	tr := forwardTrace(t, g.D, xn)
	gx, err := inputGrad(t, g.D, xn, tr, p)
	if err != nil {
		return nil, err
	}
	norm := t.Sqrt(t.AddScalar(t.SumCols(t.Square(gx)), 1e-12))
	gp := t.Mean(t.Square(t.AddScalar(norm, -1)))
	return t.Add(w, t.Scale(gp, lambda)), nil
}

// genLoss records the generator's loss on packed fakes (a node that
// depends on the generator's parameters).
func (g *GAN[T]) genLoss(t *nn.Tape[T], fake *nn.Node[T]) *nn.Node[T] {
	defer g.sn.use(t)()
	d := g.dNet.Forward(t, fake)
	if g.Opts.Loss == NonSaturating {
		return t.Mean(t.Softplus(t.Scale(d, -1)))
	}
	return t.Scale(t.Mean(d), -1)
}

// detachGrads removes the gradient buffers of ps's parameters, so that a
// tape treats them as constants, and returns the function that puts the
// buffers back.
func detachGrads[T nn.Float](ps *nn.ParamSet[T]) (restore func()) {
	saved := make([]*nn.Mat[T], len(ps.Nodes))
	for i, p := range ps.Nodes {
		saved[i], p.Grad = p.Grad, nil
	}
	return func() {
		for i, p := range ps.Nodes {
			p.Grad = saved[i]
		}
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// packedRows returns how many packed rows r examples make.
func (g *GAN[T]) packedRows(r int) (int, error) {
	n := r / g.Opts.Pack
	if n < 1 {
		return 0, fmt.Errorf("%d examples cannot make one pack of %d", r, g.Opts.Pack)
	}
	return n, nil
}

func (g *GAN[T]) checkCols(x *mat.Dense) error {
	if _, c := x.Dims(); c != g.Opts.Dim {
		return fmt.Errorf("data have %d columns, model has %d", c, g.Opts.Dim)
	}
	return nil
}

// TrainStep implements models.Model: DSteps discriminator updates, each on
// the batch x (grouped into packs of Pack consecutive rows, the remainder
// dropped) against fresh fakes, then one generator update on fresh noise
// with as many samples. It returns the discriminator's loss averaged over
// its updates (each measured before its update); the generator's loss is
// kept for Diagnostics.
func (g *GAN[T]) TrainStep(x *mat.Dense) (float64, error) {
	if err := g.checkCols(x); err != nil {
		return 0, err
	}
	r, _ := x.Dims()
	n, err := g.packedRows(r)
	if err != nil {
		return 0, err
	}
	if g.Opts.Standardize && !g.normSet {
		g.setStandardisation(x)
	}
	p, t := &g.trainPool, &g.train
	var dSum float64
	for s := 0; s < g.Opts.DSteps; s++ {
		p.reset()
		g.gen.NoGrad = true
		g.gen.Reset()
		fake := g.packedFakes(&g.gen, g.noise(p, n*g.Opts.Pack, g.rng)).Value
		var eps *nn.Mat[T]
		if g.Opts.Loss == WassersteinGP {
			eps = p.get(n, 1)
			for i := range eps.Data {
				eps.Data[i] = T(g.rng.Float64())
			}
		}
		t.Reset()
		g.sn.powerIteration()
		real := g.packedReal(t, x, 0, n)
		loss, err := g.discLoss(t, p, real.Value, fake, eps, g.Opts.Lambda)
		if err != nil {
			return 0, err
		}
		t.Backward(loss)
		l := nn.Scalar(loss)
		if !finite(l) {
			g.DParams.ZeroGrad()
			return l, fmt.Errorf("discriminator update %d: non-finite loss %v", s+1, l)
		}
		if _, err := g.OptD.Step(); err != nil {
			return l, fmt.Errorf("discriminator update %d: %w", s+1, err)
		}
		dSum += l
	}
	p.reset()
	t.Reset()
	// D's parameters are constants of the generator's loss: detaching their
	// gradient buffers while it is recorded spares the tape the weight
	// gradients of D's layers, which would only be thrown away.
	restore := detachGrads(&g.DParams)
	loss := g.genLoss(t, g.packedFakes(t, g.noise(p, n*g.Opts.Pack, g.rng)))
	t.Backward(loss)
	restore()
	gl := nn.Scalar(loss)
	dl := dSum / float64(g.Opts.DSteps)
	if !finite(gl) {
		g.GParams.ZeroGrad()
		return dl, fmt.Errorf("generator update: non-finite loss %v", gl)
	}
	if _, err := g.OptG.Step(); err != nil {
		return dl, fmt.Errorf("generator update: %w", err)
	}
	g.lastD, g.lastG, g.trained = dl, gl, true
	return dl, nil
}

// Sample implements models.Model: z ~ N(0, I) from rng through the generator.
func (g *GAN[T]) Sample(n int, rng *rand.Rand) (*mat.Dense, error) {
	if n < 1 {
		return nil, fmt.Errorf("sample count %d", n)
	}
	out := mat.NewDense(n, g.Opts.Dim, nil)
	t, p := &g.run, &g.runPool
	t.NoGrad = true
	for lo := 0; lo < n; lo += evalChunk {
		hi := min(lo+evalChunk, n)
		t.Reset()
		p.reset()
		x := g.generate(t, g.noise(p, hi-lo, rng)).Value
		for i := lo; i < hi; i++ {
			row := out.RawRowView(i)
			for j, v := range x.Row(i - lo) {
				if !finite(float64(v)) {
					return out, fmt.Errorf("non-finite sample value %v", v)
				}
				row[j] = g.shift[j] + g.scale[j]*float64(v)
			}
		}
	}
	return out, nil
}

// evalLoss averages the discriminator's loss over x in chunks, against
// fakes, interpolation weights drawn from rng. withPenalty=false reports
// only E[D(fake)] − E[D(real)] for WGAN-GP.
func (g *GAN[T]) evalLoss(x *mat.Dense, rng *rand.Rand, withPenalty bool) (float64, error) {
	if err := g.checkCols(x); err != nil {
		return 0, err
	}
	r, _ := x.Dims()
	total, err := g.packedRows(r)
	if err != nil {
		return 0, err
	}
	o := g.Opts
	lambda := o.Lambda
	if !withPenalty {
		lambda = 0
	}
	t, p := &g.run, &g.runPool
	t.NoGrad = true
	chunk := max(evalChunk/o.Pack, 1)
	var sum float64
	for lo := 0; lo < total; lo += chunk {
		n := min(chunk, total-lo)
		t.Reset()
		p.reset()
		fake := g.packedFakes(t, g.noise(p, n*o.Pack, rng)).Value
		eps := p.get(n, 1)
		for i := range eps.Data {
			eps.Data[i] = T(rng.Float64())
		}
		real := g.packedReal(t, x, lo*o.Pack, n)
		loss, err := g.discLoss(t, p, real.Value, fake, eps, lambda)
		if err != nil {
			return 0, err
		}
		sum += nn.Scalar(loss) * float64(n)
	}
	v := sum / float64(total)
	if !finite(v) {
		return v, fmt.Errorf("non-finite discriminator loss %v", v)
	}
	return v, nil
}

// ValidationLoss implements models.Validator: the discriminator's training
// loss (critic loss with gradient penalty for WGAN-GP) on held-out x
// against as many fakes. It is not a likelihood and not comparable across
// models or even across training time in any absolute sense; it shows
// whether D separates held-out data from fakes. The fakes' noise comes
// from a fixed seeded source, the same on every call (common random
// numbers), so it neither depends on nor disturbs the training noise.
func (g *GAN[T]) ValidationLoss(x *mat.Dense) (float64, error) {
	return g.evalLoss(x, rand.New(rand.NewPCG(g.Opts.Seed, evalStream)), true)
}

// Diagnostics implements models.Diagnoser: the last training update's
// "d_loss" and "g_loss" (absent before the first TrainStep), "steps"
// (generator updates so far), "params_g" and "params_d"; for WGAN-GP also
// "wasserstein_estimate" = E[D(x)] − E[D(G(z))] on x with noise from rng
// (the validation noise when rng is nil): the critic's estimate of the
// Wasserstein-1 distance in standardised units, up to its Lipschitz
// constant.
func (g *GAN[T]) Diagnostics(x *mat.Dense, rng *rand.Rand) (map[string]float64, error) {
	out := map[string]float64{
		"steps":    float64(g.OptG.Steps()),
		"params_g": float64(g.GParams.Count()),
		"params_d": float64(g.DParams.Count()),
	}
	if g.trained {
		out["d_loss"], out["g_loss"] = g.lastD, g.lastG
	}
	if g.Opts.Loss == WassersteinGP && x != nil {
		if rng == nil {
			rng = rand.New(rand.NewPCG(g.Opts.Seed, evalStream))
		}
		v, err := g.evalLoss(x, rng, false)
		if err != nil {
			return nil, fmt.Errorf("wasserstein estimate: %w", err)
		}
		out["wasserstein_estimate"] = -v
	}
	return out, nil
}

// NumParams implements models.Model: generator and discriminator together.
func (g *GAN[T]) NumParams() int { return g.GParams.Count() + g.DParams.Count() }

// SetLR implements models.LRSetter: lr becomes the base rate, and both
// optimisers keep their ratio to it (lr_g/lr, lr_d/lr as configured).
func (g *GAN[T]) SetLR(lr float64) {
	g.OptG.LR, g.OptD.LR = lr*g.ratioG, lr*g.ratioD
}
