package reports

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/results"
)

// Figure is one PNG of the report, written to figures/<Name> and embedded
// in report.html.
type Figure struct {
	Name    string // file name, e.g. "front-ring8.png"
	Title   string
	Caption string
	PNG     []byte
	Width   int // pixels
	Height  int
}

// figureDPI is the resolution every figure is rendered at.
const figureDPI = 96

// pngEncoder trades a little size for speed.
var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed}

var familyColor = map[string]color.RGBA{
	string(models.Flow):           {R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	string(models.Autoregressive): {R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	string(models.VAE):            {R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	string(models.IAE):            {R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	string(models.GAN):            {R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
}

func colorOf(family string) color.RGBA {
	if c, ok := familyColor[family]; ok {
		return c
	}
	return color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}
}

var seedColors = []color.RGBA{
	{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, {R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, {R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, {R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, {R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
	{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}, {R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff},
}

var kindGlyph = map[string]draw.GlyphDrawer{
	"exact":    draw.CircleGlyph{},
	"bound":    draw.TriangleGlyph{},
	"estimate": draw.BoxGlyph{},
}

func glyphOf(kind string) draw.GlyphDrawer {
	if g, ok := kindGlyph[kind]; ok {
		return g
	}
	return draw.CrossGlyph{}
}

// renderPlots draws a row of plots side by side and encodes a PNG.
func renderPlots(w, h vg.Length, plots ...*plot.Plot) ([]byte, int, int, error) {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(figureDPI), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(c)
	if len(plots) == 1 {
		plots[0].Draw(dc)
	} else {
		tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Millimeter * 4, PadTop: vg.Millimeter * 2,
			PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
		canvases := plot.Align([][]*plot.Plot{plots}, tiles, dc)
		for i, p := range plots {
			p.Draw(canvases[0][i])
		}
	}
	var buf bytes.Buffer
	if err := pngEncoder.Encode(&buf, c.Image()); err != nil {
		return nil, 0, 0, fmt.Errorf("encoding PNG: %w", err)
	}
	b := c.Image().Bounds()
	return buf.Bytes(), b.Dx(), b.Dy(), nil
}

// logTicks are log-axis ticks labelled compactly (100, 1k, 10k, 1M).
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.LogTicks{Prec: -1}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = compact(ticks[i].Value)
		}
	}
	return ticks
}

// compact writes a tick value: 0.001, 0.1, 1, 10, 100, 1k, 10k, 1M, 1G.
func compact(v float64) string {
	for _, u := range []struct {
		f float64
		s string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if math.Abs(v) >= u.f {
			return strconv.FormatFloat(v/u.f, 'g', 3, 64) + u.s
		}
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// intTicks are the default ticks labelled without trailing decimals.
type intTicks struct{}

func (intTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', 6, 64)
		}
	}
	return ticks
}

func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	return p
}

// safePlot recovers from gonum/plot panics (degenerate ranges) so that one
// bad figure never takes the report down.
func safePlot(name string, f func() (*Figure, error)) (fig *Figure, err error) {
	defer func() {
		if r := recover(); r != nil {
			fig, err = nil, fmt.Errorf("figure %s: %v", name, r)
		}
	}()
	fig, err = f()
	if err != nil {
		err = fmt.Errorf("figure %s: %w", name, err)
	}
	return fig, err
}

// curvesFigure draws every trial's training and validation curve of a row.
func curvesFigure(ds *DataSet, row *Row) (*Figure, error) {
	name := "curves-" + ds.Slug + "-" + rowSlug(row.Label) + ".png"
	return safePlot(name, func() (*Figure, error) {
		validKind := ""
		p := newPlot(fmt.Sprintf("%s on %s: training curves", row.Label, ds.Label), "epoch", "loss (nats per example)")
		p.X.Tick.Marker = intTicks{}
		n := 0
		for i, rec := range row.Trials {
			if rec.Training == nil || len(rec.Training.Curve) == 0 {
				continue
			}
			if validKind == "" {
				validKind = rec.Training.ValidKind
			}
			col := seedColors[i%len(seedColors)]
			var train, valid plotter.XYs
			for _, e := range rec.Training.Curve {
				if finite(e.TrainLoss) && !(rec.Training.Stopped == "closed_form" && e.TrainLoss == 0) {
					train = append(train, plotter.XY{X: float64(e.Epoch), Y: e.TrainLoss})
				}
				if finite(e.ValidLoss) {
					valid = append(valid, plotter.XY{X: float64(e.Epoch), Y: e.ValidLoss})
				}
			}
			label := fmt.Sprintf("seed %d", rec.Seed)
			if rec.Status != "ok" {
				label += " (" + rec.Status + ")"
			}
			for _, s := range []struct {
				xys    plotter.XYs
				what   string
				dashed bool
			}{{train, "train", true}, {valid, "valid", false}} {
				if len(s.xys) == 0 {
					continue
				}
				n++
				l, pts, err := plotter.NewLinePoints(s.xys)
				if err != nil {
					return nil, err
				}
				l.Color, pts.Color, pts.Radius = col, col, vg.Points(1.5)
				l.Width = vg.Points(1.2)
				if s.dashed {
					l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
					pts.Shape = draw.RingGlyph{}
				}
				p.Add(l, pts)
				p.Legend.Add(label+" "+s.what, l, pts)
			}
		}
		if n == 0 {
			return nil, nil
		}
		switch validKind {
		case "negative_elbo":
			p.Y.Label.Text = "loss; validation = −ELBO (nats)"
		case "model_loss":
			p.Y.Label.Text = "loss; validation = model's own loss"
		case "nll":
			p.Y.Label.Text = "loss; validation = NLL (nats)"
		}
		p.Legend.Top = true
		png, w, h, err := renderPlots(7*vg.Inch, 4*vg.Inch, p)
		if err != nil {
			return nil, err
		}
		return &Figure{Name: name, Title: fmt.Sprintf("Training curves: %s on %s", row.Label, ds.Label),
			Caption: fmt.Sprintf("Training loss (dashed) and validation loss (solid) per epoch for each seed of %s (%s); validation loss: %s.", row.Label, row.Type, validKindText(validKind)),
			PNG:     png, Width: w, Height: h}, nil
	})
}

// frontFigure plots test NLL against samples/s per model, one marker per
// NLL kind, with the Pareto front drawn within each kind only.
func frontFigure(ds *DataSet) (*Figure, error) {
	name := "front-" + ds.Slug + ".png"
	return safePlot(name, func() (*Figure, error) {
		type point struct {
			row       *Row
			x, y, err float64
		}
		byKind := map[string][]point{}
		var left []string
		for _, r := range ds.Rows {
			nll, sp := r.Stat("test_nll"), r.Stat("samples_per_sec")
			if !nll.Has() || !sp.Has() || sp.Mean <= 0 {
				if len(r.OK) > 0 {
					why := "no test NLL"
					if nll.Has() {
						why = "no samples/s"
					}
					left = append(left, fmt.Sprintf("%s (%s)", r.Label, why))
				}
				continue
			}
			e, _ := nll.Spread()
			if !finite(e) {
				e = 0
			}
			byKind[r.Kind] = append(byKind[r.Kind], point{r, sp.Mean, nll.Mean, e})
		}
		if len(byKind) == 0 {
			return nil, nil
		}
		p := newPlot("Test NLL against sampling speed: "+ds.Label, "samples per second (log scale)", "test NLL (nats per example)")
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
		xmin, xmax := math.Inf(1), math.Inf(-1)
		kinds := sortedKeys(byKind)
		for _, kind := range kinds {
			pts := byKind[kind]
			sort.Slice(pts, func(i, j int) bool { return pts[i].x > pts[j].x || (pts[i].x == pts[j].x && pts[i].y < pts[j].y) })
			var xys plotter.XYs
			var errs plotter.YErrors
			var labels []string
			for _, pt := range pts {
				xys = append(xys, plotter.XY{X: pt.x, Y: pt.y})
				errs = append(errs, struct{ Low, High float64 }{pt.err, pt.err})
				labels = append(labels, pt.row.Label)
				xmin, xmax = math.Min(xmin, pt.x), math.Max(xmax, pt.x)
			}
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyleFunc = func(i int) draw.GlyphStyle {
				return draw.GlyphStyle{Color: colorOf(pts[i].row.Family), Radius: vg.Points(4), Shape: glyphOf(kind)}
			}
			eb, err := plotter.NewYErrorBars(errPoints{xys, errs})
			if err != nil {
				return nil, err
			}
			lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
			if err != nil {
				return nil, err
			}
			lb.Offset = vg.Point{X: vg.Points(6), Y: vg.Points(2)}
			// Pareto front within this kind: faster first, keep each model
			// whose NLL is below every faster model's.
			var front plotter.XYs
			best := math.Inf(1)
			for _, pt := range pts {
				if pt.y < best {
					front = append(front, plotter.XY{X: pt.x, Y: pt.y})
					best = pt.y
				}
			}
			if len(front) > 1 {
				l, err := plotter.NewLine(front)
				if err != nil {
					return nil, err
				}
				l.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
				l.Color = color.Gray{Y: 0x60}
				p.Add(l)
			}
			p.Add(eb, sc, lb)
			thumb, _ := plotter.NewScatter(plotter.XYs{{}})
			thumb.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(4), Shape: glyphOf(kind)}
			p.Legend.Add(kind+" NLL", thumb)
		}
		p.X.Min, p.X.Max = xmin/3, xmax*3
		p.Legend.Top, p.Legend.Left = true, true
		png, w, h, err := renderPlots(7*vg.Inch, 4.5*vg.Inch, p)
		if err != nil {
			return nil, err
		}
		caption := "Each marker is a model's mean over seeds (error bar: 2 s.e. for one seed, sd over seeds otherwise); marker shape = NLL kind, colour = family (" + familyLegend() + "). The dashed line is the speed/NLL front drawn within one NLL kind only: exact, bound and estimate NLLs are not ranked together."
		if len(left) > 0 {
			caption += " Not plotted: " + strings.Join(left, ", ") + "."
		}
		return &Figure{Name: name, Title: "Test NLL against samples/s: " + ds.Label, Caption: caption, PNG: png, Width: w, Height: h}, nil
	})
}

type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

type xErrPoints struct {
	plotter.XYs
	plotter.XErrors
}

func familyLegend() string {
	return "flow blue, autoregressive orange, VAE green, IAE purple, GAN red"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// modesFigure draws mean modes covered per model as bars, each seed as a
// dot, and the number of modes as a dashed line.
func modesFigure(ds *DataSet) (*Figure, error) {
	name := "modes-" + ds.Slug + ".png"
	return safePlot(name, func() (*Figure, error) {
		var rows []*Row
		for _, r := range ds.Rows {
			if r.Stat("modes_covered").Has() {
				rows = append(rows, r)
			}
		}
		if len(rows) == 0 {
			return nil, nil
		}
		p := newPlot("Modes covered: "+ds.Label, "", "modes covered")
		total := 0.0
		var names []string
		for i, r := range rows {
			s := r.Stat("modes_covered")
			total = math.Max(total, r.Stat("modes_total").Max)
			bc, err := plotter.NewBarChart(plotter.Values{s.Mean}, vg.Points(28))
			if err != nil {
				return nil, err
			}
			bc.XMin = float64(i)
			bc.Color = colorOf(r.Family)
			bc.LineStyle.Width = 0
			p.Add(bc)
			var seeds plotter.XYs
			for j, v := range s.Values {
				off := 0.0
				if len(s.Values) > 1 {
					off = 0.18 * (float64(j)/float64(len(s.Values)-1) - 0.5)
				}
				seeds = append(seeds, plotter.XY{X: float64(i) + off, Y: v})
			}
			sc, err := plotter.NewScatter(seeds)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(2.5), Shape: draw.RingGlyph{}}
			p.Add(sc)
			names = append(names, r.Label)
		}
		if total > 0 {
			l, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: total}, {X: float64(len(rows)) - 0.5, Y: total}})
			if err != nil {
				return nil, err
			}
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("%g modes in the data", total), l)
		}
		p.NominalX(names...)
		p.Y.Min = 0
		p.Y.Max = math.Max(total, 1) * 1.1
		p.Legend.Top = true
		p.Legend.Left = true
		w := vg.Length(math.Max(5, 1.0+0.9*float64(len(rows)))) * vg.Inch
		png, pw, ph, err := renderPlots(w, 4*vg.Inch, p)
		if err != nil {
			return nil, err
		}
		return &Figure{Name: name, Title: "Mode coverage: " + ds.Label,
			Caption: "Bars: mean modes covered over seeds (colour = family: " + familyLegend() + "); rings: each seed; dashed: the number of modes. VEEGAN/PacGAN protocol: a mode is covered if a high-quality sample (within 3 std) is nearest to it.",
			PNG:     png, Width: pw, Height: ph}, nil
	})
}

