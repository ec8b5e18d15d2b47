package experiments

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/results"
)

// A trial's memory is estimated before it runs, from its settings alone
// (the data set's Layout and the model type's EstimateSize), so that a
// trial that cannot fit is refused by validate and by run with the
// estimate, instead of crashing the run with an out-of-memory kill that no
// recover can catch. The estimate errs on the large side for the
// parameters and on the small side for what models do not report (a GAN's
// kernel matrices, a sampler's temporaries): it catches sizes off by
// orders of magnitude, not a few percent.

// maxMemory bounds every estimate, whatever memory_limit says: no machine
// holds a pebibyte, and bigger numbers only come from typos (1e12).
const maxMemory = 1 << 50

// evalRows is the most rows models evaluate at once (their evalChunk)
// unless their Size says otherwise.
const evalRows = 1024

// MemoryEstimate is a trial's estimated peak memory, in bytes, by part.
type MemoryEstimate struct {
	// Parameters: the values, and the model's masks and fixed matrices.
	Parameters float64
	// Optimiser: the gradient and Adam's two moments, a copy each.
	Optimiser float64
	// Checkpoints: while a checkpoint is written, the saved current and
	// best states (each with Adam's moments, as float64), encoded, then
	// framed: 18 float64 copies of the parameters.
	Checkpoints float64
	// Activations of a training step at the batch size, or of an
	// evaluation or sampling pass (a model's chunk of rows) if larger.
	Activations float64
	// Data: the three splits and a per-epoch copy of the training split,
	// as float64 matrices.
	Data float64
	// Samples generated for evaluation, and their sampling pass.
	Samples float64
}

// gcFactor is the heap's growth over the live data before Go's garbage
// collector runs (GOGC=100: twice).
const gcFactor = 2

// Total is the sum of the parts, times gcFactor. Measured (peak resident
// memory, 5 or 10 steps, a checkpoint and evaluation): realnvp 2×2048 in
// float64 on ring8 (batch 512) 3.7 GiB, estimated 3.0 GiB; realnvp 8×64 on
// logit MNIST (5000 examples, batch 256) 0.68 GiB, estimated 0.49 GiB.
func (e MemoryEstimate) Total() float64 {
	return gcFactor * (e.Parameters + e.Optimiser + e.Checkpoints + e.Activations + e.Data + e.Samples)
}

func (e MemoryEstimate) String() string {
	return fmt.Sprintf("%s (parameters %s, optimiser %s, checkpoints %s, activations %s, data %s, samples %s; twice their sum for the garbage collector)",
		FormatBytes(e.Total()), FormatBytes(e.Parameters), FormatBytes(e.Optimiser), FormatBytes(e.Checkpoints),
		FormatBytes(e.Activations), FormatBytes(e.Data), FormatBytes(e.Samples))
}

// dominant names the largest part: what to shrink.
func (e MemoryEstimate) dominant() string {
	parts := []struct {
		name string
		v    float64
	}{{"parameters", e.Parameters}, {"optimiser", e.Optimiser}, {"checkpoints", e.Checkpoints}, {"activations", e.Activations}, {"data", e.Data}, {"samples", e.Samples}}
	best := parts[0]
	for _, p := range parts[1:] {
		if p.v > best.v {
			best = p
		}
	}
	return best.name
}

// EstimateMemory estimates the peak memory of a trial of model m on data
// set d with evaluation settings ev; ok is false when the data set or the
// model type offers no estimate, or the pair cannot be built (building
// reports that).
func EstimateMemory(d DatasetSpec, m ModelSpec, ev EvalSpec) (e MemoryEstimate, ok bool) {
	src, found := datasets.Lookup(d.Name)
	if !found || src.Layout == nil {
		return e, false
	}
	p, err := src.Params.Resolve(d.Params)
	if err != nil {
		return e, false
	}
	layout := src.Layout(p)
	cfg := models.Config{Dim: layout.Dim, Binary: layout.Kind == datasets.Binary, Shape: layout.Shape,
		Dtype: m.Train.Dtype, LR: m.Train.LR}
	size, ok, err := models.EstimateSize(m.Type, m.Params, cfg)
	if !ok || err != nil {
		return e, false
	}
	elem := 4.0
	if m.Train.Dtype == "float64" {
		elem = 8
	}
	count := func(key string) float64 {
		if f, ok := src.Params.Lookup(key); ok {
			if _, isInt := f.Default.(int); isInt {
				return float64(p.Int(key))
			}
		}
		return 0
	}
	nTrain, nValid, nTest := count("n_train"), count("n_valid"), count("n_test")
	dim := float64(layout.Dim)
	chunk := float64(evalRows)
	if size.EvalRows > 0 {
		chunk = float64(size.EvalRows)
	}
	// Evaluation keeps no gradients and no pre-activations: a quarter.
	rows := math.Max(float64(m.Train.BatchSize), math.Min(chunk, math.Max(nValid, nTest))/4)
	e.Parameters = (size.Params + size.Buffers) * elem
	e.Optimiser = 3 * size.Params * elem
	e.Checkpoints = 18 * size.Params * 8
	e.Activations = size.Activations * rows * elem
	e.Data = (2*nTrain + nValid + nTest) * dim * 8
	samples := float64(ev.Samples)
	e.Samples = samples * dim * 8 * 2 // the samples and a copy for the metrics
	return e, true
}

