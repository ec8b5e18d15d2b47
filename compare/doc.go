// Package compare decides, for every pair of models on a data set, whether
// their test NLLs differ: it pairs configurations (a model at a sweep
// point) by data set and NLL kind, reads their per-example sidecars,
// runs [stats.Compare] on the common training seeds and applies Holm's
// (1979) correction across the pairs of each data set. Sample-based
// metrics get a bootstrap interval over seeds.
//
// `genbench compare` prints [Records]; the report calls [Configs] with its
// own rows, so that its ranks ("best", "tied with best") and its pairwise
// tables are the same numbers. It imports only results, stats and the
// standard library: readers of a results folder do not pull in models,
// data sets or the autodiff engine.
package compare