// costFigure draws seconds per epoch and samples per second per model as
// dot plots on log axes, with the seed range as error bars.
func costFigure(ds *DataSet) (*Figure, error) {
	name := "cost-" + ds.Slug + ".png"
	return safePlot(name, func() (*Figure, error) {
		var plots []*plot.Plot
		for _, m := range []struct{ key, title, axis string }{
			{"seconds_per_epoch", "Training cost", "seconds per epoch (log scale)"},
			{"samples_per_sec", "Sampling speed", "samples per second (log scale)"},
		} {
			var rows []*Row
			for _, r := range ds.Rows {
				if s := r.Stat(m.key); s.Has() && s.Min > 0 {
					rows = append(rows, r)
				}
			}
			if len(rows) == 0 {
				continue
			}
			p := newPlot(m.title+": "+ds.Label, m.axis, "")
			p.X.Scale = plot.LogScale{}
			p.X.Tick.Marker = logTicks{}
			var xys plotter.XYs
			var errs plotter.XErrors
			var names []string
			xmin, xmax := math.Inf(1), math.Inf(-1)
			// Top to bottom in table order.
			for i := len(rows) - 1; i >= 0; i-- {
				r := rows[i]
				s := r.Stat(m.key)
				xys = append(xys, plotter.XY{X: s.Mean, Y: float64(len(rows) - 1 - i)})
				errs = append(errs, struct{ Low, High float64 }{s.Mean - s.Min, s.Max - s.Mean})
				names = append(names, r.Label)
				xmin, xmax = math.Min(xmin, s.Min), math.Max(xmax, s.Max)
			}
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyleFunc = func(i int) draw.GlyphStyle {
				return draw.GlyphStyle{Color: colorOf(rows[len(rows)-1-i].Family), Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
			}
			eb, err := plotter.NewXErrorBars(xErrPoints{xys, errs})
			if err != nil {
				return nil, err
			}
			p.Add(eb, sc)
			p.NominalY(names...)
			p.X.Min, p.X.Max = xmin/3, xmax*3
			plots = append(plots, p)
		}
		if len(plots) == 0 {
			return nil, nil
		}
		rows := 0
		for _, r := range ds.Rows {
			if len(r.OK) > 0 {
				rows++
			}
		}
		h := vg.Length(math.Max(2.5, 1.2+0.3*float64(rows))) * vg.Inch
		png, w, ph, err := renderPlots(vg.Length(4.5*float64(len(plots)))*vg.Inch, h, plots...)
		if err != nil {
			return nil, err
		}
		return &Figure{Name: name, Title: "Training and sampling cost: " + ds.Label,
			Caption: "Mean over seeds (error bars: the range over seeds); colour = family (" + familyLegend() + "). Seconds per epoch = train_seconds / epochs; samples per second at a fixed batch after warm-up, median of repeats.",
			PNG:     png, Width: w, Height: ph}, nil
	})
}

// klFigure draws a VAE's KL per latent dimension with the 0.01 threshold.
func klFigure(ds *DataSet, row *Row) (*Figure, error) {
	name := "kl-" + ds.Slug + "-" + rowSlug(row.Label) + ".png"
	return safePlot(name, func() (*Figure, error) {
		kl := row.klPerDim()
		if len(kl) == 0 {
			return nil, nil
		}
		title := fmt.Sprintf("KL per latent dimension: %s on %s", row.Label, ds.Label)
		p := newPlot(title, "latent dimension", "KL (nats, log scale)")
		vals := make(plotter.XYs, len(kl))
		for i, v := range kl {
			vals[i] = plotter.XY{X: float64(i), Y: math.Max(v, 1e-6)}
		}
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		sc, err := plotter.NewScatter(vals)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: colorOf(string(models.VAE)), Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
		l, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: 0.01}, {X: float64(len(kl)) - 0.5, Y: 0.01}})
		if err != nil {
			return nil, err
		}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		l.Color = colorOf(string(models.GAN))
		p.Add(sc, l)
		p.Legend.Add("0.01 nats", l)
		p.Legend.Top = true
		ymin, ymax := math.Inf(1), math.Inf(-1)
		for _, v := range vals {
			ymin, ymax = math.Min(ymin, v.Y), math.Max(ymax, v.Y)
		}
		p.Y.Min, p.Y.Max = math.Min(ymin, 0.01)/3, math.Max(ymax, 0.01)*3
		png, w, h, err := renderPlots(6*vg.Inch, 3.5*vg.Inch, p)
		if err != nil {
			return nil, err
		}
		caption := "Mean KL(q(z_u|x) ‖ p(z_u)) per latent dimension u over seeds (values below 1e-6 drawn at 1e-6); dimensions under the dashed line carry almost no information."
		if au := row.Stat("active_units"); au.Has() {
			caption += fmt.Sprintf(" Active units (Burda et al., A_u > 0.01): %s of %d.", fmtCount(au.Mean), row.latentSize())
		}
		return &Figure{Name: name, Title: title, Caption: caption, PNG: png, Width: w, Height: h}, nil
	})
}

