package nn

import "unsafe"

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
