package metrics

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Speed is the result of [SamplingSpeed]. SamplesPerSec is the median of
// Runs, the samples per second of each timed repeat.
type Speed struct {
	SamplesPerSec          float64
	Batch, Warmup, Repeats int
	Runs                   []float64
}

// SamplingSpeed measures how many samples per second sample produces at a
// fixed batch size (docs/protocols.md, Sampling speed): sample(batch) is called warmup
// times untimed, then repeats times, each call timed on the monotonic clock;
// the result is the median of batch/seconds over the repeats.
//
// The first error returned by sample stops the measurement and is returned
// wrapped with the call that failed. It is also an error if batch < 1,
// warmup < 0, repeats < 1, sample is nil, or a timed call took no measurable
// time (increase the batch).
func SamplingSpeed(sample func(n int) error, batch, warmup, repeats int) (Speed, error) {
	sp := Speed{Batch: batch, Warmup: warmup, Repeats: repeats}
	switch {
	case sample == nil:
		return sp, errors.New("metrics: sampling speed: nil sampler")
	case batch < 1:
		return sp, fmt.Errorf("metrics: sampling speed: batch must be ≥ 1, got %d", batch)
	case warmup < 0:
		return sp, fmt.Errorf("metrics: sampling speed: warmup must be ≥ 0, got %d", warmup)
	case repeats < 1:
		return sp, fmt.Errorf("metrics: sampling speed: repeats must be ≥ 1, got %d", repeats)
	}
	for i := range warmup {
		if err := sample(batch); err != nil {
			return sp, fmt.Errorf("metrics: sampling speed: warm-up call %d of %d (batch %d): %w", i+1, warmup, batch, err)
		}
	}
	sp.Runs = make([]float64, repeats)
	for i := range repeats {
		start := time.Now()
		err := sample(batch)
		el := time.Since(start)
		if err != nil {
			return sp, fmt.Errorf("metrics: sampling speed: timed call %d of %d (batch %d): %w", i+1, repeats, batch, err)
		}
		if el <= 0 {
			return sp, fmt.Errorf("metrics: sampling speed: timed call %d took no measurable time; increase the batch (%d)", i+1, batch)
		}
		sp.Runs[i] = float64(batch) / el.Seconds()
	}
	sp.SamplesPerSec = median(sp.Runs)
	return sp, nil
}

// median returns the median of x (mean of the two middle values for an even
// length) without modifying x; NaN for an empty slice.
func median(x []float64) float64 {
	n := len(x)
	if n == 0 {
		return math.NaN()
	}
	s := slices.Clone(x)
	slices.Sort(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func init() {
	Register(Metric{
		Name:     "sampling_speed",
		Doc:      "samples per second at a fixed batch, after warm-up, median of repeats",
		Protocol: "Sampling speed",
		Order:    40,
		Needs:    NeedsSamples,
		Keys: []Key{{Name: "samples_per_sec", Doc: "samples drawn per second", Unit: "samples/s", Better: Higher, Timing: true,
			Column: &Column{Header: "samples/s", Rank: 220, Format: Plain3}}},
		Compute: computeSamplingSpeed,
	})
}

// computeSamplingSpeed times the model's sampler on a random stream of its
// own, seeded from the evaluation's, so that the number of timed draws
// does not shift the samples of later metrics.
func computeSamplingSpeed(in *Input, out *Output) error {
	rng := rand.New(rand.NewPCG(in.Rand.Uint64(), 1))
	sp, err := SamplingSpeed(func(n int) error {
		_, err := in.Draw(n, rng)
		return err
	}, in.Settings.SpeedBatch, 1, in.Settings.SpeedRepeats)
	if err != nil {
		return err
	}
	out.Put("samples_per_sec", sp.SamplesPerSec)
	out.Note("sampling_speed", fmt.Sprintf("batch %d, 1 warm-up, median of %d repeats", in.Settings.SpeedBatch, in.Settings.SpeedRepeats))
	return nil
}
