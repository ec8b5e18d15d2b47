package reports

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/results"
)

// Report is the report of one results folder.
type Report struct {
	// Title heads both documents.
	Title string
	// Generated, when not empty, is printed as the generation time. Build
	// leaves it empty so that the same results give the same report.
	Generated string

	Spec       SpecInfo          // from DIR/spec.json (Present false without it)
	Records    []*results.Record // readable records, by trial id
	Problems   []Problem         // unreadable files and figures that failed
	Missing    []ExpectedTrial   // in spec.json, without a record
	Unexpected []string          // records whose trial spec.json does not define
	FromIndex  []string          // records found only in results.json
	Sets       []*DataSet        // comparison tables, by data set
	Claims     []Claim
	Figures    []*Figure // every figure, in document order

	setFigures  map[*DataSet][]*Figure
	comparisons map[*DataSet]*setComparison // paired NLL comparisons and ranks (compare.go)
	noSamples   map[*DataSet][]string
	global      []*Figure
	// budgetFigures: each data set's best-of-k figure, shown in the
	// equal-budget section (bestofk_section.go).
	budgetFigures map[*DataSet]*Figure
}

// Build reads the results folder dir and builds its report: tables,
// claims and figures (rendered in memory). Partial folders are fine:
// unreadable files and missing trials are listed in the report, not
// returned as errors; only an unusable folder is an error.
func Build(dir string) (*Report, error) { return build(dir, true) }

// build is Build, optionally without drawing figures (for tests of the
// tables and lists).
func build(dir string, figures bool) (*Report, error) {
	res, err := load(dir)
	if err != nil {
		return nil, err
	}
	r := &Report{Spec: res.spec, Records: res.records, Problems: res.problems, Missing: res.missing,
		Unexpected: res.unexpected, FromIndex: res.fromIndex, setFigures: map[*DataSet][]*Figure{}, noSamples: map[*DataSet][]string{}}
	name := res.spec.Name
	if name == "" {
		for _, rec := range res.records {
			if rec.Provenance.SpecName != "" {
				name = rec.Provenance.SpecName
				break
			}
		}
	}
	if name == "" {
		name = filepath.Base(filepath.Clean(dir))
	}
	r.Title = "genbench report: " + name
	r.Sets = group(res.records, withIdentity(res.missing))
	for _, ds := range r.Sets {
		// The spec's own name for a data set reads better than its
		// parameters; the parameters stay in the section's first line.
		if l := res.spec.Labels[ds.key]; l != "" {
			ds.Label = l
		}
	}
	r.comparisons = map[*DataSet]*setComparison{}
	for _, ds := range r.Sets {
		r.comparisons[ds] = compareSet(dir, ds)
	}
	for _, ds := range r.Sets {
		for _, row := range ds.Rows {
			row.Artifacts = map[string]*results.Artifacts{}
			for _, rec := range row.OK {
				a, err := results.ReadArtifacts(dir, rec.Trial)
				switch {
				case err == nil:
					row.Artifacts[rec.Trial] = a
				case !errors.Is(err, os.ErrNotExist):
					r.Problems = append(r.Problems, Problem{filepath.Join("samples", rec.Trial+".json"), rel(dir, err.Error())})
				}
			}
		}
	}
	r.Claims = claimsFor(r.Sets)
	if figures {
		r.drawFigures()
	}
	drawn := map[string]bool{}
	for _, f := range r.Figures {
		drawn[f.Name] = true
	}
	for i := range r.Claims {
		var keep []string
		seen := map[string]bool{}
		for _, n := range r.Claims[i].Figures {
			if drawn[n] && !seen[n] {
				keep = append(keep, n)
				seen[n] = true
			}
		}
		r.Claims[i].Figures = keep
	}
	sort.SliceStable(r.Problems, func(i, j int) bool { return r.Problems[i].File < r.Problems[j].File })
	return r, nil
}

