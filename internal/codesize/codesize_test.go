package codesize

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLongFuncsAndFiles(t *testing.T) {
	dir := t.TempDir()
	body := func(n int) string { return strings.Repeat("\t_ = 0\n", n) }
	src := "package p\n\ntype T struct{}\n\n" +
		"func short() {\n" + body(1) + "}\n\n" + // 3 lines
		"func (t *T) long() {\n" + body(8) + "}\n" // 10 lines
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.go", src)
	write("a_test.go", "package p\n\nfunc testLong() {\n"+body(20)+"}\n") // ignored
	got, err := LongFuncs(dir, 9)
	if err != nil {
		t.Fatal(err)
	}
	want := []Func{{File: "a.go", Name: "T.long", Lines: 10}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LongFuncs(9) = %v, want %v", got, want)
	}
	if got, _ := LongFuncs(dir, 10); len(got) != 0 {
		t.Errorf("LongFuncs(10) = %v, want none", got)
	}
	files, err := LongFiles(dir, 10)
	if err != nil {
		t.Fatal(err)
	}
	if n := files["a.go"]; len(files) != 1 || n != 18 {
		t.Errorf("LongFiles(10) = %v, want a.go with 18 lines", files)
	}
	msgs, err := Violations(dir, 9, 10)
	if err != nil {
		t.Fatal(err)
	}
	wantMsgs := []string{"a.go: T.long is 10 lines: split it (at most 9 lines)", "a.go is 18 lines: split it by concept (at most 10)"}
	if !reflect.DeepEqual(msgs, wantMsgs) {
		t.Errorf("Violations = %q, want %q", msgs, wantMsgs)
	}
}
