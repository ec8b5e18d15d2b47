package results

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// CanonicalJSON encodes v as JSON with the keys of every object sorted and
// numbers written as encoding/json writes them: equal values give equal
// bytes whether v is a struct or the map decoded from it.
func CanonicalJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, err
	}
	return json.Marshal(x) // maps marshal with sorted keys
}

// HashJSON is the hex SHA-256 of CanonicalJSON(v).
func HashJSON(v any) (string, error) {
	b, err := CanonicalJSON(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// SanitizeID lower-cases s and replaces every character outside
// [a-z0-9._-] by '-', as in trial ids.
func SanitizeID(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

// TrialID returns the ID of a trial: readable and stable,
// "<dataset>-<model>-s<seed>-<12 hex>", the hex being the start of
// HashJSON(spec), where spec is the resolved trial {dataset, model, seed,
// eval} that the record keeps as provenance.spec: a value, or its JSON as
// a json.RawMessage (not a []byte, which JSON encodes as base64).
func TrialID(dataset, model string, seed uint64, spec any) (string, error) {
	sum, err := HashJSON(spec)
	if err != nil {
		return "", fmt.Errorf("trial id of %s/%s seed %d: %w", dataset, model, seed, err)
	}
	return SanitizeID(fmt.Sprintf("%s-%s-s%d", dataset, model, seed)) + "-" + sum[:12], nil
}
