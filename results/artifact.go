package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/internal/atomicfile"
	"github.com/genbench/genbench/internal/jsonnum"
)

// ArtifactFormat is the artifact format version this package writes and reads.
const ArtifactFormat = 1

// Limits keep artifacts small enough to embed in a report.
const (
	MaxArtifactSamples = 10000 // rows of samples
	MaxArtifactValues  = 1 << 20
	MaxGridPoints      = 512 // points per density-grid axis
)

// Artifacts are the samples (and, for 2-D density models, the log-density
// grid) of one trial. See the package documentation for the JSON format.
type Artifacts struct {
	Format      int          `json:"format"`
	Trial       string       `json:"trial"`
	Shape       []int        `json:"shape"`
	Samples     [][]float64  `json:"samples"`
	LogitLambda float64      `json:"logit_lambda,omitempty"`
	DensityGrid *DensityGrid `json:"density_grid,omitempty"`
	Modes       [][]float64  `json:"modes,omitempty"`
	ModeStd     float64      `json:"mode_std,omitempty"`
	// SampleSeed is the seed of the random stream the samples were drawn
	// from (the runner derives it from the trial seed, so that models of
	// one trial seed draw theirs from the same stream); 0 when not
	// recorded (older artifacts).
	SampleSeed uint64 `json:"sample_seed,omitempty"`
	// ClassNames names the data set's classes (label i is ClassNames[i]),
	// nil when it has none or its labels name themselves.
	ClassNames []string `json:"class_names,omitempty"`
	// NearestTrain is the memorisation check of image samples; nil for
	// other data and in older artifacts.
	NearestTrain *NearestTrain `json:"nearest_train,omitempty"`
}

// DensityGrid is a model's log-density on a rectangular 2-D grid:
// LogP[j][i] = log p(X[i], Y[j]).
type DensityGrid struct {
	Kind string      `json:"kind"`
	X    []float64   `json:"x"`
	Y    []float64   `json:"y"`
	LogP [][]float64 `json:"logp"`
}

// ArtifactPath is where the artifact of a trial lives in a results folder.
func ArtifactPath(dir, trialID string) string {
	return filepath.Join(dir, "samples", trialID+".json")
}

// Linspace returns n evenly spaced values from lo to hi inclusive.
func Linspace(lo, hi float64, n int) []float64 {
	if n <= 0 {
		return nil
	}
	if n == 1 {
		return []float64{lo}
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	v[n-1] = hi
	return v
}

// NewDensityGrid evaluates logp (for instance a flow's LogProb method
// value) on the grid x × y in one batch and returns it as a DensityGrid of
// the given kind.
func NewDensityGrid(kind string, logp func(*mat.Dense) ([]float64, error), x, y []float64) (*DensityGrid, error) {
	if len(x) < 2 || len(y) < 2 || len(x) > MaxGridPoints || len(y) > MaxGridPoints {
		return nil, fmt.Errorf("artifact: density grid: want 2..%d points per axis, got %d × %d", MaxGridPoints, len(x), len(y))
	}
	pts := mat.NewDense(len(x)*len(y), 2, nil)
	for j, yv := range y {
		for i, xv := range x {
			pts.Set(j*len(x)+i, 0, xv)
			pts.Set(j*len(x)+i, 1, yv)
		}
	}
	lp, err := logp(pts)
	if err != nil {
		return nil, fmt.Errorf("artifact: density grid: %w", err)
	}
	if len(lp) != len(x)*len(y) {
		return nil, fmt.Errorf("artifact: density grid: log-density returned %d values for %d points", len(lp), len(x)*len(y))
	}
	g := &DensityGrid{Kind: kind, X: append([]float64(nil), x...), Y: append([]float64(nil), y...), LogP: make([][]float64, len(y))}
	for j := range y {
		g.LogP[j] = append([]float64(nil), lp[j*len(x):(j+1)*len(x)]...)
	}
	return g, nil
}

// GridFor returns n evenly spaced grid coordinates per axis covering the
// first two columns of x (typically the test split) with 10% margin on
// each side, for NewDensityGrid.
func GridFor(x *mat.Dense, n int) (xs, ys []float64) {
	r, c := x.Dims()
	if r == 0 || c < 2 {
		return nil, nil
	}
	lo := []float64{math.Inf(1), math.Inf(1)}
	hi := []float64{math.Inf(-1), math.Inf(-1)}
	for i := 0; i < r; i++ {
		for j := 0; j < 2; j++ {
			v := x.At(i, j)
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo[j], hi[j] = math.Min(lo[j], v), math.Max(hi[j], v)
			}
		}
	}
	for j := 0; j < 2; j++ {
		if math.IsInf(lo[j], 1) {
			lo[j], hi[j] = -1, 1
		}
		pad := 0.1 * (hi[j] - lo[j])
		if pad == 0 {
			pad = 1
		}
		lo[j], hi[j] = lo[j]-pad, hi[j]+pad
	}
	return Linspace(lo[0], hi[0], n), Linspace(lo[1], hi[1], n)
}

