// The fingerprints are of amd64 builds at the default GOAMD64=v1: with
// v3 the compiler fuses multiplies and adds of Go code into FMA, which
// rounds differently (it changes every fingerprint, before issue 18's
// work as after).

//go:build !amd64.v3

package golden

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/genbench/genbench/nn"
)

// goldenBLAS is the matrix product the fingerprints were taken with:
// other kernels (portable Go, OpenBLAS) round differently.
const goldenBLAS = "nn's Go GEMM with AVX2/FMA kernels"

var runs = []struct {
	dtype string
	procs int
}{{"float32", 1}, {"float32", 2}, {"float64", 1}, {"float64", 2}}

// want holds the fingerprints computed by the code before issue 18's
// speed work. Regenerate only for a deliberate change of results:
// GOLDEN_PRINT=1 go test ./models/internal/golden -run Golden -v
//
// One deliberate change: pixelcnn's two-core fingerprints (p2) differed
// from its one-core ones (p1), because Conv2D summed its weight and bias
// gradients into one partial sum per core. It now sums every element
// over the images in order whatever the number of cores, as one core
// did, so p2 is p1 (and p1 is unchanged).
var want = map[string]string{
	"realnvp/float32/p1":           "a877d56b21d4902cd2d3e6e5",
	"realnvp/float32/p2":           "a877d56b21d4902cd2d3e6e5",
	"realnvp/float64/p1":           "5fa28a3f1cdf2063001f2e98",
	"realnvp/float64/p2":           "5fa28a3f1cdf2063001f2e98",
	"realnvp-tanh/float32/p1":      "966f2db1462a0f4e603de405",
	"realnvp-tanh/float32/p2":      "966f2db1462a0f4e603de405",
	"realnvp-tanh/float64/p1":      "1431adf5807af18290dcc9dd",
	"realnvp-tanh/float64/p2":      "1431adf5807af18290dcc9dd",
	"maf/float32/p1":               "88dab2f59091e0235769f5a3",
	"maf/float32/p2":               "88dab2f59091e0235769f5a3",
	"maf/float64/p1":               "a092002051cbf224f4def6a1",
	"maf/float64/p2":               "a092002051cbf224f4def6a1",
	"made/float32/p1":              "bb613a19e7324736d01b7ec3",
	"made/float32/p2":              "bb613a19e7324736d01b7ec3",
	"made/float64/p1":              "ba88741af9573da8cb903945",
	"made/float64/p2":              "ba88741af9573da8cb903945",
	"made-direct-masks/float32/p1": "a3a6e0b7345f806d5b868a33",
	"made-direct-masks/float32/p2": "a3a6e0b7345f806d5b868a33",
	"made-direct-masks/float64/p1": "4528cd67d419a2b19f7c59b9",
	"made-direct-masks/float64/p2": "4528cd67d419a2b19f7c59b9",
	"made-gaussian/float32/p1":     "d05c4721d9976e7f382ad5b9",
	"made-gaussian/float32/p2":     "d05c4721d9976e7f382ad5b9",
	"made-gaussian/float64/p1":     "66e1fdf1a588aef019148f94",
	"made-gaussian/float64/p2":     "66e1fdf1a588aef019148f94",
	"made-mixture/float32/p1":      "b3083926742a0481e1cb40f4",
	"made-mixture/float32/p2":      "b3083926742a0481e1cb40f4",
	"made-mixture/float64/p1":      "19dcdbf52997cc917e9e1d2c",
	"made-mixture/float64/p2":      "19dcdbf52997cc917e9e1d2c",
	"vae/float32/p1":               "46fabd19716a3d4782334c38",
	"vae/float32/p2":               "46fabd19716a3d4782334c38",
	"vae/float64/p1":               "1d89a7b3c389636a61089801",
	"vae/float64/p2":               "1d89a7b3c389636a61089801",
	"vae-gaussian/float32/p1":      "9adbdeab5e28b24ff0a72a8b",
	"vae-gaussian/float32/p2":      "9adbdeab5e28b24ff0a72a8b",
	"vae-gaussian/float64/p1":      "dd2fd1bd9d38eaf5c5767057",
	"vae-gaussian/float64/p2":      "dd2fd1bd9d38eaf5c5767057",
	"iwae/float32/p1":              "9d35fc058a36685fd811589a",
	"iwae/float32/p2":              "9d35fc058a36685fd811589a",
	"iwae/float64/p1":              "1974a26b2933f3eb2d39ecde",
	"iwae/float64/p2":              "1974a26b2933f3eb2d39ecde",
	"pixelcnn/float32/p1":          "78503f0f06072a148d20fff5",
	"pixelcnn/float32/p2":          "78503f0f06072a148d20fff5",
	"pixelcnn/float64/p1":          "bd85408d9c6ce8b220f7a312",
	"pixelcnn/float64/p2":          "bd85408d9c6ce8b220f7a312",
	"gan/float32/p1":               "1b2588f25fe773f1a7c28cfd",
	"gan/float32/p2":               "1b2588f25fe773f1a7c28cfd",
	"gan/float64/p1":               "d6395112c8089dacf8a4a101",
	"gan/float64/p2":               "d6395112c8089dacf8a4a101",
	"wgan_gp/float32/p1":           "c183004d4fb0a5c123074137",
	"wgan_gp/float32/p2":           "c183004d4fb0a5c123074137",
	"wgan_gp/float64/p1":           "8e91e1480e322e62bd40e520",
	"wgan_gp/float64/p2":           "8e91e1480e322e62bd40e520",
	"iae/float32/p1":               "f519e4257a536715f7f975b5",
	"iae/float32/p2":               "f519e4257a536715f7f975b5",
	"iae/float64/p1":               "423b017d900f128fb17aa007",
	"iae/float64/p2":               "423b017d900f128fb17aa007",
	"large/realnvp/float32/p1":     "7ae5cb888403cfc4b7122ed1",
	"large/realnvp/float32/p2":     "7ae5cb888403cfc4b7122ed1",
	"large/realnvp/float64/p1":     "95bcd83c2db0a25faac2688e",
	"large/realnvp/float64/p2":     "95bcd83c2db0a25faac2688e",
	"large/made/float32/p1":        "28cde88898eb5efcea801648",
	"large/made/float32/p2":        "28cde88898eb5efcea801648",
	"large/made/float64/p1":        "deeec641fb95846412423ec5",
	"large/made/float64/p2":        "deeec641fb95846412423ec5",
	"large/vae/float32/p1":         "5aeb4fa0cccedd33669040fb",
	"large/vae/float32/p2":         "5aeb4fa0cccedd33669040fb",
	"large/vae/float64/p1":         "3e4c99e34c8feaa7dab8e9dc",
	"large/vae/float64/p2":         "3e4c99e34c8feaa7dab8e9dc",
	"large/pixelcnn/float32/p1":    "991772d0b745d29e7a51032e",
	"large/pixelcnn/float32/p2":    "991772d0b745d29e7a51032e",
	"large/pixelcnn/float64/p1":    "15a25a978a813e4c477cc878",
	"large/pixelcnn/float64/p2":    "15a25a978a813e4c477cc878",
	"nsf/float32/p1":               "c0c832ff0fd041f95bf28d07",
	"nsf/float32/p2":               "c0c832ff0fd041f95bf28d07",
	"nsf/float64/p1":               "39a5684adb3d51a5fecb151b",
	"nsf/float64/p2":               "39a5684adb3d51a5fecb151b",
	"glow/float32/p1":              "bd539cbd738cdd26cba8615e",
	"glow/float32/p2":              "bd539cbd738cdd26cba8615e",
	"glow/float64/p1":              "ffd782e06bb61622bbde68ac",
	"glow/float64/p2":              "ffd782e06bb61622bbde68ac",
	"glow-28/float32/p1":           "d21f5f2d1311b40beec7ee9c",
	"glow-28/float32/p2":           "d21f5f2d1311b40beec7ee9c",
	"glow-28/float64/p1":           "0abca36f1961b75df616b57d",
	"glow-28/float64/p2":           "0abca36f1961b75df616b57d",
	"large/nsf/float32/p1":         "6fdcd04cae6d015ca5d7c645",
	"large/nsf/float32/p2":         "6fdcd04cae6d015ca5d7c645",
	"large/nsf/float64/p1":         "665fb5d316409a1adce4f863",
	"large/nsf/float64/p2":         "665fb5d316409a1adce4f863",
}

// TestGolden checks that every case's fingerprint is unchanged, on one
// core and on two (some results depended on how work was split over
// cores: pixelcnn's and wgan_gp's did before issue 18, so both are
// pinned; TestSameBitsOnAnyCores now requires them equal).
func TestGolden(t *testing.T) {
	if nn.BLAS() != goldenBLAS {
		t.Skipf("fingerprints are of the build with %s; this one has %s", goldenBLAS, nn.BLAS())
	}
	print := os.Getenv("GOLDEN_PRINT") != ""
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range cases {
		for _, run := range runs {
			key := fmt.Sprintf("%s/%s/p%d", c.name, run.dtype, run.procs)
			t.Run(key, func(t *testing.T) {
				runtime.GOMAXPROCS(run.procs)
				dtype := run.dtype
				got := fingerprint(t, c, dtype)
				if print {
					fmt.Printf("\t%q: %q,\n", key, got)
					return
				}
				if got != want[key] {
					t.Errorf("fingerprint %s, want %s: a result changed", got, want[key])
				}
			})
		}
	}
}
