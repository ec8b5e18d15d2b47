package reports

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// frontPoint is one model of the speed/NLL figure.
type frontPoint struct {
	label, family string
	x, y, err     float64 // samples/s, test NLL, its ± (0 when unknown)
}

// frontGroup is the models of one NLL kind, fastest first, with the
// speed/NLL front drawn within the kind only.
type frontGroup struct {
	kind   string
	points []frontPoint
	front  plotter.XYs
}

// frontData selects the models with a test NLL and a positive samples/s,
// grouped by NLL kind (kinds in name order), and lists the ok models left
// out with the reason.
func frontData(ds *DataSet) ([]frontGroup, []string) {
	byKind := map[string][]frontPoint{}
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
		byKind[r.Kind] = append(byKind[r.Kind], frontPoint{r.Label, r.Family, sp.Mean, nll.Mean, e})
	}
	var out []frontGroup
	for _, kind := range sortedKeys(byKind) {
		pts := byKind[kind]
		sort.Slice(pts, func(i, j int) bool { return pts[i].x > pts[j].x || (pts[i].x == pts[j].x && pts[i].y < pts[j].y) })
		out = append(out, frontGroup{kind, pts, paretoFront(pts)})
	}
	return out, left
}

// paretoFront walks the points fastest first and keeps each one whose NLL
// is below every faster point's.
func paretoFront(pts []frontPoint) plotter.XYs {
	var front plotter.XYs
	best := math.Inf(1)
	for _, pt := range pts {
		if pt.y < best {
			front = append(front, plotter.XY{X: pt.x, Y: pt.y})
			best = pt.y
		}
	}
	return front
}

// frontFigure plots test NLL against samples/s per model, one marker per
// NLL kind, with the Pareto front drawn within each kind only.
func frontFigure(ds *DataSet) (*Figure, error) {
	name := frontName(ds)
	return safePlot(name, func() (*Figure, error) {
		groups, left := frontData(ds)
		if len(groups) == 0 {
			return nil, nil
		}
		p := newPlot("Test NLL against sampling speed: "+ds.Label, "samples per second (log scale)", "test NLL (nats per example)")
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
		xmin, xmax := math.Inf(1), math.Inf(-1)
		for _, g := range groups {
			if err := addFrontGroup(p, g); err != nil {
				return nil, err
			}
			for _, pt := range g.points {
				xmin, xmax = math.Min(xmin, pt.x), math.Max(xmax, pt.x)
			}
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

// addFrontGroup draws one NLL kind: markers coloured by family with error
// bars and labels, the front as a dashed line, and a legend entry.
func addFrontGroup(p *plot.Plot, g frontGroup) error {
	var xys plotter.XYs
	var errs plotter.YErrors
	var labels []string
	for _, pt := range g.points {
		xys = append(xys, plotter.XY{X: pt.x, Y: pt.y})
		errs = append(errs, struct{ Low, High float64 }{pt.err, pt.err})
		labels = append(labels, pt.label)
	}
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return err
	}
	sc.GlyphStyleFunc = func(i int) draw.GlyphStyle {
		return draw.GlyphStyle{Color: colorOf(g.points[i].family), Radius: vg.Points(4), Shape: glyphOf(g.kind)}
	}
	eb, err := plotter.NewYErrorBars(errPoints{xys, errs})
	if err != nil {
		return err
	}
	lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
	if err != nil {
		return err
	}
	lb.Offset = vg.Point{X: vg.Points(6), Y: vg.Points(2)}
	if len(g.front) > 1 {
		l, err := plotter.NewLine(g.front)
		if err != nil {
			return err
		}
		l.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
		l.Color = color.Gray{Y: 0x60}
		p.Add(l)
	}
	p.Add(eb, sc, lb)
	thumb, _ := plotter.NewScatter(plotter.XYs{{}})
	thumb.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(4), Shape: glyphOf(g.kind)}
	p.Legend.Add(g.kind+" NLL", thumb)
	return nil
}
