// Command peer is genbench's side of the peer benchmark against PyTorch
// (bench/peer.py mirrors every case; bench/peer.sh runs both). It prints
// one line "case<TAB>ms<TAB>cpu_ms" per case: the median time of one
// training step, or of one sampling call, over the timed repeats, in
// float32, and the process's CPU time (user and system, all threads)
// per step over them, which other processes' load inflates far less
// than the wall time.
//
// With -rss N it instead trains one case for N steps and reports the
// process's resident set size and Go heap along the way, to show that
// memory stays flat.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/models"
	_ "github.com/genbench/genbench/models/autoregressive"
	_ "github.com/genbench/genbench/models/flow"
	_ "github.com/genbench/genbench/models/glow"
	_ "github.com/genbench/genbench/models/vae"
	"github.com/genbench/genbench/nn"
)

var all = []string{"mlp-large", "mlp-tiny", "realnvp", "made", "vae", "pixelcnn", "glow", "nsf",
	"sample-realnvp", "sample-vae", "sample-made", "sample-glow", "sample-nsf"}

// peerCase is one timed case: the step (or sampling call) and the
// trainable scalars of its network, which -params prints so that they can
// be compared with peer.py's.
type peerCase struct {
	step   func()
	params int
}

// mlpCase returns one Adam step of an MLP (ReLU hidden layers, linear
// output) on the mean squared error against fixed random targets.
func mlpCase(sizes []int, batch int) peerCase {
	rng := rand.New(rand.NewPCG(1, 2))
	var ps nn.ParamSet[float32]
	net := nn.NewMLP(&ps, "mlp", sizes, nn.ActRelu, false, rng)
	opt := nn.NewAdam(&ps, 1e-3)
	x := nn.NewMat[float32](batch, sizes[0])
	y := nn.NewMat[float32](batch, sizes[len(sizes)-1])
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	for i := range y.Data {
		y.Data[i] = float32(rng.NormFloat64())
	}
	var t nn.Tape[float32]
	return peerCase{step: func() {
		t.Reset()
		out := net.Forward(&t, t.Const(x))
		loss := t.Mean(t.Square(t.Sub(out, t.Const(y))))
		t.Backward(loss)
		if _, err := opt.Step(); err != nil {
			fail(err)
		}
	}, params: ps.Count()}
}

func model(name string, user map[string]any, cfg models.Config) models.Model {
	cfg.Dtype, cfg.LR, cfg.Seed = "float32", 1e-3, 1
	m, err := models.New(name, user, cfg)
	if err != nil {
		fail(err)
	}
	return m
}

func trainCase(m models.Model, x *mat.Dense) peerCase {
	return peerCase{step: func() {
		if _, err := m.TrainStep(x); err != nil {
			fail(err)
		}
	}, params: m.NumParams()}
}

func sampleCase(m models.Model, n int) peerCase {
	rng := rand.New(rand.NewPCG(3, 4))
	return peerCase{step: func() {
		if _, err := m.Sample(n, rng); err != nil {
			fail(err)
		}
	}, params: m.NumParams()}
}

func normalBatch(r, c int) *mat.Dense {
	rng := rand.New(rand.NewPCG(5, 6))
	x := mat.NewDense(r, c, nil)
	for i := range x.RawMatrix().Data {
		x.RawMatrix().Data[i] = rng.NormFloat64()
	}
	return x
}

func binaryBatch(r, c int) *mat.Dense {
	rng := rand.New(rand.NewPCG(7, 8))
	x := mat.NewDense(r, c, nil)
	for i := range x.RawMatrix().Data {
		if rng.Float64() < 0.3 {
			x.RawMatrix().Data[i] = 1
		}
	}
	return x
}

var (
	realnvpParams = map[string]any{"layers": 8, "hidden": 64}
	madeParams    = map[string]any{"hidden": 500, "hidden_layers": 1}
	vaeParams     = map[string]any{"latent": 50, "hidden": 200, "hidden_layers": 2}
	// The mnist-binary spec's PixelCNN.
	pixelcnnParams = map[string]any{"channels": 32, "blocks": 12}
	// glow and nsf run with their registered defaults: glow 2 levels of
	// 4 steps with 64 hidden channels, no gradient clipping; nsf 6 spline
	// couplings (16 bins on [-5, 5], 1-64-64-47 conditioners) after an
	// elementwise spline, order reversals, clipping at 100.
	glowConfig = models.Config{Dim: 784, Shape: []int{1, 28, 28}}
	nsfConfig  = models.Config{Dim: 2}
)

// trained returns m after steps training steps on x, so that the output
// layers that start at zero (a fresh flow is the identity, or nearly)
// are not zero when it samples.
func trained(m models.Model, x *mat.Dense, steps int) models.Model {
	for i := 0; i < steps; i++ {
		if _, err := m.TrainStep(x); err != nil {
			fail(err)
		}
	}
	return m
}