// SamplesFrom copies the rows of m into the [][]float64 of Artifacts.Samples.
func SamplesFrom(m *mat.Dense) [][]float64 {
	r, _ := m.Dims()
	out := make([][]float64, r)
	for i := range out {
		out[i] = append([]float64(nil), m.RawRowView(i)...)
	}
	return out
}

// Validate checks the artifact's internal consistency.
func (a *Artifacts) Validate() error {
	if a.Format != 0 && a.Format != ArtifactFormat {
		return fmt.Errorf("format %d, this build reads format %d", a.Format, ArtifactFormat)
	}
	if err := checkTrialID(a.Trial); err != nil {
		return err
	}
	if len(a.Shape) == 0 {
		return errors.New("shape is empty; want [D] or [C, H, W]")
	}
	size := 1
	for _, s := range a.Shape {
		if s <= 0 {
			return fmt.Errorf("shape %v has a non-positive entry", a.Shape)
		}
		size *= s
		if size > MaxArtifactValues {
			return fmt.Errorf("shape %v: a sample has more than %d values", a.Shape, MaxArtifactValues)
		}
	}
	if len(a.Samples) == 0 {
		return errors.New("no samples")
	}
	if len(a.Samples) > MaxArtifactSamples {
		return fmt.Errorf("%d samples, at most %d", len(a.Samples), MaxArtifactSamples)
	}
	if len(a.Samples)*size > MaxArtifactValues {
		return fmt.Errorf("%d samples × %d values exceed %d values", len(a.Samples), size, MaxArtifactValues)
	}
	for i, row := range a.Samples {
		if len(row) != size {
			return fmt.Errorf("sample %d has %d values, shape %v wants %d", i, len(row), a.Shape, size)
		}
	}
	if !(a.LogitLambda >= 0 && a.LogitLambda < 0.5) {
		return fmt.Errorf("logit_lambda %v outside [0, 0.5)", a.LogitLambda)
	}
	if g := a.DensityGrid; g != nil {
		if len(a.Shape) != 1 || a.Shape[0] != 2 {
			return fmt.Errorf("density_grid needs 2-D samples, shape is %v", a.Shape)
		}
		switch g.Kind {
		case "exact", "bound", "estimate":
		default:
			return fmt.Errorf("density_grid kind %q, want exact, bound or estimate", g.Kind)
		}
		for _, ax := range []struct {
			name string
			v    []float64
		}{{"x", g.X}, {"y", g.Y}} {
			if len(ax.v) < 2 || len(ax.v) > MaxGridPoints {
				return fmt.Errorf("density_grid.%s has %d points, want 2..%d", ax.name, len(ax.v), MaxGridPoints)
			}
			for i, v := range ax.v {
				if math.IsNaN(v) || math.IsInf(v, 0) || (i > 0 && !(v > ax.v[i-1])) {
					return fmt.Errorf("density_grid.%s must be finite and strictly increasing (index %d)", ax.name, i)
				}
			}
		}
		if len(g.LogP) != len(g.Y) {
			return fmt.Errorf("density_grid.logp has %d rows, want len(y) = %d", len(g.LogP), len(g.Y))
		}
		for j, row := range g.LogP {
			if len(row) != len(g.X) {
				return fmt.Errorf("density_grid.logp row %d has %d values, want len(x) = %d", j, len(row), len(g.X))
			}
		}
	}
	for i, m := range a.Modes {
		if len(m) != size {
			return fmt.Errorf("mode %d has %d coordinates, samples have %d", i, len(m), size)
		}
	}
	if !(a.ModeStd >= 0) || math.IsInf(a.ModeStd, 0) {
		return fmt.Errorf("mode_std %v must be finite and ≥ 0", a.ModeStd)
	}
	if err := validateClasses(a.ClassNames); err != nil {
		return err
	}
	if n := a.NearestTrain; n != nil {
		if len(a.Shape) != 3 {
			return errNearestShape
		}
		if err := n.validate(a.Samples, size, len(a.ClassNames)); err != nil {
			return fmt.Errorf("nearest_train: %w", err)
		}
	}
	return nil
}

