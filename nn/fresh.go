package nn

import (
	"flag"
	"sync"
	"testing"
)

// settle zeroes n's gradient if it is fresh, so that it can be added to
// and read like any other.
func (n *Node[T]) settle() {
	if n.fresh {
		n.fresh = false
		parallelElems(len(n.Grad.Data), func(lo, hi int) { clear(n.Grad.Data[lo:hi]) })
	}
}

// claim is for a backward step about to add its share into n's gradient:
// it reports whether the gradient is fresh, and marks it written. When
// it is, the step must write 0 + its share to every element (the same
// bits as adding onto zeros) instead of adding onto the stale buffer.
func (n *Node[T]) claim() bool {
	f := n.fresh
	n.fresh = false
	return f
}

// claimed claims n's gradient (Node.claim) and returns what a backward
// step adds its share onto: the gradient, or nil (zeros, for sumInto)
// when it is fresh or there is none.
func claimed[T Float](n *Node[T]) []T {
	if n.Grad == nil || n.claim() {
		return nil
	}
	return n.Grad.Data
}

// beta claims n's gradient for a matrix product adding into it: 0 when
// it was fresh, 1 otherwise.
func beta[T Float](n *Node[T]) T {
	if n.claim() {
		return 0
	}
	return 1
}

// part returns x[lo:hi], or nil for a nil x.
func part[T any](x []T, lo, hi int) []T {
	if x == nil {
		return nil
	}
	return x[lo:hi]
}

// recordClaiming is record for a backward step that claims its parents'
// gradients (Node.claim) rather than have Backward zero the fresh ones.
func (t *Tape[T]) recordClaiming(n *Node[T], back func()) *Node[T] {
	n.claims = true
	return t.record(n, back)
}

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