// speedDimFigure plots samples/s against D on log-log axes across data
// sets, one line per model type.
func speedDimFigure(sets []*DataSet) (*Figure, error) {
	const name = "speed-vs-dim.png"
	return safePlot(name, func() (*Figure, error) {
		type pt struct {
			d, s       float64
			family     string
			sequential bool
		}
		byType := map[string][]pt{}
		dims := map[int]bool{}
		for _, ds := range sets {
			if ds.Dim <= 0 {
				continue
			}
			for _, r := range ds.Rows {
				if s := r.Stat("samples_per_sec"); s.Has() && s.Mean > 0 {
					byType[r.Type] = append(byType[r.Type], pt{float64(ds.Dim), s.Mean, r.Family, r.sequentialSampler()})
					dims[ds.Dim] = true
				}
			}
		}
		if len(dims) < 2 {
			return nil, nil
		}
		p := newPlot("Sampling speed against dimension", "data dimension D (log scale)", "samples per second (log scale)")
		p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
		p.X.Tick.Marker, p.Y.Tick.Marker = logTicks{}, logTicks{}
		xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.BoxGlyph{}, draw.CrossGlyph{},
			draw.PlusGlyph{}, draw.RingGlyph{}, draw.PyramidGlyph{}, draw.SquareGlyph{}}
		for ti, t := range sortedKeys(byType) {
			pts := byType[t]
			sort.Slice(pts, func(i, j int) bool { return pts[i].d < pts[j].d || (pts[i].d == pts[j].d && pts[i].s < pts[j].s) })
			xys := make(plotter.XYs, len(pts))
			for i, q := range pts {
				xys[i] = plotter.XY{X: q.d, Y: q.s}
				xmin, xmax = math.Min(xmin, q.d), math.Max(xmax, q.d)
				ymin, ymax = math.Min(ymin, q.s), math.Max(ymax, q.s)
			}
			l, sc, err := plotter.NewLinePoints(xys)
			if err != nil {
				return nil, err
			}
			c := colorOf(pts[0].family)
			l.Color, sc.Color = c, c
			sc.Shape, sc.Radius = shapes[ti%len(shapes)], vg.Points(3.5)
			if pts[0].sequential {
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
			}
			p.Add(l, sc)
			p.Legend.Add(t, l, sc)
		}
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin/2, xmax*2, ymin/3, ymax*3
		p.Legend.Top = true
		png, w, h, err := renderPlots(6.5*vg.Inch, 4.5*vg.Inch, p)
		if err != nil {
			return nil, err
		}
		return &Figure{Name: name, Title: "Sampling speed against dimension",
			Caption: "Mean samples/s per model type on each data set, against the data dimension; dashed: models that sample with D sequential passes (autoregressive family, MAF). Colour = family (" + familyLegend() + ").",
			PNG:     png, Width: w, Height: h}, nil
	})
}

