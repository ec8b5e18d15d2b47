package reports

import (
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// speedLine is one model type of the speed-against-dimension figure: its
// mean samples/s on each data set, by dimension.
type speedLine struct {
	typ, family string
	sequential  bool // samples with one pass per dimension: drawn dashed
	points      plotter.XYs
}

// speedDimData selects, per model type (in name order), the mean
// samples/s of its rows against their data set's dimension, the line's
// family and sampling taken from its smallest dimension; nothing when
// fewer than two distinct dimensions were measured.
func speedDimData(sets []*DataSet) []speedLine {
	type point struct {
		d, s float64
		row  *Row
	}
	byType := map[string][]point{}
	dims := map[int]bool{}
	for _, ds := range sets {
		if ds.Dim <= 0 {
			continue
		}
		for _, r := range ds.Rows {
			if s := r.Stat("samples_per_sec"); s.Has() && s.Mean > 0 {
				byType[r.Type] = append(byType[r.Type], point{float64(ds.Dim), s.Mean, r})
				dims[ds.Dim] = true
			}
		}
	}
	if len(dims) < 2 {
		return nil
	}
	out := make([]speedLine, 0, len(byType))
	for _, t := range sortedKeys(byType) {
		pts := byType[t]
		sort.Slice(pts, func(i, j int) bool { return pts[i].d < pts[j].d || (pts[i].d == pts[j].d && pts[i].s < pts[j].s) })
		l := speedLine{typ: t, family: pts[0].row.Family, sequential: pts[0].row.sequentialSampler(), points: make(plotter.XYs, len(pts))}
		for i, q := range pts {
			l.points[i] = plotter.XY{X: q.d, Y: q.s}
		}
		out = append(out, l)
	}
	return out
}

// speedShapes tell the model types apart within one family colour.
var speedShapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.BoxGlyph{}, draw.CrossGlyph{},
	draw.PlusGlyph{}, draw.RingGlyph{}, draw.PyramidGlyph{}, draw.SquareGlyph{}}

// speedDimFigure plots samples/s against D on log-log axes across data
// sets, one line per model type.
func speedDimFigure(sets []*DataSet) (*Figure, error) {
	return safePlot(speedDimName, func() (*Figure, error) {
		lines := speedDimData(sets)
		if len(lines) == 0 {
			return nil, nil
		}
		p := newPlot("Sampling speed against dimension", "data dimension D (log scale)", "samples per second (log scale)")
		p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
		p.X.Tick.Marker, p.Y.Tick.Marker = logTicks{}, logTicks{}
		xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for ti, sl := range lines {
			for _, q := range sl.points {
				xmin, xmax = math.Min(xmin, q.X), math.Max(xmax, q.X)
				ymin, ymax = math.Min(ymin, q.Y), math.Max(ymax, q.Y)
			}
			l, sc, err := plotter.NewLinePoints(sl.points)
			if err != nil {
				return nil, err
			}
			c := colorOf(sl.family)
			l.Color, sc.Color = c, c
			sc.Shape, sc.Radius = speedShapes[ti%len(speedShapes)], vg.Points(3.5)
			if sl.sequential {
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
			}
			p.Add(l, sc)
			p.Legend.Add(sl.typ, l, sc)
		}
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin/2, xmax*2, ymin/3, ymax*3
		p.Legend.Top = true
		png, w, h, err := renderPlots(6.5*vg.Inch, 4.5*vg.Inch, p)
		if err != nil {
			return nil, err
		}
		return &Figure{Name: speedDimName, Title: "Sampling speed against dimension",
			Caption: "Mean samples/s per model type on each data set, against the data dimension; dashed: models that sample with D sequential passes (autoregressive family, MAF). Colour = family (" + familyLegend() + ").",
			PNG:     png, Width: w, Height: h}, nil
	})
}
