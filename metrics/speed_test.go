package metrics

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestSamplingSpeedSleeper(t *testing.T) {
	const batch, warmup, repeats = 50, 2, 3
	const per = 10 * time.Millisecond
	calls := 0
	sp, err := SamplingSpeed(func(n int) error {
		if n != batch {
			t.Errorf("sampler called with n = %d, want %d", n, batch)
		}
		calls++
		time.Sleep(per)
		return nil
	}, batch, warmup, repeats)
	if err != nil {
		t.Fatal(err)
	}
	if calls != warmup+repeats {
		t.Errorf("sampler called %d times, want %d", calls, warmup+repeats)
	}
	if len(sp.Runs) != repeats || sp.Batch != batch || sp.Warmup != warmup || sp.Repeats != repeats {
		t.Errorf("bookkeeping wrong: %+v", sp)
	}
	want := batch / per.Seconds() // 5000 samples/s
	if sp.SamplesPerSec < want/3 || sp.SamplesPerSec > want*3 {
		t.Errorf("SamplesPerSec = %g, want within a factor 3 of %g", sp.SamplesPerSec, want)
	}
	if m := median(sp.Runs); sp.SamplesPerSec != m {
		t.Errorf("SamplesPerSec %g is not the median %g of %v", sp.SamplesPerSec, m, sp.Runs)
	}
}

func TestSamplingSpeedErrors(t *testing.T) {
	boom := errors.New("boom")
	failOn := func(k int) func(int) error {
		calls := 0
		return func(int) error {
			calls++
			if calls == k {
				return boom
			}
			return nil
		}
	}
	ok := func(int) error { time.Sleep(time.Microsecond); return nil }
	tests := []struct {
		name                   string
		f                      func(int) error
		batch, warmup, repeats int
		wrapsBoom              bool
	}{
		{"error in warm-up", failOn(1), 10, 2, 3, true},
		{"error in timed call", failOn(4), 10, 2, 3, true},
		{"nil sampler", nil, 10, 1, 1, false},
		{"batch 0", ok, 0, 1, 1, false},
		{"negative warm-up", ok, 10, -1, 1, false},
		{"no repeats", ok, 10, 1, 0, false},
	}
	for _, tc := range tests {
		_, err := SamplingSpeed(tc.f, tc.batch, tc.warmup, tc.repeats)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if tc.wrapsBoom && !errors.Is(err, boom) {
			t.Errorf("%s: error %v does not wrap the sampler's error", tc.name, err)
		}
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		x    []float64
		want float64
	}{
		{nil, math.NaN()},
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tc := range tests {
		orig := append([]float64(nil), tc.x...)
		assertClose(t, "median", median(tc.x), tc.want, 0)
		for i := range orig {
			if orig[i] != tc.x[i] {
				t.Errorf("median modified its input: %v", tc.x)
			}
		}
	}
}