// samplesFigure draws a row's stored samples: for 2-D data the model's
// log-density beside its samples over the true modes, for images a grid of
// samples, for other vectors the first two coordinates.
func samplesFigure(ds *DataSet, row *Row) (*Figure, string, error) {
	name := "samples-" + ds.Slug + "-" + rowSlug(row.Label) + ".png"
	var a *results.Artifacts
	var trial string
	var seed uint64
	for _, rec := range row.OK {
		if x := row.Artifacts[rec.Trial]; x != nil {
			a, trial, seed = x, rec.Trial, rec.Seed
			break
		}
	}
	if a == nil {
		return nil, "", nil
	}
	samples := dataSpace(a)
	if len(a.Shape) == 3 {
		fig, err := imageGrid(name, a.Shape, samples)
		if err != nil {
			return nil, "", fmt.Errorf("figure %s: %w", name, err)
		}
		fig.Title = fmt.Sprintf("Samples: %s on %s", row.Label, ds.Label)
		fig.Caption = gridCaption(a, trial, seed)
		return fig, trial, nil
	}
	fig, err := safePlot(name, func() (*Figure, error) {
		var plots []*plot.Plot
		title := row.Label + " samples"
		if g := a.DensityGrid; g != nil {
			hp, err := densityPlot(row.Label, g, a)
			if err != nil {
				return nil, err
			}
			if hp != nil {
				plots = append(plots, hp)
			}
		}
		sp := newPlot(title, "x₁", "x₂")
		var xys plotter.XYs
		for _, s := range samples {
			if len(s) >= 2 && finite(s[0]) && finite(s[1]) {
				xys = append(xys, plotter.XY{X: s[0], Y: s[1]})
			}
		}
		if len(xys) == 0 {
			return nil, fmt.Errorf("no finite samples")
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return nil, err
		}
		c := colorOf(row.Family)
		sc.GlyphStyle = draw.GlyphStyle{Color: color.NRGBA{R: c.R, G: c.G, B: c.B, A: 0x99}, Radius: vg.Points(1.3), Shape: draw.CircleGlyph{}}
		sp.Add(sc)
		if err := addModes(sp, a); err != nil {
			return nil, err
		}
		if len(a.Shape) == 1 && a.Shape[0] > 2 {
			sp.Title.Text = title + " (first two coordinates)"
		}
		if len(plots) > 0 {
			// Same window as the density panel.
			sp.X.Min, sp.X.Max, sp.Y.Min, sp.Y.Max = plots[0].X.Min, plots[0].X.Max, plots[0].Y.Min, plots[0].Y.Max
		}
		plots = append(plots, sp)
		w := 5 * vg.Inch * vg.Length(len(plots))
		png, pw, ph, err := renderPlots(w, 4.6*vg.Inch, plots...)
		if err != nil {
			return nil, err
		}
		caption := fmt.Sprintf("%d samples of trial %s (seed %d)", len(xys), trial, seed)
		if len(a.Modes) > 0 {
			caption += "; black crosses: the true modes, circles: 3 std (the high-quality radius)"
		}
		if a.DensityGrid != nil {
			caption += fmt.Sprintf(". Left: the model's log-density (%s), colour range the top 15 nats, lower values in the darkest colour", a.DensityGrid.Kind)
		} else {
			caption += ". The model stored no density grid"
		}
		return &Figure{Name: name, Title: fmt.Sprintf("Samples: %s on %s", row.Label, ds.Label), Caption: caption + ".", PNG: png, Width: pw, Height: ph}, nil
	})
	return fig, trial, err
}