// FormatBytes writes a byte count with a binary unit: 512 B, 1.5 GiB.
func FormatBytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for b >= 1024 && i+1 < len(units) {
		b /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", b)
	}
	return fmt.Sprintf("%.3g %s", b, units[i])
}

// ParseBytes reads a memory size: a number of bytes, or a number with a
// unit, decimal (kB, MB, GB, TB) or binary (KiB, MiB, GiB, TiB): "8GiB",
// "512 MB", "1.5e9".
func ParseBytes(s string) (float64, error) {
	t := strings.TrimSpace(s)
	i := len(t)
	for i > 0 && (t[i-1] >= 'A' && t[i-1] <= 'Z' || t[i-1] >= 'a' && t[i-1] <= 'z') {
		i--
	}
	num, unit := strings.TrimSpace(t[:i]), t[i:]
	mult, ok := map[string]float64{"": 1, "B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
		"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}[unit]
	v, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || !(v > 0) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("want a memory size such as 8GiB, 512MB or a number of bytes, got %q", s)
	}
	return v * mult, nil
}

// checkMemoryLimit is the memory_limit key's check.
func checkMemoryLimit(v any) error {
	s, _ := v.(string)
	if s == "auto" {
		return nil
	}
	_, err := ParseBytes(s)
	if err != nil {
		return fmt.Errorf("%v, or auto (this machine's memory)", err)
	}
	return nil
}

var machine struct {
	once  sync.Once
	bytes float64
}

// machineMemory is this machine's total memory (MemTotal of
// /proc/meminfo), 0 where unknown.
func machineMemory() float64 {
	machine.once.Do(func() {
		data, err := os.ReadFile("/proc/meminfo")
		if err == nil {
			machine.bytes = memTotal(data)
		}
	})
	return machine.bytes
}

// memTotal reads the MemTotal line of /proc/meminfo ("MemTotal: 16 kB").
func memTotal(meminfo []byte) float64 {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			if err == nil && kb > 0 {
				return kb * 1024
			}
		}
	}
	return 0
}

// memoryLimit is the most memory a trial with these settings may take,
// and where the limit comes from.
func memoryLimit(ts TrainSpec) (float64, string) {
	if ts.MemoryLimit != "" && ts.MemoryLimit != "auto" {
		if b, err := ParseBytes(ts.MemoryLimit); err == nil {
			return math.Min(b, maxMemory), "train.memory_limit"
		}
	}
	if m := machineMemory(); m > 0 {
		return math.Min(m, maxMemory), "this machine's memory; set train.memory_limit to change"
	}
	return maxMemory, "the most any machine holds"
}

// memoryError says why a trial of model m on data set d cannot run, or
// returns "" when it fits or cannot be estimated.
func memoryError(d DatasetSpec, m ModelSpec, ev EvalSpec) (msg, dominant string) {
	e, ok := EstimateMemory(d, m, ev)
	if !ok {
		return "", ""
	}
	limit, source := memoryLimit(m.Train)
	if e.Total() <= limit {
		return "", ""
	}
	return fmt.Sprintf("model %s on data set %s needs an estimated %s of memory, more than the %s limit (%s)",
		m.Name, d.Label, e, FormatBytes(limit), source), e.dominant()
}

// checkMemory refuses trials whose memory estimate exceeds their limit,
// once per (data set, model) pair, at the line of what dominates the
// estimate: the data set entry for its data, the samples setting for the
// samples, else the model entry. With a sweep every point is checked.
func (p *parser) checkMemory(s *Spec, dsInfo []datasetInfo, modelOK []bool, root *mapNode) {
	var points [][]int
	if s.Sweep != nil {
		points = s.Sweep.points()
	} else {
		points = [][]int{nil}
	}
	reported := map[[2]int]bool{}
	for k, pt := range points {
		ds, ms, ev := s.Datasets, s.Models, s.Eval
		var overridden []map[string]bool
		if s.Sweep != nil {
			ds, ms, ev, overridden = s.pointSpec(pt)
		}
		for i, d := range ds {
			if i >= len(dsInfo) || !dsInfo[i].ok {
				continue
			}
			for j, m := range ms {
				if j >= len(modelOK) || !modelOK[j] || !m.Runs(d) || reported[[2]int{i, j}] {
					continue
				}
				if k > 0 && !s.Sweep.touchesAny(i, j, overridden) {
					continue // the same trial as at the first point
				}
				msg, dominant := memoryError(d, m, m.EffectiveEval(ev))
				if msg == "" {
					continue
				}
				reported[[2]int{i, j}] = true
				if s.Sweep != nil {
					point := results.SweepPoint{}
					for a, ax := range s.Sweep.Axes {
						if ax.touches(i, j, overridden) {
							point[ax.Path] = ax.Values[pt[a]]
						}
					}
					msg += " at sweep point " + point.String()
				}
				line, key := p.memoryBlame(s, i, j, dominant, root)
				p.errorf(line, key, "%s", msg)
			}
		}
	}
}

