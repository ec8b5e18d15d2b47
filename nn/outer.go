package nn

import "unsafe"

// outerProduct is the matrix product for k = 1, c = a·b (+ c when acc):
// an m×1 column times a 1×n row. The blocked driver would pack both and
// run the micro-kernel one step deep for every tile, mostly call and
// store overhead (a flow coupling's first layer on 2-D data: 1 → 64).
// It reports false, leaving the product to the driver, unless b's row is
// contiguous.
//
// Each element is the kernels' k = 1 sum, fma(a, b, +0) (the product
// rounded once, −0 made +0), then added to c when acc, as the kernels
// do: the same bits.
func outerProduct[T Float](tA, tB bool, m, n int, a []T, lda int, b []T, ldb int, acc bool, c []T, ldc int) bool {
	return outerBiasRelu(tA, tB, m, n, a, lda, b, ldb, acc, c, ldc, nil, false)
}

// outerBiasRelu is outerProduct followed by addBiasRelu on every row of
// c when bias is not nil (acc must then be false), in one pass.
func outerBiasRelu[T Float](tA, tB bool, m, n int, a []T, lda int, b []T, ldb int, acc bool, c []T, ldc int, bias []T, relu bool) bool {
	if tB && ldb != 1 {
		return false
	}
	as := lda // step between a's elements: a is m×1, or 1×m when tA
	if tA {
		as = 1
	}
	done := 0
	if elemAsm && unsafe.Sizeof(a[0]) == 4 {
		if done = n &^ 7; done > 0 {
			outer32(&asF32(c)[0], &asF32(a)[0], &asF32(b)[0], m, done, as, ldc, acc, first(asF32(bias)), relu)
		}
	}
	for i := 0; i < m; i++ {
		ai := a[i*as]
		row := c[i*ldc : i*ldc+n]
		for j := done; j < n; j++ {
			p := T(ai*b[j]) + 0 // rounded once, as fma(a, b, +0)
			if acc {
				p = row[j] + p
			}
			row[j] = p
		}
		if bias != nil && done < n {
			addBiasRelu(row[done:], bias[done:n], relu)
		}
	}
	return true
}
