package reports

import (
	"fmt"
	"strconv"
)

// classShareKey is the record key of class i's share of the samples
// (metrics: class coverage's class histogram).
func classShareKey(i int) string { return "class_share_" + strconv.Itoa(i) }

// classSection is the class histogram of a data set's models: for each
// row with class_share_<i> in its records, the mean share of its samples
// in each class, under the class names the artifacts carry (the label
// number when none do). Nil when no row has shares.
func classSection(ds *DataSet) []block {
	classes := 0
	var rows []*Row
	for _, row := range ds.Rows {
		n := 0
		for row.Stat(classShareKey(n)).Has() {
			n++
		}
		if n > 0 {
			rows = append(rows, row)
			classes = max(classes, n)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	names := classNames(ds)
	t := table{header: []string{"model"}, right: []bool{false}}
	for i := range classes {
		name := strconv.Itoa(i)
		if i < len(names) {
			name = names[i]
		}
		t.header = append(t.header, name)
		t.right = append(t.right, true)
	}
	for _, row := range rows {
		cells := []inline{txt(row.Label)}
		for i := range classes {
			s := row.Stat(classShareKey(i))
			if !s.Has() {
				cells = append(cells, txt("—"))
				continue
			}
			cells = append(cells, txt(fmtPct(s.Mean)))
		}
		t.rows = append(t.rows, cells)
	}
	return []block{
		para{cat(bld("Classes of the samples."), txt(fmt.Sprintf(" The share of each model's class-coverage samples that the data set's classifier puts in each class, mean over ok seeds; an even histogram has 1/%d in each (class KL in the table above measures the distance to it).", classes)))},
		t,
	}
}

// classNames are the data set's class names, from the first artifact (in
// row and seed order) that carries them; nil when none does.
func classNames(ds *DataSet) []string {
	for _, row := range ds.Rows {
		for _, rec := range row.OK {
			if a := row.Artifacts[rec.Trial]; a != nil && len(a.ClassNames) > 0 {
				return a.ClassNames
			}
		}
	}
	return nil
}
