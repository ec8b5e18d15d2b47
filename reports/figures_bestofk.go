package reports

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// budgetName names a data set's best-of-k figure.
func budgetName(ds *DataSet) string { return "budget-" + ds.Slug + ".png" }

// maxBudgetPanels bounds the panels of a best-of-k figure; the section's
// table has every key.
const maxBudgetPanels = 4

// budgetShift is how far apart on the k axis two models' points are drawn.
const budgetShift = 0.1

// budgetSeries is one model's line in a best-of-k panel: the expected
// best at each budget with a finite expectation, and its band where both
// ends are finite.
type budgetSeries struct {
	label string
	color int // index into seedColors: the model's place among the swept
	line  plotter.XYs
	band  errPoints
}

// budgetPanel is one key's panel.
type budgetPanel struct {
	title  string
	lower  bool // lower is better: the curves fall, the legend goes on top
	series []budgetSeries
}

// budgetFigureData selects the panels of ds's best-of-k figure: the first
// maxBudgetPanels keys with a curve, keys that compare models first, each
// class in budgetKeys order.
func budgetFigureData(ds *DataSet) []budgetPanel {
	curves := budgetCurves(ds)
	sort.SliceStable(curves, func(i, j int) bool { return len(curves[i]) > 1 && len(curves[j]) == 1 })
	color := map[string]int{}
	for i, g := range budgetGroups(ds) {
		color[g.model] = i % len(seedColors)
	}
	var out []budgetPanel
	for _, byKey := range curves {
		if len(out) == maxBudgetPanels {
			break
		}
		p := budgetPanel{title: byKey[0].key.Name + " (" + byKey[0].key.Better.String() + ")", lower: byKey[0].lower()}
		for i, c := range byKey {
			s := budgetSeries{label: c.group.model, color: color[c.group.model]}
			// Models' bars at one k sit side by side, not on each other.
			shift := budgetShift * (float64(i) - float64(len(byKey)-1)/2)
			for _, pt := range c.points {
				if math.IsInf(pt.Expected, 0) {
					continue
				}
				xy := plotter.XY{X: float64(pt.K) + shift, Y: pt.Expected}
				s.line = append(s.line, xy)
				if finite(pt.Low) && finite(pt.High) {
					s.band.XYs = append(s.band.XYs, xy)
					s.band.YErrors = append(s.band.YErrors, struct{ Low, High float64 }{pt.Expected - pt.Low, pt.High - pt.Expected})
				}
			}
			if len(s.line) > 0 {
				p.series = append(p.series, s)
			}
		}
		if len(p.series) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// budgetFigure draws ds's best-of-k figure; nil when no model of ds has
// several configurations with scores.
func budgetFigure(ds *DataSet) (*Figure, error) {
	name := budgetName(ds)
	return safePlot(name, func() (*Figure, error) {
		panels := budgetFigureData(ds)
		if len(panels) == 0 {
			return nil, nil
		}
		var plots []*plot.Plot
		var titles []string
		for _, pn := range panels {
			p := newPlot(pn.title, "budget k (configurations tried)", "expected best")
			p.X.Tick.Marker = intTicks{}
			for _, s := range pn.series {
				l, pts, err := plotter.NewLinePoints(s.line)
				if err != nil {
					return nil, err
				}
				col := seedColors[s.color]
				l.Color, pts.Color, pts.Radius = col, col, vg.Points(2)
				p.Add(l, pts)
				if len(s.band.XYs) > 0 {
					bars, err := plotter.NewYErrorBars(s.band)
					if err != nil {
						return nil, err
					}
					bars.Color = col
					p.Add(bars)
				}
				p.Legend.Add(s.label, l, pts)
			}
			p.Legend.Top = pn.lower
			plots = append(plots, p)
			titles = append(titles, pn.title)
		}
		png, w, h, err := renderPlots(vg.Length(len(plots))*3.5*vg.Inch, 3.5*vg.Inch, plots...)
		if err != nil {
			return nil, err
		}
		return &Figure{Name: name, Title: "Best of k at an equal tuning budget: " + ds.Label,
			Caption: fmt.Sprintf("Expected best score among k configurations drawn at random without replacement (exact order-statistic law), with its 5–95%% band as bars, per swept model, for %s. Budgets where all k configurations can fail are not drawn.",
				strings.Join(titles, "; ")),
			PNG: png, Width: w, Height: h}, nil
	})
}

// drawBudgetFigures draws each data set's best-of-k figure, in document
// order (the equal-budget section follows the data sets' sections).
func (r *Report) drawBudgetFigures() {
	r.budgetFigures = map[*DataSet]*Figure{}
	for _, ds := range r.Sets {
		f, err := budgetFigure(ds)
		switch {
		case err != nil:
			r.Problems = append(r.Problems, Problem{"figures", err.Error()})
		case f != nil:
			r.budgetFigures[ds] = f
			r.Figures = append(r.Figures, f)
		}
	}
}