// dataSpace returns the samples in data space (undoing a logit transform).
func dataSpace(a *results.Artifacts) [][]float64 {
	if a.LogitLambda <= 0 {
		return a.Samples
	}
	l := a.LogitLambda
	out := make([][]float64, len(a.Samples))
	for i, row := range a.Samples {
		out[i] = make([]float64, len(row))
		for j, y := range row {
			out[i][j] = (1/(1+math.Exp(-y)) - l) / (1 - 2*l)
		}
	}
	return out
}

func addModes(p *plot.Plot, a *results.Artifacts) error {
	if len(a.Modes) == 0 || len(a.Modes[0]) < 2 {
		return nil
	}
	var xys plotter.XYs
	for _, m := range a.Modes {
		xys = append(xys, plotter.XY{X: m[0], Y: m[1]})
		if a.ModeStd > 0 {
			var circle plotter.XYs
			for k := 0; k <= 48; k++ {
				t := 2 * math.Pi * float64(k) / 48
				circle = append(circle, plotter.XY{X: m[0] + 3*a.ModeStd*math.Cos(t), Y: m[1] + 3*a.ModeStd*math.Sin(t)})
			}
			l, err := plotter.NewLine(circle)
			if err != nil {
				return err
			}
			l.Color = color.Black
			l.Width = vg.Points(0.6)
			p.Add(l)
		}
	}
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(3), Shape: draw.CrossGlyph{}}
	p.Add(sc)
	return nil
}

