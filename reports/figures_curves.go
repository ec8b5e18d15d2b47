package reports

import (
	"fmt"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// curveSeries is one line of a training-curves figure.
type curveSeries struct {
	label  string // "seed 1 train", "seed 2 (diverged) valid"
	color  int    // index into seedColors: the trial's place in the row
	dashed bool   // the training loss; the validation loss is solid
	points plotter.XYs
}

// curvesData selects each trial's training and validation curve (finite
// losses only; a closed-form fit's zero training loss is not a loss) and
// the kind of validation loss of the first trial with a curve.
func curvesData(row *Row) ([]curveSeries, string) {
	var out []curveSeries
	validKind := ""
	for i, rec := range row.Trials {
		if rec.Training == nil || len(rec.Training.Curve) == 0 {
			continue
		}
		if validKind == "" {
			validKind = rec.Training.ValidKind
		}
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
		if len(train) > 0 {
			out = append(out, curveSeries{label + " train", i % len(seedColors), true, train})
		}
		if len(valid) > 0 {
			out = append(out, curveSeries{label + " valid", i % len(seedColors), false, valid})
		}
	}
	return out, validKind
}

// curvesFigure draws every trial's training and validation curve of a row.
func curvesFigure(ds *DataSet, row *Row) (*Figure, error) {
	name := "curves-" + ds.Slug + "-" + rowSlug(row.Label) + ".png"
	return safePlot(name, func() (*Figure, error) {
		series, validKind := curvesData(row)
		if len(series) == 0 {
			return nil, nil
		}
		p := newPlot(fmt.Sprintf("%s on %s: training curves", row.Label, ds.Label), "epoch", "loss (nats per example)")
		p.X.Tick.Marker = intTicks{}
		for _, s := range series {
			l, pts, err := plotter.NewLinePoints(s.points)
			if err != nil {
				return nil, err
			}
			col := seedColors[s.color]
			l.Color, pts.Color, pts.Radius = col, col, vg.Points(1.5)
			l.Width = vg.Points(1.2)
			if s.dashed {
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
				pts.Shape = draw.RingGlyph{}
			}
			p.Add(l, pts)
			p.Legend.Add(s.label, l, pts)
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
