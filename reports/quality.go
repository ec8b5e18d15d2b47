package reports

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/genbench/genbench/metrics"
)

// The comparison tables group rows by data set entry, so a spec that feeds
// each family the form of an image data set its likelihood needs (flows
// dequantized logits, autoregressive models and VAEs binarized pixels, GANs
// grey levels) gets one table per form, and no table ranks the families'
// samples against each other. Sample-quality metrics map samples back to
// pixel intensities first, so they can be ranked across forms, but only
// against the same real images: FD, KID and PRDC compare samples with the
// trial's own test split, and binarized test images are another reference
// than grey ones. qualitySection therefore ranks, per data set name and data
// kind (binary or continuous), every model of every form, and shows each
// form's floor so that a reader sees how far the references differ.

// qualityGroup is the rows of one data set name and data kind.
type qualityGroup struct {
	name, kind string
	sets       []*DataSet
	rows       []*Row
}

// qualityKeys are the record keys the report ranks across forms: the
// columns of metrics that judge image samples (metrics.NeedsSamples and
// NeedsImages in the registry) with a better direction, by column rank;
// floors are those metrics' keys that declare what real data scores.
func qualityKeys() (ranked, floors []metrics.Key, protocols []string) {
	for _, m := range metrics.All() {
		if m.Needs&metrics.NeedsSamples == 0 || m.Needs&metrics.NeedsImages == 0 {
			continue
		}
		protocols = append(protocols, m.Name)
		for _, k := range m.Keys {
			switch {
			case k.FloorOf != "":
				floors = append(floors, k)
			case k.Column != nil && k.Better != metrics.Neither:
				ranked = append(ranked, k)
			}
		}
	}
	sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].Column.Rank < ranked[j].Column.Rank })
	return ranked, floors, protocols
}

// qualityGroups collects the groups with rows of at least two data set
// entries (forms) and at least one ranked key measured.
func qualityGroups(sets []*DataSet, ranked []metrics.Key) []*qualityGroup {
	var groups []*qualityGroup
	index := map[[2]string]*qualityGroup{}
	for _, ds := range sets {
		var rows []*Row
		for _, row := range ds.Rows {
			if hasAny(row, ranked) {
				rows = append(rows, row)
			}
		}
		if len(rows) == 0 {
			continue
		}
		id := [2]string{ds.Name, ds.Kind}
		g := index[id]
		if g == nil {
			g = &qualityGroup{name: ds.Name, kind: ds.Kind}
			index[id] = g
			groups = append(groups, g)
		}
		g.sets = append(g.sets, ds)
		g.rows = append(g.rows, rows...)
	}
	var keep []*qualityGroup
	for _, g := range groups {
		if len(g.sets) > 1 {
			keep = append(keep, g)
		}
	}
	return keep
}

func hasAny(row *Row, keys []metrics.Key) bool {
	for _, k := range keys {
		if row.Stat(k.Name).Has() {
			return true
		}
	}
	return false
}

// qualitySection is "Sample quality across data forms"; nil when no data
// set was measured in two forms.
func (r *Report) qualitySection() []block {
	ranked, floors, protocols := qualityKeys()
	groups := qualityGroups(r.Sets, ranked)
	if len(groups) == 0 {
		return nil
	}
	doc := []block{heading{2, "Sample quality across data forms", "quality"}, para{txt(
		"The comparison tables hold one form of a data set each (its preprocessing). Here every model of a data set is ranked on the sample-quality metrics, " +
			"whatever form it was trained on: samples are mapped to pixel intensities before they are judged. FD, KID and PRDC compare samples with the trial's own test images, " +
			"so forms are ranked together only when their data kind is the same (binarized test images are another reference than grey ones); each form's floor " +
			"(its test images against as many validation images, the best a model can score at that n) shows how far the references differ. " +
			"Ranks are by the mean over training seeds (1 = best; equal means share a rank), each value ± its standard deviation over seeds. " +
			"They are descriptive, not tested: with 3 seeds a model cannot differ from another at α = 0.05 in an exact permutation test over seeds " +
			"(its smallest two-sided p-value is 2/C(6, 3) = 0.1); genbench compare gives each value a bootstrap interval over seeds.")}}
	for _, g := range groups {
		doc = append(doc, qualityGroupBlocks(g, ranked, floors, protocols)...)
	}
	return doc
}

