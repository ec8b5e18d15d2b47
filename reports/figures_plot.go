package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/genbench/genbench/models"
)

// Each figure kind lives in its own file (figures_<kind>.go) as a pure
// data-selection function, tested without drawing, and a drawing function
// that renders its result. This file holds what they share: the Figure
// type, colours and glyphs, ticks, and the PNG renderer.

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

// Figure file names, shared by the drawing functions and the claims that
// cite them.
func frontName(ds *DataSet) string { return "front-" + ds.Slug + ".png" }
func modesName(ds *DataSet) string { return "modes-" + ds.Slug + ".png" }
func costName(ds *DataSet) string  { return "cost-" + ds.Slug + ".png" }

// klName and samplesName name a row's figures by rowSlug, so that labels
// that sanitise alike get different files.
func klName(ds *DataSet, row *Row) string { return "kl-" + ds.Slug + "-" + rowSlug(row.Label) + ".png" }
func samplesName(ds *DataSet, row *Row) string {
	return "samples-" + ds.Slug + "-" + rowSlug(row.Label) + ".png"
}

const speedDimName = "speed-vs-dim.png"

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

func familyLegend() string {
	return "flow blue, autoregressive orange, VAE green, IAE purple, GAN red"
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

type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

type xErrPoints struct {
	plotter.XYs
	plotter.XErrors
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
