package experiments

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
)

// Options control a run.
type Options struct {
	Out      string    // results folder
	Log      io.Writer // progress and messages; nil for silence
	Terminal bool      // Log is a terminal: redraw one progress line
}

// Outcome counts what a run did.
type Outcome struct {
	Trials, Ran, Skipped, OK, Diverged, Failed int
	Records                                    []*Record
}

// streamSeed derives an independent stream from a trial seed and a purpose,
// so data, weights, batch order and evaluation never share random numbers.
func streamSeed(seed uint64, purpose string) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s", seed, purpose)
	return h.Sum64()
}

type dataKey struct {
	name, params string
	seed         uint64
}

// Run trains and evaluates every trial of spec, writing each finished
// trial to Out/trials/<id>.json as it ends and Out/results.json at the
// end. Trials with a valid record already in Out are skipped, so re-running
// an interrupted spec continues where it stopped; a corrupted record is
// reported and its trial rerun.
func Run(spec *Spec, opt Options) (*Outcome, error) {
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	if err := os.MkdirAll(filepath.Join(opt.Out, "trials"), 0o755); err != nil {
		return nil, fmt.Errorf("results folder: %w", err)
	}
	if err := writeJSON(filepath.Join(opt.Out, "spec.json"), spec.canonical()); err != nil {
		return nil, err
	}
	trials := spec.TrialSpecs()
	out := &Outcome{Trials: len(trials)}
	cache := map[dataKey]*datasets.Data{}
	start := time.Now()
	for k, tr := range trials {
		path := filepath.Join(opt.Out, "trials", tr.ID+".json")
		if rec, err := ReadRecord(path); err == nil && rec.Status != StatusFailed {
			out.Skipped++
			out.Records = append(out.Records, rec)
			fmt.Fprintf(opt.Log, "[%d/%d] %s: already done (%s), skipped\n", k+1, len(trials), tr.ID, rec.Status)
			continue
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(opt.Log, "[%d/%d] %s: %v; running it again\n", k+1, len(trials), tr.ID, err)
		}
		label := fmt.Sprintf("[%d/%d] %s", k+1, len(trials), tr.ID)
		rec := runTrial(spec, tr, cache, opt, label, start, k, len(trials))
		out.Ran++
		switch rec.Status {
		case StatusOK:
			out.OK++
		case StatusDiverged:
			out.Diverged++
		default:
			out.Failed++
		}
		if err := writeJSON(path, rec); err != nil {
			return out, fmt.Errorf("writing trial %s: %w", tr.ID, err)
		}
		out.Records = append(out.Records, rec)
		fmt.Fprintf(opt.Log, "%s: %s%s\n", label, rec.Status, summaryLine(rec))
	}
	sort.Slice(out.Records, func(i, j int) bool { return out.Records[i].Trial < out.Records[j].Trial })
	if err := writeJSON(filepath.Join(opt.Out, "results.json"), out.Records); err != nil {
		return out, err
	}
	return out, nil
}

func summaryLine(r *Record) string {
	if r.Status != StatusOK {
		return ": " + r.Reason
	}
	var parts []string
	if v, ok := r.Metrics["test_nll"]; ok {
		parts = append(parts, fmt.Sprintf("test NLL %.4f ± %.4f (%s)", v, 2*r.Metrics["test_nll_stderr"], r.NLLKind))
	}
	if v, ok := r.Metrics["true_nll"]; ok {
		parts = append(parts, fmt.Sprintf("true %.4f", v))
	}
	if v, ok := r.Metrics["bits_per_dim"]; ok {
		parts = append(parts, fmt.Sprintf("%.4f bits/dim", v))
	}
	if v, ok := r.Metrics["modes_covered"]; ok {
		parts = append(parts, fmt.Sprintf("%.0f/%.0f modes", v, r.Metrics["modes_total"]))
	}
	if v, ok := r.Metrics["samples_per_sec"]; ok {
		parts = append(parts, fmt.Sprintf("%.3g samples/s", v))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, ", ")
}

