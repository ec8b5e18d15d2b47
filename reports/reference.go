package reports

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Published figures for the reference column, each with its paper and
// table (docs/protocols.md, Published figures). A figure is shown only where the same protocol applies (same
// data set, preprocessing and metric); every difference of our trial from
// the published protocol that the records reveal is listed beside it.

type protocolCheck func(ds *DataSet) bool

// reference is one published figure for a model type on a data set.
type reference struct {
	sets   []string // data set names
	when   protocolCheck
	types  []string
	metric string // the column it belongs to: test_nll, bits_per_dim, modes
	value  string // as shown in the table
	source string // what the figure is, from where
	// dynamic is true when the published figure itself used dynamic
	// binarization (Burda et al. 2016 say so for the VAE and IWAE figures).
	dynamic bool
	// estimateK is the importance-sample count of a published estimate.
	estimateK int
	// train is the published training protocol, compared with ours.
	train *publishedTrain
	// modesProtocol marks the VEEGAN/PacGAN 2-D protocol (std, n_train,
	// samples).
	modesStd float64
}

type publishedTrain struct {
	batch    int
	lr       float64
	patience int
	text     string
}

func hasProto(ds *DataSet, sub string) bool {
	for _, p := range ds.Protocol {
		if strings.Contains(p, sub) {
			return true
		}
	}
	return false
}

func binarized(ds *DataSet) bool {
	return ds.Kind == "binary" || hasProto(ds, "binarization")
}

func logitSpace(ds *DataSet) bool { return hasProto(ds, "logit space") && hasProto(ds, "dequantized") }

func dequantized(ds *DataSet) bool { return hasProto(ds, "dequantized") }

func always(*DataSet) bool { return true }

var (
	mafTrainFlow = &publishedTrain{batch: 100, lr: 1e-4, patience: 30, text: "Adam 1e-4, batch 100, early stopping after 30 epochs without validation improvement"}
	mafTrainMADE = &publishedTrain{batch: 100, lr: 1e-3, patience: 30, text: "Adam 1e-3, batch 100, early stopping after 30 epochs without validation improvement"}
)

var references = []reference{
	// Binarized MNIST NLL, nats (lower is better).
	{sets: []string{"mnist"}, when: binarized, types: []string{"made"}, metric: "test_nll", value: "88.40 nats",
		source: "MADE, 1 hidden layer, 1 mask, binarized MNIST (Germain et al. 2015)"},
	{sets: []string{"mnist"}, when: binarized, types: []string{"vae"}, metric: "test_nll", value: "86.76 nats",
		source: "VAE, 1 stochastic layer, k=1, 5000-sample importance estimate, dynamic binarization (Burda et al. 2016, Table 1)", dynamic: true, estimateK: 5000},
	{sets: []string{"mnist"}, when: binarized, types: []string{"iwae"}, metric: "test_nll", value: "84.78 nats",
		source: "IWAE k=50, dynamic binarization (87.10 with fixed binarization), 5000-sample estimate (Burda et al. 2016, Table 1)", dynamic: true, estimateK: 5000},
	{sets: []string{"mnist"}, when: binarized, types: []string{"pixelcnn"}, metric: "test_nll", value: "81.30 nats",
		source: "PixelCNN, binarized MNIST (van den Oord et al. 2016, Table 4)"},
	// MNIST dequantized, logit space λ=1e-6, nats, unconditional
	// (Papamakarios et al. 2017, Table 2).
	{sets: []string{"mnist"}, when: logitSpace, types: []string{"made"}, metric: "test_nll", value: "1380.8 nats",
		source: "MADE, MNIST dequantized in logit space λ=1e-6 (Papamakarios et al. 2017, Table 2)", train: mafTrainMADE},
	{sets: []string{"mnist"}, when: logitSpace, types: []string{"realnvp"}, metric: "test_nll", value: "1323.2 nats",
		source: "RealNVP(5), MNIST dequantized in logit space λ=1e-6 (Papamakarios et al. 2017, Table 2)", train: mafTrainFlow},
	{sets: []string{"mnist"}, when: logitSpace, types: []string{"maf"}, metric: "test_nll", value: "1300.5 nats",
		source: "MAF(5), MNIST dequantized in logit space λ=1e-6 (Papamakarios et al. 2017, Table 2; MAF MoG(5) 1100.3)", train: mafTrainFlow},
	// Bits/dim on dequantized MNIST (invariant to the logit transform once
	// its Jacobian is added back).
	{sets: []string{"mnist"}, when: dequantized, types: []string{"maf"}, metric: "bits_per_dim", value: "1.89 bits/dim",
		source: "MAF, MNIST bits/pixel (Papamakarios et al. 2017)", train: mafTrainFlow},
	{sets: []string{"mnist"}, when: dequantized, types: []string{"realnvp"}, metric: "bits_per_dim", value: "1.06 bits/dim",
		source: "RealNVP on MNIST as reported by Grathwohl et al. 2019 (FFJORD) (multi-scale convolutional architecture; Glow 1.05, FFJORD 0.99)"},
	// VEEGAN / PacGAN 2-D mode coverage: modes / % high quality (/ reverse KL).
	{sets: []string{"ring8"}, when: always, types: []string{"gan"}, metric: "modes", value: "1 / 99.3%; 6.3 / 98.2%",
		source: "GAN on the ring: 1 mode, 99.3% high quality (Srivastava et al. 2017, VEEGAN Table 1, 5 runs); 6.3 modes, 98.2% high quality, reverse KL 0.45 (Lin et al. 2018, PacGAN Table 1, 10 trials)", modesStd: 0.01},
	{sets: []string{"ring8"}, when: always, types: []string{"pacgan"}, metric: "modes", value: "7.9 / 95.6%",
		source: "PacGAN2 on the ring: 7.9 modes, 95.6% high quality, reverse KL 0.07 (Lin et al. 2018, PacGAN Table 1, 10 trials)", modesStd: 0.01},
	{sets: []string{"grid25"}, when: always, types: []string{"gan"}, metric: "modes", value: "3.3 / 0.5%; 17.3 / 94.8%",
		source: "GAN on the grid: 3.3 modes, 0.5% high quality (Srivastava et al. 2017, VEEGAN Table 2, 5 runs); 17.3 modes, 94.8% high quality, reverse KL 0.70 (Lin et al. 2018, PacGAN Table 1, 10 trials)", modesStd: 0.05},
	{sets: []string{"grid25"}, when: always, types: []string{"pacgan"}, metric: "modes", value: "23.8 / 91.3%",
		source: "PacGAN2 on the grid: 23.8 modes, 91.3% high quality, reverse KL 0.13 (Lin et al. 2018, PacGAN Table 1, 10 trials)", modesStd: 0.05},
	// Stacked MNIST, 1000 modes counted by a trained classifier on 26k samples.
	{sets: []string{"stacked_mnist"}, when: always, types: []string{"gan"}, metric: "modes", value: "99 of 1000",
		source: "DCGAN on Stacked MNIST: 99 modes (Srivastava et al. 2017, VEEGAN), counted by a trained classifier on 26k samples"},
	{sets: []string{"stacked_mnist"}, when: always, types: []string{"pacgan"}, metric: "modes", value: "1000 of 1000",
		source: "PacGAN (DCGAN architecture) on Stacked MNIST: all 1000 modes, counted by a trained classifier on 26k samples (Lin et al. 2018)"},
}