type gridXYZ struct{ g *results.DensityGrid }

func (g gridXYZ) Dims() (c, r int)   { return len(g.g.X), len(g.g.Y) }
func (g gridXYZ) Z(c, r int) float64 { return g.g.LogP[r][c] }
func (g gridXYZ) X(c int) float64    { return g.g.X[c] }
func (g gridXYZ) Y(r int) float64    { return g.g.Y[r] }

// densityRange is how many nats below the grid's maximum the colour
// scale of a log-density heat map spans.
const densityRange = 15

func densityPlot(model string, g *results.DensityGrid, a *results.Artifacts) (*plot.Plot, error) {
	top := math.Inf(-1)
	for _, row := range g.LogP {
		for _, v := range row {
			if finite(v) {
				top = math.Max(top, v)
			}
		}
	}
	if math.IsInf(top, -1) {
		return nil, nil
	}
	cm := moreland.ExtendedBlackBody()
	cm.SetMin(top - densityRange)
	cm.SetMax(top)
	pal := cm.Palette(128)
	h := plotter.NewHeatMap(gridXYZ{g}, pal)
	h.Min, h.Max = top-densityRange, top
	cols := pal.Colors()
	h.Underflow, h.Overflow = cols[0], cols[len(cols)-1]
	h.NaN = color.Gray{Y: 0x20}
	p := newPlot(fmt.Sprintf("%s log-density (%s)", model, g.Kind), "x₁", "x₂")
	p.Add(h)
	if err := addModes(p, a); err != nil {
		return nil, err
	}
	dx, dy := (g.X[1]-g.X[0])/2, (g.Y[1]-g.Y[0])/2
	p.X.Min, p.X.Max = g.X[0]-dx, g.X[len(g.X)-1]+dx
	p.Y.Min, p.Y.Max = g.Y[0]-dy, g.Y[len(g.Y)-1]+dy
	return p, nil
}

