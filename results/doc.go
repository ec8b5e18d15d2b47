// Package results is what a results folder holds and how it is read and
// written: the trial record (DIR/trials/<trial-id>.json), the trial ID and
// the canonical JSON it hashes, DIR/spec.json with the list of a spec's
// trials, the optional sample artifacts (DIR/samples/<trial-id>.json) and
// the per-example sidecars (DIR/examples/<trial-id>.bin, see [ReadExamples]).
//
// The runner (package experiments) writes through it; the report,
// summary, baseline, check and merge read through it, with one reader
// ([ReadFolder]) that checks each record against its file name. It is a
// leaf package: the standard library, gonum/mat and internal/atomicfile,
// so that readers of results do not pull in models, data sets or the
// autodiff engine.
//
// # Trial IDs
//
// A trial's ID is "<dataset>-<model>-s<seed>-" (lower-cased, characters
// outside [a-z0-9._-] replaced by '-') followed by the first 12 hex digits
// of the SHA-256 of the canonical JSON (objects with sorted keys) of the
// resolved trial {dataset, model, seed, eval}. The record stores that
// resolved trial as provenance.spec, and spec.json lists it for every
// trial of the spec, so that readers never expand a spec themselves.
//
// # Sample artifacts (format 1)
//
// The optional per-trial sample artifact that the runner writes beside a
// trial record and the report draws from: DIR/samples/<trial-id>.json.
//
// One JSON object per trial:
//
//	{
//	  "format": 1,
//	  "trial": "ring8-maf-5-s1-30e8eb388e30",
//	  "shape": [2],
//	  "samples": [[0.98, 0.02], [-0.71, 0.70], ...],
//	  "logit_lambda": 0,
//	  "density_grid": {
//	    "kind": "exact",
//	    "x": [-1.5, ..., 1.5],
//	    "y": [-1.5, ..., 1.5],
//	    "logp": [[...len(x) values...], ...len(y) rows...]
//	  },
//	  "modes": [[1, 0], [0.707, 0.707], ...],
//	  "mode_std": 0.01
//	}
//
// Fields:
//
//   - format: 1. Readers reject other versions.
//   - trial: the trial id; equal to the file name without ".json".
//   - shape: the shape of ONE sample: [D] for vectors, [C, H, W] for
//     images (channels, height, width, row-major, as datasets.Data.Shape).
//     The product of shape equals the length of every sample row.
//   - samples: n rows of generated samples, n ≤ MaxArtifactSamples (keep it small:
//     1000 for 2-D data, 64 for images). Values are in the data space the
//     data set is defined in: the 2-D plane for toys, pixel intensities in
//     [0, 1] for images. Samples drawn in logit space may be written as
//     they are with logit_lambda set (see below). Non-finite values are
//     written as null and read back as NaN; the report skips them.
//   - logit_lambda (optional): when > 0, samples are in logit space
//     y = logit(λ + (1−2λ)x) and the report maps them back with
//     x = (σ(y) − λ)/(1 − 2λ) before drawing them.
//   - density_grid (optional, 2-D models with a log-density only): the
//     model's log-density on a rectangular grid; logp[j][i] is
//     log p(x[i], y[j]) in nats; x and y strictly increasing, at most
//     MaxGridPoints points each. kind is the NLL kind of the values (exact,
//     bound, estimate). Non-finite values are written as null.
//   - modes, mode_std (optional): the true mixture means and their common
//     standard deviation (datasets.Data.Modes, ModeStd), drawn under the
//     samples with a 3-std circle (the high-quality radius).
//   - sample_seed (optional): the seed of the random stream the samples
//     were drawn from; the report's sample grids state it.
//   - class_names (optional): the data set's class names, label i being
//     class_names[i] (datasets.Data.ClassNames), for the report's labels.
//   - nearest_train (optional, images only; see [NearestTrain]): the
//     memorisation check. space is "pixels" (Euclidean distance between
//     intensities in [0, 1]); train_rows training images were searched;
//     distances[i] and index[i] are sample i's distance to its nearest
//     training image and that image's training row (null and −1 for a
//     non-finite sample); labels[i] (optional) is the class of that
//     training image; images holds the nearest training images of the
//     first len(images) samples; test_median is the median distance of
//     test_rows real test images to their nearest training image.
//
// Where the runner writes it:
//
// After a trial evaluates successfully and before its record is written
// (so that an existing record implies its artifact is complete), draw the
// samples from their own random stream and call [WriteArtifacts]; a failed
// artifact is a warning, not a failed trial.
package results
