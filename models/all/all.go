// Package all registers every model family with the models registry;
// import it for its side effect.
package all

import (
	_ "github.com/genbench/genbench/models/flow"
)
