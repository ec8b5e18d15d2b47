package reports

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genbench/genbench/results"
)

// The fixture is a synthetic results folder covering every family, kept
// in testdata/results and regenerated with
//
//	go test ./reports/ -run TestFixture -regen-fixture
//
// It is what "genbench run" would write for a spec of three data sets
// (ring8, binarized MNIST, logit-space MNIST) × ten models × two seeds,
// interrupted and partly broken: impossible combinations failed, one GAN
// seed diverged, a few trials never ran, one trial file and one samples
// file are truncated. The numbers are made up but plausible.

var regenFixture = flag.Bool("regen-fixture", false, "rewrite testdata/results from the generator")

const fixtureDir = "testdata/results"

type fxData struct {
	name     string
	params   map[string]any
	dim      int
	kind     string
	shape    []int
	protocol []string
	key      string // ring, bin, logit
}

type fxModel struct {
	name, typ, family, kind string
	params                  map[string]any
	train                   map[string]any
}

func fxTrain(over map[string]any) map[string]any {
	t := map[string]any{"batch_size": 256, "epochs": 12, "lr": 0.001, "patience": 10, "dtype": "float32",
		"time_budget": 0, "max_steps": 0, "lr_decay": 1, "lr_patience": 5, "warmup_steps": 0}
	for k, v := range over {
		t[k] = v
	}
	return t
}

var fxSets = []fxData{
	{name: "ring8", params: map[string]any{"std": 0.1, "n_train": 20000}, dim: 2, kind: "continuous", key: "ring",
		protocol: []string{
			"ring of 8 Gaussians, means (cos 2πi/8, sin 2πi/8), i=0..7, radius 1, std 0.1, equal weights (VEEGAN/PacGAN protocol)",
			"labels are the mixture component of each example",
			"i.i.d. splits train n=20000, valid n=5000, test n=5000, each from its own stream of the data seed",
		}},
	{name: "mnist", params: map[string]any{"preprocess": []string{"binarize"}, "n_train": 10000}, dim: 784, kind: "binary", shape: []int{1, 28, 28}, key: "bin",
		protocol: []string{
			"MNIST (LeCun et al. 1998), standard 50k/10k/10k split: train = first 50000 training images, valid = last 10000 training images, test = the 10000 test images",
			"train subset n=10000 of 50000 (seeded random subset)",
			"dynamic binarization (Bernoulli(p/255) resampled each epoch; test binarized once with the data seed)",
		}},
	{name: "mnist", params: map[string]any{"preprocess": []string{"dequantize", "logit"}}, dim: 784, kind: "continuous", shape: []int{1, 28, 28}, key: "logit",
		protocol: []string{
			"MNIST (LeCun et al. 1998), standard 50k/10k/10k split: train = first 50000 training images, valid = last 10000 training images, test = the 10000 test images",
			"dequantized (x+u)/256, u~U(0,1) fresh each epoch for train (from the data seed and the epoch); valid/test dequantized once with the data seed",
			"logit space y=logit(λ+(1−2λ)x), λ=1e-06; UnitLogDet adds the Jacobian back for bits/dim on [0,1]^D",
		}},
}

var fxModels = []fxModel{
	{name: "gaussian", typ: "gaussian", family: "flow", kind: "exact", params: map[string]any{}},
	{name: "realnvp-8", typ: "realnvp", family: "flow", kind: "exact", params: map[string]any{"layers": 8, "hidden": 64}},
	{name: "maf-5", typ: "maf", family: "flow", kind: "exact", params: map[string]any{"layers": 5, "hidden": 64}},
	{name: "made", typ: "made", family: "autoregressive", kind: "exact", params: map[string]any{"hidden": 500}},
	{name: "pixelcnn", typ: "pixelcnn", family: "autoregressive", kind: "exact", params: map[string]any{"layers": 5}},
	{name: "vae-16", typ: "vae", family: "vae", kind: "bound", params: map[string]any{"latent": 16}},
	{name: "iwae-16", typ: "iwae", family: "vae", kind: "estimate", params: map[string]any{"latent": 16, "k": 50}},
	{name: "gan", typ: "gan", family: "gan", kind: "none", params: map[string]any{}, train: map[string]any{"epochs": 20}},
	{name: "pacgan", typ: "pacgan", family: "gan", kind: "none", params: map[string]any{}, train: map[string]any{"epochs": 20}},
	{name: "iae-4", typ: "iae", family: "iae", kind: "exact", params: map[string]any{"bottleneck": 4}},
}

