package reports

// The golden report's records predate model_info: their facts come from
// the model registry, as in the genbench binary.
import _ "github.com/genbench/genbench/models/all"
