// Package reports turns a results folder written by "genbench run" into a
// report: "genbench report DIR [-o OUT]" writes OUT/report.md (renders on
// git forges), OUT/report.html (one self-contained file: figures embedded
// as base64 PNG data: URIs, inline CSS, no scripts, no external resource)
// and OUT/figures/*.png; OUT defaults to DIR/report.
//
//	r, err := reports.Build(dir)   // read, aggregate, check claims, draw figures
//	r.WriteMarkdown(w)             // report.md
//	r.WriteHTML(w)                 // report.html, same content
//	paths, err := reports.Write(dir, out) // all three
//
// # Inputs
//
// DIR/trials/<trial-id>.json (one results.Record each), DIR/results.json
// (records missing from trials/ are taken from it), DIR/spec.json (the
// canonical spec, its hash and the list of its trials, each with its
// resolved settings, so the report knows which trials are missing and to
// which rows they belong) and the optional DIR/samples/<trial-id>.json
// artifacts (below). All are read by results.ReadFolder, the reader that
// summary, baseline, check and merge share: a trial file holding another
// trial's record is listed, and never counted twice.
//
// Partial folders are the normal case: unreadable or truncated trial files
// are listed with the reason (records with unknown fields, written by
// another genbench version, are read leniently and listed too), missing
// trials are listed from spec.json (or, without it, from the seeds other
// rows have), failed and diverged trials are listed with their reasons.
// Build fails only when DIR is not a readable folder. Specs with a sweep:
// block are reported with one row per sweep point (see below). The report
// never expands a spec into trials: a spec.json written by an older
// genbench, without the trial list, leaves the expected set unknown, and
// missing seeds are inferred from the other rows instead.
//
// # Summary
//
// The report opens with a one-screen summary: per data set, the best
// model of each family (closed-form baselines left out) on test NLL with
// its kind, bits/dim, modes or classes covered and samples/s, then every
// claim's verdict with the count of its checks by verdict. NLLs of
// different kinds are never ranked together, so a family with models of
// two kinds (VAE bound and IWAE estimate) gets a line per kind; without a
// likelihood the model covering the most modes or classes, then the
// fastest, is shown.
//
// # Tables
//
// One table per data set, where a data set is a name plus its spec
// parameters (binarized and logit-space MNIST are two tables), one row per
// model aggregated over its ok seeds (trials of one model name that
// differ in a resolved setting, i.e. sweep points, are separate rows
// labelled "maf-5 [train.lr=0.0001]"): test NLL (mean ± 2 standard errors
// over test examples for one seed, mean ± sd over seeds for several), NLL
// kind, rank within the kind (see below), then the columns the metric registry
// declares (metrics.Key.Column: bits/dim, gap to the true NLL, modes
// covered, high-quality fraction, ..., samples/s, train seconds, params),
// and the published reference. Columns that no row has are left out. The best
// value of each column is bold (none where all rows tie); test NLL, bits/dim and the gap are compared
// and ranked only within one NLL kind (exact, bound, estimate are never
// ranked together); a column's direction is its key's declared one. The
// model facts that claims and figures use (sequential sampling, the
// closed-form baseline) come from each record's model_info, or for older
// records from the model registry, never from a type's name. The
// reference column quotes the published figures where the
// same protocol applies (binarized MNIST NLL for made/vae/iwae/pixelcnn,
// logit-space MNIST NLL and bits/dim for made/realnvp/maf, ring/grid mode
// coverage for gan/pacgan, Stacked MNIST modes, the UCI table of
// Papamakarios et al. 2017), with every deviation the records reveal: dynamic binarization,
// subsets, logit λ, importance-sample count, a bound instead of an
// estimate, mode std and training-set size, batch/lr/patience, and
// training ended by a budget rather than early stopping.
//
// # Which differences are real
//
// The rows of a data set are compared pair by pair as `genbench compare`
// does (package compare, on the report's own rows): the paired difference
// of test NLL on the common training seeds, from the per-example sidecars
// when both trials kept them, with Holm's (1979) correction across the
// pairs of the data set at α = 0.05. The section lists every pair with its
// difference, interval, test, corrected p-value, effect size and verdict,
// the variance sources measured (training-seed sd, test-example s.e.), and
// what cannot be tested (one seed without sidecars; the sign-flip test on
// fewer than six seeds). The rank of a row within its NLL kind is "best"
// (lowest mean), "tied with best" (not significant against it), a number
// (significantly worse) or, when no test could decide, the number with
// "untested".
//
// # Figures
//
// Per data set: test NLL against samples/s (front drawn within one NLL
// kind), mode coverage bars with each seed, training cost and sampling
// speed dot plots, stored samples (2-D: log-density heat map beside the
// samples over the true modes; images: an 8×8 grid of the first 64
// samples, captioned with n and the sampling seed), for each family's best
// image model the memorisation check (nnpanel.go: its first samples above
// their nearest training images, with distances, the neighbours' class
// names and the test images' median distance), KL per latent dimension for
// VAEs, and training/validation curves per model (every seed). Across data sets: samples/s against the dimension D. Figures are
// drawn with gonum/plot at 96 dpi; figure names are derived from data set
// and model names, so the same results give the same files.
//
// # Claims
//
// Each family's textbook claim is checked by a deterministic rule whose
// text is printed beside the verdict (supported, not supported, not
// measured in this run): flows have an exact likelihood; flows sample in
// one pass as fast as VAE/GAN/IAE decoders (MAF excepted); flows are
// expensive to train; VAEs suffer posterior collapse; autoregressive
// models sample slowly, and their cost grows faster with D; GANs suffer
// mode collapse; invertible autoencoders have trouble with multi-modal
// data. See claimDefs in claims.go for the rules and the thresholds
// OnePassFactor, SlowFactor and ModeMargin. [Claims] runs them on records.
//
// # Determinism
//
// Everything is sorted (data sets by name and parameters, rows by family
// then model, trials by id, map keys) and every number goes through one
// formatter; report.md holds no generation time unless Report.Generated
// is set. The same results folder gives byte-identical report.md.
//
// # Sample artifacts: DIR/samples/<trial-id>.json
//
// Records hold no samples, so the runner may store a few per trial. The
// format (version 1) is specified in package
// github.com/genbench/genbench/results, which holds the Artifacts type,
// WriteArtifacts and ReadArtifacts. In short:
//
//	{"format": 1, "trial": "<trial-id>", "shape": [2] | [C, H, W],
//	 "samples": [[...], ...],             // n × prod(shape), data space
//	 "logit_lambda": 1e-6,                // optional: samples are in logit space
//	 "density_grid": {"kind": "exact", "x": [...], "y": [...],
//	                  "logp": [[...]]},   // optional, 2-D only: logp[j][i] = log p(x[i], y[j])
//	 "modes": [[...], ...], "mode_std": 0.01,  // optional true mixture
//	 "sample_seed": 123, "class_names": [...], // optional
//	 "nearest_train": {...}}              // optional, images: see results.NearestTrain
//
// Non-finite numbers are written as null. A report shows "no samples
// stored" for models without an artifact.
//
// The runner (package experiments) writes them through package results:
// in runTrial, after Evaluate succeeded and before the record is written
// (so a record implies a complete artifact), something like:
//
//	func writeArtifacts(out string, tr Trial, m models.Model, d *datasets.Data) error {
//		n := 1000
//		if d.Shape != nil {
//			n = 64
//		}
//		s, err := m.Sample(n, rand.New(rand.NewPCG(streamSeed(tr.Seed, "artifacts"), 0)))
//		if err != nil {
//			return err
//		}
//		a := results.Artifacts{Shape: d.Shape, Samples: results.SamplesFrom(s), Modes: d.Modes, ModeStd: d.ModeStd}
//		if a.Shape == nil {
//			a.Shape = []int{d.Dim}
//		}
//		// logit-space MNIST: a.LogitLambda = the data set's λ (default 1e-6).
//		if d.Dim == 2 {
//			xs, ys := results.GridFor(d.Test, 100)
//			var logp func(*mat.Dense) ([]float64, error)
//			kind := ""
//			switch mm := m.(type) {
//			case models.Density:
//				logp, kind = mm.LogProb, "exact"
//			case models.Bounded:
//				logp, kind = mm.LowerBound, "bound"
//			}
//			if logp != nil {
//				if a.DensityGrid, err = results.NewDensityGrid(kind, logp, xs, ys); err != nil {
//					return err
//				}
//			}
//		}
//		return results.WriteArtifacts(out, tr.ID, a)
//	}
//
// A failed artifact should be logged as a warning, not fail the trial.
package reports
