package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/results"
)

// DataSet groups the rows of one data set as a spec defined it: the same
// name with other parameters (binarized and logit MNIST) is another DataSet.
type DataSet struct {
	Name     string
	Params   string // "key=value, ..." sorted; "" when defaults only
	Label    string // Name, plus [Params] when they are not the defaults
	Slug     string // unique, file-name safe
	Dim      int
	Kind     string
	Protocol []string
	Rows     []*Row
	params   map[string]any
	key      string
}

// Row is one model on one data set, aggregated over seeds.
type Row struct {
	Set   *DataSet
	Model string
	// Label is Model, followed by the settings that tell it apart when
	// several rows of a data set share the model name (sweep points):
	// "maf-5 [train.lr=0.0001]".
	Label  string
	Type   string
	Family string
	// Kind is the NLL kind of the row's ok trials; "mixed" when seeds
	// disagree (never ranked).
	Kind      string
	Trials    []*results.Record // every trial of the row, by seed
	OK        []*results.Record // trials with status ok, by seed
	Missing   int               // trials spec.json defines without a record
	Artifacts map[string]*results.Artifacts
	spec      trialSpec
	facts     modelFacts
}

// trialSpec is what provenance.spec of a record says about its trial.
type trialSpec struct {
	modelKey      string            // canonical {model, eval}: one row per distinct value
	settings      map[string]string // flattened model and eval settings
	datasetKey    string
	datasetName   string
	datasetParams map[string]any
	modelParams   map[string]any
	train         *trainSettings
}

func parseTrialSpec(r *results.Record) trialSpec {
	return parseIdentity(r.Dataset, r.Provenance.Spec)
}

// parseIdentity reads a resolved trial {dataset, model, seed, eval} as a
// record's provenance.spec and spec.json's trial list hold it.
func parseIdentity(dataset string, spec json.RawMessage) trialSpec {
	ts := trialSpec{datasetKey: "name:" + dataset, datasetName: dataset}
	if len(spec) == 0 {
		return ts
	}
	var raw struct {
		Dataset json.RawMessage `json:"dataset"`
		Model   struct {
			Params map[string]any `json:"params"`
			Train  *trainSettings `json:"train"`
		} `json:"model"`
	}
	dec := json.NewDecoder(bytes.NewReader(spec))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return ts
	}
	ts.modelParams, ts.train = raw.Model.Params, raw.Model.Train
	var generic struct {
		Model map[string]any `json:"model"`
		Eval  map[string]any `json:"eval"`
	}
	dec = json.NewDecoder(bytes.NewReader(spec))
	dec.UseNumber()
	if dec.Decode(&generic) == nil {
		ts.modelKey, ts.settings = modelIdentity(generic.Model, generic.Eval)
	}
	var ds struct {
		Name   string         `json:"name"`
		Params map[string]any `json:"params"`
	}
	dec = json.NewDecoder(bytes.NewReader(raw.Dataset))
	dec.UseNumber()
	if len(raw.Dataset) > 0 && dec.Decode(&ds) == nil && ds.Name != "" {
		if key, err := results.CanonicalJSON(map[string]any{"name": ds.Name, "params": ds.Params}); err == nil {
			ts.datasetKey = string(key)
		}
		ts.datasetName, ts.datasetParams = ds.Name, ds.Params
	}
	return ts
}

// formatParams writes a parameter map as "k=v, k=v" with sorted keys.
func formatParams(p map[string]any) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v, err := json.Marshal(p[k])
		s := string(v)
		if err != nil {
			s = fmt.Sprint(p[k])
		}
		s = strings.ReplaceAll(strings.Trim(s, `"`), `"`, "")
		parts[i] = k + "=" + s
	}
	return strings.Join(parts, ", ")
}

var familyOrder = map[string]int{string(models.Flow): 0, string(models.Autoregressive): 1, string(models.VAE): 2, string(models.IAE): 3, string(models.GAN): 4}

func familyRank(f string) int {
	if r, ok := familyOrder[f]; ok {
		return r
	}
	return len(familyOrder)
}

