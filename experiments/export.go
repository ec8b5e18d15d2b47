package experiments

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/genbench/genbench/metrics"
	"github.com/genbench/genbench/results"
)

// ExportColumns are the columns of ExportCSV, in order.
var ExportColumns = []string{"trial", "dataset", "model", "type", "family", "seed", "sweep", "status",
	"metric", "value", "nll_kind", "n", "protocol", "eval_seed"}

// metricProtocol is the protocol note of a record key: the note of the
// metric that declares the key (metrics.KeyOf, with _stderr, _n and
// _nonfinite companions declared beside their key), "" for keys no metric
// declares.
func metricProtocol(name string) string {
	if _, m, ok := metrics.KeyOf(name); ok {
		return m.Name
	}
	return ""
}

// nllMetric reports the metrics whose kind (exact, bound, estimate) is the
// record's NLL kind.
func nllMetric(name string) bool {
	return strings.HasPrefix(name, "test_nll") && !strings.HasPrefix(name, "test_nll_bound") ||
		strings.HasPrefix(name, "bits_per_dim") || strings.HasPrefix(name, "nll_gap")
}

// writeEvalSeedRows writes, after the row of a key repeated under several
// evaluation seeds (whose value is their mean), one row per evaluation
// seed with that seed's value and the seed in the eval_seed column.
func writeEvalSeedRows(cw *csv.Writer, r *results.Record, name string) error {
	vs, ok := r.EvalSeeds.Of(name)
	if !ok {
		return nil
	}
	for i, v := range vs {
		row := append(exportRow(r, name, strconv.FormatFloat(v, 'g', -1, 64)), strconv.FormatUint(r.EvalSeeds.Seeds[i], 10))
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	return nil
}

// ExportCSV writes the records as a tidy table: one row per trial ×
// metric (a non-finite value as NaN; a trial without metrics as one row
// with an empty metric), with the trial's data set, model, type, family,
// seed, sweep point and status, the metric's NLL kind where it has one,
// its number of test examples (the metric's _n companion) and the
// protocol note that says how it was measured; eval_seed is empty on
// the record's value and holds the evaluation seed on the rows that
// follow a key measured under several (their mean is the record's
// value). Rows are sorted by trial and metric.
func ExportCSV(w io.Writer, recs []*results.Record) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ExportColumns); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	sorted := append([]*results.Record(nil), recs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Trial < sorted[j].Trial })
	for _, r := range sorted {
		values := map[string]string{}
		for name, v := range r.Metrics {
			values[name] = strconv.FormatFloat(v, 'g', -1, 64)
		}
		for _, name := range r.NonFinite {
			values[name] = "NaN"
		}
		names := make([]string, 0, len(values))
		for name := range values {
			names = append(names, name)
		}
		sort.Strings(names)
		if len(names) == 0 {
			names = []string{""}
		}
		for _, name := range names {
			if err := cw.Write(append(exportRow(r, name, values[name]), "")); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			if err := writeEvalSeedRows(cw, r, name); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

func exportRow(r *results.Record, name, value string) []string {
	kind, n := "", ""
	if nllMetric(name) {
		kind = r.NLLKind
	}
	if !helperMetric(name) {
		if v, ok := r.Metrics[name+"_n"]; ok {
			n = strconv.FormatFloat(v, 'g', -1, 64)
		}
	}
	note := ""
	if key := metricProtocol(name); key != "" {
		note = r.Protocol[key]
	}
	return []string{r.Trial, r.Dataset, r.Model, r.Type, r.Family, strconv.FormatUint(r.Seed, 10), r.Sweep.String(), r.Status,
		name, value, kind, n, note}
}