var fxEval = map[string]any{"metrics": []string{"nll", "bits_per_dim", "true_nll", "sampling_speed", "mode_coverage", "diagnostics"},
	"samples": 2500, "importance_k": 1000, "speed_batch": 1000, "speed_repeats": 5, "max_test": 0}

// fxFailed: impossible combinations fail when the model is built.
var fxFailed = map[string]string{
	"ring:pixelcnn":  "model type pixelcnn: needs image data (a data set with a shape), ring8 has none",
	"bin:gaussian":   "model type gaussian: needs continuous data, mnist is binarized",
	"bin:realnvp-8":  "model type realnvp: needs continuous data, mnist is binarized",
	"bin:maf-5":      "model type maf: needs continuous data, mnist is binarized",
	"logit:pixelcnn": "model type pixelcnn: needs binary data, mnist is in logit space",
}

// fxAbsent: trials of the spec that never ran (interrupted run).
var fxAbsent = map[string]bool{"ring:maf-5:2": true, "logit:iae-4:2": true, "logit:pacgan:2": true}

// Base numbers per (data set, model): NLL (nats), samples/s, s/epoch, params.
type fxNums struct{ nll, speed, spe, params float64 }

var fxBase = map[string]fxNums{
	"ring:gaussian": {2.169, 2.8e7, 0.0005, 4}, "ring:realnvp-8": {0.573, 5.38e4, 1.24, 35344}, "ring:maf-5": {0.790, 4.79e4, 0.744, 23060},
	"ring:made": {0.702, 6.1e4, 0.31, 1508}, "ring:vae-16": {1.21, 2.1e5, 0.42, 5236}, "ring:iwae-16": {0.95, 1.9e5, 0.55, 5236},
	"ring:gan": {0, 3.1e5, 1.21, 133890}, "ring:pacgan": {0, 2.9e5, 1.34, 134146}, "ring:iae-4": {1.19, 4.1e4, 1.02, 19204},
	"bin:made": {88.9, 41, 21.5, 785284}, "bin:pixelcnn": {82.6, 8.2, 212, 405761}, "bin:vae-16": {94.1, 2.3e4, 14.8, 828480},
	"bin:iwae-16": {89.2, 2.2e4, 26.1, 828480}, "bin:gan": {0, 3.2e4, 29.5, 1462545}, "bin:pacgan": {0, 3.0e4, 31.7, 1663249},
	"bin:iae-4":      {101.3, 1.5e3, 48.9, 2461712},
	"logit:gaussian": {2904.1, 1.1e6, 0.08, 1568}, "logit:realnvp-8": {1386.2, 2.6e3, 61.2, 3245696}, "logit:maf-5": {1342.8, 31, 44.8, 2139600},
	"logit:made": {1436.4, 39, 19.7, 1571352}, "logit:vae-16": {1512.3, 2.0e4, 15.2, 829264}, "logit:iwae-16": {1451.9, 1.9e4, 25.4, 829264},
	"logit:gan": {0, 2.9e4, 30.3, 1462545}, "logit:pacgan": {0, 2.8e4, 32.1, 1663249}, "logit:iae-4": {1402.7, 1.4e3, 50.6, 2461712},
}

func round(v float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(v*p) / p
}

func mustJSON(v any) json.RawMessage {
	b, err := results.CanonicalJSON(v)
	if err != nil {
		panic(err)
	}
	return b
}

