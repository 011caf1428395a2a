package handlers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRoutesFilePerCapability keeps the layout a newcomer relies on: every route is
// declared in a routes_<capability>.go, each such file declares one <x>Routes method,
// and routes() calls each of them once and does nothing else. Adding a capability is
// then one routes file and one line in routes().
func TestRoutesFilePerCapability(t *testing.T) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	declared := map[string]string{} // <x>Routes method -> its file
	var called []string             // what routes() calls, in order
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		routesFile := strings.HasPrefix(name, "routes_")
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fun := call.Fun
			if inst, ok := fun.(*ast.IndexListExpr); ok { // route[I, O](...)
				fun = inst.X
			}
			if id, ok := fun.(*ast.Ident); ok && id.Name == "route" && !routesFile {
				t.Errorf("%s: a route is declared outside the routes_<capability>.go files", fset.Position(n.Pos()))
			}
			return true
		})
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil {
				continue
			}
			switch {
			case fn.Name.Name == "routes":
				for _, st := range fn.Body.List {
					var sel *ast.SelectorExpr
					if es, ok := st.(*ast.ExprStmt); ok {
						if c, ok := es.X.(*ast.CallExpr); ok && len(c.Args) == 0 {
							sel, _ = c.Fun.(*ast.SelectorExpr)
						}
					}
					if sel == nil {
						t.Errorf("%s: routes() should only call one <x>Routes() per capability", fset.Position(st.Pos()))
						continue
					}
					called = append(called, sel.Sel.Name)
				}
			case strings.HasSuffix(fn.Name.Name, "Routes"):
				if !routesFile {
					t.Errorf("%s: %s belongs in a routes_<capability>.go", fset.Position(fn.Pos()), fn.Name.Name)
				}
				if other, dup := declared[fn.Name.Name]; dup {
					t.Errorf("%s declared in %s and %s", fn.Name.Name, other, name)
				}
				for m, file := range declared {
					if file == name {
						t.Errorf("%s declares both %s and %s: one capability per routes file", name, m, fn.Name.Name)
					}
				}
				declared[fn.Name.Name] = name
			}
		}
	}
	files, _ := filepath.Glob("routes_*.go")
	files = slices.DeleteFunc(files, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
	if len(declared) != len(files) {
		t.Errorf("%d routes files but %d <x>Routes methods: %v", len(files), len(declared), declared)
	}
	for m, file := range declared {
		if n := len(slices.DeleteFunc(slices.Clone(called), func(c string) bool { return c != m })); n != 1 {
			t.Errorf("routes() calls %s (%s) %d times, want once", m, file, n)
		}
	}
	for _, m := range called {
		if _, ok := declared[m]; !ok {
			t.Errorf("routes() calls %s, which no routes_<capability>.go declares", m)
		}
	}
	if len(called) < 8 {
		t.Fatalf("routes() calls only %v", called)
	}
}
