package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
)

// EpochLog is one point of a training curve.
type EpochLog struct {
	Epoch     int     `json:"epoch"`
	Steps     int     `json:"steps"`
	TrainLoss float64 `json:"train_loss"`
	ValidLoss float64 `json:"valid_loss"`
	LR        float64 `json:"lr"`
	Seconds   float64 `json:"seconds"`
}

// Divergence reports a non-finite loss or gradient during training.
type Divergence struct {
	Epoch, Step int
	Reason      string
}

func (d *Divergence) Error() string {
	return fmt.Sprintf("diverged at epoch %d, step %d: %s", d.Epoch, d.Step, d.Reason)
}

// TrainResult is what training produced besides the trained model.
type TrainResult struct {
	Curve     []EpochLog `json:"curve"`
	Steps     int        `json:"steps"`
	Epochs    int        `json:"epochs"`
	BestEpoch int        `json:"best_epoch"`
	Seconds   float64    `json:"seconds"`
	Stopped   string     `json:"stopped"`    // why training ended: "epochs", "patience", "time_budget", "max_steps", "closed_form"
	ValidKind string     `json:"valid_kind"` // what the validation loss is: "nll", "negative_elbo", "model_loss", "none"
}

// Progress receives training progress; nil means silence.
type Progress func(epoch, epochs, step int, trainLoss, validLoss float64)

// validationLoss is the held-out loss used for early stopping: the exact
// NLL where the model has one, else the negative ELBO, else the model's
// own validation loss.
func validationLoss(m models.Model, valid *mat.Dense) (float64, string, error) {
	mean := func(v []float64) float64 {
		var s float64
		for _, x := range v {
			s -= x
		}
		return s / float64(len(v))
	}
	switch mm := m.(type) {
	case models.Density:
		lp, err := mm.LogProb(valid)
		return mean(lp), "nll", err
	case models.Bounded:
		lb, err := mm.LowerBound(valid)
		return mean(lb), "negative_elbo", err
	case models.Validator:
		l, err := mm.ValidationLoss(valid)
		return l, "model_loss", err
	}
	return math.NaN(), "none", nil
}

// Train runs minibatch training with validation every epoch, early stopping
// with patience, learning-rate decay on plateaus and an optional time
// budget, and restores the best-validation state at the end. Batch order
// comes from rng only. A non-finite loss stops training with a *Divergence.
func Train(m models.Model, d *datasets.Data, ts TrainSpec, rng *rand.Rand, progress Progress) (TrainResult, error) {
	start := time.Now()
	res := TrainResult{}
	valid := d.Valid
	if f, ok := m.(models.Fitter); ok {
		if err := f.Fit(d.Train); err != nil {
			return res, fmt.Errorf("closed-form fit: %w", err)
		}
		vl, kind, err := validationLoss(m, valid)
		if err != nil {
			return res, fmt.Errorf("validation: %w", err)
		}
		res.Curve = []EpochLog{{Epoch: 0, ValidLoss: vl, Seconds: time.Since(start).Seconds()}}
		res.Stopped, res.ValidKind, res.Seconds, res.Epochs = "closed_form", kind, time.Since(start).Seconds(), 1
		return res, nil
	}
	lrs, _ := m.(models.LRSetter)
	lr := ts.LR
	best, bestEpoch, bad, plateau := math.Inf(1), -1, 0, 0
	var bestState bytes.Buffer
	n, dim := d.Train.Dims()
	batch := mat.NewDense(ts.BatchSize, dim, nil)
	res.Stopped = "epochs"
epochs:
	for epoch := 0; epoch < ts.Epochs; epoch++ {
		x := d.Train
		if d.Epoch != nil {
			x = d.Epoch(epoch)
		}
		order := rng.Perm(n)
		var sum float64
		var count int
		for lo := 0; lo+ts.BatchSize <= n; lo += ts.BatchSize {
			for i := 0; i < ts.BatchSize; i++ {
				batch.SetRow(i, x.RawRowView(order[lo+i]))
			}
			if lrs != nil && ts.Warmup > 0 && res.Steps < ts.Warmup {
				lrs.SetLR(lr * float64(res.Steps+1) / float64(ts.Warmup))
			} else if lrs != nil && ts.Warmup > 0 && res.Steps == ts.Warmup {
				lrs.SetLR(lr)
			}
			loss, err := m.TrainStep(batch)
			res.Steps++
			if err == nil && (math.IsNaN(loss) || math.IsInf(loss, 0)) {
				err = fmt.Errorf("non-finite loss %v", loss)
			}
			if err != nil {
				res.Seconds = time.Since(start).Seconds()
				return res, &Divergence{Epoch: epoch, Step: res.Steps, Reason: err.Error()}
			}
			sum += loss
			count++
			if ts.MaxSteps > 0 && res.Steps >= ts.MaxSteps {
				res.Stopped = "max_steps"
				break
			}
			if ts.TimeBudget > 0 && time.Since(start).Seconds() >= ts.TimeBudget {
				res.Stopped = "time_budget"
				break
			}
		}
		if count == 0 {
			return res, fmt.Errorf("batch size %d exceeds the %d training examples", ts.BatchSize, n)
		}
		vl, kind, err := validationLoss(m, valid)
		if err != nil {
			return res, fmt.Errorf("validation at epoch %d: %w", epoch, err)
		}
		res.ValidKind = kind
		res.Epochs = epoch + 1
		res.Curve = append(res.Curve, EpochLog{Epoch: epoch, Steps: res.Steps, TrainLoss: sum / float64(count),
			ValidLoss: vl, LR: lr, Seconds: time.Since(start).Seconds()})
		if progress != nil {
			progress(epoch, ts.Epochs, res.Steps, sum/float64(count), vl)
		}
		// A model without any validation loss keeps its last state.
		if math.IsNaN(vl) && kind == "none" {
			vl = -float64(epoch)
		}
		if math.IsNaN(vl) || math.IsInf(vl, 1) {
			return res, &Divergence{Epoch: epoch, Step: res.Steps, Reason: fmt.Sprintf("non-finite validation loss %v", vl)}
		}
		if vl < best {
			best, bestEpoch, bad, plateau = vl, epoch, 0, 0
			bestState.Reset()
			if err := m.Save(&bestState); err != nil {
				return res, fmt.Errorf("saving best state: %w", err)
			}
		} else {
			bad++
			plateau++
			if lrs != nil && ts.LRDecay > 0 && ts.LRDecay < 1 && plateau >= ts.LRPatience {
				lr *= ts.LRDecay
				lrs.SetLR(lr)
				plateau = 0
			}
			if ts.Patience > 0 && bad >= ts.Patience {
				res.Stopped = "patience"
				break epochs
			}
		}
		if res.Stopped != "epochs" {
			break
		}
	}
	res.BestEpoch = bestEpoch
	if bestState.Len() > 0 {
		if err := m.Load(&bestState); err != nil {
			return res, fmt.Errorf("restoring best state: %w", err)
		}
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// IsDivergence reports whether err is a training divergence.
func IsDivergence(err error) bool {
	var d *Divergence
	return errors.As(err, &d)
}
