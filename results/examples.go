package results

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/mat"

	"github.com/genbench/genbench/internal/atomicfile"
)

// A per-example sidecar, DIR/examples/<trial-id>.bin, holds the value of a
// trial's likelihood metric on every test example, in test order, so that
// two models scored on the same examples can be compared example by
// example (genbench compare, check -test). The values are log p(x) in nats
// as evaluation computed them: the exact log-density, the ELBO (a lower
// bound) or an importance-sampled estimate, as ExamplesRef.Kind says; the
// per-example NLL is their negation.
//
//	offset  size  content
//	0       8     magic "GBEXMPL\n"
//	8       4     format version, little-endian uint32 (1)
//	12      8     count n, little-endian uint64
//	20      32    SHA-256 of the test matrix the values belong to (testHash)
//	52      8n    the values, little-endian IEEE-754 float64
//
// The record holds the SHA-256 of the whole file (ExamplesRef.SHA256), so
// a corrupted file is refused; a truncated one also fails the length check.

const (
	examplesMagic   = "GBEXMPL\n"
	examplesVersion = 1
	examplesHeader  = 8 + 4 + 8 + sha256.Size
)

// ErrBadExamples marks a sidecar that cannot be used: truncated,
// corrupted, of another version, or not matching its record.
var ErrBadExamples = errors.New("unusable per-example sidecar")

// ExamplesPath is where a run into dir keeps the sidecar of a trial.
func ExamplesPath(dir, trial string) string {
	return filepath.Join(dir, "examples", trial+".bin")
}

// TestHash is the hex SHA-256 of a test matrix: its dimensions and the
// little-endian bits of every value, row by row. Two trials whose test
// hashes are equal scored the same examples, with the same dequantization
// noise, in the same order.
func TestHash(x mat.Matrix) string {
	r, c := x.Dims()
	h := sha256.New()
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], uint64(r))
	h.Write(buf[:])
	binary.LittleEndian.PutUint64(buf[:], uint64(c))
	h.Write(buf[:])
	row := make([]byte, 8*c)
	dense, isDense := x.(*mat.Dense)
	for i := 0; i < r; i++ {
		if isDense { // a test set of 10,000 images: avoid 7.8M At calls
			for j, v := range dense.RawRowView(i) {
				binary.LittleEndian.PutUint64(row[8*j:], math.Float64bits(v))
			}
		} else {
			for j := 0; j < c; j++ {
				binary.LittleEndian.PutUint64(row[8*j:], math.Float64bits(x.At(i, j)))
			}
		}
		h.Write(row)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// EncodeExamples serialises per-example values in the sidecar format.
func EncodeExamples(values []float64, testHash string) ([]byte, error) {
	th, err := hex.DecodeString(testHash)
	if err != nil || len(th) != sha256.Size {
		return nil, fmt.Errorf("per-example sidecar: test hash %q is not a hex SHA-256", testHash)
	}
	out := make([]byte, 0, examplesHeader+8*len(values))
	out = append(out, examplesMagic...)
	out = binary.LittleEndian.AppendUint32(out, examplesVersion)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(values)))
	out = append(out, th...)
	for _, v := range values {
		out = binary.LittleEndian.AppendUint64(out, math.Float64bits(v))
	}
	return out, nil
}

// DecodeExamples checks and decodes a sidecar: its values and the test
// hash in its header. Every problem is an error wrapping ErrBadExamples.
func DecodeExamples(data []byte) ([]float64, string, error) {
	bad := func(format string, args ...any) ([]float64, string, error) {
		return nil, "", fmt.Errorf("%w: %s", ErrBadExamples, fmt.Sprintf(format, args...))
	}
	if len(data) < examplesHeader {
		return bad("truncated: %d bytes, shorter than the %d-byte header", len(data), examplesHeader)
	}
	if string(data[:8]) != examplesMagic {
		return bad("not a genbench per-example file (wrong magic)")
	}
	if v := binary.LittleEndian.Uint32(data[8:12]); v != examplesVersion {
		return bad("format version %d, this genbench reads %d", v, examplesVersion)
	}
	n := binary.LittleEndian.Uint64(data[12:20])
	if have := uint64(len(data) - examplesHeader); n > have/8 || have != 8*n {
		return bad("truncated or padded: header says %d values, file has %d bytes of values", n, have)
	}
	values := make([]float64, n)
	for i := range values {
		values[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[examplesHeader+8*i:]))
	}
	return values, hex.EncodeToString(data[20:examplesHeader]), nil
}

// WriteExamples writes the sidecar of a trial atomically under dir and
// returns its reference for the record.
func WriteExamples(dir, trial, kind string, values []float64, testHash string) (*ExamplesRef, error) {
	data, err := EncodeExamples(values, testHash)
	if err != nil {
		return nil, err
	}
	path := ExamplesPath(dir, trial)
	if err := atomicfile.Write(path, data); err != nil {
		return nil, fmt.Errorf("writing per-example sidecar: %w", err)
	}
	return &ExamplesRef{File: "examples/" + trial + ".bin", SHA256: HashBytes(data), N: len(values),
		Kind: kind, TestHash: testHash}, nil
}

// ReadExamples reads the sidecar ref points to under dir and checks it
// against ref: file hash, count and test hash. A mismatch wraps
// ErrBadExamples: values of another evaluation are never paired silently.
func ReadExamples(dir string, ref *ExamplesRef) ([]float64, error) {
	if ref == nil {
		return nil, fmt.Errorf("%w: the record has no per-example values", ErrBadExamples)
	}
	path := filepath.Join(dir, filepath.FromSlash(ref.File))
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("per-example sidecar: %w", err)
	}
	if HashBytes(data) != ref.SHA256 {
		return nil, fmt.Errorf("%s: %w: SHA-256 differs from the record's (corrupted, or rewritten by another evaluation)", path, ErrBadExamples)
	}
	values, th, err := DecodeExamples(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(values) != ref.N || th != ref.TestHash {
		return nil, fmt.Errorf("%s: %w: %d values of test set %.12s, the record says %d of %.12s", path, ErrBadExamples, len(values), th, ref.N, ref.TestHash)
	}
	return values, nil
}

// ExampleNLLs reads a sidecar as [ReadExamples] does and returns the
// per-example NLLs, −log p, refusing non-finite values, which no paired
// mean can hold.
func ExampleNLLs(dir string, ref *ExamplesRef) ([]float64, error) {
	logp, err := ReadExamples(dir, ref)
	if err != nil {
		return nil, err
	}
	nll := make([]float64, len(logp))
	for i, v := range logp {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s: example %d has log-likelihood %v", ref.File, i, v)
		}
		nll[i] = -v
	}
	return nll, nil
}

// HashBytes is the hex SHA-256 of data: how records reference the files
// beside them (sidecars, kept models).
func HashBytes(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
