package models

import (
	"slices"
	"testing"
)

func TestDataKindsNamesRoundTrip(t *testing.T) {
	for _, k := range []DataKinds{Vectors, Images | Binary, AnyData, Vectors | Continuous} {
		got, err := ParseDataKinds(k.Names())
		if err != nil || got != k {
			t.Errorf("ParseDataKinds(%v) = %v, %v; want %v", k.Names(), got, err, k)
		}
	}
	if _, err := ParseDataKinds([]string{"tensors"}); err == nil {
		t.Error("ParseDataKinds accepted an unknown kind")
	}
	if got := AnyData.Names(); !slices.Equal(got, []string{"vectors", "images", "binary", "continuous"}) {
		t.Errorf("AnyData.Names() = %v", got)
	}
}

func TestAdmit(t *testing.T) {
	image := []int{1, 4, 4}
	tests := []struct {
		accepts DataKinds
		binary  bool
		shape   []int
		ok      bool
	}{
		{Images | Binary, true, image, true},
		{Images | Binary, false, image, false},
		{Images | Binary, true, nil, false},
		{Vectors | Continuous, false, nil, true},
		{Vectors | Continuous, false, image, false},
		{Vectors | Images | Continuous, false, image, true},
		{Vectors | Images | Continuous, true, nil, false},
		{AnyData, true, nil, true},
	}
	for _, tt := range tests {
		err := Type{Name: "x", Accepts: tt.accepts}.Admit(tt.binary, tt.shape)
		if (err == nil) != tt.ok {
			t.Errorf("accepts %v, binary %v, shape %v: err %v, want ok %v", tt.accepts, tt.binary, tt.shape, err, tt.ok)
		}
	}
}

func TestTypeCheck(t *testing.T) {
	tests := []struct {
		typ Type
		ok  bool
	}{
		{Type{Name: "a", Sampling: OnePass, Accepts: AnyData}, true},
		{Type{Name: "b", Sampling: PerPixel, Accepts: Images | Binary}, true},
		{Type{Name: "c", Accepts: AnyData}, false},                             // no sampling unit
		{Type{Name: "d", Sampling: "N", Accepts: AnyData}, false},              // unknown unit
		{Type{Name: "e", Sampling: OnePass, Accepts: Binary}, false},           // no shape
		{Type{Name: "f", Sampling: OnePass, Accepts: Vectors | Images}, false}, // no value kind
	}
	for _, tt := range tests {
		if err := tt.typ.Check(); (err == nil) != tt.ok {
			t.Errorf("%s.Check() = %v, want ok %v", tt.typ.Name, err, tt.ok)
		}
	}
}

func TestSamplingSequential(t *testing.T) {
	if OnePass.Sequential() || !PerDimension.Sequential() || !PerPixel.Sequential() || Sampling("").Sequential() {
		t.Error("Sequential: want true for PerDimension and PerPixel only")
	}
}