func makeCase(name string) peerCase {
	switch name {
	case "mlp-large":
		return mlpCase([]int{784, 1024, 1024, 784}, 128)
	case "mlp-tiny":
		return mlpCase([]int{2, 64, 64, 2}, 512)
	case "realnvp":
		return trainCase(model("realnvp", realnvpParams, models.Config{Dim: 2}), normalBatch(512, 2))
	case "made":
		return trainCase(model("made", madeParams, models.Config{Dim: 784, Binary: true}), binaryBatch(100, 784))
	case "vae":
		return trainCase(model("vae", vaeParams, models.Config{Dim: 784, Binary: true}), binaryBatch(100, 784))
	case "pixelcnn":
		return trainCase(model("pixelcnn", pixelcnnParams, models.Config{Dim: 784, Binary: true, Shape: []int{1, 28, 28}}), binaryBatch(64, 784))
	case "glow":
		return trainCase(model("glow", nil, glowConfig), normalBatch(64, 784))
	case "nsf":
		return trainCase(model("nsf", nil, nsfConfig), normalBatch(512, 2))
	case "sample-realnvp":
		return sampleCase(trained(model("realnvp", realnvpParams, models.Config{Dim: 2}), normalBatch(512, 2), 20), 10000)
	case "sample-vae":
		return sampleCase(model("vae", vaeParams, models.Config{Dim: 784, Binary: true}), 1000)
	case "sample-made":
		return sampleCase(model("made", madeParams, models.Config{Dim: 784, Binary: true}), 100)
	case "sample-glow":
		return sampleCase(trained(model("glow", nil, glowConfig), normalBatch(64, 784), 2), 100)
	case "sample-nsf":
		return sampleCase(trained(model("nsf", nil, nsfConfig), normalBatch(512, 2), 20), 10000)
	}
	fail(fmt.Errorf("unknown case %q (valid: %s)", name, strings.Join(all, ", ")))
	return peerCase{}
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fail(fmt.Errorf("getrusage: %w", err))
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "peer:", err)
	os.Exit(1)
}

// procStatus returns VmRSS and VmHWM (peak RSS) in KiB.
func procStatus() (rss, hwm int) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1, -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var v int
		if n, _ := fmt.Sscanf(sc.Text(), "VmRSS: %d kB", &v); n == 1 {
			rss = v
		}
		if n, _ := fmt.Sscanf(sc.Text(), "VmHWM: %d kB", &v); n == 1 {
			hwm = v
		}
	}
	return rss, hwm
}

func rssRun(name string, steps int) {
	step := makeCase(name).step
	fmt.Printf("# %s: %d steps; RSS and peak RSS from /proc/self/status, heap from runtime.MemStats\n", name, steps)
	fmt.Printf("%8s %10s %10s %10s %12s %14s\n", "step", "rss_MiB", "peak_MiB", "heap_MiB", "mallocs", "mallocs/step")
	var ms runtime.MemStats
	var lastMallocs uint64
	last := 0
	report := func(i int) {
		runtime.ReadMemStats(&ms)
		rss, hwm := procStatus()
		per := 0.0
		if i > last {
			per = float64(ms.Mallocs-lastMallocs) / float64(i-last)
		}
		fmt.Printf("%8d %10.1f %10.1f %10.1f %12d %14.1f\n", i, float64(rss)/1024, float64(hwm)/1024,
			float64(ms.HeapAlloc)/(1<<20), ms.Mallocs, per)
		// Count from here, so that the report's own allocations (reading
		// /proc, printing) are not charged to the steps.
		runtime.ReadMemStats(&ms)
		lastMallocs, last = ms.Mallocs, i
	}
	report(0)
	for i := 1; i <= steps; i++ {
		step()
		if i == 1 || i == 10 || i%(max(steps/10, 1)) == 0 {
			report(i)
		}
	}
}

func main() {
	cases := flag.String("cases", strings.Join(all, ","), "comma-separated cases: "+strings.Join(all, ", "))
	steps := flag.Int("steps", 20, "timed steps (or sampling calls) per case")
	warmup := flag.Int("warmup", 3, "untimed steps before timing")
	rss := flag.Int("rss", 0, "instead of timing, train the (single) case for this many steps and report memory")
	info := flag.Bool("info", false, "print which matrix product this build uses and GOMAXPROCS, and exit")
	countParams := flag.Bool("params", false, "print each case's trainable parameter count (\"case<TAB>count\"), and exit")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the timed steps to this file")
	flag.Parse()
	if *info {
		fmt.Printf("%s; GOMAXPROCS=%d\n", nn.BLAS(), runtime.GOMAXPROCS(0))
		return
	}
	if *countParams {
		for _, name := range strings.Split(*cases, ",") {
			fmt.Printf("%s\t%d\n", name, makeCase(name).params)
		}
		return
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer pprof.StopCPUProfile()
	}
	if *rss > 0 {
		rssRun(*cases, *rss)
		return
	}
	for _, name := range strings.Split(*cases, ",") {
		// Each case starts from a collected heap, as if run alone: the
		// garbage of the cases before it (PixelCNN's tape holds hundreds
		// of megabytes) otherwise slows a later one's allocations and
		// collections (sample-vae 7.2 ms alone, 8.3 after all the others).
		runtime.GC()
		step := makeCase(name).step
		for i := 0; i < *warmup; i++ {
			step()
		}
		times := make([]float64, *steps)
		cpu0 := cpuTime()
		for i := range times {
			t0 := time.Now()
			step()
			times[i] = float64(time.Since(t0).Nanoseconds()) / 1e6
		}
		cpu := (cpuTime() - cpu0).Seconds() * 1e3 / float64(*steps)
		slices.Sort(times)
		fmt.Printf("%s\t%.4f\t%.4f\n", name, times[len(times)/2], cpu)
	}
}
