package reports

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"strings"
)

// The report is built once as a list of blocks and rendered twice, as
// Markdown and as self-contained XHTML-compatible HTML, so both carry the
// same content.

// span is a run of inline text.
type span struct {
	text  string
	style spanStyle
	class string // HTML class (verdict badges); Markdown ignores it
}

type spanStyle int

const (
	plain spanStyle = iota
	bold
	italic
	code
)

type inline []span

func txt(s string) inline  { return inline{{text: s}} }
func bld(s string) inline  { return inline{{text: s, style: bold}} }
func ital(s string) inline { return inline{{text: s, style: italic}} }
func cde(s string) inline  { return inline{{text: s, style: code}} }

// emphasized is a copy of in set in bold (the best value of a column).
func emphasized(in inline) inline {
	out := append(inline(nil), in...)
	for k := range out {
		out[k].style = bold
	}
	return out
}

func cat(parts ...inline) inline {
	var out inline
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func badge(v Verdict) inline {
	class := map[Verdict]string{Supported: "v-yes", NotSupported: "v-no", NotMeasured: "v-na"}[v]
	return inline{{text: string(v), style: bold, class: class}}
}

type block interface{ isBlock() }

type heading struct {
	level int
	text  string
	id    string
}

type para struct{ text inline }

type list struct{ items []inline }

type table struct {
	header []string
	right  []bool // right-align column
	rows   [][]inline
}

type figureRef struct{ fig *Figure }

func (heading) isBlock()   {}
func (para) isBlock()      {}
func (list) isBlock()      {}
func (table) isBlock()     {}
func (figureRef) isBlock() {}

// Markdown.

var mdEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", "&lt;", ">", "&gt;", "|", `\|`, "#", `\#`)

func mdInline(in inline) string {
	var b strings.Builder
	for _, s := range in {
		t := strings.ReplaceAll(s.text, "\n", " ")
		// Emphasis delimiters must touch the text: keep surrounding
		// spaces outside them.
		core := strings.TrimSpace(t)
		if s.style == plain || core == "" {
			b.WriteString(mdEscaper.Replace(t))
			continue
		}
		lead := t[:strings.Index(t, core)]
		trail := t[len(lead)+len(core):]
		b.WriteString(lead)
		switch s.style {
		case code:
			// Inline code cannot escape backticks; widen the fence.
			fence := "`"
			if strings.Contains(core, "`") {
				fence = "`` "
			}
			b.WriteString(fence + strings.ReplaceAll(core, "|", `\|`) + reverse(fence))
		case bold:
			b.WriteString("**" + mdEscaper.Replace(core) + "**")
		case italic:
			b.WriteString("*" + mdEscaper.Replace(core) + "*")
		}
		b.WriteString(trail)
	}
	return b.String()
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

func writeMarkdown(w io.Writer, blocks []block) error {
	bw := bufio.NewWriter(w)
	for i, b := range blocks {
		if i > 0 {
			bw.WriteString("\n")
		}
		switch b := b.(type) {
		case heading:
			fmt.Fprintf(bw, "%s %s\n", strings.Repeat("#", b.level), mdEscaper.Replace(b.text))
		case para:
			fmt.Fprintf(bw, "%s\n", mdInline(b.text))
		case list:
			for _, it := range b.items {
				fmt.Fprintf(bw, "- %s\n", mdInline(it))
			}
		case table:
			bw.WriteString("|")
			for _, h := range b.header {
				fmt.Fprintf(bw, " %s |", mdEscaper.Replace(h))
			}
			bw.WriteString("\n|")
			for i := range b.header {
				if i < len(b.right) && b.right[i] {
					bw.WriteString("---:|")
				} else {
					bw.WriteString("---|")
				}
			}
			bw.WriteString("\n")
			for _, row := range b.rows {
				bw.WriteString("|")
				for _, c := range row {
					s := mdInline(c)
					if s == "" {
						s = " "
					}
					fmt.Fprintf(bw, " %s |", s)
				}
				bw.WriteString("\n")
			}
		case figureRef:
			fmt.Fprintf(bw, "![%s](figures/%s)\n\n*%s*\n", mdEscaper.Replace(b.fig.Title), b.fig.Name, mdEscaper.Replace(b.fig.Caption))
		}
	}
	return bw.Flush()
}

// HTML. The output is well-formed XML (every element closed, void
// elements self-closed, only the XML entities) so that encoding/xml can
// check it, and it references nothing outside the file.

func esc(s string) string { return html.EscapeString(s) } // &, <, >, ", '

func htmlInline(in inline) string {
	var b strings.Builder
	for _, s := range in {
		t := esc(s.text)
		open, close := "", ""
		switch s.style {
		case bold:
			open, close = "<strong>", "</strong>"
		case italic:
			open, close = "<em>", "</em>"
		case code:
			open, close = "<code>", "</code>"
		}
		if s.class != "" {
			open = `<span class="` + s.class + `">` + open
			close += "</span>"
		}
		b.WriteString(open + t + close)
	}
	return b.String()
}

const css = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:0 auto;max-width:1500px;padding:1em 1.5em;color:#1b1b1b;line-height:1.45}
h1{border-bottom:2px solid #333;padding-bottom:.2em}
h2{border-bottom:1px solid #bbb;padding-bottom:.15em;margin-top:2em}
.tw{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.8em 0;font-size:.86em}
th,td{border:1px solid #c8c8c8;padding:.25em .45em;vertical-align:top}
th{background:#eef1f5;text-align:left}
td.r,th.r{text-align:right;white-space:nowrap}
tr:nth-child(even) td{background:#fafafa}
code{background:#f2f2f2;padding:0 .25em;border-radius:3px;font-size:.92em}
figure{margin:1.2em 0;padding:.5em;border:1px solid #e2e2e2;display:inline-block;max-width:100%}
figure img{max-width:100%;height:auto;display:block}
figcaption{font-size:.88em;color:#444;margin-top:.4em;max-width:60em}
.v-yes{color:#0b6b1f}
.v-no{color:#a31515}
.v-na{color:#666}
`

func writeHTML(w io.Writer, title string, blocks []block) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n", esc(title), css)
	for _, b := range blocks {
		switch b := b.(type) {
		case heading:
			id := ""
			if b.id != "" {
				id = ` id="` + esc(b.id) + `"`
			}
			fmt.Fprintf(bw, "<h%d%s>%s</h%d>\n", b.level, id, esc(b.text), b.level)
		case para:
			fmt.Fprintf(bw, "<p>%s</p>\n", htmlInline(b.text))
		case list:
			bw.WriteString("<ul>\n")
			for _, it := range b.items {
				fmt.Fprintf(bw, "<li>%s</li>\n", htmlInline(it))
			}
			bw.WriteString("</ul>\n")
		case table:
			bw.WriteString("<div class=\"tw\"><table>\n<thead><tr>")
			for i, h := range b.header {
				fmt.Fprintf(bw, "<th%s>%s</th>", rightClass(b.right, i), esc(h))
			}
			bw.WriteString("</tr></thead>\n<tbody>\n")
			for _, row := range b.rows {
				bw.WriteString("<tr>")
				for i, c := range row {
					fmt.Fprintf(bw, "<td%s>%s</td>", rightClass(b.right, i), htmlInline(c))
				}
				bw.WriteString("</tr>\n")
			}
			bw.WriteString("</tbody>\n</table></div>\n")
		case figureRef:
			f := b.fig
			fmt.Fprintf(bw, "<figure id=\"%s\"><img src=\"data:image/png;base64,%s\" width=\"%d\" height=\"%d\" alt=\"%s\"/><figcaption><strong>%s.</strong> %s</figcaption></figure>\n",
				esc(strings.TrimSuffix(f.Name, ".png")), base64.StdEncoding.EncodeToString(f.PNG), f.Width, f.Height, esc(f.Title), esc(f.Title), esc(f.Caption))
		}
	}
	bw.WriteString("</body>\n</html>\n")
	return bw.Flush()
}

func rightClass(right []bool, i int) string {
	if i < len(right) && right[i] {
		return ` class="r"`
	}
	return ""
}
