package experiments

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/internal/jsonnum"
	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/results"
)

// A stochastic metric (metrics.Metric.Stochastic: generated samples, an
// importance-sampled NLL) measures one draw of the evaluation's
// randomness as well as the trained model. With eval.eval_seeds = E > 1
// such metrics are computed under E independent evaluation streams and
// recorded as their mean, with every value kept, so that the spread due to
// the evaluation seed can be told apart from the training seed's
// (stats.SplitSeedVariance). Deterministic metrics are computed once.

// evalStreamSeed is the seed of a trial's j-th evaluation stream (j from
// 0). The first is evalSeed, the stream of a single evaluation, so that
// one evaluation seed gives the bits it always gave; the others depend on
// the training seed and j only, so every model of a spec at one training
// seed draws the same evaluation randomness under each (common random
// numbers).
func evalStreamSeed(seed uint64, j int) uint64 {
	if j == 0 {
		return evalSeed(seed)
	}
	return streamSeed(seed, fmt.Sprintf("eval-%d", j+1))
}

// evalStreamSeeds lists the seeds of the first n evaluation streams.
func evalStreamSeeds(seed uint64, n int) []uint64 {
	out := make([]uint64, n)
	for j := range out {
		out[j] = evalStreamSeed(seed, j)
	}
	return out
}

// EvaluateSeeds evaluates m under n evaluation seeds of the training seed
// seed. Under the first stream every metric runs, as Evaluate does, so
// that n = 1 gives Evaluate's bits; under each further stream only the
// metrics stochastic for the model's NLL kind run, reusing the
// deterministic inputs of the first (the lower bound of an estimated
// NLL). Each key those metrics write becomes the mean of its n values
// (non-finite when one is), Evaluation.Seeds keeps them all, and the
// per-example values stay those of the first stream.
func EvaluateSeeds(m models.Model, d *datasets.Data, ev EvalSpec, seed uint64, n int) (*Evaluation, error) {
	first, in, err := evaluateAll(m, d, ev, evalRand(seed, 0))
	if err != nil || n <= 1 {
		return first, err
	}
	var repeated []metrics.Metric
	for _, mt := range metricsFor(ev.Metrics) {
		if mt.StochasticFor(string(first.Kind)) {
			repeated = append(repeated, mt)
		}
	}
	if len(repeated) == 0 {
		first.Protocol["eval_seeds"] = fmt.Sprintf("%d evaluation seeds asked for; no metric of this trial is stochastic, so each was computed once", n)
		return first, nil
	}
	runs := []*Evaluation{first}
	for j := 1; j < n; j++ {
		e, _, err := evaluateWith(m, d, ev, evalRand(seed, j), repeated, in)
		if err != nil {
			return nil, fmt.Errorf("evaluation seed %d of %d: %w", j+1, n, err)
		}
		runs = append(runs, e)
	}
	averageSeeds(first, runs, evalStreamSeeds(seed, n))
	return first, nil
}

// evalRand is the random source of the j-th evaluation stream.
func evalRand(seed uint64, j int) *rand.Rand {
	return rand.New(rand.NewPCG(evalStreamSeed(seed, j), 0))
}

// averageSeeds writes into first the mean of every key the repeated runs
// (runs[1:]) wrote and every run has, and keeps each run's value in
// first.Seeds; a key with a non-finite value under any seed is non-finite.
func averageSeeds(first *Evaluation, runs []*Evaluation, seeds []uint64) {
	es := &results.EvalSeeds{Seeds: seeds, Values: map[string][]jsonnum.Float{}}
	for _, key := range repeatedKeys(runs) {
		vals := make([]jsonnum.Float, len(runs))
		var sum float64
		for i, e := range runs {
			v, _ := valueOf(e, key)
			vals[i] = jsonnum.Float(v)
			sum += v
		}
		es.Values[key] = vals
		mean := sum / float64(len(runs))
		first.NonFinite = slices.DeleteFunc(first.NonFinite, func(n string) bool { return n == key })
		if math.IsNaN(mean) || math.IsInf(mean, 0) {
			delete(first.Metrics, key)
			first.NonFinite = append(first.NonFinite, key)
		} else {
			first.Metrics[key] = mean
		}
	}
	slices.Sort(first.NonFinite)
	if len(first.NonFinite) == 0 {
		first.NonFinite = nil
	}
	first.Seeds = es
	first.Protocol["eval_seeds"] = evalSeedsNote(es)
}

// evalSeedsNote is the protocol note of a trial evaluated under several
// evaluation seeds.
func evalSeedsNote(es *results.EvalSeeds) string {
	keys := slices.Sorted(maps.Keys(es.Values))
	return fmt.Sprintf("%s: mean of %d evaluation seeds (the first the single-evaluation stream, the others independent); each seed's value in the record's eval_seeds; the other metrics are deterministic and computed once",
		strings.Join(keys, ", "), len(es.Seeds))
}

// repeatedKeys lists, sorted, the keys the repeated runs wrote that every
// run has (finite or not).
func repeatedKeys(runs []*Evaluation) []string {
	var keys []string
	for key := range runs[1].Metrics {
		keys = append(keys, key)
	}
	keys = append(keys, runs[1].NonFinite...)
	keys = slices.DeleteFunc(keys, func(key string) bool {
		for _, e := range runs {
			if _, ok := valueOf(e, key); !ok {
				return true
			}
		}
		return false
	})
	sort.Strings(keys)
	return slices.Compact(keys)
}

// valueOf is an evaluation's value of key: NaN when non-finite, false
// when the evaluation did not write it.
func valueOf(e *Evaluation, key string) (float64, bool) {
	if v, ok := e.Metrics[key]; ok {
		return v, true
	}
	if slices.Contains(e.NonFinite, key) {
		return math.NaN(), true
	}
	return 0, false
}
