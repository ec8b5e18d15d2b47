package reports

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/genbench/genbench/experiments"
	_ "github.com/genbench/genbench/models/flow" // gaussian, for a real run
)

var update = flag.Bool("update", false, "rewrite testdata/golden/report.md from the fixture")

const goldenPath = "testdata/golden/report.md"

var (
	fixtureOnce   sync.Once
	fixtureReport *Report
	fixtureErr    error
)

// builtFixture builds the fixture's report once for all tests.
func builtFixture(t *testing.T) *Report {
	t.Helper()
	fixtureOnce.Do(func() { fixtureReport, fixtureErr = Build(fixtureDir) })
	if fixtureErr != nil {
		t.Fatalf("Build(%s): %v", fixtureDir, fixtureErr)
	}
	return fixtureReport
}

func render(t *testing.T, r *Report) (md, html []byte) {
	t.Helper()
	var a, b bytes.Buffer
	if err := r.WriteMarkdown(&a); err != nil {
		t.Fatalf("WriteMarkdown: %v", err)
	}
	if err := r.WriteHTML(&b); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return a.Bytes(), b.Bytes()
}

func TestGoldenMarkdown(t *testing.T) {
	md, _ := render(t, builtFixture(t))
	if *update {
		if err := os.MkdirAll(filepath.Dir(goldenPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenPath, md, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %s", goldenPath)
		return
	}
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (create it with go test ./reports/ -run TestGoldenMarkdown -update)", err)
	}
	if !bytes.Equal(md, want) {
		gl, wl := strings.Split(string(md), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("report.md differs from %s at line %d:\n got: %q\nwant: %q\n(run go test ./reports/ -run TestGoldenMarkdown -update if the change is intended)", goldenPath, i+1, g, w)
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	md1, html1 := render(t, builtFixture(t))
	r2, err := Build(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	md2, html2 := render(t, r2)
	if !bytes.Equal(md1, md2) {
		t.Error("two builds of the same results give different report.md")
	}
	if !bytes.Equal(html1, html2) {
		t.Error("two builds of the same results give different report.html")
	}
	if bytes.Contains(md1, []byte("Generated")) {
		t.Error("report.md carries a generation time by default")
	}
	r2.Generated = "2026-12-01T00:00:00Z"
	md3, _ := render(t, r2)
	if !bytes.Contains(md3, []byte("Generated 2026-12-01T00:00:00Z.")) {
		t.Error("Report.Generated is not printed when set")
	}
}

// externalRef matches what would make a browser fetch something: a URL
// scheme, a protocol-relative URL, CSS url() or @import.
var externalRef = regexp.MustCompile(`(?i)(https?:|ftp:|file:|url\(|@import)`)

func TestHTMLSelfContained(t *testing.T) {
	r := builtFixture(t)
	_, html := render(t, r)

	dec := xml.NewDecoder(bytes.NewReader(html))
	dec.Strict = true
	var stack []string
	images := 0
	sawBody := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("report.html is not well-formed: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(tk.Name.Local)
			stack = append(stack, name)
			switch name {
			case "script", "link", "iframe", "object", "embed", "base", "frame", "audio", "video", "source", "form":
				t.Errorf("report.html has a <%s> element", name)
			case "body":
				sawBody = true
			}
			for _, a := range tk.Attr {
				attr := strings.ToLower(a.Name.Local)
				v := strings.TrimSpace(a.Value)
				if strings.HasPrefix(attr, "on") {
					t.Errorf("<%s> has an event handler %s", name, attr)
				}
				switch attr {
				case "src", "href", "srcset", "poster", "action", "data", "background", "xmlns", "manifest":
					if !(strings.HasPrefix(v, "data:") || strings.HasPrefix(v, "#")) {
						t.Errorf("<%s %s=%.60q> refers outside the file", name, attr, v)
					}
				case "style":
					if externalRef.MatchString(v) {
						t.Errorf("<%s style=%q> refers outside the file", name, v)
					}
				}
				if name == "img" && attr == "src" {
					images++
					checkDataPNG(t, v, tk.Attr)
				}
			}
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1] != strings.ToLower(tk.Name.Local) {
				t.Fatalf("report.html: unbalanced </%s>", tk.Name.Local)
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if externalRef.Match(tk) || bytes.Contains(tk, []byte("//")) {
				t.Errorf("report.html text refers outside the file: %.80q", tk)
			}
		case xml.Directive:
			if !strings.EqualFold(string(tk), "DOCTYPE html") {
				t.Errorf("unexpected directive <!%s>", tk)
			}
		}
	}
	if len(stack) != 0 {
		t.Errorf("report.html leaves %v open", stack)
	}
	if !sawBody {
		t.Error("report.html has no <body>")
	}
	if images != len(r.Figures) || images == 0 {
		t.Errorf("report.html embeds %d images, the report drew %d figures", images, len(r.Figures))
	}
}

// checkDataPNG decodes a data: URI as a PNG and checks it against the
// img's width and height attributes.
func checkDataPNG(t *testing.T, src string, attrs []xml.Attr) {
	t.Helper()
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(src, prefix) {
		t.Errorf("img src is not a base64 PNG data URI: %.40q", src)
		return
	}
	raw, err := base64.StdEncoding.DecodeString(src[len(prefix):])
	if err != nil {
		t.Errorf("img src: bad base64: %v", err)
		return
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Errorf("img src: not a PNG: %v", err)
		return
	}
	b := img.Bounds()
	if b.Dx() == 0 || b.Dy() == 0 {
		t.Errorf("img is empty: %v", b)
	}
	for _, a := range attrs {
		switch a.Name.Local {
		case "width":
			if a.Value != fmt.Sprint(b.Dx()) {
				t.Errorf("img width=%s, the PNG is %d wide", a.Value, b.Dx())
			}
		case "height":
			if a.Value != fmt.Sprint(b.Dy()) {
				t.Errorf("img height=%s, the PNG is %d high", a.Value, b.Dy())
			}
		}
	}
}

// TestSameContent checks that the Markdown and the HTML carry the same
// headings, figures and table rows.
func TestSameContent(t *testing.T) {
	r := builtFixture(t)
	md, html := render(t, r)
	blocks := r.document()
	var heads, rows int
	for _, b := range blocks {
		switch b := b.(type) {
		case heading:
			heads++
			if !bytes.Contains(md, []byte(strings.Repeat("#", b.level)+" "+mdEscaper.Replace(b.text)+"\n")) {
				t.Errorf("report.md lacks heading %q", b.text)
			}
			if !bytes.Contains(html, []byte(">"+esc(b.text)+"</h")) {
				t.Errorf("report.html lacks heading %q", b.text)
			}
		case table:
			rows += len(b.rows)
		}
	}
	if got := bytes.Count(html, []byte("<tr>")) - bytes.Count(html, []byte("<thead><tr>")); got != rows {
		t.Errorf("report.html has %d body rows, the document %d", got, rows)
	}
	mdRows := 0
	for _, line := range strings.Split(string(md), "\n") {
		if strings.HasPrefix(line, "| ") {
			mdRows++
		}
	}
	tables := 0
	for _, b := range blocks {
		if _, ok := b.(table); ok {
			tables++
		}
	}
	if mdRows != rows+tables { // + one header row per table
		t.Errorf("report.md has %d table lines, want %d rows + %d headers", mdRows, rows, tables)
	}
	for _, f := range r.Figures {
		if !bytes.Contains(md, []byte("](figures/"+f.Name+")")) {
			t.Errorf("report.md does not show %s", f.Name)
		}
		if !bytes.Contains(html, []byte(`<figure id="`+strings.TrimSuffix(f.Name, ".png")+`">`)) {
			t.Errorf("report.html does not show %s", f.Name)
		}
	}
	if heads < 10 {
		t.Errorf("only %d headings", heads)
	}
}

func TestWrite(t *testing.T) {
	out := t.TempDir()
	stale := filepath.Join(out, "figures", "stale.png")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	paths, err := Write(fixtureDir, out)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if len(paths) < 3 || filepath.Base(paths[0]) != "report.md" || filepath.Base(paths[1]) != "report.html" {
		t.Fatalf("Write returned %v", paths)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Error("a figure of an earlier report was not removed")
	}
	md, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\]\((figures/[^)]+)\)`).FindAllSubmatch(md, -1) {
		f, err := os.Open(filepath.Join(out, string(m[1])))
		if err != nil {
			t.Errorf("report.md shows %s: %v", m[1], err)
			continue
		}
		if _, err := png.Decode(f); err != nil {
			t.Errorf("%s: %v", m[1], err)
		}
		f.Close()
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o044 != 0o044 {
			t.Errorf("%s has mode %v, want readable by all", p, st.Mode())
		}
	}
	if _, err := Build(filepath.Join(t.TempDir(), "absent")); err == nil {
		t.Error("Build of a missing folder succeeded")
	}
}

// TestFixtureContent checks what the fixture was built to exercise.
func TestFixtureContent(t *testing.T) {
	r := builtFixture(t)
	if !r.Spec.Present || len(r.Spec.Trials) != 60 {
		t.Fatalf("spec: %+v trials", len(r.Spec.Trials))
	}
	if len(r.Missing) != 4 {
		t.Errorf("missing = %d trials, want 3 never run + 1 truncated", len(r.Missing))
	}
	var corrupted, badArtifact bool
	for _, p := range r.Problems {
		corrupted = corrupted || strings.HasPrefix(p.File, "trials/mnist-maf-5-s2-")
		badArtifact = badArtifact || strings.HasPrefix(p.File, "samples/ring8-pacgan-s1-")
		if strings.HasPrefix(p.File, "figures") {
			t.Errorf("figure failed: %s", p.Reason)
		}
	}
	if !corrupted || !badArtifact {
		t.Errorf("problems %v: want the truncated trial and samples files", r.Problems)
	}
	if len(r.Sets) != 3 {
		t.Fatalf("%d data sets, want 3", len(r.Sets))
	}
	families := map[string]bool{}
	for _, ds := range r.Sets {
		for _, row := range ds.Rows {
			if len(row.OK) > 0 {
				families[row.Family] = true
			}
		}
	}
	for _, f := range []string{"flow", "autoregressive", "vae", "gan", "iae"} {
		if !families[f] {
			t.Errorf("no ok %s row in the fixture", f)
		}
	}
	for _, c := range r.Claims {
		if c.Verdict != Supported {
			t.Errorf("claim %s: %s on the fixture, want supported", c.ID, c.Verdict)
		}
	}
	md, _ := render(t, r)
	for _, want := range []string{
		"no likelihood", "exact (1 of 3, untested)", "bound (1 of 1)", "## Which differences are real", "pairs of 3 untested: 2 common seeds", "estimate (1 of 1)", "(1 diverged)", "(2 failed)", "(1 missing)",
		"88.40 nats", "1300.5 nats", "1.89 bits/dim", "7.9 / 95.6%", "dynamic binarization", "mode std 0.1, the protocol's 0.01",
		"20,000 training points", "k=1000 samples, the reference k=5000", "the negative ELBO", "No samples stored for",
		"corrupted trial record", "2 non-finite examples", "mnist-maf-5-s2-", "speed-vs-dim.png",
	} {
		if !bytes.Contains(md, []byte(mdEscaper.Replace(want))) && !bytes.Contains(md, []byte(want)) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}

// TestBestAndRanksWithinKind checks that bold marks and ranks never mix
// NLL kinds: the bound and the estimate rows are each "1 of 1" and only
// the best exact NLL is bold. The fixture's two seeds without per-example
// values cannot be tested, so the exact ranks say "untested".
func TestBestAndRanksWithinKind(t *testing.T) {
	r := builtFixture(t)
	var bin *DataSet
	for _, ds := range r.Sets {
		if ds.Name == "mnist" && binarized(ds) {
			bin = ds
		}
	}
	if bin == nil {
		t.Fatal("no binarized mnist table")
	}
	rk := r.rankStrings(bin)
	nll := r.columns(nil, rk)[3]
	best := bestRows(bin.Rows, nll)
	for _, row := range bin.Rows {
		want := row.Model == "pixelcnn"
		if best[row] != want {
			t.Errorf("%s: bold %v, want %v", row.Model, best[row], want)
		}
	}
	for model, want := range map[string]string{"pixelcnn": "1 of 3, untested", "made": "2 of 3, untested", "iae-4": "3 of 3, untested",
		"vae-16": "1 of 1", "iwae-16": "1 of 1", "gan": ""} {
		for _, row := range bin.Rows {
			if row.Model == model && rk[row] != want {
				t.Errorf("%s: rank %q, want %q", model, rk[row], want)
			}
		}
	}
}

func TestBestRowsTies(t *testing.T) {
	for _, c := range []struct {
		name   string
		values []float64
		lower  bool
		want   []bool
	}{
		{"highest", []float64{8, 10, 9}, false, []bool{false, true, false}},
		{"lowest", []float64{8, 10, 9}, true, []bool{true, false, false}},
		{"tie for best marks both", []float64{10, 10, 9}, false, []bool{true, true, false}},
		{"all tie: no mark", []float64{10, 10, 10}, false, []bool{false, false, false}},
		{"one row: no mark", []float64{3}, true, []bool{false}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows := make([]*Row, len(c.values))
			val := map[*Row]float64{}
			for i, v := range c.values {
				rows[i] = &Row{Model: fmt.Sprint(i)}
				val[rows[i]] = v
			}
			col := column{lowerIsBetter: c.lower, value: func(r *Row) (float64, string, bool) { return val[r], "", true }}
			best := bestRows(rows, col)
			for i, row := range rows {
				if best[row] != c.want[i] {
					t.Errorf("row %d (%v): bold %v, want %v", i, c.values[i], best[row], c.want[i])
				}
			}
		})
	}
}

// TestRealRecords builds a report from a real results folder of three
// flows, written by an earlier genbench: records read leniently, a
// spec.json without a trial list (the expected set is unknown, and the
// report does not expand the spec to find it).
func TestRealRecords(t *testing.T) {
	const dir = "testdata/ring"
	r, err := Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Records) != 3 || len(r.Missing) != 0 || len(r.Sets) != 1 {
		t.Fatalf("%d records, %d missing, %d sets", len(r.Records), len(r.Missing), len(r.Sets))
	}
	if !r.Spec.Present || r.Spec.Listed || len(r.Unexpected) != 0 {
		t.Errorf("spec present %v, listed %v, unexpected %v", r.Spec.Present, r.Spec.Listed, r.Unexpected)
	}
	if r.Spec.Hash != r.Records[0].Provenance.SpecHash {
		t.Errorf("spec hash %s, the records say %s", r.Spec.Hash, r.Records[0].Provenance.SpecHash)
	}
	if got := r.Claims[0]; got.ID != "flow-exact-likelihood" || got.Verdict != Supported {
		t.Errorf("claim %s: %s", got.ID, got.Verdict)
	}
}

// evalOverrideSpec: two Gaussians on a small ring, the second overriding
// eval keys (the Gaussian is fitted in closed form: the run is quick).
const evalOverrideSpec = `name: eval-override
seeds: [1, 2]
datasets:
  - {name: ring8, std: 0.1, n_train: 256, n_valid: 128, n_test: 128}
models:
  - {name: gauss, type: gaussian}
  - {name: gauss-fast, type: gaussian, eval: {speed_batch: 10, samples: 50}}
train: {batch_size: 64, epochs: 1}
eval: {metrics: [nll, true_nll, sampling_speed, mode_coverage], samples: 200, speed_batch: 100, speed_repeats: 2}
`

// TestListedTrialsWithEvalOverride runs a spec whose model overrides
// eval keys and checks that spec.json lists the runner's trials, each
// with the resolved spec its record carries (which its id hashes), that
// the report takes the expected set and the rows' settings from that
// list, and that the records show the effective eval settings.
func TestListedTrialsWithEvalOverride(t *testing.T) {
	spec, err := experiments.Parse("eval-override.yaml", []byte(evalOverrideSpec))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, err := experiments.Run(spec, experiments.Options{Out: dir, Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	if out.OK != 4 {
		t.Fatalf("%d trials ok, want 4", out.OK)
	}
	info := checkListed(t, dir)
	var runner, listed []string
	for _, tr := range spec.TrialSpecs() {
		runner = append(runner, tr.ID)
	}
	for _, tr := range info.Trials {
		listed = append(listed, tr.ID)
		want := map[string]string{"gauss": "200", "gauss-fast": "50"}[tr.Model]
		if got := tr.settings["eval.samples"]; got != want {
			t.Errorf("%s: listed settings eval.samples = %q, want the effective %q", tr.ID, got, want)
		}
		if _, has := tr.settings["eval"]; has {
			t.Errorf("%s: settings hold the raw eval override", tr.ID)
		}
	}
	if strings.Join(runner, " ") != strings.Join(listed, " ") || info.Hash != spec.Hash {
		t.Errorf("runner ids %v hash %s\nspec.json ids %v hash %s", runner, spec.Hash, listed, info.Hash)
	}
	// spec.json carries the override in the model's entry, and only there.
	data, err := os.ReadFile(filepath.Join(dir, "spec.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sj struct {
		Models []map[string]json.RawMessage `json:"models"`
	}
	if err := json.Unmarshal(data, &sj); err != nil {
		t.Fatal(err)
	}
	if _, has := sj.Models[0]["eval"]; has {
		t.Errorf("spec.json: models[0] has an eval entry: %s", sj.Models[0]["eval"])
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, sj.Models[1]["eval"]); err != nil || compact.String() != `{"samples":50,"speed_batch":10}` {
		t.Errorf("spec.json: models[1].eval = %s (%v)", sj.Models[1]["eval"], err)
	}
	// Each record evaluated with, and shows, its model's effective eval.
	for _, rec := range out.Records {
		var prov struct {
			Eval experiments.EvalSpec `json:"eval"`
		}
		if err := json.Unmarshal(rec.Provenance.Spec, &prov); err != nil {
			t.Fatal(err)
		}
		wantBatch, wantSamples, wantNote := 100, 200, ""
		if rec.Model == "gauss-fast" {
			wantBatch, wantSamples, wantNote = 10, 50, "model gauss-fast overrides the spec's eval block: samples=50, speed_batch=10"
		}
		if prov.Eval.SpeedBatch != wantBatch || prov.Eval.Samples != wantSamples || prov.Eval.SpeedRepeats != 2 {
			t.Errorf("%s: provenance eval %+v, want speed_batch %d, samples %d, speed_repeats 2", rec.Trial, prov.Eval, wantBatch, wantSamples)
		}
		if p := rec.Protocol["sampling_speed"]; !strings.HasPrefix(p, fmt.Sprintf("batch %d,", wantBatch)) {
			t.Errorf("%s: sampling_speed protocol %q, want batch %d", rec.Trial, p, wantBatch)
		}
		if p := rec.Protocol["mode_coverage"]; !strings.Contains(p, fmt.Sprintf("%d samples", wantSamples)) {
			t.Errorf("%s: mode_coverage protocol %q, want %d samples", rec.Trial, p, wantSamples)
		}
		if rec.Protocol["eval"] != wantNote {
			t.Errorf("%s: eval protocol note %q, want %q", rec.Trial, rec.Protocol["eval"], wantNote)
		}
	}
	// The report expects exactly these records, one row per model.
	r, err := build(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Records) != 4 || len(r.Missing) != 0 || len(r.Unexpected) != 0 || len(r.Problems) != 0 {
		t.Fatalf("%d records, missing %v, unexpected %v, problems %v", len(r.Records), r.Missing, r.Unexpected, r.Problems)
	}
	if len(r.Sets) != 1 || len(r.Sets[0].Rows) != 2 {
		t.Fatalf("%d sets, want 1 with 2 rows", len(r.Sets))
	}
	for _, row := range r.Sets[0].Rows {
		if len(row.OK) != 2 {
			t.Errorf("row %s: %d ok seeds, want 2", row.Label, len(row.OK))
		}
	}
}
