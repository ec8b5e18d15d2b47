package registry

import (
	"reflect"
	"testing"
)

func TestRegistry(t *testing.T) {
	r := New[int]("numbers")
	r.Add("two", 2)
	r.Add("one", 1)
	if v, ok := r.Lookup("two"); !ok || v != 2 {
		t.Errorf("Lookup(two) = %d, %v", v, ok)
	}
	if _, ok := r.Lookup("three"); ok {
		t.Error("Lookup(three) found a value")
	}
	if got := r.Names(); !reflect.DeepEqual(got, []string{"one", "two"}) {
		t.Errorf("Names() = %v", got)
	}
	defer func() {
		if p := recover(); p != "numbers: duplicate one" {
			t.Errorf("duplicate Add panicked with %v", p)
		}
	}()
	r.Add("one", 11)
}