func qualityGroupBlocks(g *qualityGroup, ranked, floors []metrics.Key, protocols []string) []block {
	var labels []string
	for _, ds := range g.sets {
		labels = append(labels, ds.Label)
	}
	id := "quality-" + slugify(g.name+"-"+g.kind)
	doc := []block{heading{3, fmt.Sprintf("%s, %s forms (%s)", g.name, g.kind, strings.Join(labels, ", ")), id}}
	var keys []metrics.Key
	for _, k := range ranked {
		for _, row := range g.rows {
			if row.Stat(k.Name).Has() {
				keys = append(keys, k)
				break
			}
		}
	}
	t := table{header: []string{"model", "form", "family", "seeds ok"}, right: []bool{false, false, false, true}}
	ranks := make([]map[*Row]int, len(keys))
	for i, k := range keys {
		t.header = append(t.header, k.Column.Header+" (rank)")
		t.right = append(t.right, true)
		ranks[i] = rankByMean(g.rows, k)
	}
	for _, row := range g.rows {
		cells := []inline{txt(row.Model), txt(row.Set.Label), txt(row.Family), seedsCell(row)}
		for i, k := range keys {
			cells = append(cells, qualityCell(row, k, ranks[i][row]))
		}
		t.rows = append(t.rows, cells)
	}
	doc = append(doc, t)
	var notes []inline
	for _, ds := range g.sets {
		if f := floorText(ds, floors); f != "" {
			notes = append(notes, txt(fmt.Sprintf("Floor of %s: %s.", ds.Label, f)))
		}
	}
	notes = append(notes, protocolNotes(g.rows, func(key string) bool { return slices.Contains(protocols, key) })...)
	if len(notes) > 0 {
		doc = append(doc, list{notes})
	}
	return doc
}

// rankByMean ranks the rows with a value of k by their mean over seeds in
// k's better direction; equal means share a rank.
func rankByMean(rows []*Row, k metrics.Key) map[*Row]int {
	type entry struct {
		row  *Row
		mean float64
	}
	var es []entry
	for _, row := range rows {
		if s := row.Stat(k.Name); s.Has() && finite(s.Mean) {
			es = append(es, entry{row, s.Mean})
		}
	}
	sort.SliceStable(es, func(i, j int) bool { return better(es[i].mean, es[j].mean, k.Better == metrics.Lower) })
	out := map[*Row]int{}
	for i, e := range es {
		if i > 0 && e.mean == es[i-1].mean {
			out[e.row] = out[es[i-1].row]
			continue
		}
		out[e.row] = i + 1
	}
	return out
}

func qualityCell(row *Row, k metrics.Key, rank int) inline {
	s := row.Stat(k.Name)
	if !s.Has() {
		return nil
	}
	v := metricCell(k)(row)
	if rank == 0 {
		return v
	}
	if rank == 1 {
		return cat(emphasized(v), txt(" (1)"))
	}
	return cat(v, txt(fmt.Sprintf(" (%d)", rank)))
}

// floorText lists a form's floors by the key they are the floor of,
// "fd 4.50, kid −0.0001"; the
// floors are stable keys, the same in every trial of the form, so the first
// ok trial's value stands for all.
func floorText(ds *DataSet, floors []metrics.Key) string {
	var parts []string
	for _, k := range floors {
		for _, row := range ds.Rows {
			if s := row.Stat(k.Name); s.Has() {
				parts = append(parts, k.FloorOf+" "+fmtSig(s.Values[0], 3))
				break
			}
		}
	}
	return strings.Join(parts, ", ")
}