// group sorts records into data sets and rows, and adds the trials that
// spec.json defines without a record (missing) to their rows, creating
// rows and data sets that have no record at all. Records are sorted by
// trial id on entry; the result is sorted by data set name and
// parameters, then family (flow, autoregressive, vae, iae, gan, other),
// then model name.
func group(recs []*results.Record, missing []ExpectedTrial) []*DataSet {
	g := grouper{sets: map[string]*DataSet{}, rows: map[[3]string]*Row{}}
	for _, m := range missing {
		g.addMissing(m)
	}
	for _, r := range recs {
		g.addRecord(r)
	}
	out := sortedSets(g.sets)
	for _, ds := range out {
		for _, row := range ds.Rows {
			sortTrials(row)
		}
		labelRows(ds.Rows)
		sort.Slice(ds.Rows, func(i, j int) bool {
			a, b := ds.Rows[i], ds.Rows[j]
			if fa, fb := familyRank(a.Family), familyRank(b.Family); fa != fb {
				return fa < fb
			}
			if a.Model != b.Model {
				return a.Model < b.Model
			}
			return a.Label < b.Label
		})
	}
	return out
}

// unknownFamily is the family of a row whose records and registry say
// nothing about it.
const unknownFamily = "unknown"

// grouper collects data sets by key and rows by (data set key, model,
// model key).
type grouper struct {
	sets map[string]*DataSet
	rows map[[3]string]*Row
}

func (g *grouper) set(key, name string, params map[string]any) *DataSet {
	ds := g.sets[key]
	if ds == nil {
		ds = &DataSet{Name: name, Params: formatParams(params), params: params, key: key}
		g.sets[key] = ds
	}
	return ds
}

// addMissing counts a trial spec.json defines without a record in its
// row, creating the row from the registry's facts about its type.
func (g *grouper) addMissing(m ExpectedTrial) {
	ds := g.set(m.DatasetKey, m.Dataset, m.datasetParams)
	key := [3]string{m.DatasetKey, m.Model, m.modelKey}
	row := g.rows[key]
	if row == nil {
		row = &Row{Set: ds, Model: m.Model, Type: m.Type, Family: registeredFamily(m.Type), spec: trialSpec{settings: m.settings},
			facts: registeredFacts(m.Type)}
		g.rows[key] = row
		ds.Rows = append(ds.Rows, row)
	}
	row.Missing++
}

// addRecord adds a record to its row; the row takes its facts and family
// from the records.
func (g *grouper) addRecord(r *results.Record) {
	ts := parseTrialSpec(r)
	ds := g.set(ts.datasetKey, ts.datasetName, ts.datasetParams)
	if ds.Dim == 0 && r.Data.Dim > 0 {
		ds.Dim, ds.Kind, ds.Protocol = r.Data.Dim, r.Data.Kind, r.Data.Protocol
	}
	key := [3]string{ts.datasetKey, r.Model, ts.modelKey}
	row := g.rows[key]
	if row == nil {
		row = &Row{Set: ds, Model: r.Model, Type: r.Type, spec: ts}
		g.rows[key] = row
		ds.Rows = append(ds.Rows, row)
	}
	if len(row.Trials) == 0 || r.ModelInfo != nil {
		row.facts = factsOf(r)
	}
	if row.Family == "" || row.Family == unknownFamily {
		row.Family = r.Family
		if row.Family == "" {
			row.Family = unknownFamily
		}
	}
	if row.spec.datasetKey == "" {
		row.spec = ts
	}
	if row.spec.settings == nil {
		row.spec.settings = ts.settings
	}
	row.Trials = append(row.Trials, r)
	if r.Status == results.StatusOK {
		row.OK = append(row.OK, r)
		if row.spec.train == nil {
			row.spec = ts
		}
	}
}

