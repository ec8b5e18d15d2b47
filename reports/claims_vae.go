package reports

import (
	"fmt"
	"strings"

	"github.com/genbench/genbench/models"
)

// The VAE family's claim: posterior collapse.
var vaeClaims = []claimDef{
	{
		id: "vae-posterior-collapse", family: string(models.VAE),
		statement: "VAEs suffer posterior collapse: some latent units stay inactive and carry no KL.",
		rule:      fmt.Sprintf("For each VAE-family model with active_units and a known latent size L (metric latent_dim, else the number of kl_dim_<u> metrics, else the model parameter latent): inactive = L − mean active_units over seeds (a unit is active if Cov_x E_q[u] > 0.01, Burda et al.). On a data set: supported if some VAE has inactive ≥ %g, not supported if every VAE has inactive < %g, not measured if no VAE has both numbers. Latent dimensions with KL < 0.01 nats are counted as evidence, not used.", ModeMargin, ModeMargin),
		any:       true,
		absent:    "no VAE trial finished ok",
		perSet:    vaePosteriorCollapse,
		figures: func(ds *DataSet) []string {
			var names []string
			for _, r := range okRows(ds, isVAE) {
				names = append(names, klName(ds, r))
			}
			return names
		},
	},
}

// vaePosteriorCollapse counts, per VAE, the latent units that are not
// active.
func vaePosteriorCollapse(ds *DataSet) (Check, bool) {
	rows := okRows(ds, isVAE)
	if len(rows) == 0 {
		return Check{}, false
	}
	var parts []string
	measured, collapsed := 0, 0
	for _, r := range rows {
		au := r.Stat("active_units")
		L := r.latentSize()
		if !au.Has() || L == 0 {
			parts = append(parts, r.Label+": active_units or latent size not recorded")
			continue
		}
		measured++
		inactive := float64(L) - au.Mean
		if inactive >= ModeMargin {
			collapsed++
		}
		parts = append(parts, collapseEvidence(r, au.Mean, L, inactive))
	}
	ev := strings.Join(parts, "; ")
	if measured == 0 {
		return Check{Verdict: NotMeasured, Evidence: ev}, true
	}
	return verdictOf(collapsed > 0, ev), true
}

// collapseEvidence describes one VAE's active units, its low-KL
// dimensions and its total KL.
func collapseEvidence(r *Row, active float64, latent int, inactive float64) string {
	p := fmt.Sprintf("%s: %s of %d units active (%s inactive)", r.Label, fmtCount(active), latent, fmtCount(inactive))
	if kl := r.klPerDim(); len(kl) > 0 {
		low := 0
		for _, v := range kl {
			if v < 0.01 {
				low++
			}
		}
		p += fmt.Sprintf(", %d of %d dimensions with KL < 0.01 nats", low, len(kl))
	}
	if kt := r.Stat("kl_total"); kt.Has() {
		p += fmt.Sprintf(", total KL %s nats", fmtSig(kt.Mean, 3))
	}
	return p
}
