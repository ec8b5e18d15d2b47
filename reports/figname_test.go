package reports

import (
	"strings"
	"testing"
)

// TestRowSlugsDiffer: labels that sanitise alike get different figure
// names (issue 14, case 7), and a label always gets the same one.
func TestRowSlugsDiffer(t *testing.T) {
	for _, pair := range [][2]string{{"RN", "rn"}, {"modèle", "modéle"}, {"a b", "a-b"}} {
		a, b := rowSlug(pair[0]), rowSlug(pair[1])
		if a == b {
			t.Errorf("%q and %q both give %q", pair[0], pair[1], a)
		}
		if !strings.HasPrefix(a, slugify(pair[0])+"-") || rowSlug(pair[0]) != a {
			t.Errorf("rowSlug(%q) = %q: not the slug and a stable hash", pair[0], a)
		}
	}
}