// sortedSets labels the data sets (with their parameters when a name
// repeats), sorts them by name and parameters and gives each a unique
// slug.
func sortedSets(sets map[string]*DataSet) []*DataSet {
	var out []*DataSet
	byName := map[string]int{}
	for _, ds := range sets {
		out = append(out, ds)
		byName[ds.Name]++
	}
	for _, ds := range out {
		ds.Label = ds.Name
		if byName[ds.Name] > 1 && ds.Params != "" {
			ds.Label = ds.Name + " [" + ds.Params + "]"
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Params < out[j].Params
	})
	used := map[string]int{}
	for _, ds := range out {
		slug := slugify(ds.Name)
		if byName[ds.Name] > 1 && ds.Params != "" {
			slug = slugify(ds.Name + "-" + paramValues(ds.params))
			if len(slug) > 48 {
				slug = strings.TrimRight(slug[:48], "-.")
			}
		}
		used[slug]++
		if n := used[slug]; n > 1 {
			slug = fmt.Sprintf("%s-%d", slug, n)
		}
		ds.Slug = slug
	}
	return out
}

// sortTrials orders a row's trials by seed and sets its NLL kind: the
// kind of its ok trials, "mixed" when they disagree.
func sortTrials(row *Row) {
	sort.SliceStable(row.Trials, func(i, j int) bool { return row.Trials[i].Seed < row.Trials[j].Seed })
	sort.SliceStable(row.OK, func(i, j int) bool { return row.OK[i].Seed < row.OK[j].Seed })
	row.Kind = ""
	for _, r := range row.OK {
		switch {
		case row.Kind == "":
			row.Kind = r.NLLKind
		case row.Kind != r.NLLKind:
			row.Kind = "mixed"
		}
	}
	if row.Kind == "" && len(row.Trials) > 0 {
		row.Kind = row.Trials[0].NLLKind
	}
}

func paramValues(p map[string]any) string {
	var parts []string
	for _, k := range sortedKeys(p) {
		b, err := json.Marshal(p[k])
		if err != nil {
			continue
		}
		parts = append(parts, string(b))
	}
	return strings.Join(parts, "-")
}

// slugify makes a file-name-safe lower-case name.
func slugify(s string) string {
	s = results.SanitizeID(s)
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	s = strings.Trim(s, "-.")
	if s == "" {
		s = "x"
	}
	return s
}

// Stat summarises one metric over a row's ok seeds.
type Stat struct {
	N                   int
	Mean, SD, Min, Max  float64
	Values              []float64 // by seed
	StdErr              float64   // the single seed's "<key>_stderr" metric, NaN if absent
	NonFinite, Expected int       // ok seeds whose value was not finite; ok seeds
}

// Has reports whether any seed has a finite value.
func (s Stat) Has() bool { return s.N > 0 }

// Stat summarises metric key over the row's ok seeds (finite values only).
func (r *Row) Stat(key string) Stat {
	s := Stat{StdErr: math.NaN(), Expected: len(r.OK)}
	for _, rec := range r.OK {
		if v, ok := rec.Metrics[key]; ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
			s.Values = append(s.Values, v)
		}
		for _, nf := range rec.NonFinite {
			if nf == key {
				s.NonFinite++
			}
		}
	}
	s.N = len(s.Values)
	if s.N == 0 {
		s.Mean, s.SD, s.Min, s.Max = math.NaN(), math.NaN(), math.NaN(), math.NaN()
		return s
	}
	s.Min, s.Max = math.Inf(1), math.Inf(-1)
	var sum float64
	for _, v := range s.Values {
		sum += v
		s.Min, s.Max = math.Min(s.Min, v), math.Max(s.Max, v)
	}
	s.Mean = sum / float64(s.N)
	s.SD = math.NaN()
	if s.N > 1 {
		var ss float64
		for _, v := range s.Values {
			ss += (v - s.Mean) * (v - s.Mean)
		}
		s.SD = math.Sqrt(ss / float64(s.N-1))
	}
	if s.N == 1 {
		for _, rec := range r.OK {
			if se, ok := rec.Metrics[key+"_stderr"]; ok {
				if _, has := rec.Metrics[key]; has {
					s.StdErr = se
				}
			}
		}
	}
	return s
}

