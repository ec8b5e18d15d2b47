package models

import (
	"fmt"
	"strings"

	"github.com/genbench/genbench/params"
)

// Sampling says how many sequential network passes a model needs to draw a
// batch of samples. It is recorded with every result as the unit of that
// count, so that a report can explain a slow sampler without knowing the
// model type.
type Sampling string

// Sampling units.
const (
	// OnePass samplers draw a batch in a fixed number of passes, whatever
	// the dimension (flows with a fast inverse, VAE and GAN decoders).
	OnePass Sampling = "none"
	// PerDimension samplers need one pass per data dimension D (MADE, MAF).
	PerDimension Sampling = "D"
	// PerPixel samplers need one pass per pixel and channel, C·H·W
	// (PixelCNN).
	PerPixel Sampling = "C·H·W"
)

// Sequential reports whether sampling takes a pass per dimension or pixel.
func (s Sampling) Sequential() bool { return s == PerDimension || s == PerPixel }

// DataKinds is a set of data a model type accepts: a shape (vectors,
// images) and a value kind (binary, continuous). A data set is accepted
// when both its shape and its value kind are in the set.
type DataKinds uint8

// Data kinds. Images are (channels, height, width) arrays; Vectors are data
// without an image shape. A type that treats images as flat vectors (MADE,
// MAF) accepts both.
const (
	Vectors DataKinds = 1 << iota
	Images
	Binary
	Continuous

	// AnyData is every shape and value kind.
	AnyData = Vectors | Images | Binary | Continuous
)

var dataKindNames = []struct {
	k    DataKinds
	name string
}{{Vectors, "vectors"}, {Images, "images"}, {Binary, "binary"}, {Continuous, "continuous"}}

// Names lists the kinds in the set, in the order vectors, images, binary,
// continuous: the form results record.
func (k DataKinds) Names() []string {
	var out []string
	for _, n := range dataKindNames {
		if k&n.k != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// ParseDataKinds is the inverse of Names; it refuses unknown names.
func ParseDataKinds(names []string) (DataKinds, error) {
	var k DataKinds
	for _, name := range names {
		found := false
		for _, n := range dataKindNames {
			if n.name == name {
				k |= n.k
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown data kind %q (valid: vectors, images, binary, continuous)", name)
		}
	}
	return k, nil
}

// describeData names data the way Admit's errors do: "binary images".
func describeData(binary, image bool) string {
	kind, shape := "continuous", "vectors"
	if binary {
		kind = "binary"
	}
	if image {
		shape = "images"
	}
	return kind + " " + shape
}

// Admit returns nil when the type can be trained on data of the given
// value kind and image shape (nil for vectors), else an error saying what
// the type takes.
func (t Type) Admit(binary bool, shape []int) error {
	image := len(shape) == 3
	want := Continuous
	if binary {
		want = Binary
	}
	form := Vectors
	if image {
		form = Images
	}
	if t.Accepts&want != 0 && t.Accepts&form != 0 {
		return nil
	}
	return fmt.Errorf("model type %s takes %s; this data set is %s", t.Name, t.Accepts, describeData(binary, image))
}

// String writes the set in words: "binary images", "continuous vectors or
// images".
func (k DataKinds) String() string {
	var kinds, shapes []string
	for _, n := range dataKindNames {
		switch {
		case k&n.k == 0:
		case n.k == Binary || n.k == Continuous:
			kinds = append(kinds, n.name)
		default:
			shapes = append(shapes, n.name)
		}
	}
	return strings.Join(kinds, " or ") + " " + strings.Join(shapes, " or ")
}

// SamplingOf is the sampling unit of the type configured with p.
func (t Type) SamplingOf(p params.Set) Sampling {
	if t.SamplingWith != nil && p != nil {
		return t.SamplingWith(p)
	}
	return t.Sampling
}

// Check reports a type that does not declare its facts: a sampling unit
// and at least one shape and one value kind it accepts.
func (t Type) Check() error {
	switch t.Sampling {
	case OnePass, PerDimension, PerPixel:
	default:
		return fmt.Errorf("model type %s: Sampling %q is not one of %q, %q, %q", t.Name, t.Sampling, OnePass, PerDimension, PerPixel)
	}
	if t.Accepts&(Vectors|Images) == 0 || t.Accepts&(Binary|Continuous) == 0 {
		return fmt.Errorf("model type %s: Accepts %q must name a shape (Vectors, Images) and a value kind (Binary, Continuous)", t.Name, t.Accepts)
	}
	return nil
}
