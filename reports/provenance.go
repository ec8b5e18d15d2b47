package reports

import (
	"fmt"
	"sort"
	"strings"

	"github.com/genbench/genbench/results"
)

// distinct lists the distinct values f gives over the records, with
// counts when there are several.
func distinct(recs []*results.Record, f func(*results.Record) []string) []string {
	counts := map[string]int{}
	for _, r := range recs {
		for _, v := range f(r) {
			if v != "" {
				counts[v]++
			}
		}
	}
	keys := sortedKeys(counts)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k
		if len(keys) > 1 {
			out[i] = fmt.Sprintf("%s (%s)", k, plural(counts[k], "trial"))
		}
	}
	return out
}

func one(f func(*results.Record) string) func(*results.Record) []string {
	return func(r *results.Record) []string { return []string{f(r)} }
}

func orUnknown(v []string) string {
	if len(v) == 0 {
		return "not recorded"
	}
	return strings.Join(v, "; ")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// provenanceSection says where the numbers come from: the spec, the
// code and the machines, then which trials failed, are missing or
// unreadable, and every trial with its timings.
func (r *Report) provenanceSection() []block {
	doc := []block{heading{2, "Provenance", "provenance"}, list{r.provenanceItems()}}
	doc = append(doc, heading{3, "Failed and diverged trials", "failed"})
	doc = append(doc, r.failedTable()...)
	doc = append(doc, heading{3, "Missing trials", "missing"})
	doc = append(doc, r.missingTrials()...)
	doc = append(doc, heading{3, "Unreadable or irregular files", "unreadable"})
	if len(r.Problems) == 0 {
		doc = append(doc, para{txt("None.")})
	} else {
		pt := table{header: []string{"file", "problem"}}
		for _, p := range r.Problems {
			pt.rows = append(pt.rows, []inline{cde(p.File), txt(p.Reason)})
		}
		doc = append(doc, pt)
	}
	doc = append(doc, heading{3, "All trials", "trials"})
	if len(r.Records) == 0 {
		return append(doc, para{txt("None.")})
	}
	return append(doc, r.trialsTable())
}

// provenanceItems lists the spec, its hash, the code, the machines and
// when the trials ran, as the records say.
func (r *Report) provenanceItems() []inline {
	recs := r.Records
	var items []inline
	if r.Spec.Present {
		items = append(items, cat(txt("Spec "), cde(r.Spec.Name), txt(", hash "), cde(r.Spec.Hash), txt(" (recomputed from spec.json)")))
	} else {
		items = append(items, txt("spec.json: not found or unreadable"))
	}
	hashLine := "Spec hash in the records: " + orUnknown(distinct(recs, one(func(x *results.Record) string { return x.Provenance.SpecHash })))
	if r.Spec.Present && r.Spec.Hash != "" {
		for _, rec := range recs {
			if rec.Provenance.SpecHash != "" && rec.Provenance.SpecHash != r.Spec.Hash {
				hashLine += " — some records come from another version of the spec"
				break
			}
		}
	}
	items = append(items, txt(hashLine),
		txt("Commit: "+orUnknown(distinct(recs, one(func(x *results.Record) string { return x.Provenance.Commit })))),
		txt("Go: "+orUnknown(distinct(recs, one(func(x *results.Record) string { return x.Provenance.GoVersion })))),
		txt("Modules: "+orUnknown(moduleVersions(recs))),
		txt("CPU: "+orUnknown(distinct(recs, one(func(x *results.Record) string {
			if x.Provenance.CPU == "" {
				return ""
			}
			return fmt.Sprintf("%s, %d cores", x.Provenance.CPU, x.Provenance.Cores)
		})))),
		txt("BLAS: "+orUnknown(distinct(recs, one(func(x *results.Record) string { return x.Provenance.BLAS })))),
		txt("Dtype: "+orUnknown(distinct(recs, one(func(x *results.Record) string { return x.Provenance.Dtype })))),
	)
	first, last := "", ""
	for _, rec := range recs {
		if s := rec.Provenance.Started; s != "" && (first == "" || s < first) {
			first = s
		}
		if f := rec.Provenance.Finished; f != "" && f > last {
			last = f
		}
	}
	if first != "" {
		items = append(items, txt("Trials ran from "+first+" to "+last+" (UTC, from the records)"))
	}
	return items
}

// failedTable lists the trials that did not end ok, with their reason.
func (r *Report) failedTable() []block {
	t := table{header: []string{"trial", "data set", "model", "seed", "status", "reason"}}
	for _, rec := range r.Records {
		if rec.Status == results.StatusOK {
			continue
		}
		t.rows = append(t.rows, []inline{cde(rec.Trial), txt(r.setLabel(rec)), txt(rec.Model), txt(fmt.Sprint(rec.Seed)), bld(rec.Status), txt(orDash(rec.Reason))})
	}
	if len(t.rows) == 0 {
		return []block{para{txt("None.")}}
	}
	return []block{t}
}

// missingTrials lists the trials spec.json defines without a record or,
// without that list, the rows that lack seeds other rows have; then the
// records spec.json does not define and those found only in the index.
func (r *Report) missingTrials() []block {
	var doc []block
	switch {
	case r.Spec.Present && r.Spec.Listed && len(r.Missing) == 0:
		doc = append(doc, para{txt("None: every trial that spec.json defines has a record.")})
	case r.Spec.Present && r.Spec.Listed:
		doc = append(doc, para{txt(fmt.Sprintf("%d of the %d trials that spec.json defines have no readable record (not run yet, interrupted, or unreadable):", len(r.Missing), len(r.Spec.Trials)))})
		mt := table{header: []string{"trial", "data set", "model", "type", "seed"}}
		for _, m := range r.Missing {
			label := m.Dataset
			for _, ds := range r.Sets {
				if ds.key == m.DatasetKey {
					label = ds.Label
				}
			}
			mt.rows = append(mt.rows, []inline{cde(m.ID), txt(label), txt(m.Model), txt(m.Type), txt(m.Seed)})
		}
		doc = append(doc, mt)
	default:
		why := "Without spec.json the expected trials are unknown"
		if r.Spec.Present {
			why = "spec.json does not list its trials (written by an older genbench), so the expected trials are unknown"
		}
		if gaps := seedGaps(r.Sets); len(gaps) == 0 {
			doc = append(doc, para{txt(why + "; every (data set, model) row has a record for every seed seen.")})
		} else {
			doc = append(doc, para{txt(why + "; these (data set, model) rows lack seeds that other rows have:")}, list{gaps})
		}
	}
	if len(r.Unexpected) > 0 {
		doc = append(doc, para{txt("Records of trials that spec.json does not define (from an earlier spec in the same folder?); they are included above:")}, list{codeItems(r.Unexpected)})
	}
	if len(r.FromIndex) > 0 {
		doc = append(doc, para{txt("Records found only in results.json, not in trials/:")}, list{codeItems(r.FromIndex)})
	}
	return doc
}

// trialsTable lists every trial with its status, training and timings.
func (r *Report) trialsTable() table {
	at := table{header: []string{"trial", "data set", "status", "NLL kind", "epochs", "stopped", "train s", "started", "finished"},
		right: []bool{false, false, false, false, true, false, true}}
	for _, rec := range r.Records {
		epochs, stopped := "—", "—"
		if rec.Training != nil {
			epochs, stopped = fmt.Sprint(rec.Training.Epochs), orDash(rec.Training.Stopped)
		}
		ts := "—"
		if v, ok := rec.Metrics["train_seconds"]; ok {
			ts = fmtSig(v, 3)
		}
		at.rows = append(at.rows, []inline{cde(rec.Trial), txt(r.setLabel(rec)), txt(rec.Status), txt(rec.NLLKind), txt(epochs), txt(stopped), txt(ts),
			txt(orDash(rec.Provenance.Started)), txt(orDash(rec.Provenance.Finished))})
	}
	return at
}

func codeItems(ids []string) []inline {
	items := make([]inline, len(ids))
	for i, id := range ids {
		items[i] = cde(id)
	}
	return items
}

// seedGaps lists (data set, model) rows missing seeds that other rows of
// the folder have.
func seedGaps(sets []*DataSet) []inline {
	all := map[uint64]bool{}
	for _, ds := range sets {
		for _, row := range ds.Rows {
			for _, t := range row.Trials {
				all[t.Seed] = true
			}
		}
	}
	var out []inline
	for _, ds := range sets {
		for _, row := range ds.Rows {
			have := map[uint64]bool{}
			for _, t := range row.Trials {
				have[t.Seed] = true
			}
			var miss []uint64
			for s := range all {
				if !have[s] {
					miss = append(miss, s)
				}
			}
			if len(miss) == 0 {
				continue
			}
			sort.Slice(miss, func(i, j int) bool { return miss[i] < miss[j] })
			ms := make([]string, len(miss))
			for i, s := range miss {
				ms[i] = fmt.Sprint(s)
			}
			out = append(out, txt(fmt.Sprintf("%s / %s: seeds %s", ds.Label, row.Label, strings.Join(ms, ", "))))
		}
	}
	return out
}

// moduleVersions lists each module with its version, and with trial
// counts when the records disagree on a module's version.
func moduleVersions(recs []*results.Record) []string {
	byMod := map[string]map[string]int{}
	for _, r := range recs {
		for m, v := range r.Provenance.Modules {
			if byMod[m] == nil {
				byMod[m] = map[string]int{}
			}
			byMod[m][v]++
		}
	}
	var out []string
	for _, m := range sortedKeys(byMod) {
		vs := sortedKeys(byMod[m])
		if len(vs) == 1 {
			out = append(out, m+" "+vs[0])
			continue
		}
		parts := make([]string, len(vs))
		for i, v := range vs {
			parts[i] = fmt.Sprintf("%s (%s)", v, plural(byMod[m][v], "trial"))
		}
		out = append(out, m+" "+strings.Join(parts, ", "))
	}
	return out
}

// setLabel is the label of the data set a record belongs to.
func (r *Report) setLabel(rec *results.Record) string {
	key := parseTrialSpec(rec).datasetKey
	for _, ds := range r.Sets {
		if ds.key == key {
			return ds.Label
		}
	}
	return rec.Dataset
}
