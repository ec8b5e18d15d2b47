package reports

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// costDot is one model of a cost panel: its mean over seeds and range.
type costDot struct {
	label, family  string
	mean, min, max float64
}

// costPanel is one metric of the cost figure, models in table order.
type costPanel struct {
	title, axis string
	dots        []costDot
}

// costMetrics are the cost figure's panels, left to right.
var costMetrics = []struct{ key, title, axis string }{
	{"seconds_per_epoch", "Training cost", "seconds per epoch (log scale)"},
	{"samples_per_sec", "Sampling speed", "samples per second (log scale)"},
}

// costData selects, per cost metric, the models whose every seed measured
// a positive value (log axes); metrics no model measured get no panel.
func costData(ds *DataSet) []costPanel {
	var out []costPanel
	for _, m := range costMetrics {
		var dots []costDot
		for _, r := range ds.Rows {
			if s := r.Stat(m.key); s.Has() && s.Min > 0 {
				dots = append(dots, costDot{r.Label, r.Family, s.Mean, s.Min, s.Max})
			}
		}
		if len(dots) > 0 {
			out = append(out, costPanel{m.title, m.axis, dots})
		}
	}
	return out
}

// costFigure draws seconds per epoch and samples per second per model as
// dot plots on log axes, with the seed range as error bars.
func costFigure(ds *DataSet) (*Figure, error) {
	name := costName(ds)
	return safePlot(name, func() (*Figure, error) {
		panels := costData(ds)
		if len(panels) == 0 {
			return nil, nil
		}
		plots := make([]*plot.Plot, len(panels))
		for i, panel := range panels {
			p, err := costPlot(ds, panel)
			if err != nil {
				return nil, err
			}
			plots[i] = p
		}
		rows := len(okRows(ds, func(*Row) bool { return true }))
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

// costPlot draws one panel, the first model at the top.
func costPlot(ds *DataSet, panel costPanel) (*plot.Plot, error) {
	p := newPlot(panel.title+": "+ds.Label, panel.axis, "")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks{}
	n := len(panel.dots)
	var xys plotter.XYs
	var errs plotter.XErrors
	var names []string
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for i := n - 1; i >= 0; i-- {
		d := panel.dots[i]
		xys = append(xys, plotter.XY{X: d.mean, Y: float64(n - 1 - i)})
		errs = append(errs, struct{ Low, High float64 }{d.mean - d.min, d.max - d.mean})
		names = append(names, d.label)
		xmin, xmax = math.Min(xmin, d.min), math.Max(xmax, d.max)
	}
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyleFunc = func(i int) draw.GlyphStyle {
		return draw.GlyphStyle{Color: colorOf(panel.dots[n-1-i].family), Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
	}
	eb, err := plotter.NewXErrorBars(xErrPoints{xys, errs})
	if err != nil {
		return nil, err
	}
	p.Add(eb, sc)
	p.NominalY(names...)
	p.X.Min, p.X.Max = xmin/3, xmax*3
	return p, nil
}
