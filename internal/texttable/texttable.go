// Package texttable aligns rows of text cells into columns, for the
// command-line tables of genbench (summary, compare, check).
package texttable

import "strings"

// Format aligns columns with two spaces between them; the last cell of a
// row is not padded and trailing spaces are trimmed. Widths count runes, so
// "−" and "±" take one column.
func Format(rows [][]string) string {
	var width []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			if i > 0 {
				line.WriteString("  ")
			}
			line.WriteString(c)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", width[i]-len([]rune(c))))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	return b.String()
}
