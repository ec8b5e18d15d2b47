package reports

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/genbench/genbench/results"
)

// storedSamples is what a row's samples figure shows: the artifacts of
// its first ok trial that stored any, with the samples in data space.
type storedSamples struct {
	a       *results.Artifacts
	trial   string
	seed    uint64
	samples [][]float64
}

// samplesData selects the artifacts of the row's first ok trial (by seed)
// that has them; false when none does.
func samplesData(row *Row) (storedSamples, bool) {
	for _, rec := range row.OK {
		if a := row.Artifacts[rec.Trial]; a != nil {
			return storedSamples{a, rec.Trial, rec.Seed, dataSpace(a)}, true
		}
	}
	return storedSamples{}, false
}

// scatterPoints keeps the samples' first two coordinates where both are
// finite.
func scatterPoints(samples [][]float64) plotter.XYs {
	var xys plotter.XYs
	for _, s := range samples {
		if len(s) >= 2 && finite(s[0]) && finite(s[1]) {
			xys = append(xys, plotter.XY{X: s[0], Y: s[1]})
		}
	}
	return xys
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

// samplesFigure draws a row's stored samples: for 2-D data the model's
// log-density beside its samples over the true modes, for images a grid of
// samples, for other vectors the first two coordinates. It returns the
// trial drawn.
func samplesFigure(ds *DataSet, row *Row) (*Figure, string, error) {
	name := samplesName(ds, row)
	src, ok := samplesData(row)
	if !ok {
		return nil, "", nil
	}
	title := fmt.Sprintf("Samples: %s on %s", row.Label, ds.Label)
	if len(src.a.Shape) == 3 {
		fig, err := imageGrid(name, src.a.Shape, src.samples)
		if err != nil {
			return nil, "", fmt.Errorf("figure %s: %w", name, err)
		}
		fig.Title = title
		fig.Caption = gridCaption(src.a, src.trial, src.seed)
		return fig, src.trial, nil
	}
	fig, err := safePlot(name, func() (*Figure, error) {
		png, w, h, n, err := drawScatterSamples(row, src)
		if err != nil {
			return nil, err
		}
		return &Figure{Name: name, Title: title, Caption: scatterCaption(src, n), PNG: png, Width: w, Height: h}, nil
	})
	return fig, src.trial, err
}

// drawScatterSamples renders the density panel (when stored) beside the
// samples' scatter over the true modes; it returns the PNG and the number
// of samples drawn.
func drawScatterSamples(row *Row, src storedSamples) ([]byte, int, int, int, error) {
	var plots []*plot.Plot
	title := row.Label + " samples"
	if g := src.a.DensityGrid; g != nil {
		hp, err := densityPlot(row.Label, g, src.a)
		if err != nil {
			return nil, 0, 0, 0, err
		}
		if hp != nil {
			plots = append(plots, hp)
		}
	}
	sp := newPlot(title, "x₁", "x₂")
	xys := scatterPoints(src.samples)
	if len(xys) == 0 {
		return nil, 0, 0, 0, fmt.Errorf("no finite samples")
	}
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	c := colorOf(row.Family)
	sc.GlyphStyle = draw.GlyphStyle{Color: color.NRGBA{R: c.R, G: c.G, B: c.B, A: 0x99}, Radius: vg.Points(1.3), Shape: draw.CircleGlyph{}}
	sp.Add(sc)
	if err := addModes(sp, src.a); err != nil {
		return nil, 0, 0, 0, err
	}
	if len(src.a.Shape) == 1 && src.a.Shape[0] > 2 {
		sp.Title.Text = title + " (first two coordinates)"
	}
	if len(plots) > 0 {
		// Same window as the density panel.
		sp.X.Min, sp.X.Max, sp.Y.Min, sp.Y.Max = plots[0].X.Min, plots[0].X.Max, plots[0].Y.Min, plots[0].Y.Max
	}
	plots = append(plots, sp)
	png, w, h, err := renderPlots(5*vg.Inch*vg.Length(len(plots)), 4.6*vg.Inch, plots...)
	return png, w, h, len(xys), err
}

// scatterCaption describes a scatter of n samples and its panels.
func scatterCaption(src storedSamples, n int) string {
	caption := fmt.Sprintf("%d samples of trial %s (seed %d)", n, src.trial, src.seed)
	if len(src.a.Modes) > 0 {
		caption += "; black crosses: the true modes, circles: 3 std (the high-quality radius)"
	}
	if src.a.DensityGrid != nil {
		caption += fmt.Sprintf(". Left: the model's log-density (%s), colour range the top 15 nats, lower values in the darkest colour", src.a.DensityGrid.Kind)
	} else {
		caption += ". The model stored no density grid"
	}
	return caption + "."
}

// addModes draws the true modes as crosses, each with its 3-std circle.
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

// densityPlot draws a stored log-density grid as a heat map over the
// true modes; nil when the grid has no finite value.
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

// imageGrid tiles up to 64 image samples of shape (C, H, W) with C = 1
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
		paintImage(img, pad+(k%cols)*(w*scale+pad), pad+(k/cols)*(h*scale+pad), scale, shape, samples[k])
	}
	var buf bytes.Buffer
	if err := pngEncoder.Encode(&buf, img); err != nil {
		return nil, err
	}
	b := img.Bounds()
	return &Figure{Name: name, PNG: buf.Bytes(), Width: b.Dx(), Height: b.Dy()}, nil
}

// pixelAt is the colour of pixel (y, x) of a (C, H, W) sample with C = 1
// or 3.
func pixelAt(s []float64, c, h, w, y, x int) color.RGBA {
	if c == 1 {
		v := level(s[y*w+x])
		return color.RGBA{R: v, G: v, B: v, A: 0xff}
	}
	return color.RGBA{R: level(s[y*w+x]), G: level(s[h*w+y*w+x]), B: level(s[2*h*w+y*w+x]), A: 0xff}
}

// level maps an intensity in [0, 1] (clamped; NaN is black) to 0..255.
func level(v float64) uint8 {
	if math.IsNaN(v) {
		return 0
	}
	return uint8(math.Round(255 * math.Min(1, math.Max(0, v))))
}
