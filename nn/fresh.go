package nn

import (
	"flag"
	"sync"
	"testing"
)

// poisonFresh reports whether fresh gradient buffers (Node.fresh) are
// filled with NaN when made: in test binaries, so that a backward step
// that adds onto a fresh buffer without claiming it, or reads one nobody
// settled, turns every gradient check and golden test downstream into a
// failure instead of reading a previous step's values. Benchmarks
// (-test.bench) skip it, so that they time what programs run.
func poisonFresh() bool {
	poisonOnce.Do(func() {
		if testing.Testing() {
			f := flag.Lookup("test.bench")
			poison = f == nil || f.Value.String() == ""
		}
	})
	return poison
}

var (
	poisonOnce sync.Once
	poison     bool
)

// fill sets every element of x to v.
func fill[T Float](x []T, v T) {
	for i := range x {
		x[i] = v
	}
}
