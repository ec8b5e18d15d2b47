package reports

import "testing"

// TestUCIReferences checks that the MAF paper's UCI figures apply to the
// record's model type on the matching data set, and nowhere else.
func TestUCIReferences(t *testing.T) {
	tests := []struct {
		typ, set string
		want     []string
	}{
		{"maf", "power", []string{"−0.14 nats"}},
		{"made", "hepmass", []string{"20.98 nats"}},
		{"maf", "ring8", nil},
		{"gaussian", "power", nil},
	}
	for _, tt := range tests {
		row := &Row{Type: tt.typ, Set: &DataSet{Name: tt.set}}
		var got []string
		for _, ref := range referencesFor(row) {
			got = append(got, ref.value)
		}
		if len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
			t.Errorf("%s on %s: references %v, want %v", tt.typ, tt.set, got, tt.want)
		}
	}
}
