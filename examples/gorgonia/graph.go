package gorgflow

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// coupling holds one affine coupling layer's weights (Dinh et al. 2017,
// "Density estimation using Real NVP", ICLR). The conditioner is a
// one-hidden-layer tanh network of the masked input; it outputs a log-scale
// s and a shift t for the unmasked coordinates:
//
//	y = x ⊙ exp(s(x⊙m)) + t(x⊙m),  s, t zero where m = 1,
//
// so log|det ∂y/∂x| = Σⱼ sⱼ and the inverse is x = (y − t(y⊙m)) ⊙ exp(−s(y⊙m)).
type coupling struct {
	w1, b1, ws, bs, wt, bt *tensor.Dense
	mask                   []float64 // 1 on the coordinates the layer conditions on
}

// tensors lists the layer's weights in a fixed order: the order of
// checkpoints and of the optimiser's state.
func (c *coupling) tensors() []*tensor.Dense {
	return []*tensor.Dense{c.w1, c.b1, c.ws, c.bs, c.wt, c.bt}
}

// layerNodes are one coupling layer's weights as nodes of one graph, with
// the layer's masks as constants of that graph's batch size.
type layerNodes struct {
	w1, b1, ws, bs, wt, bt *G.Node
	keep, free, bound      *G.Node // m, 1−m and scaleBound·(1−m), (n, D)
}

// bindLayer makes nodes for c in g that share c's tensors (WithValue of the
// same *tensor.Dense): every graph of the model sees an optimiser update
// made in place on the training graph's weights.
func bindLayer(g *G.ExprGraph, c *coupling, k, n int, scaleBound float64) layerNodes {
	weight := func(name string, t *tensor.Dense) *G.Node {
		return G.NewMatrix(g, tensor.Float64, G.WithShape(t.Shape()...), G.WithName(fmt.Sprintf("%s%d", name, k)), G.WithValue(t))
	}
	d := len(c.mask)
	keep, free, bound := make([]float64, n*d), make([]float64, n*d), make([]float64, n*d)
	for i := 0; i < n; i++ {
		for j, m := range c.mask {
			keep[i*d+j], free[i*d+j], bound[i*d+j] = m, 1-m, scaleBound*(1-m)
		}
	}
	constant := func(name string, v []float64) *G.Node {
		return G.NewMatrix(g, tensor.Float64, G.WithShape(n, d), G.WithName(fmt.Sprintf("%s%d", name, k)),
			G.WithValue(tensor.New(tensor.WithShape(n, d), tensor.WithBacking(v))))
	}
	return layerNodes{
		w1: weight("w1_", c.w1), b1: weight("b1_", c.b1),
		ws: weight("ws_", c.ws), bs: weight("bs_", c.bs),
		wt: weight("wt_", c.wt), bt: weight("bt_", c.bt),
		keep: constant("keep", keep), free: constant("free", free), bound: constant("bound", bound),
	}
}

func (l layerNodes) weights() []*G.Node { return []*G.Node{l.w1, l.b1, l.ws, l.bs, l.wt, l.bt} }

// scaleShift is the conditioner: s = bound·tanh(h·Ws + bs) on the free
// coordinates (bounded so that exp(s) cannot overflow early in training)
// and t = (h·Wt + bt) on the free coordinates, where h = tanh(u⊙m·W1 + b1).
func (l layerNodes) scaleShift(u *G.Node) (s, t *G.Node) {
	// Broadcasting a (1, k) bias over the rows: pattern {0} repeats it along axis 0.
	affine := func(x, w, b *G.Node) *G.Node {
		return G.Must(G.BroadcastAdd(G.Must(G.Mul(x, w)), b, nil, []byte{0}))
	}
	h := G.Must(G.Tanh(affine(G.Must(G.HadamardProd(u, l.keep)), l.w1, l.b1)))
	s = G.Must(G.HadamardProd(G.Must(G.Tanh(affine(h, l.ws, l.bs))), l.bound))
	t = G.Must(G.HadamardProd(affine(h, l.wt, l.bt), l.free))
	return s, t
}

// forward maps data x to latent z through the layers and returns z and the
// per-row log-determinant Σ s (a vector of length n).
func forward(x *G.Node, layers []layerNodes) (z, logDet *G.Node) {
	z = x
	for _, l := range layers {
		s, t := l.scaleShift(z)
		z = G.Must(G.Add(G.Must(G.HadamardProd(z, G.Must(G.Exp(s)))), t))
		ld := G.Must(G.Sum(s, 1))
		if logDet == nil {
			logDet = ld
		} else {
			logDet = G.Must(G.Add(logDet, ld))
		}
	}
	return z, logDet
}

// inverse maps latent z back to data through the layers in reverse order.
func inverse(z *G.Node, layers []layerNodes) *G.Node {
	x := z
	for k := len(layers) - 1; k >= 0; k-- {
		s, t := layers[k].scaleShift(x) // x⊙m is unchanged by layer k, so s and t are those of the forward pass
		x = G.Must(G.HadamardProd(G.Must(G.Sub(x, t)), G.Must(G.Exp(G.Must(G.Neg(s))))))
	}
	return x
}

