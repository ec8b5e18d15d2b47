package experiments

import (
	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/results"
)

// TrialSpecs lists every (data set, model, sweep point, seed) combination
// in spec order: data sets outer, then models, then sweep points, then
// seeds. A trial that several sweep points leave the same (an axis on
// another model) is listed once, with the first such point.
func (s *Spec) TrialSpecs() []Trial {
	var trials []Trial
	seen := map[string]bool{}
	points := s.Sweep.points()
	specs := make([]struct {
		ds         []DatasetSpec
		ms         []ModelSpec
		ev         EvalSpec
		overridden []map[string]bool
	}, len(points))
	for p, pt := range points {
		x := &specs[p]
		x.ds, x.ms, x.ev, x.overridden = s.pointSpec(pt)
	}
	for i := range s.Datasets {
		for j := range s.Models {
			if !s.Models[j].Runs(s.Datasets[i]) {
				continue
			}
			for p, pt := range points {
				x := specs[p]
				var point results.SweepPoint
				if s.Sweep != nil {
					point = results.SweepPoint{}
					for a, ax := range s.Sweep.Axes {
						if ax.touches(i, j, x.overridden) {
							point[ax.Path] = ax.Values[pt[a]]
						}
					}
				}
				for _, seed := range s.Seeds {
					// The id hashes the effective eval block: without
					// overrides, the global one, as before overrides existed.
					eval := x.ms[j].EffectiveEval(x.ev)
					t := Trial{Dataset: x.ds[i], Model: x.ms[j], Seed: seed, Eval: eval, Sweep: point}
					t.ID = trialID(t)
					if seen[t.ID] {
						continue
					}
					seen[t.ID] = true
					trials = append(trials, t)
				}
			}
		}
	}
	return trials
}

func trialID(t Trial) string {
	id, err := results.TrialID(t.Dataset.Name, t.Model.Name, t.Seed, t.identity())
	if err != nil {
		// Parse rejects every value JSON cannot hold.
		panic("experiments: " + err.Error())
	}
	return id
}

// identity is what defines a trial: what its ID hashes and its record
// keeps as provenance.spec.
func (t Trial) identity() any {
	return struct {
		Dataset canonDataset `json:"dataset"`
		Model   canonModel   `json:"model"`
		Seed    uint64       `json:"seed"`
		Eval    EvalSpec     `json:"eval"`
	}{canonDatasetOf(t.Dataset), canonModelOf(t.Model), t.Seed, t.Eval}
}

// Canonical forms: what defines a spec or a trial, without positions.

type canonDataset struct {
	Name   string         `json:"name"`
	Params map[string]any `json:"params"`
}

type canonModel struct {
	Name   string         `json:"name"`
	Type   string         `json:"type"`
	Params map[string]any `json:"params"`
	Train  TrainSpec      `json:"train"`
	// Eval holds the model's eval overrides in the spec's canonical form
	// (its hash and DIR/spec.json) only: a trial hashes its effective eval
	// block instead, so that an override equal to the global value leaves
	// the trial id alone. Omitted when empty, so that specs without
	// overrides hash as before.
	Eval map[string]any `json:"eval,omitempty"`
}

// canonDatasetOf and canonModelOf leave out parameters equal to their
// default: a trial is the same whether a default is spelled out or not.
func canonDatasetOf(d DatasetSpec) canonDataset {
	p := nonNil(d.Params)
	if src, ok := datasets.Lookup(d.Name); ok {
		p = withoutDefaults(p, src.Params)
	}
	return canonDataset{Name: d.Name, Params: p}
}

func canonModelOf(m ModelSpec) canonModel {
	p := nonNil(m.Params)
	if ty, ok := models.Lookup(m.Type); ok {
		p = withoutDefaults(p, ty.Params)
	}
	return canonModel{Name: m.Name, Type: m.Type, Params: p, Train: m.Train}
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func (s *Spec) canonical() any {
	ds := make([]canonDataset, len(s.Datasets))
	for i, d := range s.Datasets {
		ds[i] = canonDatasetOf(d)
	}
	ms := make([]canonModel, len(s.Models))
	for i, m := range s.Models {
		ms[i] = canonModelOf(m)
		ms[i].Eval = m.EvalOverride
	}
	// Which models run on which data sets is part of the spec, not of a
	// trial: the same trial keeps its id whatever filters select it.
	var labels []string
	runsOn := map[string][]string{}
	for _, d := range s.Datasets {
		labels = append(labels, d.Label)
	}
	for _, m := range s.Models {
		if len(m.On) > 0 {
			runsOn[m.Name] = m.On
		}
	}
	if len(runsOn) == 0 {
		labels, runsOn = nil, nil
	}
	return struct {
		Name     string              `json:"name"`
		Seeds    []uint64            `json:"seeds"`
		Datasets []canonDataset      `json:"datasets"`
		Models   []canonModel        `json:"models"`
		Eval     EvalSpec            `json:"eval"`
		Sweep    *canonSweep         `json:"sweep,omitempty"`
		Labels   []string            `json:"dataset_labels,omitempty"`
		RunsOn   map[string][]string `json:"runs_on,omitempty"`
	}{s.Name, s.Seeds, ds, ms, s.Eval, s.Sweep.canonical(), labels, runsOn}
}