// memoryBlame is the line and key of the setting to shrink.
func (p *parser) memoryBlame(s *Spec, i, j int, dominant string, root *mapNode) (int, string) {
	switch dominant {
	case "data":
		return s.Datasets[i].Line, fmt.Sprintf("datasets[%d]", i)
	case "samples":
		if _, own := s.Models[j].EvalOverride["samples"]; !own {
			if line := keyLine(root, "eval", "samples"); line > 0 {
				return line, "eval.samples"
			}
		}
	}
	return s.Models[j].Line, fmt.Sprintf("models[%d]", j)
}

// keyLine is the line of the value at a path of mapping keys under root,
// 0 when absent.
func keyLine(root *mapNode, keys ...string) int {
	n := root.node
	for _, k := range keys {
		n = resolve(n)
		if n == nil || n.Kind != yaml.MappingNode {
			return 0
		}
		var next *yaml.Node
		for c := 0; c+1 < len(n.Content); c += 2 {
			if resolve(n.Content[c]).Value == k {
				next = n.Content[c+1]
			}
		}
		if next == nil {
			return 0
		}
		n = next
	}
	return resolve(n).Line
}

// touchesAny reports whether any axis of the sweep changes trials of data
// set i and model j.
func (sw *SweepSpec) touchesAny(i, j int, overridden []map[string]bool) bool {
	for _, ax := range sw.Axes {
		if ax.touches(i, j, overridden) {
			return true
		}
	}
	return false
}

// trialMemory is what the memory gate reserves for a trial: its estimate
// and its limit. A trial without an estimate reserves nothing, and so
// does one that alone exceeds its limit: prepare refuses it with the
// estimate as soon as it starts (memoryError), so it must not wait.
func trialMemory(tr Trial) (need, limit float64) {
	limit, _ = memoryLimit(tr.Model.Train)
	e, ok := EstimateMemory(tr.Dataset, tr.Model, tr.Eval)
	if !ok || e.Total() > limit {
		return 0, limit
	}
	return e.Total(), limit
}

// memoryGate admits trials so that the estimates of those running at
// once (with -j above 1) sum to no more than the limit: a trial starts
// when the estimates of the running ones plus its own fit its limit, or
// when none is running (so the run cannot deadlock). Trials are admitted
// in the order they ask, so a large one is not passed over for ever by
// smaller ones behind it.
type memoryGate struct {
	mu      sync.Mutex
	used    float64  // sum of the running trials' estimates
	running int      // trials admitted and not yet released
	queue   []uint64 // tickets of the waiting trials, first come first
	next    uint64
	changed chan struct{} // closed, and replaced, at every change
}

func newMemoryGate() *memoryGate { return &memoryGate{changed: make(chan struct{})} }

// admit waits until a trial needing need bytes under limit may start,
// calls waiting once (with what the running trials hold) if it has to
// wait, and reports false, admitting nothing, if stop closes first.
// Each admitted trial must be released with the same need.
func (g *memoryGate) admit(need, limit float64, stop <-chan struct{}, waiting func(used float64, running int)) bool {
	g.mu.Lock()
	ticket := g.next
	g.next++
	g.queue = append(g.queue, ticket)
	told := false
	for {
		if g.queue[0] == ticket && (g.running == 0 || g.used+need <= limit) {
			g.queue = g.queue[1:]
			g.used += need
			g.running++
			g.broadcast()
			g.mu.Unlock()
			return true
		}
		if !told {
			told = true
			waiting(g.used, g.running)
		}
		changed := g.changed
		g.mu.Unlock()
		select {
		case <-changed:
			g.mu.Lock()
		case <-stop:
			g.mu.Lock()
			g.queue = slices.DeleteFunc(g.queue, func(t uint64) bool { return t == ticket })
			g.broadcast()
			g.mu.Unlock()
			return false
		}
	}
}

// release ends an admitted trial that needed need bytes.
func (g *memoryGate) release(need float64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.used -= need
	g.running--
	if g.running == 0 {
		g.used = 0 // no rounding left over from the sums
	}
	g.broadcast()
}

// broadcast wakes the waiting trials; the caller holds g.mu.
func (g *memoryGate) broadcast() {
	close(g.changed)
	g.changed = make(chan struct{})
}
