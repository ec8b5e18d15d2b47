package experiments

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"

	"github.com/genbench/genbench/results"
)

// ReevalOptions control Reevaluate.
type ReevalOptions struct {
	Out string // results folder of a finished run of the spec
	// Metrics replaces each trial's eval metrics when not empty (the
	// names of the spec's eval.metrics key); empty re-runs the trial's own.
	Metrics []string
	// EvalSeeds is the number of evaluation seeds of the stochastic
	// metrics; 0 keeps the larger of the spec's eval_seeds and the
	// number the record already has.
	EvalSeeds int
	Log       io.Writer // one line per trial; nil for silence
}

// ReevalOutcome counts what Reevaluate did.
type ReevalOutcome struct {
	Trials, Reevaluated int
	// Skipped lists trials not re-evaluated and why (no record, not ok,
	// no kept model), as "id: reason".
	Skipped []string
	Failed  []string // "id: error"
}

// CheckMetricNames returns an error naming the first unknown metric.
func CheckMetricNames(names []string) error {
	valid := metricNames()
	for _, n := range names {
		if !slices.Contains(valid, n) {
			return fmt.Errorf("unknown metric %q (valid: %s)", n, strings.Join(valid, ", "))
		}
	}
	return nil
}

// Reevaluate computes the metrics of the finished trials of spec in
// opt.Out again from their kept models, without training: each model is
// rebuilt from the spec, loaded from DIR/models, evaluated on the same data
// with the same evaluation seed as in the run, and the new values are
// merged into its record (replacing old values of the same metrics), with
// a protocol note and a Reevaluated entry saying so. Records are rewritten
// atomically under the trial's lock, then DIR/results.json.
func Reevaluate(spec *Spec, opt ReevalOptions) (*ReevalOutcome, error) {
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	hostFacts() // the commit at the start, as Run takes it
	if err := CheckMetricNames(opt.Metrics); err != nil {
		return nil, err
	}
	out := &ReevalOutcome{}
	var data *datasets.Data
	var key dataKey
	for _, tr := range byData(spec.TrialSpecs()) {
		out.Trials++
		rec, err := results.ReadRecord(results.RecordPath(opt.Out, tr.ID))
		switch {
		case errors.Is(err, os.ErrNotExist):
			out.Skipped = append(out.Skipped, tr.ID+": no record (not run yet)")
			continue
		case err != nil:
			out.Failed = append(out.Failed, fmt.Sprintf("%s: %v", tr.ID, err))
			continue
		case rec.Status != results.StatusOK:
			out.Skipped = append(out.Skipped, fmt.Sprintf("%s: status %s", tr.ID, rec.Status))
			continue
		case rec.SavedModel == nil:
			out.Skipped = append(out.Skipped, tr.ID+": no kept model")
			continue
		}
		k := dataKey{tr.Dataset.Name, fmt.Sprint(canonDatasetOf(tr.Dataset)), tr.Seed}
		if data == nil || k != key {
			if data, err = datasets.Build(tr.Dataset.Name, tr.Dataset.Params, streamSeed(tr.Seed, "data")); err != nil {
				return out, fmt.Errorf("trial %s: %w", tr.ID, err)
			}
			key = k
		}
		if err := reevaluateTrial(opt, tr, rec, data); err != nil {
			out.Failed = append(out.Failed, fmt.Sprintf("%s: %v", tr.ID, err))
			fmt.Fprintf(opt.Log, "%s: %v\n", tr.ID, err)
			continue
		}
		out.Reevaluated++
		fmt.Fprintf(opt.Log, "%s: re-evaluated\n", tr.ID)
	}
	folder, err := results.ReadFolder(opt.Out)
	if err != nil {
		return out, err
	}
	if err := results.WriteIndex(opt.Out, folder.Records); err != nil {
		return out, err
	}
	if len(folder.Problems) > 0 {
		return out, fmt.Errorf("results.json written; %d files had problems, first: %s", len(folder.Problems), folder.Problems[0])
	}
	return out, nil
}

// newTrialModel builds the untrained model of a trial on data d, as a run
// does.
func newTrialModel(tr Trial, d *datasets.Data) (models.Model, error) {
	ts := tr.Model.Train
	return models.New(tr.Model.Type, tr.Model.Params, models.Config{
		Dim: d.Dim, Binary: d.Kind == datasets.Binary, Shape: d.Shape, Dtype: ts.Dtype, LR: ts.LR,
		Seed: streamSeed(tr.Seed, "model"),
	})
}