func (r *Report) drawFigures() {
	add := func(ds *DataSet, f *Figure, err error) {
		if err != nil {
			r.Problems = append(r.Problems, Problem{"figures", err.Error()})
			return
		}
		if f == nil {
			return
		}
		if ds == nil {
			r.global = append(r.global, f)
		} else {
			r.setFigures[ds] = append(r.setFigures[ds], f)
		}
		r.Figures = append(r.Figures, f)
	}
	for _, ds := range r.Sets {
		f, err := frontFigure(ds)
		add(ds, f, err)
		f, err = modesFigure(ds)
		add(ds, f, err)
		f, err = costFigure(ds)
		add(ds, f, err)
		for _, row := range ds.Rows {
			if len(row.OK) == 0 {
				continue
			}
			f, _, err := samplesFigure(ds, row)
			add(ds, f, err)
			if f == nil && err == nil {
				r.noSamples[ds] = append(r.noSamples[ds], row.Label)
			}
		}
		for _, p := range nnPanels(ds) {
			f, err := nnFigure(ds, p)
			add(ds, f, err)
		}
		for _, row := range ds.Rows {
			if row.Family == string(models.VAE) && len(row.OK) > 0 {
				f, err := klFigure(ds, row)
				add(ds, f, err)
			}
		}
		for _, row := range ds.Rows {
			f, err := curvesFigure(ds, row)
			add(ds, f, err)
		}
	}
	r.drawBudgetFigures()
	f, err := speedDimFigure(r.Sets)
	add(nil, f, err)
}

// Write builds the report of dir and writes out/report.md,
// out/report.html and out/figures/*.png (out defaults to dir/report). It
// returns the paths written, report.md and report.html first.
func Write(dir, out string) ([]string, error) {
	r, err := Build(dir)
	if err != nil {
		return nil, err
	}
	if out == "" {
		out = DefaultOut(dir)
	}
	return r.WriteFiles(out)
}

// DefaultOut is the report folder of a results folder: DIR/report.
func DefaultOut(dir string) string { return filepath.Join(dir, "report") }

// WriteFiles writes the built report to the folder out: report.md,
// report.html and figures/*.png, removing figures of an earlier report
// that this one no longer draws.
func (r *Report) WriteFiles(out string) ([]string, error) {
	figDir := filepath.Join(out, "figures")
	if err := os.MkdirAll(figDir, 0o755); err != nil {
		return nil, fmt.Errorf("report folder: %w", err)
	}
	var md, html strings.Builder
	if err := r.WriteMarkdown(&md); err != nil {
		return nil, fmt.Errorf("rendering report.md: %w", err)
	}
	if err := r.WriteHTML(&html); err != nil {
		return nil, fmt.Errorf("rendering report.html: %w", err)
	}
	paths := []string{filepath.Join(out, "report.md"), filepath.Join(out, "report.html")}
	for i, data := range []string{md.String(), html.String()} {
		if err := writeFile(paths[i], []byte(data)); err != nil {
			return nil, fmt.Errorf("writing %s: %w", paths[i], err)
		}
	}
	keep := map[string]bool{}
	for _, f := range r.Figures {
		keep[f.Name] = true
	}
	if old, err := filepath.Glob(filepath.Join(figDir, "*.png")); err == nil {
		for _, p := range old {
			if !keep[filepath.Base(p)] {
				os.Remove(p)
			}
		}
	}
	for _, f := range r.Figures {
		p := filepath.Join(figDir, f.Name)
		if err := writeFile(p, f.PNG); err != nil {
			return nil, fmt.Errorf("writing %s: %w", p, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// WriteMarkdown writes report.md (figures referenced as figures/<name>).
func (r *Report) WriteMarkdown(w io.Writer) error { return writeMarkdown(w, r.document()) }

// WriteHTML writes report.html: one self-contained file, figures embedded
// as data: URIs, inline CSS, no scripts and no external resources.
func (r *Report) WriteHTML(w io.Writer) error { return writeHTML(w, r.Title, r.document()) }

// writeFile writes data to path atomically (a temporary file in the same
// folder, then a rename), readable by all (0644) so the report can be
// served as it is.
func writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}
