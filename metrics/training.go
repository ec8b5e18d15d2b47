package metrics

func init() {
	// Recorded by the harness, not computed here: declared so that the
	// baseline and the report know them. A spec cannot ask for them.
	Register(Metric{
		Name: "training",
		Doc:  "model size, and wall time and length of training, recorded for every trial",
		Keys: []Key{
			{Name: "params", Doc: "trainable scalars of the model", Better: Lower, Stable: true,
				Column: &Column{Header: "params", Rank: 240, Format: Integer}},
			{Name: "train_seconds", Doc: "wall time of training", Unit: "s", Better: Lower, Timing: true,
				Column: &Column{Header: "train s", Rank: 230, Format: Plain3}},
			{Name: "seconds_per_epoch", Doc: "wall time per epoch", Unit: "s", Better: Lower, Timing: true},
			{Name: "epochs", Doc: "epochs trained", Better: Neither},
			{Name: "train_steps", Doc: "optimisation steps taken", Better: Neither},
		},
	})
}
