package experiments

import (
	"testing"

	"github.com/genbench/genbench/internal/codesize"
)

// TestCodeSize holds the package to the project's limits: files under 600
// lines, functions under 80, so that each reads on its own.
func TestCodeSize(t *testing.T) {
	funcs, err := codesize.LongFuncs(".", 80)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range funcs {
		t.Errorf("%v: split it (at most 80 lines)", f)
	}
	files, err := codesize.LongFiles(".", 600)
	if err != nil {
		t.Fatal(err)
	}
	for name, n := range files {
		t.Errorf("%s is %d lines: split it by concept (at most 600)", name, n)
	}
}