// uciLL are the test log-likelihoods of Papamakarios et al. (2017),
// Table 1 (nats, higher is better); the table shows them as NLL = −LL.
var uciLL = map[string]map[string]string{
	"made":    {"power": "−3.08", "gas": "3.56", "hepmass": "−20.98", "miniboone": "−15.59", "bsds300": "148.85"},
	"realnvp": {"power": "0.17", "gas": "8.33", "hepmass": "−18.71", "miniboone": "−13.84", "bsds300": "153.28"},
	"maf":     {"power": "0.14", "gas": "9.07", "hepmass": "−17.70", "miniboone": "−11.75", "bsds300": "155.69"},
}

var uciSource = map[string]string{"made": "MADE", "realnvp": "RealNVP(10)", "maf": "MAF(5)"}

func negate(s string) string {
	if strings.HasPrefix(s, "−") {
		return strings.TrimPrefix(s, "−")
	}
	return "−" + s
}

// referencesFor returns the published figures that apply to a row: those
// for the record's model type on the row's data set under the same
// protocol.
func referencesFor(row *Row) []reference {
	ds := row.Set
	var out []reference
	for _, ref := range allReferences {
		if contains(ref.sets, ds.Name) && contains(ref.types, row.Type) && ref.when(ds) {
			out = append(out, ref)
		}
	}
	return out
}

// allReferences are the published figures, the MAF paper's UCI table
// last.
var allReferences = append(references[:len(references):len(references)], uciReferences()...)

