// Package flow implements normalizing flows for genbench: a flow is a
// standard-normal base distribution plus a chain of invertible transforms,
// each of which returns its output and log|det J| in both directions
// (the composable design of nflows and FrEIA).
//
// Direction convention (nflows): Forward maps data x to noise z and returns
// log|det ∂z/∂x|, so log p(x) = log N(z; 0, I) + Σ logdet; Inverse maps z
// to x and returns log|det ∂x/∂z| = −(forward logdet).
//
// Model types registered here: gaussian (full or diagonal covariance,
// closed-form fit), realnvp (affine coupling with bounded log-scales), maf
// (stacked MADEs with order reversal) and nsf (neural spline flows, Durkan
// et al. 2019: rational-quadratic spline couplings or MADE-conditioned
// splines, see nn.RQSpline). Glow (models/glow) builds on the same
// transforms for images.
//
// Every transform passes the shared property table in
// transform_table_test.go, in float32 and float64.
package flow
