// Package jsonnum holds Float, a float64 that survives JSON with its
// non-finite values: encoding/json refuses NaN and ±Inf, and genbench's
// files must keep them (a diverged loss, an interval that cannot be
// computed) rather than drop the field or fail the write.
package jsonnum

import (
	"encoding/json"
	"math"
)

// Float is a float64 written as null when NaN or infinite; null reads
// back as NaN.
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Float(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = Float(v)
	return nil
}
