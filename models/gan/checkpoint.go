package gan

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"io"

	"github.com/genbench/genbench/nn"
)

// Checkpoints of a GAN: both networks with their optimisers, the noise
// source, the last losses, the standardisation and, with spectral
// normalisation, its vectors u.

type ganState struct {
	Version int
	G, D    []byte
}

// checkpoints returns the checkpoints of both networks; the
// discriminator's also carries the noise source and, in Extra, the last
// losses and the standardisation: last = (d, g, trained), norm = (shift,
// scale, set).
func (g *GAN[T]) checkpoints() (gc, dc nn.Checkpoint[T], last, norm []float64) {
	last, norm = make([]float64, 3), make([]float64, 2*g.Opts.Dim+1)
	gc = nn.Checkpoint[T]{Params: &g.GParams, Opt: g.OptG}
	dc = nn.Checkpoint[T]{Params: &g.DParams, Opt: g.OptD, RNG: g.src, Extra: map[string][]float64{"last": last, "norm": norm}}
	return
}

func flag(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Save implements models.Model: both networks, both optimisers, the noise
// source and the last losses.
func (g *GAN[T]) Save(w io.Writer) error {
	gc, dc, last, norm := g.checkpoints()
	g.sn.addToCheckpoint(dc.Extra, true)
	last[0], last[1], last[2] = g.lastD, g.lastG, flag(g.trained)
	d := g.Opts.Dim
	copy(norm, g.shift)
	copy(norm[d:], g.scale)
	norm[2*d] = flag(g.normSet)
	var gb, db bytes.Buffer
	if err := gc.Save(&gb); err != nil {
		return fmt.Errorf("saving generator: %w", err)
	}
	if err := dc.Save(&db); err != nil {
		return fmt.Errorf("saving discriminator: %w", err)
	}
	if err := gob.NewEncoder(w).Encode(ganState{Version: 1, G: gb.Bytes(), D: db.Bytes()}); err != nil {
		return fmt.Errorf("saving GAN: %w", err)
	}
	return nil
}

// Load implements models.Model.
func (g *GAN[T]) Load(r io.Reader) error {
	var s ganState
	if err := gob.NewDecoder(r).Decode(&s); err != nil {
		return fmt.Errorf("loading GAN: %w", err)
	}
	gc, dc, last, norm := g.checkpoints()
	norm[2*g.Opts.Dim] = -1 // stays −1 if the checkpoint lacks it
	g.sn.addToCheckpoint(dc.Extra, false)
	if err := gc.Load(bytes.NewReader(s.G)); err != nil {
		return fmt.Errorf("loading generator: %w", err)
	}
	if err := dc.Load(bytes.NewReader(s.D)); err != nil {
		return fmt.Errorf("loading discriminator: %w", err)
	}
	if norm[2*g.Opts.Dim] == -1 {
		return fmt.Errorf("loading GAN: checkpoint lacks the standardisation")
	}
	if err := g.sn.checkLoaded(); err != nil {
		return err
	}
	d := g.Opts.Dim
	g.lastD, g.lastG, g.trained = last[0], last[1], last[2] == 1
	copy(g.shift, norm[:d])
	copy(g.scale, norm[d:2*d])
	g.normSet = norm[2*d] == 1
	return nil
}
