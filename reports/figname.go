package reports

import (
	"crypto/sha256"
	"encoding/hex"
)

// rowSlug names a row in figure file names: its label made safe for a
// file name, then a short hash of the exact label, so that labels that
// sanitise alike (RN and rn, two non-ASCII names) get different files.
func rowSlug(label string) string {
	sum := sha256.Sum256([]byte(label))
	return slugify(label) + "-" + hex.EncodeToString(sum[:3])
}
