// Package params describes the typed, documented key/value settings that a
// spec gives to a data set or a model, and resolves them against defaults.
package params

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Field documents one accepted key. The type of Default fixes the type the
// key accepts: int, float64, string, bool or []string.
type Field struct {
	Key     string
	Default any
	Doc     string
	// Check, when set, rejects impossible values (negative sizes, ...).
	Check func(v any) error
}

// Schema lists the keys a data set or model accepts.
type Schema []Field

// Set holds resolved settings: every key of the schema, user value or default.
type Set map[string]any

// Lookup returns the field for key.
func (s Schema) Lookup(key string) (Field, bool) {
	for _, f := range s {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}

// Keys returns the accepted keys, sorted.
func (s Schema) Keys() []string {
	keys := make([]string, len(s))
	for i, f := range s {
		keys[i] = f.Key
	}
	sort.Strings(keys)
	return keys
}

// Convert turns a decoded YAML value into the field's type and checks it.
func (f Field) Convert(v any) (any, error) {
	var out any
	switch f.Default.(type) {
	case int:
		switch x := v.(type) {
		case int:
			out = x
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
				return nil, fmt.Errorf("want an integer, got %v", x)
			}
			out = int(x)
		default:
			return nil, fmt.Errorf("want an integer, got %s", Describe(v))
		}
	case float64:
		switch x := v.(type) {
		case int:
			out = float64(x)
		case float64:
			out = x
		default:
			return nil, fmt.Errorf("want a number, got %s", Describe(v))
		}
	case string:
		x, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a string, got %s", Describe(v))
		}
		out = x
	case bool:
		x, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("want true or false, got %s", Describe(v))
		}
		out = x
	case []string:
		switch x := v.(type) {
		case []string:
			out = append([]string(nil), x...)
		case []any:
			list := make([]string, len(x))
			for i, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("want a list of strings, item %d is %s", i, Describe(e))
				}
				list[i] = s
			}
			out = list
		case string:
			out = []string{x}
		default:
			return nil, fmt.Errorf("want a list of strings, got %s", Describe(v))
		}
	default:
		return nil, fmt.Errorf("field %q has unsupported default type %T", f.Key, f.Default)
	}
	if f.Check != nil {
		if err := f.Check(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Describe names a decoded YAML or JSON value for an error message: "the
// string "x"", "a list", "a mapping", "nothing", or the value itself.
func Describe(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case string:
		return fmt.Sprintf("the string %q", v)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	default:
		return fmt.Sprintf("%v", v)
	}
}

// Resolve checks user values against the schema and fills in defaults.
// Errors name the offending key.
func (s Schema) Resolve(user map[string]any) (Set, error) {
	out := make(Set, len(s))
	for _, f := range s {
		out[f.Key] = f.Default
	}
	keys := make([]string, 0, len(user))
	for k := range user {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, ok := s.Lookup(k)
		if !ok {
			return nil, fmt.Errorf("%s: unknown key (valid: %s)", k, strings.Join(s.Keys(), ", "))
		}
		v, err := f.Convert(user[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = v
	}
	return out, nil
}

// Int returns an int setting; it panics on a key the schema lacks, which is
// a programming error, not a user error.
func (s Set) Int(key string) int { return get[int](s, key) }

// Float returns a float64 setting.
func (s Set) Float(key string) float64 { return get[float64](s, key) }

// String returns a string setting.
func (s Set) String(key string) string { return get[string](s, key) }

// Bool returns a bool setting.
func (s Set) Bool(key string) bool { return get[bool](s, key) }

// Strings returns a list setting.
func (s Set) Strings(key string) []string { return get[[]string](s, key) }

func get[T any](s Set, key string) T {
	v, ok := s[key]
	if !ok {
		panic(fmt.Sprintf("params: no key %q", key))
	}
	x, ok := v.(T)
	if !ok {
		panic(fmt.Sprintf("params: key %q holds %T", key, v))
	}
	return x
}

// Positive rejects values <= 0; Nonnegative rejects values < 0.
func Positive(v any) error {
	if toFloat(v) <= 0 {
		return fmt.Errorf("must be positive, got %v", v)
	}
	return nil
}

// Nonnegative rejects negative values.
func Nonnegative(v any) error {
	if toFloat(v) < 0 {
		return fmt.Errorf("must not be negative, got %v", v)
	}
	return nil
}

// OneOf accepts only the listed strings (or lists made of them).
func OneOf(valid ...string) func(any) error {
	return func(v any) error {
		check := func(s string) error {
			for _, x := range valid {
				if s == x {
					return nil
				}
			}
			return fmt.Errorf("%q is not one of %s", s, strings.Join(valid, ", "))
		}
		switch x := v.(type) {
		case string:
			return check(x)
		case []string:
			for _, s := range x {
				if err := check(s); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// Range accepts numbers in [lo, hi].
func Range(lo, hi float64) func(any) error {
	return func(v any) error {
		if f := toFloat(v); f < lo || f > hi || math.IsNaN(f) {
			return fmt.Errorf("must be in [%v, %v], got %v", lo, hi, v)
		}
		return nil
	}
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}
