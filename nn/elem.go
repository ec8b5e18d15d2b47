package nn

import (
	"math"
	"unsafe"
)

// mulInto sets dst[i] = a[i]·b[i] (AVX2 on whole vectors where available).
func mulInto[T Float](dst, a, b []T) {
	n := len(a)
	dst, b = dst[:n], b[:n]
	if elemAsm {
		var done int
		if unsafe.Sizeof(a[0]) == 4 {
			if done = n &^ 7; done > 0 {
				mul32(&asF32(dst)[0], &asF32(a)[0], &asF32(b)[0], done)
			}
		} else if done = n &^ 3; done > 0 {
			mul64(&asF64(dst)[0], &asF64(a)[0], &asF64(b)[0], done)
		}
		dst, a, b = dst[done:], a[done:], b[done:]
	}
	for i, v := range a {
		dst[i] = v * b[i]
	}
}

// mulAddTo sets dst[i] += a[i]·b[i], the product rounded before the sum
// (AVX2 on whole vectors where available).
func mulAddTo[T Float](dst, a, b []T) {
	n := len(a)
	dst, b = dst[:n], b[:n]
	if elemAsm {
		var done int
		if unsafe.Sizeof(a[0]) == 4 {
			if done = n &^ 7; done > 0 {
				mulAdd32(&asF32(dst)[0], &asF32(a)[0], &asF32(b)[0], done)
			}
		} else if done = n &^ 3; done > 0 {
			mulAdd64(&asF64(dst)[0], &asF64(a)[0], &asF64(b)[0], done)
		}
		dst, a, b = dst[done:], a[done:], b[done:]
	}
	for i, v := range a {
		dst[i] += v * b[i]
	}
}

// reluForward sets out[i] = x[i] if x[i] > 0, else +0 (NaN too), and
// reluBackward adds g[i] to ga[i] where x[i] > 0. They select with bit
// masks instead of branches, which the unpredictable signs of
// activations would mispredict half the time.
func reluForward[T Float](out, x []T) {
	if len(x) == 0 {
		return
	}
	out = out[:len(x)]
	if elemAsm {
		// max(x, +0) with x first selects exactly as below (elem_amd64.s).
		var done int
		if unsafe.Sizeof(x[0]) == 4 {
			if done = len(x) &^ 7; done > 0 {
				relu32(&asF32(out)[0], &asF32(x)[0], done)
			}
		} else if done = len(x) &^ 3; done > 0 {
			relu64(&asF64(out)[0], &asF64(x)[0], done)
		}
		out, x = out[done:], x[done:]
	}
	if unsafe.Sizeof(x[0]) == 4 {
		o, in := bits32(out), bits32(x)
		o = o[:len(in)]
		for i, u := range in {
			o[i] = u & -uint32(b2u(math.Float32frombits(u) > 0))
		}
		return
	}
	o, in := bits64(out), bits64(x)
	o = o[:len(in)]
	for i, u := range in {
		o[i] = u & -uint64(b2u(math.Float64frombits(u) > 0))
	}
}

// reluBackward adds g into ga where x > 0; with acc false ga is read as
// zeros (a fresh gradient, see Node.claim).
func reluBackward[T Float](ga, g, x []T, acc bool) {
	ga, x = ga[:len(g)], x[:len(g)]
	if elemAsm && len(g) > 0 {
		// An ordered x > 0 compare selects ga + g as below (elem_amd64.s).
		var done int
		if unsafe.Sizeof(x[0]) == 4 {
			if done = len(g) &^ 7; done > 0 {
				reluBack32(&asF32(ga)[0], &asF32(g)[0], &asF32(x)[0], done, acc)
			}
		} else if done = len(g) &^ 3; done > 0 {
			reluBack64(&asF64(ga)[0], &asF64(g)[0], &asF64(x)[0], done, acc)
		}
		ga, g, x = ga[done:], g[done:], x[done:]
	}
	if !acc {
		clear(ga)
	}
	if unsafe.Sizeof(x[0]) == 4 {
		gb, xb := bits32(ga), bits32(x)
		for i, u := range xb {
			m := -uint32(b2u(math.Float32frombits(u) > 0))
			sum := math.Float32bits(float32(ga[i] + g[i]))
			gb[i] = sum&m | gb[i]&^m
		}
		return
	}
	gb, xb := bits64(ga), bits64(x)
	for i, u := range xb {
		m := -uint64(b2u(math.Float64frombits(u) > 0))
		sum := math.Float64bits(float64(ga[i] + g[i]))
		gb[i] = sum&m | gb[i]&^m
	}
}

func b2u(c bool) uint8 { return *(*uint8)(unsafe.Pointer(&c)) }

func bits32[T Float](x []T) []uint32 {
	return unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}

func bits64[T Float](x []T) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}

// addBlock sets dst[r·ldd+j] += src[r·lds+j] for r < rows, j < w.
func addBlock[T Float](dst, src []T, rows, w, ldd, lds int) {
	if rows <= 0 || w <= 0 {
		return
	}
	_ = dst[(rows-1)*ldd+w-1]
	_ = src[(rows-1)*lds+w-1]
	if elemAsm && unsafe.Sizeof(src[0]) == 4 {
		addBlock32(&asF32(dst)[0], &asF32(src)[0], rows, w, ldd, lds)
		return
	}
	for r := 0; r < rows; r++ {
		addTo(dst[r*ldd:r*ldd+w], src[r*lds:r*lds+w])
	}
}

// addTo sets dst[i] += src[i].
func addTo[T Float](dst, src []T) { sumInto(dst, dst, src) }

// sumInto sets dst[i] = a[i] + b[i], with a nil standing for zeros: a
// fresh gradient's first share is written as 0 + b[i], the bits that
// adding it onto a zeroed buffer gives (−0 becomes +0).
func sumInto[T Float](dst, a, b []T) {
	n := len(b)
	dst = dst[:n]
	if a != nil {
		a = a[:n]
	}
	if elemAsm && n > 0 {
		// a + b per element, as below (elem_amd64.s).
		var done int
		if unsafe.Sizeof(b[0]) == 4 {
			if done = n &^ 7; done > 0 {
				sum32(&asF32(dst)[0], first(asF32(a)), &asF32(b)[0], done)
			}
		} else if done = n &^ 3; done > 0 {
			sum64(&asF64(dst)[0], first(asF64(a)), &asF64(b)[0], done)
		}
		dst, b = dst[done:], b[done:]
		if a != nil {
			a = a[done:]
		}
	}
	if a == nil {
		for i, v := range b {
			dst[i] = 0 + v
		}
		return
	}
	for i, v := range b {
		dst[i] = a[i] + v
	}
}

// first returns &x[0], or nil for an empty or nil x.
func first[T any](x []T) *T {
	if len(x) == 0 {
		return nil
	}
	return &x[0]
}

// expInto sets dst[i] = math.Exp(src[i]) bit for bit (dst may be src),
// four at a time where elemAsm allows: exp64x4 repeats math.Exp's
// operations, and only for arguments in [−700, 700], where math.Exp
// takes no overflow or denormal branch; a slice holding any other value
// (or NaN) is done by math.Exp alone.
func expInto(dst, src []float64) {
	n := len(src)
	dst = dst[:n]
	vec := 0
	if elemAsm && n >= 4 {
		vec = n &^ 3
		for _, v := range src {
			if !(v >= -700 && v <= 700) {
				vec = 0
				break
			}
		}
	}
	if vec > 0 {
		exp64x4(&dst[0], &src[0], vec)
	}
	for i := vec; i < n; i++ {
		dst[i] = math.Exp(src[i])
	}
}