// uciReferences turns uciLL into references, one per model type and data
// set.
func uciReferences() []reference {
	var out []reference
	for _, typ := range sortedKeys(uciLL) {
		for _, set := range sortedKeys(uciLL[typ]) {
			ll := uciLL[typ][set]
			out = append(out, reference{sets: []string{set}, when: always, types: []string{typ}, metric: "test_nll", value: negate(ll) + " nats",
				source: fmt.Sprintf("%s on %s, Papamakarios et al. 2017, Table 1: test log-likelihood %s nats, shown as NLL", uciSource[typ], strings.ToUpper(set), ll)})
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var (
	reStd    = regexp.MustCompile(`\bstd ([0-9.eE+-]+)`)
	reNTrain = regexp.MustCompile(`\btrain n=([0-9]+)`)
	reLambda = regexp.MustCompile(`λ=([0-9.eE+-]+)`)
	reSample = regexp.MustCompile(`([0-9]+) samples`)
)

func protoFloat(ds *DataSet, re *regexp.Regexp) (float64, bool) {
	for _, p := range ds.Protocol {
		if m := re.FindStringSubmatch(p); m != nil {
			if v, err := strconv.ParseFloat(m[1], 64); err == nil {
				return v, true
			}
		}
	}
	return 0, false
}

// deviations lists how a row's trials differ from the published protocol
// of ref, as far as the records show.
func deviations(row *Row, ref reference) []string {
	ds := row.Set
	var out []string
	if binarized(ds) && row.Set.Name == "mnist" {
		if ref.dynamic {
			out = append(out, "ours uses dynamic binarization, as the reference does")
		} else {
			out = append(out, "ours uses dynamic binarization, which scores 1–2 nats better than the fixed binarization of Salakhutdinov & Murray (2008) that the published figure used (IWAE k=50: 84.78 dynamic vs 87.10 fixed)")
		}
	}
	for _, p := range ds.Protocol {
		if strings.Contains(p, "subset") {
			out = append(out, "ours: "+p)
		}
	}
	if logitSpace(ds) && ref.metric == "test_nll" {
		if l, ok := protoFloat(ds, reLambda); ok && l != 1e-6 {
			out = append(out, fmt.Sprintf("ours: logit λ=%g, the reference λ=1e-6 (NLLs in different logit spaces are not comparable)", l))
		}
	}
	if ref.metric == "test_nll" && ref.estimateK > 0 {
		switch row.Kind {
		case "bound":
			out = append(out, fmt.Sprintf("ours is the negative ELBO (an upper bound on NLL); the reference is a %d-sample importance estimate", ref.estimateK))
		case "estimate":
			k := row.Stat("importance_k")
			if k.Has() && int(k.Mean) != ref.estimateK {
				out = append(out, fmt.Sprintf("ours: importance estimate with k=%d samples, the reference k=%d", int(k.Mean), ref.estimateK))
			}
		}
	}
	if ref.modesStd > 0 {
		if std, ok := protoFloat(ds, reStd); ok && std != ref.modesStd {
			out = append(out, fmt.Sprintf("ours: mode std %g, the protocol's %g", std, ref.modesStd))
		}
		if n, ok := protoFloat(ds, reNTrain); ok && n != 100000 {
			out = append(out, fmt.Sprintf("ours: %s training points, the protocol's 100,000", fmtInt(n)))
		}
		for _, r := range row.OK {
			if m := reSample.FindStringSubmatch(r.Protocol["mode_coverage"]); m != nil && m[1] != "2500" {
				out = append(out, fmt.Sprintf("ours: coverage from %s samples, the protocol's 2500", m[1]))
			}
			break
		}
	}
	if t := row.spec.train; t != nil && ref.train != nil {
		var diffs []string
		if t.BatchSize != ref.train.batch {
			diffs = append(diffs, fmt.Sprintf("batch %d", t.BatchSize))
		}
		if t.LR != ref.train.lr {
			diffs = append(diffs, fmt.Sprintf("Adam %g", t.LR))
		}
		if t.Patience != ref.train.patience {
			diffs = append(diffs, fmt.Sprintf("patience %d", t.Patience))
		}
		if len(diffs) > 0 {
			out = append(out, fmt.Sprintf("ours: %s; the reference: %s", strings.Join(diffs, ", "), ref.train.text))
		}
	}
	out = append(out, trainingEnd(row)...)
	if len(row.OK) < len(row.Trials) {
		out = append(out, fmt.Sprintf("%d of %d seeds finished ok", len(row.OK), len(row.Trials)))
	}
	return out
}

// trainingEnd says when training of a row's trials ended by a budget
// rather than by early stopping (fewer epochs than the papers).
func trainingEnd(row *Row) []string {
	counts := map[string][]string{}
	var order []string
	for _, r := range row.OK {
		if r.Training == nil {
			continue
		}
		why := r.Training.Stopped
		switch why {
		case "epochs", "time_budget", "max_steps":
		default:
			continue
		}
		if _, seen := counts[why]; !seen {
			order = append(order, why)
		}
		counts[why] = append(counts[why], strconv.Itoa(r.Training.Epochs))
	}
	var out []string
	for _, why := range order {
		limit := map[string]string{"epochs": "its epoch budget", "time_budget": "its time budget", "max_steps": "its step budget"}[why]
		ep := counts[why]
		same := true
		for _, e := range ep {
			same = same && e == ep[0]
		}
		what := strings.Join(ep, ", ")
		if same {
			what = ep[0]
		}
		out = append(out, fmt.Sprintf("ours: training ended by %s after %s epochs, not by early stopping", limit, what))
	}
	return out
}
