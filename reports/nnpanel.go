package reports

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/results"
)

// nnPanel is what the nearest-training-neighbour figure of one row shows:
// the first stored samples of one of its trials beside their nearest
// training images (results.NearestTrain), and the distances that say
// whether they are copies.
type nnPanel struct {
	Row   *Row
	Trial string
	Seed  uint64
	// Chosen says why this row represents its family.
	Chosen string
	Shape  []int
	// Samples[i] and Neighbours[i] are a pair, at distance Distances[i];
	// Classes[i] is the class name of the neighbour ("" when unknown).
	Samples, Neighbours [][]float64
	Distances           []float64
	Classes             []string
	// SampleMedian is the median distance over all stored samples of the
	// trial (NSamples, NaN ones left out); TestMedian the same for
	// TestRows real test images against the TrainRows training images.
	SampleMedian, TestMedian      float64
	NSamples, TestRows, TrainRows int
}

// panelKeys are the record keys that can choose a family's best image
// model, tried in order: the first that ranks the family's candidate rows
// decides. FD and KID (sample quality in the classifier's feature space)
// come first once the metric registry declares them; then test NLL
// within one NLL kind; then PRDC coverage and classes covered, which GANs
// have too. Which way is better, and whether rows compete only within
// an NLL kind, is the registry's declaration of the key.
var panelKeys = []string{"fd", "kid", "test_nll", "coverage", "classes_covered"}

// nnPanels selects, for each family of the data set in table order, the
// best of its rows whose artifact holds nearest training images (a row's
// first such trial by seed), and gathers what its figure shows.
func nnPanels(ds *DataSet) []nnPanel {
	byFamily := map[string][]*Row{}
	var families []string
	for _, row := range ds.Rows {
		if _, a := nearestArtifact(row); a == nil {
			continue
		}
		if byFamily[row.Family] == nil {
			families = append(families, row.Family)
		}
		byFamily[row.Family] = append(byFamily[row.Family], row)
	}
	var out []nnPanel
	for _, fam := range families {
		row, why := bestOfFamily(byFamily[fam])
		out = append(out, newNNPanel(row, why))
	}
	return out
}

// nearestArtifact returns the first ok trial of row (by seed) whose
// artifact holds nearest training images.
func nearestArtifact(row *Row) (*results.Record, *results.Artifacts) {
	for _, rec := range row.OK {
		if a := row.Artifacts[rec.Trial]; a != nil && a.NearestTrain != nil && len(a.Shape) == 3 {
			return rec, a
		}
	}
	return nil, nil
}

// bestOfFamily picks the row the first metric of panelMetrics that ranks
// them calls best (ties: the first in table order), and says why.
func bestOfFamily(rows []*Row) (*Row, string) {
	fam := rows[0].Family
	if len(rows) == 1 {
		return rows[0], fmt.Sprintf("the only %s model with nearest-neighbour data", fam)
	}
	for _, key := range panelKeys {
		k, _, ok := metrics.KeyOf(key)
		if !ok || k.Name != key || (k.Better != metrics.Lower && k.Better != metrics.Higher) {
			continue // not declared (yet), or no better direction
		}
		// test_nll is the table's own column, compared within a kind as
		// the table does (layout.go); other keys say so in their column.
		byKind := key == "test_nll" || (k.Column != nil && k.Column.ByNLLKind)
		if best, why, ok := bestBy(rows, key, k.Better == metrics.Lower, byKind); ok {
			return best, why
		}
	}
	return rows[0], fmt.Sprintf("no metric ranks the %d %s models; the first in table order", len(rows), fam)
}

// bestBy returns the row with the best mean of key (ties: the first), and
// says why; false when no row has it, or when byKind and the rows that
// have it are of different NLL kinds (not comparable).
func bestBy(rows []*Row, key string, lower, byKind bool) (*Row, string, bool) {
	var best *Row
	var bestV float64
	kinds := map[string]bool{}
	for _, row := range rows {
		v, kind, ok := meanValue(key, byKind)(row)
		if !ok || !finite(v) {
			continue
		}
		kinds[kind] = true
		if best == nil || (lower && v < bestV) || (!lower && v > bestV) {
			best, bestV = row, v
		}
	}
	if best == nil || len(kinds) > 1 {
		return nil, "", false
	}
	what := "highest"
	if lower {
		what = "lowest"
	}
	what += " mean " + key
	if byKind {
		what += " (" + best.Kind + ")"
	}
	return best, fmt.Sprintf("%s among %d %s models", what, len(rows), best.Family), true
}

// newNNPanel gathers the figure's data from the row's first trial with
// nearest training images.
func newNNPanel(row *Row, why string) nnPanel {
	rec, a := nearestArtifact(row)
	n := a.NearestTrain
	p := nnPanel{Row: row, Trial: rec.Trial, Seed: rec.Seed, Chosen: why, Shape: a.Shape,
		TestMedian: n.TestMedian, TestRows: n.TestRows, TrainRows: n.TrainRows, NSamples: len(a.Samples)}
	samples := dataSpace(a)
	for i, img := range n.Images {
		p.Samples = append(p.Samples, samples[i])
		p.Neighbours = append(p.Neighbours, img)
		p.Distances = append(p.Distances, n.Distances[i])
		p.Classes = append(p.Classes, className(a.ClassNames, n.Labels, i))
	}
	var finiteDist []float64
	for _, d := range n.Distances {
		if !math.IsNaN(d) {
			finiteDist = append(finiteDist, d)
		}
	}
	p.SampleMedian = median(finiteDist)
	return p
}