// Spread is the ± of the row's value: 2 standard errors over test examples
// for a single seed (when the metric has one), the standard deviation over
// seeds for several, NaN otherwise; its name says which.
func (s Stat) Spread() (float64, string) {
	switch {
	case s.N > 1:
		return s.SD, "sd"
	case s.N == 1 && !math.IsNaN(s.StdErr):
		return 2 * s.StdErr, "2se"
	}
	return math.NaN(), ""
}

// latentSize is the number of latent units of a VAE row: the metric
// latent_dim if recorded, else the number of kl_dim_<u> metrics, else the
// model parameter "latent"; 0 when unknown.
func (r *Row) latentSize() int {
	for _, rec := range r.OK {
		if v, ok := rec.Metrics["latent_dim"]; ok && v > 0 {
			return int(v)
		}
		n := 0
		for k := range rec.Metrics {
			if strings.HasPrefix(k, "kl_dim_") {
				n++
			}
		}
		if n > 0 {
			return n
		}
	}
	if v, ok := r.spec.modelParams["latent"]; ok {
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil && i > 0 {
				return int(i)
			}
		}
	}
	return 0
}

// klPerDim returns the mean over ok seeds of kl_dim_<u>, u = 0.., in unit
// order; nil when absent.
func (r *Row) klPerDim() []float64 {
	var out []float64
	for u := 0; ; u++ {
		s := r.Stat(fmt.Sprintf("kl_dim_%d", u))
		if !s.Has() {
			return out
		}
		out = append(out, s.Mean)
	}
}

// sequentialSampler reports whether the row's model draws a sample with
// one network pass per dimension or pixel (its records say so).
func (r *Row) sequentialSampler() bool { return r.facts.sequential }

// baseline reports whether the row is a closed-form baseline, which the
// family claims leave out.
func (r *Row) baseline() bool { return r.facts.baseline }

// modelIdentity returns the canonical JSON of a trial's resolved model and
// eval settings (rows differ when these do: sweep points) and the same
// settings flattened to "params.hidden" = "64", "train.lr" = "0.001",
// "eval.importance_k" = "1000".
func modelIdentity(model, eval map[string]any) (string, map[string]string) {
	key, err := results.CanonicalJSON(map[string]any{"model": model, "eval": eval})
	if err != nil {
		return "", nil
	}
	flat := map[string]string{}
	for k, v := range model {
		if k != "name" && k != "type" {
			flatten(flat, k, v)
		}
	}
	flatten(flat, "eval", eval)
	return string(key), flat
}

func flatten(out map[string]string, path string, v any) {
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			flatten(out, path+"."+k, x)
		}
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		out[path] = fmt.Sprint(v)
		return
	}
	out[path] = strings.Trim(string(b), `"`)
}

// labelRows sets each row's Label: the model name, plus the settings that
// differ among the rows sharing that name.
func labelRows(rows []*Row) {
	byName := map[string][]*Row{}
	for _, r := range rows {
		byName[r.Model] = append(byName[r.Model], r)
	}
	for name, group := range byName {
		if len(group) == 1 {
			group[0].Label = name
			continue
		}
		keys := map[string]bool{}
		for _, r := range group {
			for k := range r.spec.settings {
				keys[k] = true
			}
		}
		var differ []string
		for _, k := range sortedKeys(keys) {
			first, same := "", true
			for i, r := range group {
				v, ok := r.spec.settings[k]
				if !ok {
					v = "(default)"
				}
				if i == 0 {
					first = v
				} else if v != first {
					same = false
				}
			}
			if !same {
				differ = append(differ, k)
			}
		}
		for _, r := range group {
			parts := make([]string, 0, len(differ))
			for _, k := range differ {
				v, ok := r.spec.settings[k]
				if !ok {
					v = "(default)"
				}
				parts = append(parts, k+"="+v)
			}
			r.Label = name
			if len(parts) > 0 {
				r.Label += " [" + strings.Join(parts, ", ") + "]"
			}
		}
	}
}