// reevaluateTrial re-evaluates one trial under its lock and rewrites its
// record.
func reevaluateTrial(opt ReevalOptions, tr Trial, rec *results.Record, d *datasets.Data) error {
	lock, err := acquireTrialLock(opt.Out, tr.ID)
	if err != nil {
		return err
	}
	defer lock.release()
	m, err := newTrialModel(tr, d)
	if err != nil {
		return err
	}
	if err := readModel(opt.Out, rec.SavedModel, m); err != nil {
		return err
	}
	ev := tr.Eval
	if len(opt.Metrics) > 0 {
		ev.Metrics = append([]string(nil), opt.Metrics...)
	}
	n := reevalSeedCount(opt, tr, rec)
	e, err := EvaluateSeeds(m, d, ev, tr.Seed, n)
	if err != nil {
		return fmt.Errorf("evaluation: %w", err)
	}
	if err := checkStaleSeeds(rec, e); err != nil {
		return err
	}
	if e.Examples != nil {
		ref, err := results.WriteExamples(opt.Out, tr.ID, string(e.Kind), e.Examples, results.TestHash(firstRows(d.Test, ev.MaxTest)))
		if err != nil {
			return err
		}
		ref.EvalSeed = evalSeed(tr.Seed)
		rec.Examples = ref
	}
	written := mergeEvaluation(rec, e)
	mergeSeeds(rec, e, written)
	at := time.Now().UTC().Format(time.RFC3339)
	_, commit, _ := hostFacts()
	rec.Reevaluated = append(rec.Reevaluated, results.Reevaluation{At: at, Metrics: written, Commit: commit, EvalSeeds: zeroIfOne(n)})
	seeds := "the run's evaluation seed"
	if e.Seeds != nil {
		seeds = fmt.Sprintf("%d evaluation seeds, the first the run's", n)
	}
	rec.Protocol["reevaluated"] = fmt.Sprintf("%s recomputed at %s by genbench eval from the kept model (no training), with the run's data and %s",
		strings.Join(written, ", "), at, seeds)
	return results.WriteRecord(opt.Out, rec)
}

// reevalSeedCount is the number of evaluation seeds of a re-evaluation:
// the option's, else the larger of the trial's eval_seeds and the number
// the record has, so that a plain re-evaluation never drops seeds.
func reevalSeedCount(opt ReevalOptions, tr Trial, rec *results.Record) int {
	if opt.EvalSeeds > 0 {
		return opt.EvalSeeds
	}
	n := tr.Eval.evalSeedCount()
	if rec.EvalSeeds != nil {
		n = max(n, len(rec.EvalSeeds.Seeds))
	}
	return n
}

// zeroIfOne stores one evaluation seed as 0, which JSON omits.
func zeroIfOne(n int) int {
	if n == 1 {
		return 0
	}
	return n
}

// checkStaleSeeds refuses a re-evaluation under other evaluation seeds
// than the record's when it leaves keys of the record's per-seed values
// alone: their values would be means over seeds the record no longer
// names.
func checkStaleSeeds(rec *results.Record, e *Evaluation) error {
	old := rec.EvalSeeds
	if old == nil || (e.Seeds != nil && slices.Equal(old.Seeds, e.Seeds.Seeds)) {
		return nil
	}
	var stale []string
	for key := range old.Values {
		if _, ok := valueOf(e, key); !ok {
			stale = append(stale, key)
		}
	}
	if len(stale) == 0 {
		return nil
	}
	sort.Strings(stale)
	n := 1
	if e.Seeds != nil {
		n = len(e.Seeds.Seeds)
	}
	return fmt.Errorf("the record holds %s under %d evaluation seeds, which this re-evaluation under %d would leave as they are: re-evaluate their metrics too, or keep %d seeds",
		strings.Join(stale, ", "), len(old.Seeds), n, len(old.Seeds))
}

// mergeSeeds updates the record's per-seed values with the evaluation's
// (checkStaleSeeds has passed): keys written now replace their old
// values, and a single-seed evaluation drops them; the eval_seeds note
// follows.
func mergeSeeds(rec *results.Record, e *Evaluation, written []string) {
	old := rec.EvalSeeds
	if old != nil && (e.Seeds == nil || !slices.Equal(old.Seeds, e.Seeds.Seeds)) {
		old = nil // every key of the old values is rewritten (checkStaleSeeds)
	}
	if old == nil {
		rec.EvalSeeds = e.Seeds
	} else {
		for _, key := range written {
			delete(old.Values, key)
		}
		maps.Copy(old.Values, e.Seeds.Values)
	}
	if rec.EvalSeeds != nil {
		rec.Protocol["eval_seeds"] = evalSeedsNote(rec.EvalSeeds)
	} else if _, noted := e.Protocol["eval_seeds"]; !noted {
		delete(rec.Protocol, "eval_seeds")
	}
}

// mergeEvaluation writes e's metrics and protocol notes into rec, a new
// value replacing an old one of the same name (finite or not), and returns
// the sorted names written.
func mergeEvaluation(rec *results.Record, e *Evaluation) []string {
	var written []string
	for name, v := range e.Metrics {
		rec.Metrics[name] = v
		written = append(written, name)
	}
	rec.NonFinite = slices.DeleteFunc(rec.NonFinite, func(n string) bool { _, ok := e.Metrics[n]; return ok })
	for _, name := range e.NonFinite {
		delete(rec.Metrics, name)
		if !slices.Contains(rec.NonFinite, name) {
			rec.NonFinite = append(rec.NonFinite, name)
		}
		written = append(written, name)
	}
	sort.Strings(rec.NonFinite)
	if len(rec.NonFinite) == 0 {
		rec.NonFinite = nil
	}
	if rec.Protocol == nil {
		rec.Protocol = map[string]string{}
	}
	for k, v := range e.Protocol {
		rec.Protocol[k] = v
	}
	sort.Strings(written)
	return written
}

// byData orders trials by data set entry and seed (stable otherwise), so
// that each data set is built once however many models share it.
func byData(trials []Trial) []Trial {
	key := func(t Trial) string { return fmt.Sprint(canonDatasetOf(t.Dataset), "/", t.Seed) }
	out := append([]Trial(nil), trials...)
	first := map[string]int{}
	for i, t := range out {
		if _, ok := first[key(t)]; !ok {
			first[key(t)] = i
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return first[key(out[i])] < first[key(out[j])] })
	return out
}
