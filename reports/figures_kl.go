package reports

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/genbench/genbench/models"
)

// klFloor is where the KL figure draws values too small for its log axis.
const klFloor = 1e-6

// activeKL is the KL (nats) the figure marks as carrying information.
const activeKL = 0.01

// klData selects a VAE row's mean KL per latent dimension (values below
// klFloor raised to it) and the log axis range, which always shows the
// activeKL line.
func klData(row *Row) (plotter.XYs, float64, float64) {
	kl := row.klPerDim()
	if len(kl) == 0 {
		return nil, 0, 0
	}
	vals := make(plotter.XYs, len(kl))
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for i, v := range kl {
		vals[i] = plotter.XY{X: float64(i), Y: math.Max(v, klFloor)}
		ymin, ymax = math.Min(ymin, vals[i].Y), math.Max(ymax, vals[i].Y)
	}
	return vals, math.Min(ymin, activeKL) / 3, math.Max(ymax, activeKL) * 3
}

// klFigure draws a VAE's KL per latent dimension with the 0.01 threshold.
func klFigure(ds *DataSet, row *Row) (*Figure, error) {
	name := klName(ds, row)
	return safePlot(name, func() (*Figure, error) {
		vals, ymin, ymax := klData(row)
		if len(vals) == 0 {
			return nil, nil
		}
		title := fmt.Sprintf("KL per latent dimension: %s on %s", row.Label, ds.Label)
		p := newPlot(title, "latent dimension", "KL (nats, log scale)")
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		sc, err := plotter.NewScatter(vals)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: colorOf(string(models.VAE)), Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
		l, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: activeKL}, {X: float64(len(vals)) - 0.5, Y: activeKL}})
		if err != nil {
			return nil, err
		}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		l.Color = colorOf(string(models.GAN))
		p.Add(sc, l)
		p.Legend.Add("0.01 nats", l)
		p.Legend.Top = true
		p.Y.Min, p.Y.Max = ymin, ymax
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