// className names the class of sample i's neighbour: its class name, or
// the label number when the data set names none; "" when unlabelled.
func className(names []string, labels []int, i int) string {
	if labels == nil || labels[i] < 0 {
		return ""
	}
	if l := labels[i]; l < len(names) {
		return names[l]
	}
	return fmt.Sprint(labels[i])
}

// nnTileScale is how many figure pixels one image pixel takes (28 → 84).
const nnTileScale = 3

// nnFigure draws a panel: samples on the top row, their nearest training
// images below, each pair's distance and the neighbour's class under it.
func nnFigure(ds *DataSet, p nnPanel) (*Figure, error) {
	name := "nearest-" + ds.Slug + "-" + rowSlug(p.Row.Label) + ".png"
	return safePlot(name, func() (*Figure, error) {
		if c := p.Shape[0]; c != 1 && c != 3 {
			return nil, fmt.Errorf("image samples with %d channels, want 1 or 3", c)
		}
		h, w := p.Shape[1]*nnTileScale, p.Shape[2]*nnTileScale
		const pad, gap, textH = 8, 3, 34
		k := len(p.Samples)
		img := image.NewRGBA(image.Rect(0, 0, pad+k*(w+pad), pad+2*h+gap+textH))
		for i := range img.Pix {
			img.Pix[i] = 0xff
		}
		for i := range k {
			x0 := pad + i*(w+pad)
			paintImage(img, x0, pad, nnTileScale, p.Shape, p.Samples[i])
			paintImage(img, x0, pad+h+gap, nnTileScale, p.Shape, p.Neighbours[i])
		}
		// The tiles go onto the canvas at one image pixel per canvas pixel
		// (no resampling), the text over them.
		toPt := func(px int) vg.Length { return vg.Length(px) * vg.Inch / figureDPI }
		top := img.Bounds().Dy()
		size := vg.Point{X: toPt(img.Bounds().Dx()), Y: toPt(top)}
		c := vgimg.NewWith(vgimg.UseWH(size.X, size.Y), vgimg.UseDPI(figureDPI))
		c.DrawImage(vg.Rectangle{Max: size}, img)
		dc := draw.New(c)
		sty := text.Style{Color: color.Black, Font: font.From(plot.DefaultFont, 9), XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
		for i := range k {
			x := toPt(pad + i*(w+pad) + w/2)
			y := toPt(top - (pad + 2*h + gap + 3))
			dc.FillText(sty, vg.Point{X: x, Y: y}, "d = "+fmtSig(p.Distances[i], 3))
			if p.Classes[i] != "" {
				dc.FillText(sty, vg.Point{X: x, Y: y - toPt(14)}, p.Classes[i])
			}
		}
		var buf bytes.Buffer
		if err := pngEncoder.Encode(&buf, c.Image()); err != nil {
			return nil, fmt.Errorf("encoding PNG: %w", err)
		}
		b := c.Image().Bounds()
		return &Figure{Name: name, Title: fmt.Sprintf("Nearest training images: %s on %s", p.Row.Label, ds.Label),
			Caption: nnCaption(p), PNG: buf.Bytes(), Width: b.Dx(), Height: b.Dy()}, nil
	})
}

// nnCaption says what the panel shows and how to read its distances.
func nnCaption(p nnPanel) string {
	var s strings.Builder
	fmt.Fprintf(&s, "Memorisation check for %s (%s): top, the first %d stored samples of trial %s (seed %d); below each, its nearest of the %s training images by Euclidean distance between pixel intensities in [0, 1] (d under the pair",
		p.Row.Label, p.Chosen, len(p.Samples), p.Trial, p.Seed, fmtInt(float64(p.TrainRows)))
	if hasClass(p.Classes) {
		s.WriteString(", with the training image's class")
	}
	fmt.Fprintf(&s, "). For comparison, real test images lie at a median distance of %s from their nearest training image (%s test images); the median over all %d stored samples is %s.",
		fmtSig(p.TestMedian, 3), fmtInt(float64(p.TestRows)), p.NSamples, fmtSig(p.SampleMedian, 3))
	s.WriteString(" A distance far below the test median means a near copy of a training image; pixel distance does not measure how good a sample looks.")
	return s.String()
}

func hasClass(classes []string) bool {
	for _, c := range classes {
		if c != "" {
			return true
		}
	}
	return false
}

// paintImage draws one image sample of shape (C, H, W), C = 1 (grey) or 3
// (RGB), at (x0, y0) of img, each pixel as a scale × scale square (see
// pixelAt for the colours).
func paintImage(img *image.RGBA, x0, y0, scale int, shape []int, v []float64) {
	c, h, w := shape[0], shape[1], shape[2]
	for y := range h {
		for x := range w {
			px := pixelAt(v, c, h, w, y, x)
			for dy := range scale {
				for dx := range scale {
					img.SetRGBA(x0+x*scale+dx, y0+y*scale+dy, px)
				}
			}
		}
	}
}

// gridCaption says which samples an image grid shows: how many, from
// which trial and sampling stream.
func gridCaption(a *results.Artifacts, trial string, seed uint64) string {
	n := min(len(a.Samples), maxGridSamples)
	stream := "the sampling seed was not recorded (an older artifact)"
	if a.SampleSeed != 0 {
		stream = fmt.Sprintf("drawn with sampling seed %d, derived from the trial seed: every model of trial seed %d draws from the same stream", a.SampleSeed, seed)
	}
	return fmt.Sprintf("The first n = %d stored samples of trial %s (seed %d), %d per row; %s. Pixel intensities in [0, 1].",
		n, trial, seed, gridCols, stream)
}
