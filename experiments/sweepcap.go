package experiments

// trialCount is the number of trials of the spec with sweep sw (nil for
// none), counted without expanding them: for each (data set, model) pair
// that runs, the points that differ for it (the axes touching it: their
// product in a grid, the common length in a zip or the points drawn in
// mode random, 1 if none) times the
// seeds. TrialSpecs may list fewer (points that leave a trial the same
// are listed once), never more.
func (s *Spec) trialCount(sw *SweepSpec) float64 {
	var overridden []map[string]bool
	if sw != nil {
		tmp := *s
		tmp.Sweep = sw
		_, _, _, overridden = tmp.pointSpec(make([]int, len(sw.Axes)))
	}
	total := 0.0
	for i, d := range s.Datasets {
		for j, m := range s.Models {
			if !m.Runs(d) {
				continue
			}
			points := 1.0
			if sw != nil {
				for _, ax := range sw.Axes {
					if !ax.touches(i, j, overridden) {
						continue
					}
					if sw.Mode != SweepGrid {
						points = float64(len(ax.Values))
					} else {
						points *= float64(len(ax.Values))
					}
				}
			}
			total += points * float64(len(s.Seeds))
		}
	}
	return total
}

// checkTrialCount refuses a spec of more than maxTrials trials, at the
// sweep block (or the seeds, without a sweep).
func (p *parser) checkTrialCount(s *Spec, sw *SweepSpec, line int, key string) bool {
	n := s.trialCount(sw)
	if n <= maxTrials {
		return true
	}
	p.errorf(line, key, "%.0f trials (data sets × models × sweep points × seeds): more than %d", n, maxTrials)
	return false
}
