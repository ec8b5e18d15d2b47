package reports

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// modeBar is one model of the mode-coverage figure: its bar (the mean
// over seeds) at x = its place, and one dot per seed spread around it.
type modeBar struct {
	label, family string
	mean          float64
	seeds         plotter.XYs
}

// modesData selects the models with modes_covered, in table order, and
// the number of modes in the data (the largest modes_total).
func modesData(ds *DataSet) ([]modeBar, float64) {
	var bars []modeBar
	total := 0.0
	for _, r := range ds.Rows {
		s := r.Stat("modes_covered")
		if !s.Has() {
			continue
		}
		i := float64(len(bars))
		total = math.Max(total, r.Stat("modes_total").Max)
		var seeds plotter.XYs
		for j, v := range s.Values {
			off := 0.0
			if len(s.Values) > 1 {
				off = 0.18 * (float64(j)/float64(len(s.Values)-1) - 0.5)
			}
			seeds = append(seeds, plotter.XY{X: i + off, Y: v})
		}
		bars = append(bars, modeBar{r.Label, r.Family, s.Mean, seeds})
	}
	return bars, total
}

// modesFigure draws mean modes covered per model as bars, each seed as a
// dot, and the number of modes as a dashed line.
func modesFigure(ds *DataSet) (*Figure, error) {
	name := modesName(ds)
	return safePlot(name, func() (*Figure, error) {
		bars, total := modesData(ds)
		if len(bars) == 0 {
			return nil, nil
		}
		p := newPlot("Modes covered: "+ds.Label, "", "modes covered")
		names := make([]string, len(bars))
		for i, b := range bars {
			bc, err := plotter.NewBarChart(plotter.Values{b.mean}, vg.Points(28))
			if err != nil {
				return nil, err
			}
			bc.XMin = float64(i)
			bc.Color = colorOf(b.family)
			bc.LineStyle.Width = 0
			p.Add(bc)
			sc, err := plotter.NewScatter(b.seeds)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(2.5), Shape: draw.RingGlyph{}}
			p.Add(sc)
			names[i] = b.label
		}
		if total > 0 {
			l, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: total}, {X: float64(len(bars)) - 0.5, Y: total}})
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
		w := vg.Length(math.Max(5, 1.0+0.9*float64(len(bars)))) * vg.Inch
		png, pw, ph, err := renderPlots(w, 4*vg.Inch, p)
		if err != nil {
			return nil, err
		}
		return &Figure{Name: name, Title: "Mode coverage: " + ds.Label,
			Caption: "Bars: mean modes covered over seeds (colour = family: " + familyLegend() + "); rings: each seed; dashed: the number of modes. VEEGAN/PacGAN protocol: a mode is covered if a high-quality sample (within 3 std) is nearest to it.",
			PNG:     png, Width: pw, Height: ph}, nil
	})
}
