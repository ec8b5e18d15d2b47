// Package registry is the name → value table behind genbench's registered
// data sets and model types: registered from init functions, looked up by
// spec names, listed sorted in help and errors.
package registry

import (
	"fmt"
	"sort"
)

// Registry maps names to values of one kind.
type Registry[T any] struct {
	kind string // what the values are, for the duplicate panic
	m    map[string]T
}

// New returns an empty registry of values of the named kind.
func New[T any](kind string) *Registry[T] {
	return &Registry[T]{kind: kind, m: map[string]T{}}
}

// Add registers v under name; it panics on a duplicate name, which is a
// programming error in an init function.
func (r *Registry[T]) Add(name string, v T) {
	if _, dup := r.m[name]; dup {
		panic(fmt.Sprintf("%s: duplicate %s", r.kind, name))
	}
	r.m[name] = v
}

// Lookup returns the value registered under name.
func (r *Registry[T]) Lookup(name string) (T, bool) {
	v, ok := r.m[name]
	return v, ok
}

// Names lists the registered names, sorted.
func (r *Registry[T]) Names() []string {
	names := make([]string, 0, len(r.m))
	for n := range r.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
