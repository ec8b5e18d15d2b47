package reports

import (
	"testing"

	"github.com/genbench/genbench/internal/codesize"
)

// TestCodeSize holds the package to the project's limits: files under 600
// lines, functions under 80, so that each reads on its own.
func TestCodeSize(t *testing.T) {
	msgs, err := codesize.Violations(".", 80, 600)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		t.Error(m)
	}
}