func checkTrialID(id string) error {
	if id == "" {
		return errors.New("empty trial id")
	}
	if id == "." || id == ".." || strings.ContainsAny(id, `/\`) || strings.ContainsRune(id, 0) {
		return fmt.Errorf("trial id %q is not a plain file name", id)
	}
	return nil
}

// WriteArtifacts validates a and writes it to ArtifactPath(dir, trialID)
// atomically (a temporary file and a rename). a.Trial may be empty (it is set to
// trialID) but must otherwise equal trialID.
func WriteArtifacts(dir, trialID string, a Artifacts) error {
	if a.Trial == "" {
		a.Trial = trialID
	}
	if a.Trial != trialID {
		return fmt.Errorf("artifact: trial %q written under id %q", a.Trial, trialID)
	}
	a.Format = ArtifactFormat
	if err := a.Validate(); err != nil {
		return fmt.Errorf("artifact %s: %w", trialID, err)
	}
	data, err := a.MarshalJSON()
	if err != nil {
		return fmt.Errorf("artifact %s: encoding: %w", trialID, err)
	}
	if err := atomicfile.Write(ArtifactPath(dir, trialID), data); err != nil {
		return fmt.Errorf("artifact %s: %w", trialID, err)
	}
	return nil
}

// ReadArtifacts reads and validates the artifact of a trial. A missing file is an
// error satisfying errors.Is(err, os.ErrNotExist).
func ReadArtifacts(dir, trialID string) (*Artifacts, error) {
	if err := checkTrialID(trialID); err != nil {
		return nil, fmt.Errorf("artifact: %w", err)
	}
	data, err := os.ReadFile(ArtifactPath(dir, trialID))
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %w", trialID, err)
	}
	var a Artifacts
	if err := a.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("artifact %s: corrupted: %w", trialID, err)
	}
	if a.Format != ArtifactFormat {
		return nil, fmt.Errorf("artifact %s: format %d, this build reads format %d", trialID, a.Format, ArtifactFormat)
	}
	if a.Trial != trialID {
		return nil, fmt.Errorf("artifact %s: file holds trial %q", trialID, a.Trial)
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("artifact %s: %w", trialID, err)
	}
	return &a, nil
}

func nullableRows(m [][]float64) [][]jsonnum.Float {
	if m == nil {
		return nil
	}
	out := make([][]jsonnum.Float, len(m))
	for i, row := range m {
		out[i] = make([]jsonnum.Float, len(row))
		for j, v := range row {
			out[i][j] = jsonnum.Float(v)
		}
	}
	return out
}

func nanRows(m [][]jsonnum.Float) [][]float64 {
	if m == nil {
		return nil
	}
	out := make([][]float64, len(m))
	for i, row := range m {
		out[i] = make([]float64, len(row))
		for j, v := range row {
			out[i][j] = float64(v)
		}
	}
	return out
}

type artifactWireGrid struct {
	Kind string            `json:"kind"`
	X    []float64         `json:"x"`
	Y    []float64         `json:"y"`
	LogP [][]jsonnum.Float `json:"logp"`
}

type artifactWire struct {
	Format      int               `json:"format"`
	Trial       string            `json:"trial"`
	Shape       []int             `json:"shape"`
	Samples     [][]jsonnum.Float `json:"samples"`
	LogitLambda float64           `json:"logit_lambda,omitempty"`
	DensityGrid *artifactWireGrid `json:"density_grid,omitempty"`
	Modes       [][]float64       `json:"modes,omitempty"`
	ModeStd     float64           `json:"mode_std,omitempty"`
	SampleSeed  uint64            `json:"sample_seed,omitempty"`
	ClassNames  []string          `json:"class_names,omitempty"`
	Nearest     *nearestWire      `json:"nearest_train,omitempty"`
}

// MarshalJSON writes the artifact format (package documentation), non-finite values as null.
func (a Artifacts) MarshalJSON() ([]byte, error) {
	w := artifactWire{Format: a.Format, Trial: a.Trial, Shape: a.Shape, Samples: nullableRows(a.Samples),
		LogitLambda: a.LogitLambda, Modes: a.Modes, ModeStd: a.ModeStd,
		SampleSeed: a.SampleSeed, ClassNames: a.ClassNames, Nearest: a.NearestTrain.wire()}
	if g := a.DensityGrid; g != nil {
		w.DensityGrid = &artifactWireGrid{Kind: g.Kind, X: g.X, Y: g.Y, LogP: nullableRows(g.LogP)}
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads the artifact format strictly (unknown keys are errors),
// null as NaN.
func (a *Artifacts) UnmarshalJSON(b []byte) error {
	var w artifactWire
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	*a = Artifacts{Format: w.Format, Trial: w.Trial, Shape: w.Shape, Samples: nanRows(w.Samples),
		LogitLambda: w.LogitLambda, Modes: w.Modes, ModeStd: w.ModeStd,
		SampleSeed: w.SampleSeed, ClassNames: w.ClassNames, NearestTrain: w.Nearest.nearest()}
	if g := w.DensityGrid; g != nil {
		a.DensityGrid = &DensityGrid{Kind: g.Kind, X: g.X, Y: g.Y, LogP: nanRows(g.LogP)}
	}
	return nil
}
