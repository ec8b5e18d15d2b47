package compare

import (
	"encoding/json"
	"math"

	"github.com/genbench/genbench/internal/jsonnum"
	"github.com/genbench/genbench/results"
	"github.com/genbench/genbench/stats"
)

// Sources splits the spread of one metric over the trials of one
// configuration (a model at a sweep point on a data set, one trial per
// training seed) into its three sources, each NaN where the trials do not
// measure it: the training seed, the evaluation seed and the test
// examples.
type Sources struct {
	Mean float64
	// TrainSD is the between-training-seed standard deviation beyond
	// evaluation noise: measured with ≥ 2 training seeds, and for a
	// stochastic metric ≥ 2 evaluation seeds besides.
	TrainSD float64
	// EvalSD is the between-evaluation-seed standard deviation of one
	// trained model: 0 for a deterministic metric, measured for a
	// stochastic one with ≥ 2 evaluation seeds.
	EvalSD float64
	// ExampleSE is the test-example standard error of one trial's value
	// (the record's <key>_stderr), averaged over the trials; NaN without.
	ExampleSE     float64
	NTrain, NEval int
	Deterministic bool
}

// MarshalJSON writes NaN as null.
func (s Sources) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Mean          jsonnum.Float `json:"mean"`
		TrainSD       jsonnum.Float `json:"train_sd"`
		EvalSD        jsonnum.Float `json:"eval_sd"`
		ExampleSE     jsonnum.Float `json:"example_se"`
		NTrain        int           `json:"n_train"`
		NEval         int           `json:"n_eval"`
		Deterministic bool          `json:"deterministic"`
	}{jsonnum.Float(s.Mean), jsonnum.Float(s.TrainSD), jsonnum.Float(s.EvalSD), jsonnum.Float(s.ExampleSE),
		s.NTrain, s.NEval, s.Deterministic})
}

// NotMeasured is the text of a source the trials do not measure.
const NotMeasured = "not measured"

// Texts writes the training-seed sd, evaluation-seed sd and test-example
// s.e. with format: NotMeasured where the trials do not measure one, and
// "0 (deterministic)" for the evaluation-seed sd of a deterministic
// metric.
func (s Sources) Texts(format func(float64) string) (train, eval, example string) {
	text := func(x float64) string {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return NotMeasured
		}
		return format(x)
	}
	eval = text(s.EvalSD)
	if s.Deterministic {
		eval = "0 (deterministic)"
	}
	return text(s.TrainSD), eval, text(s.ExampleSE)
}

// StochasticFunc says whether a record key depends on the evaluation seed
// for a model whose test likelihood is of the given kind, and whether the
// key is declared at all: metrics.KeyStochastic (compare does not import
// the metric registry).
type StochasticFunc func(key, kind string) (stochastic, known bool)

// VarianceSources splits key's spread over recs, the ok trials of one
// configuration, with stats.SplitSeedVariance (balanced one-way
// random-effects analysis of variance) on each trial's values under its
// evaluation seeds (results.Record.EvalSeeds; the first E of each when the
// trials have different numbers E). A key deterministic under every
// trial's NLL kind has no evaluation variance, so its across-seed spread
// is all training seed; a stochastic (or undeclared) key evaluated once
// per trial mixes the two, and neither is measured. Trials without a
// finite value of key are left out.
func VarianceSources(key string, recs []*results.Record, stochastic StochasticFunc) Sources {
	return splitSources(key, recs, anyStochastic(key, recs, stochastic))
}

// anyStochastic reports whether key depends on the evaluation seed under
// the NLL kind of any of recs; an undeclared key counts as stochastic, so
// that its spread is never called training-seed spread without evidence.
func anyStochastic(key string, recs []*results.Record, stochastic StochasticFunc) bool {
	for _, r := range recs {
		if s, known := stochastic(key, r.NLLKind); s || !known {
			return true
		}
	}
	return len(recs) == 0
}

// splitSources is VarianceSources for a key known to be stochastic or not.
func splitSources(key string, recs []*results.Record, stochastic bool) Sources {
	nan := math.NaN()
	s := Sources{Mean: nan, TrainSD: nan, EvalSD: nan, ExampleSE: nan, Deterministic: !stochastic}
	var rows [][]float64
	var ses []float64
	for _, r := range recs {
		v, ok := r.Metrics[key]
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		vs, repeated := r.EvalSeeds.Of(key)
		if !repeated || !stochastic {
			vs = []float64{v}
		}
		rows = append(rows, vs)
		if se, ok := r.Metrics[key+"_stderr"]; ok {
			ses = append(ses, se)
		}
	}
	if len(rows) == 0 {
		return s
	}
	s.NEval = len(rows[0])
	for _, row := range rows {
		s.NEval = min(s.NEval, len(row))
	}
	for i := range rows {
		rows[i] = rows[i][:s.NEval]
	}
	if len(ses) == len(rows) {
		s.ExampleSE = 0
		for _, se := range ses {
			s.ExampleSE += se / float64(len(ses))
		}
	}
	c, err := stats.SplitSeedVariance(rows)
	s.NTrain = len(rows)
	if err != nil {
		return s // a non-finite value under some evaluation seed
	}
	s.Mean = c.Mean
	switch {
	case !stochastic:
		s.EvalSD, s.TrainSD = 0, c.TrainSD
	case s.NEval > 1:
		s.EvalSD, s.TrainSD = c.EvalSD, c.TrainSD
	}
	return s
}
