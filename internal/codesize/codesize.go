// Package codesize measures the functions and files of a package folder,
// so that a package's tests can hold it to the project's size limits
// (files under 600 lines, functions under 80) as it changes.
package codesize

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Func is one function or method and its length in lines, from the line
// of its doc-less signature to its closing brace.
type Func struct {
	File  string // base name
	Name  string // Recv.Name for methods
	Lines int
}

func (f Func) String() string { return fmt.Sprintf("%s: %s is %d lines", f.File, f.Name, f.Lines) }

// LongFuncs returns the functions of the non-test Go files in dir longer
// than max lines, longest first.
func LongFuncs(dir string, max int) ([]Func, error) {
	var out []Func
	err := eachFile(dir, func(fset *token.FileSet, name string, f *ast.File) {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
			if n > max {
				out = append(out, Func{File: name, Name: funcName(fd), Lines: n})
			}
		}
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Lines > out[j].Lines })
	return out, err
}

// LongFiles returns the non-test Go files in dir longer than max lines,
// with their length.
func LongFiles(dir string, max int) (map[string]int, error) {
	out := map[string]int{}
	err := eachFile(dir, func(fset *token.FileSet, name string, f *ast.File) {
		if n := fset.File(f.Pos()).LineCount(); n > max {
			out[name] = n
		}
	})
	return out, err
}

// Violations describes, one message each, the functions of dir longer
// than maxFunc lines and the files longer than maxFile: what a package's
// size test reports.
func Violations(dir string, maxFunc, maxFile int) ([]string, error) {
	funcs, err := LongFuncs(dir, maxFunc)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range funcs {
		out = append(out, fmt.Sprintf("%v: split it (at most %d lines)", f, maxFunc))
	}
	files, err := LongFiles(dir, maxFile)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		out = append(out, fmt.Sprintf("%s is %d lines: split it by concept (at most %d)", name, files[name], maxFile))
	}
	return out, nil
}

func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
			continue
		case *ast.IndexExpr:
			t = x.X
			continue
		case *ast.IndexListExpr:
			t = x.X
			continue
		case *ast.Ident:
			return x.Name + "." + fd.Name.Name
		}
		return fd.Name.Name
	}
}

// eachFile parses the non-test Go files of dir.
func eachFile(dir string, visit func(*token.FileSet, string, *ast.File)) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("codesize: %w", err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("codesize: %w", err)
		}
		visit(fset, name, f)
	}
	return nil
}
