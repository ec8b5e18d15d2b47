// Package all registers every model family with the models registry;
// import it for its side effect.
package all

import (
	_ "github.com/genbench/genbench/models/autoregressive"
	_ "github.com/genbench/genbench/models/flow"
	_ "github.com/genbench/genbench/models/gan"
	_ "github.com/genbench/genbench/models/glow"
	_ "github.com/genbench/genbench/models/iae"
	_ "github.com/genbench/genbench/models/vae"
)