func runTrial(spec *Spec, tr Trial, cache map[dataKey]*datasets.Data, opt Options, label string, runStart time.Time, k, n int) *Record {
	started := time.Now()
	ty, _ := models.Lookup(tr.Model.Type)
	rec := &Record{Trial: tr.ID, Model: tr.Model.Name, Type: tr.Model.Type, Family: string(ty.Family),
		Dataset: tr.Dataset.Name, Seed: tr.Seed, Metrics: map[string]float64{}, Protocol: map[string]string{},
		NLLKind: string(models.None)}
	fail := func(status string, err error) *Record {
		rec.Status, rec.Reason = status, err.Error()
		rec.Provenance = newProvenance(spec, tr, started)
		return rec
	}
	key := dataKey{tr.Dataset.Name, fmt.Sprint(canonDatasetOf(tr.Dataset)), tr.Seed}
	d, ok := cache[key]
	if !ok {
		var err error
		d, err = datasets.Build(tr.Dataset.Name, tr.Dataset.Params, streamSeed(tr.Seed, "data"))
		if err != nil {
			return fail(StatusFailed, err)
		}
		clear(cache) // keep one data set in memory at a time
		cache[key] = d
	}
	nTrain, _ := d.Train.Dims()
	nValid, _ := d.Valid.Dims()
	nTest, _ := d.Test.Dims()
	rec.Data = DataInfo{Dim: d.Dim, Kind: string(d.Kind), Train: nTrain, Valid: nValid, Test: nTest, Protocol: d.Protocol}
	ts := tr.Model.Train
	m, err := models.New(tr.Model.Type, tr.Model.Params, models.Config{
		Dim: d.Dim, Binary: d.Kind == datasets.Binary, Shape: d.Shape, Dtype: ts.Dtype, LR: ts.LR,
		Seed: streamSeed(tr.Seed, "model"),
	})
	if err != nil {
		return fail(StatusFailed, err)
	}
	rec.NLLKind = string(models.Kind(m))
	progress := func(epoch, epochs, step int, trainLoss, validLoss float64) {
		elapsed := time.Since(runStart).Seconds()
		done := float64(k) + float64(epoch+1)/float64(epochs)
		eta := elapsed/done*float64(n) - elapsed
		line := fmt.Sprintf("%s epoch %d/%d step %d loss %.4f valid %.4f ETA %s",
			label, epoch+1, epochs, step, trainLoss, validLoss, (time.Duration(eta) * time.Second).Round(time.Second))
		if opt.Terminal {
			fmt.Fprintf(opt.Log, "\r\033[K%s", line)
		} else {
			fmt.Fprintln(opt.Log, line)
		}
	}
	res, err := Train(m, d, ts, rand.New(rand.NewPCG(streamSeed(tr.Seed, "batches"), 0)), progress)
	if opt.Terminal {
		fmt.Fprint(opt.Log, "\r\033[K")
	}
	rec.Training = &res
	rec.Metrics["train_seconds"] = res.Seconds
	rec.Metrics["train_steps"] = float64(res.Steps)
	rec.Metrics["epochs"] = float64(res.Epochs)
	if res.Epochs > 0 {
		rec.Metrics["seconds_per_epoch"] = res.Seconds / float64(res.Epochs)
	}
	if err != nil {
		if IsDivergence(err) {
			return fail(StatusDiverged, err)
		}
		return fail(StatusFailed, err)
	}
	ev, err := Evaluate(m, d, tr.Eval, rand.New(rand.NewPCG(streamSeed(tr.Seed, "eval"), 0)))
	if err != nil {
		return fail(StatusFailed, fmt.Errorf("evaluation: %w", err))
	}
	for k, v := range ev.Metrics {
		rec.Metrics[k] = v
	}
	rec.NonFinite = ev.NonFinite
	rec.Protocol = ev.Protocol
	rec.Protocol["training"] = fmt.Sprintf("Adam lr %g, batch %d, up to %d epochs, patience %d, best-validation (%s) weights restored; stopped: %s",
		ts.LR, ts.BatchSize, ts.Epochs, ts.Patience, res.ValidKind, res.Stopped)
	rec.Status = StatusOK
	rec.Provenance = newProvenance(spec, tr, started)
	return rec
}