// buildFixture writes the fixture results folder into dir.
func buildFixture(dir string) error {
	dsList := make([]any, len(fxSets))
	for i, d := range fxSets {
		dsList[i] = map[string]any{"name": d.name, "params": d.params}
	}
	mList := make([]any, len(fxModels))
	for i, m := range fxModels {
		mList[i] = map[string]any{"name": m.name, "type": m.typ, "params": m.params, "train": fxTrain(m.train)}
	}
	spec := map[string]any{"name": "fixture-all-families", "seeds": []int{1, 2}, "datasets": dsList, "models": mList, "eval": fxEval}
	hash, err := results.HashJSON(spec)
	if err != nil {
		return err
	}
	// The trial list, as the runner writes it: data sets, then models,
	// then seeds, each trial with its resolved spec.
	var trials []results.SpecTrial
	for di, d := range fxSets {
		for mi, m := range fxModels {
			for _, seed := range []uint64{1, 2} {
				identity := mustJSON(map[string]any{"dataset": dsList[di], "model": mList[mi], "seed": seed, "eval": fxEval})
				id, err := results.TrialID(d.name, m.name, seed, identity)
				if err != nil {
					return err
				}
				trials = append(trials, results.SpecTrial{ID: id, Dataset: d.name, Model: m.name, Type: m.typ, Seed: seed, Spec: identity})
			}
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "trials"), 0o755); err != nil {
		return err
	}
	if err := results.WriteSpecFile(dir, spec, hash, trials); err != nil {
		return err
	}
	k := 0
	for _, d := range fxSets {
		for _, m := range fxModels {
			for _, seed := range []uint64{1, 2} {
				id := trials[k].ID
				k++
				key := d.key + ":" + m.name
				if fxAbsent[fmt.Sprintf("%s:%d", key, seed)] {
					continue
				}
				rec := fxRecord(id, d, m, seed, trials[k-1].Spec, hash, k)
				data, err := json.MarshalIndent(rec, "", "  ")
				if err != nil {
					return err
				}
				data = append(data, '\n')
				if key == "logit:maf-5" && seed == 2 {
					data = data[:len(data)/2] // a truncated write
				}
				if err := os.WriteFile(filepath.Join(dir, "trials", id+".json"), data, 0o644); err != nil {
					return err
				}
				if rec.Status == results.StatusOK && seed == 1 {
					if err := fxArtifact(dir, id, d, m); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func fxRecord(id string, d fxData, m fxModel, seed uint64, spec json.RawMessage, hash string, k int) *results.Record {
	key := d.key + ":" + m.name
	rng := rand.New(rand.NewPCG(uint64(k), seed))
	jit := func(v, rel float64) float64 { return v * (1 + rel*(rng.Float64()-0.5)) }
	started := fmt.Sprintf("2026-11-29T10:%02d:%02dZ", (k*2)/60, (k*2)%60)
	finished := fmt.Sprintf("2026-11-29T10:%02d:%02dZ", (k*2+1)/60, (k*2+1)%60)
	rec := &results.Record{Trial: id, Model: m.name, Type: m.typ, Family: m.family, Dataset: d.name, Seed: seed,
		NLLKind: m.kind, Metrics: map[string]float64{}, Protocol: map[string]string{},
		Provenance: results.Provenance{Spec: spec, SpecHash: hash, SpecName: "fixture-all-families", GoVersion: "go1.26.8",
			Modules: map[string]string{"gonum.org/v1/gonum": "v0.17.0", "gopkg.in/yaml.v3": "v3.0.1"}, Dtype: "float32",
			CPU: "Fixture CPU @ 3.00GHz", Cores: 8, BLAS: "gonum (pure Go)", Commit: "0123456789abcdef0123456789abcdef01234567",
			Started: started, Finished: finished}}
	if reason, ok := fxFailed[key]; ok {
		rec.Status, rec.Reason, rec.NLLKind = results.StatusFailed, reason, "none"
		return rec
	}
	rec.Data = results.DataInfo{Dim: d.dim, Kind: d.kind, Train: 20000, Valid: 5000, Test: 5000, Protocol: d.protocol}
	if d.key != "ring" {
		rec.Data.Train, rec.Data.Valid, rec.Data.Test = 50000, 10000, 10000
		if d.key == "bin" {
			rec.Data.Train = 10000
		}
	}
	b := fxBase[key]
	epochs := 12
	if m.family == "gan" {
		epochs = 20
	}
	validKind := map[string]string{"exact": "nll", "bound": "negative_elbo", "estimate": "negative_elbo", "none": "model_loss"}[m.kind]
	final := b.nll
	if m.kind == "none" {
		final = 1.35
	}
	start := final + math.Max(1, 0.5*math.Abs(final))
	tr := &results.TrainResult{Epochs: epochs, ValidKind: validKind, Stopped: "epochs"}
	if m.typ == "gaussian" {
		tr.Epochs, tr.Stopped = 1, "closed_form"
		tr.Curve = []results.EpochLog{{Epoch: 0, ValidLoss: round(jit(final, 0.002), 4), Seconds: 0.0005}}
	} else {
		for e := 0; e < epochs; e++ {
			v := final + (start-final)*math.Exp(-float64(e)/2.5)
			tr.Curve = append(tr.Curve, results.EpochLog{Epoch: e, Steps: (e + 1) * 78,
				TrainLoss: round(jit(v*1.01, 0.01), 4), ValidLoss: round(jit(v, 0.01), 4), LR: 0.001,
				Seconds: round(float64(e+1)*b.spe, 3)})
		}
		tr.Steps, tr.BestEpoch = epochs*78, epochs-1
	}
	if key == "ring:gan" && seed == 2 {
		tr.Curve = tr.Curve[:7]
		tr.Epochs, tr.Steps, tr.Stopped = 7, 7*78, ""
		rec.Training = tr
		rec.Status = results.StatusDiverged
		rec.Reason = "diverged at epoch 7, step 590: non-finite loss NaN"
		rec.Metrics["train_seconds"] = round(7*b.spe, 3)
		rec.Metrics["train_steps"], rec.Metrics["epochs"] = 590, 7
		rec.Metrics["seconds_per_epoch"] = b.spe
		return rec
	}
	tr.Seconds = round(jit(float64(tr.Epochs)*b.spe, 0.04), 4)
	rec.Training = tr
	rec.Status = results.StatusOK
	put := func(name string, v float64) { rec.Metrics[name] = v }
	put("params", b.params)
	put("train_seconds", tr.Seconds)
	put("train_steps", float64(tr.Steps))
	put("epochs", float64(tr.Epochs))
	put("seconds_per_epoch", round(tr.Seconds/float64(tr.Epochs), 5))
	put("samples_per_sec", round(jit(b.speed, 0.1), 1))
	nTest := float64(rec.Data.Test)
	rec.Protocol["test_rows"] = fmt.Sprint(rec.Data.Test)
	rec.Protocol["sampling_speed"] = "batch 1000, 1 warm-up, median of 5 repeats"
	rec.Protocol["training"] = fmt.Sprintf("Adam lr 0.001, batch 256, up to %d epochs, patience 10, best-validation (%s) weights restored; stopped: %s", epochs, validKind, tr.Stopped)
	if m.kind != "none" {
		nll := round(jit(b.nll, 0.01), 4)
		se := round(math.Max(0.004, 0.02*math.Abs(b.nll))/math.Sqrt(nTest/100), 5)
		put("test_nll", nll)
		put("test_nll_stderr", se)
		put("test_nll_n", nTest)
		put("test_nll_nonfinite", 0)
		rec.Protocol["nll"] = map[string]string{
			"exact":    "exact log-density, mean ± 2 s.e. over test examples",
			"bound":    "negative ELBO (an upper bound on NLL)",
			"estimate": "importance-sampled estimate, k=1000 samples from q(z|x)",
		}[m.kind]
		if m.kind == "estimate" {
			put("importance_k", 1000)
			put("test_nll_bound", round(nll*1.04, 4))
			put("test_nll_bound_stderr", se)
			put("test_nll_bound_n", nTest)
			put("test_nll_bound_nonfinite", 0)
		}
		if d.key == "ring" {
			truth := 0.3137
			put("true_nll", truth)
			put("true_nll_stderr", 0.0141)
			put("true_nll_n", nTest)
			put("true_nll_nonfinite", 0)
			put("nll_gap", round(nll-truth, 4))
			put("nll_gap_stderr", round(se*0.9, 5))
			put("nll_gap_n", nTest)
			put("nll_gap_nonfinite", 0)
			rec.Protocol["true_nll"] = "the data's own NLL on the same test examples (a Monte Carlo entropy estimate)"
		} else {
			bpd := nll / (784 * math.Ln2)
			if d.key == "logit" {
				bpd = nll/(784*math.Ln2) - 0.505 // +8, the logit Jacobian and λ together
				rec.Protocol["bits_per_dim"] = "NLL/(D ln2) + log2(256) with the preprocessing's Jacobian (Papamakarios et al. 2017)"
			} else {
				rec.Protocol["bits_per_dim"] = "NLL/(D ln2) on binary data"
			}
			put("bits_per_dim", round(bpd, 4))
			put("bits_per_dim_stderr", round(se/(784*math.Ln2), 6))
			put("bits_per_dim_n", nTest)
			put("bits_per_dim_nonfinite", 0)
		}
	}
	if key == "logit:made" && seed == 2 {
		// Two test examples had a non-finite log-density: counted, never dropped.
		put("test_nll_nonfinite", 2)
	}
	if d.key == "ring" {
		covered := map[string][2]float64{"gaussian": {8, 8}, "realnvp-8": {8, 8}, "maf-5": {8, 8}, "made": {8, 8},
			"vae-16": {8, 7}, "iwae-16": {8, 8}, "gan": {3, 2}, "pacgan": {8, 7}, "iae-4": {6, 5}}[m.name]
		hq := map[string]float64{"gaussian": 0.262, "realnvp-8": 0.914, "maf-5": 0.785, "made": 0.871, "vae-16": 0.552,
			"iwae-16": 0.634, "gan": 0.981, "pacgan": 0.944, "iae-4": 0.703}[m.name]
		put("modes_covered", covered[seed-1])
		put("modes_total", 8)
		put("high_quality_frac", round(jit(hq, 0.02), 4))
		put("mode_kl", round(jit(0.02+0.3*(8-covered[seed-1])/8, 0.1), 4))
		put("mode_jsd", round(jit(0.005+0.08*(8-covered[seed-1])/8, 0.1), 4))
		rec.Protocol["mode_coverage"] = "VEEGAN/PacGAN: 2500 samples, high quality within 3 std (0.1) of the nearest mode; mode_kl = KL(hq histogram ‖ uniform) in nats"
	}
	if d.key == "bin" || d.key == "logit" {
		// Samples labelled by the digit classifier: GANs collapse onto a
		// few classes, likelihood models cover all ten.
		classes := map[string][2]float64{"gan": {4, 3}, "pacgan": {9, 10}}[m.name]
		if classes[0] == 0 {
			classes = [2]float64{10, 10}
		}
		put("classes_covered", classes[seed-1])
		put("classes_total", 10)
		put("class_kl", round(jit(0.02+0.25*(10-classes[seed-1]), 0.1), 4))
		put("precision", round(jit(map[string]float64{"gan": 0.95, "pacgan": 0.81}[m.name]+0.6, 0.05)/1.6, 4))
		put("recall", round(jit(0.3+0.06*classes[seed-1], 0.05), 4))
		put("density", round(jit(0.9, 0.1), 4))
		put("coverage", round(jit(0.08*classes[seed-1], 0.05), 4))
		rec.Protocol["class_coverage"] = "1000 samples labelled by the digit classifier mlp-784-512-512-10-v1 (test accuracy 0.9844); class_kl = KL(class histogram ‖ uniform over 10) in nats"
	}
	switch m.family {
	case "vae":
		active := map[string]float64{"ring": 2, "bin": 11, "logit": 9}[d.key]
		if m.typ == "iwae" {
			active += 2
		}
		if seed == 2 {
			active--
		}
		put("active_units", active)
		var total float64
		for u := 0; u < 16; u++ {
			v := 0.0005 * (1 + float64(u%3))
			if float64(u) < active {
				v = round(jit(3.5/float64(u+1)+0.2, 0.05), 4)
			}
			put(fmt.Sprintf("kl_dim_%d", u), v)
			total += v
		}
		put("kl_total", round(total, 4))
		put("recon_error", round(jit(0.3*b.nll, 0.02), 3))
	case "iae":
		put("recon_error", round(jit(0.05, 0.1), 4))
	case "gan":
		put("d_loss", round(jit(1.2, 0.1), 4))
		put("g_loss", round(jit(0.8, 0.1), 4))
	}
	return rec
}

// fxArtifact writes the samples artifacts of a few seed-1 trials, and a
// truncated one for ring8/pacgan.
func fxArtifact(dir, id string, d fxData, m fxModel) error {
	rng := rand.New(rand.NewPCG(7, uint64(len(id))))
	key := d.key + ":" + m.name
	ring := make([][]float64, 8)
	for i := range ring {
		a := 2 * math.Pi * float64(i) / 8
		ring[i] = []float64{math.Cos(a), math.Sin(a)}
	}
	mixture := func(modes []int, std float64, n int) [][]float64 {
		out := make([][]float64, n)
		for i := range out {
			c := ring[modes[rng.IntN(len(modes))]]
			out[i] = []float64{round(c[0]+std*rng.NormFloat64(), 4), round(c[1]+std*rng.NormFloat64(), 4)}
		}
		return out
	}
	logMix := func(modes []int, std float64) *results.DensityGrid {
		xs, ys := results.Linspace(-1.6, 1.6, 48), results.Linspace(-1.6, 1.6, 48)
		g := &results.DensityGrid{Kind: "exact", X: xs, Y: ys, LogP: make([][]float64, len(ys))}
		for j, y := range ys {
			g.LogP[j] = make([]float64, len(xs))
			for i, x := range xs {
				var s float64
				for _, k := range modes {
					dx, dy := x-ring[k][0], y-ring[k][1]
					s += math.Exp(-(dx*dx+dy*dy)/(2*std*std)) / (2 * math.Pi * std * std) / float64(len(modes))
				}
				g.LogP[j][i] = round(math.Log(s), 3)
			}
		}
		g.LogP[0][0] = math.Inf(-1) // non-finite values are stored as null
		return g
	}
	all := []int{0, 1, 2, 3, 4, 5, 6, 7}
	var a results.Artifacts
	switch key {
	case "ring:realnvp-8":
		a = results.Artifacts{Shape: []int{2}, Samples: mixture(all, 0.11, 400), DensityGrid: logMix(all, 0.12), Modes: ring, ModeStd: 0.1}
	case "ring:iae-4":
		a = results.Artifacts{Shape: []int{2}, Samples: mixture([]int{0, 1, 2, 4, 5, 6}, 0.16, 400), DensityGrid: logMix([]int{0, 1, 2, 4, 5, 6}, 0.2), Modes: ring, ModeStd: 0.1}
	case "ring:gan":
		a = results.Artifacts{Shape: []int{2}, Samples: mixture([]int{1, 4, 6}, 0.05, 400), Modes: ring, ModeStd: 0.1}
	case "ring:pacgan":
		a = results.Artifacts{Shape: []int{2}, Samples: mixture(all, 0.1, 50), Modes: ring, ModeStd: 0.1}
	case "bin:vae-16":
		var s [][]float64
		for n := 0; n < 16; n++ {
			img := make([]float64, 784)
			cx, cy, r := 14+rng.Float64()*2-1, 14+rng.Float64()*2-1, 6+rng.Float64()*3
			for y := 0; y < 28; y++ {
				for x := 0; x < 28; x++ {
					dd := math.Hypot(float64(x)-cx, (float64(y)-cy)*0.8)
					if math.Abs(dd-r) < 1.6 || (n%2 == 1 && math.Abs(float64(x)-cx) < 1.2 && math.Abs(float64(y)-cy) < r) {
						img[y*28+x] = 1
					}
				}
			}
			s = append(s, img)
		}
		a = results.Artifacts{Shape: d.shape, Samples: s}
	default:
		return nil
	}
	if err := results.WriteArtifacts(dir, id, a); err != nil {
		return err
	}
	if key == "ring:pacgan" {
		p := results.ArtifactPath(dir, id)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(p, b[:len(b)/3], 0o644)
	}
	return nil
}

// TestFixtureUpToDate regenerates the fixture in a temporary folder and
// compares it with testdata/results file by file (or rewrites it with
// -regen-fixture).
func TestFixtureUpToDate(t *testing.T) {
	if *regenFixture {
		if err := os.RemoveAll(fixtureDir); err != nil {
			t.Fatal(err)
		}
		if err := buildFixture(fixtureDir); err != nil {
			t.Fatalf("building the fixture: %v", err)
		}
		t.Logf("rewrote %s", fixtureDir)
		return
	}
	tmp := t.TempDir()
	if err := buildFixture(tmp); err != nil {
		t.Fatalf("building the fixture: %v", err)
	}
	var want []string
	err := filepath.WalkDir(tmp, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		r, _ := filepath.Rel(tmp, p)
		want = append(want, r)
		got, err := os.ReadFile(filepath.Join(fixtureDir, r))
		if err != nil {
			t.Errorf("%s: %v (run go test ./reports/ -run TestFixture -regen-fixture)", r, err)
			return nil
		}
		exp, _ := os.ReadFile(p)
		if !bytes.Equal(got, exp) {
			t.Errorf("%s differs from the generator (run go test ./reports/ -run TestFixture -regen-fixture)", r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	filepath.WalkDir(fixtureDir, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			r, _ := filepath.Rel(fixtureDir, p)
			if !strings.HasPrefix(r, "report"+string(filepath.Separator)) {
				have = append(have, r)
			}
		}
		return nil
	})
	if len(have) != len(want) {
		t.Errorf("testdata has %d files, the generator writes %d", len(have), len(want))
	}
}
