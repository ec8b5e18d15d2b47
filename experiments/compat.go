package experiments

import (
	"fmt"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
)

// checkModelData refuses a model whose type cannot take a data set it runs
// on (pixelcnn on 2-D vectors, a flow on binarized images), as its type
// declares (models.Type.Accepts) against the data set's form
// (datasets.Source.Layout); with a sweep, at every sweep point, since a
// sweep may change a data set's preprocessing. Types and data sets that
// do not declare these facts are not checked. One error per model and
// data set.
func (p *parser) checkModelData(s *Spec, infos []datasetInfo, modelOK []bool) {
	reported := map[[2]int]bool{}
	check := func(ds []DatasetSpec, ms []ModelSpec, where string) {
		for i, d := range ds {
			form, ok := declaredForm(d, infos[i])
			if !ok {
				continue
			}
			for j, m := range ms {
				typ, known := models.Lookup(m.Type)
				if !modelOK[j] || !known || typ.Accepts == 0 || !m.Runs(d) || reported[[2]int{i, j}] {
					continue
				}
				if err := typ.Admit(form.Kind == datasets.Binary, form.Shape); err != nil {
					reported[[2]int{i, j}] = true
					p.errorf(m.Line, fmt.Sprintf("models[%d].type", j), "model %s cannot run on data set %s (datasets[%d], line %d)%s: %v",
						m.Name, d.Label, i, d.Line, where, err)
				}
			}
		}
	}
	check(s.Datasets, s.Models, "")
	if s.Sweep != nil {
		for _, pt := range s.Sweep.points() {
			ds, ms, _, _ := s.pointSpec(pt)
			check(ds, ms, " at a sweep point")
		}
	}
}

// declaredForm returns the form of a valid data set entry whose source
// declares one.
func declaredForm(d DatasetSpec, info datasetInfo) (datasets.Layout, bool) {
	src, ok := datasets.Lookup(d.Name)
	if !info.ok || !ok || src.Layout == nil {
		return datasets.Layout{}, false
	}
	set, err := info.schema.Resolve(d.Params)
	if err != nil {
		return datasets.Layout{}, false
	}
	return src.Layout(set), true
}
