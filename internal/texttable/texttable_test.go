package texttable

import "testing"

func TestFormat(t *testing.T) {
	cases := []struct {
		name string
		rows [][]string
		want string
	}{
		{"empty", nil, ""},
		{"aligned by runes", [][]string{{"A − B", "x"}, {"1", "yy"}}, "A − B  x\n1      yy\n"},
		{"ragged rows, no trailing spaces", [][]string{{"a", "b", ""}, {"ccc"}}, "a    b\nccc\n"},
	}
	for _, c := range cases {
		if got := Format(c.rows); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