// maxGridSamples is the most samples an image grid shows, gridCols per
// row (8 × 8).
const maxGridSamples, gridCols = 64, 8

// imageGrid tiles up to 64 image samples, 8 per row, of shape (C, H, W) with C = 1
// (grey) or 3 (RGB), values in [0, 1] clamped, NaN drawn black, scaled up
// to at least 48 pixels per tile.
func imageGrid(name string, shape []int, samples [][]float64) (*Figure, error) {
	c, h, w := shape[0], shape[1], shape[2]
	if c != 1 && c != 3 {
		return nil, fmt.Errorf("image samples with %d channels, want 1 or 3", c)
	}
	n := min(len(samples), maxGridSamples)
	cols := gridCols // the same width for every model, whatever it stored
	rows := (n + cols - 1) / cols
	scale := max(1, (48+max(h, w)-1)/max(h, w))
	pad := 2
	img := image.NewRGBA(image.Rect(0, 0, cols*(w*scale+pad)+pad, rows*(h*scale+pad)+pad))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for k := 0; k < n; k++ {
		if err := paintImage(img, pad+(k%cols)*(w*scale+pad), pad+(k/cols)*(h*scale+pad), scale, shape, samples[k]); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := pngEncoder.Encode(&buf, img); err != nil {
		return nil, err
	}
	b := img.Bounds()
	return &Figure{Name: name, PNG: buf.Bytes(), Width: b.Dx(), Height: b.Dy()}, nil
}

func validKindText(k string) string {
	switch k {
	case "nll":
		return "NLL"
	case "negative_elbo":
		return "negative ELBO"
	case "model_loss":
		return "the model's own held-out loss (not a likelihood)"
	case "none":
		return "none"
	}
	return "kind not recorded"
}