// logNormalConst is −(D/2)·log 2π, the part of log N(z; 0, I) that does not
// depend on z; the graphs leave it out and the Go side adds it back.
func logNormalConst(d int) float64 { return -0.5 * float64(d) * math.Log(2*math.Pi) }

// densityGraph computes, for a fixed batch of n rows, the latent z and
// log p(x) − logNormalConst(D) = Σ log|det| − ½‖z‖². With withGrad it also
// holds the loss (the batch mean of its negative) and its gradient with
// respect to every weight, and its machine binds the weights' gradients.
type densityGraph struct {
	g       *G.ExprGraph
	x       *G.Node
	in      *tensor.Dense // x's value, refilled for each batch
	weights []*G.Node     // in the order of flow.tensors()
	z       *G.Node
	logp    *G.Node
	loss    *G.Node
	vm      G.VM
	zVal    G.Value
	logpVal G.Value
	lossVal G.Value
}

func newDensityGraph(f *Flow, n int, withGrad bool) (*densityGraph, error) {
	dg := &densityGraph{g: G.NewGraph(), in: tensor.New(tensor.WithShape(n, f.dim), tensor.Of(tensor.Float64))}
	dg.x = G.NewMatrix(dg.g, tensor.Float64, G.WithShape(n, f.dim), G.WithName("x"), G.WithValue(dg.in))
	layers := make([]layerNodes, len(f.layers))
	for k, c := range f.layers {
		layers[k] = bindLayer(dg.g, c, k, n, f.scaleBound)
		dg.weights = append(dg.weights, layers[k].weights()...)
	}
	var logDet *G.Node
	dg.z, logDet = forward(dg.x, layers)
	halfSq := G.Must(G.Mul(G.NewConstant(0.5), G.Must(G.Sum(G.Must(G.Square(dg.z)), 1))))
	dg.logp = G.Must(G.Sub(logDet, halfSq))
	G.Read(dg.z, &dg.zVal)
	G.Read(dg.logp, &dg.logpVal)
	if !withGrad {
		dg.vm = G.NewTapeMachine(dg.g)
		return dg, nil
	}
	dg.loss = G.Must(G.Neg(G.Must(G.Mean(dg.logp))))
	G.Read(dg.loss, &dg.lossVal)
	// One Grad call per graph: gorgonia skips nodes an earlier Grad has
	// already differentiated, so this graph is never differentiated again.
	if _, err := G.Grad(dg.loss, dg.weights...); err != nil {
		return nil, fmt.Errorf("gorgonia gradient: %w", err)
	}
	dg.vm = G.NewTapeMachine(dg.g, G.BindDualValues(dg.weights...))
	return dg, nil
}

// run evaluates the graph on rows [from, from+n) of x (row-major, D
// columns), padding with zeros past the end of x.
func (dg *densityGraph) run(x []float64, from int) error {
	buf := dg.in.Data().([]float64)
	clear(buf)
	end := min(len(x), from+len(buf))
	if from < end {
		copy(buf, x[from:end])
	}
	if err := G.Let(dg.x, dg.in); err != nil {
		return fmt.Errorf("gorgonia let: %w", err)
	}
	// RunAll without Reset would silently do nothing on the next call.
	defer dg.vm.Reset()
	if err := dg.vm.RunAll(); err != nil {
		return fmt.Errorf("gorgonia run: %w", err)
	}
	return nil
}

// sampleGraph maps a fixed batch of n latent rows to data.
type sampleGraph struct {
	g    *G.ExprGraph
	z    *G.Node
	in   *tensor.Dense
	x    *G.Node
	vm   G.VM
	xVal G.Value
}

func newSampleGraph(f *Flow, n int) *sampleGraph {
	sg := &sampleGraph{g: G.NewGraph(), in: tensor.New(tensor.WithShape(n, f.dim), tensor.Of(tensor.Float64))}
	sg.z = G.NewMatrix(sg.g, tensor.Float64, G.WithShape(n, f.dim), G.WithName("z"), G.WithValue(sg.in))
	layers := make([]layerNodes, len(f.layers))
	for k, c := range f.layers {
		layers[k] = bindLayer(sg.g, c, k, n, f.scaleBound)
	}
	sg.x = inverse(sg.z, layers)
	G.Read(sg.x, &sg.xVal)
	sg.vm = G.NewTapeMachine(sg.g)
	return sg
}

// run maps the latent rows in z (row-major, exactly n rows) to data.
func (sg *sampleGraph) run(z []float64) ([]float64, error) {
	copy(sg.in.Data().([]float64), z)
	if err := G.Let(sg.z, sg.in); err != nil {
		return nil, fmt.Errorf("gorgonia let: %w", err)
	}
	defer sg.vm.Reset()
	if err := sg.vm.RunAll(); err != nil {
		return nil, fmt.Errorf("gorgonia run: %w", err)
	}
	return append([]float64(nil), sg.xVal.Data().([]float64)...), nil
}
