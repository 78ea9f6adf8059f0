package app_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// layers is the dependency rule of ARCHITECTURE.md, written down:
// cmd → app → adapters (httpapi, loadtest) → services (workflow, record,
// org, file, auth) → foundations (form, filter, job, sqldb, blob, lenientjson, wiretext, apperr, metrics). A package may
// import only packages of a lower layer (or its own layer's listed peers).
var layers = map[string]int{
	"app": 4, "httpapi": 3, "loadtest": 3,
	"dirlock":  0, // a foundation too, used by app and cmd
	"workflow": 2, "record": 2, "org": 2, "file": 2, "auth": 2, "connector": 2, "delivery": 2, "script": 2, "hook": 2,
	"batch":             2,
	"sheet":             2,
	"script/scripttest": 1,
	"workflow/model":    1,
	"access":            1,
	"feed":              1,
	"idempotency":       1,
	"filter":            1, "form": 1, "job": 1, "sqldb": 1, "sqldb/sqldbtest": 1, "blob": 1, "apperr": 0, "lenientjson": 0, "wiretext": 0, "metrics": 0, "secret": 0, "netpolicy": 0,
}

// peers lists imports within a layer that are allowed.
var peers = map[string][]string{
	"lenientjson":     {"wiretext"},
	"filter":          {"form", "sqldb"},
	"form":            {"sqldb"},
	"sqldb/sqldbtest": {"sqldb"},
	"record":          {"filter", "form", "feed"},
	"feed":            {"sqldb"},
	"job":             {"sqldb"},
	"workflow":        {"record", "org"},
	"script":          {"connector"},
	"delivery":        {"auth"},
	"batch":           {"record"},
	"sheet":           {"record"},
	"access":          {"filter", "form", "sqldb"},
	"idempotency":     {"sqldb"},
	"hook":            {"record", "workflow", "script", "connector"},
	"workflow/model":  {"form", "sqldb"},
}

func TestDependencyDirection(t *testing.T) {
	const mod = "github.com/tritiumhq/tritium/internal/"
	root := ".."
	for pkg, layer := range layers {
		dir := filepath.Join(root, filepath.FromSlash(pkg))
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatalf("%s: %v", pkg, err)
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, e.Name()), nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path := strings.Trim(imp.Path.Value, `"`)
				dep, ok := strings.CutPrefix(path, mod)
				if !ok {
					continue
				}
				dl, known := layers[dep]
				if !known {
					t.Errorf("%s/%s imports %s, which has no layer in deps_test.go", pkg, e.Name(), dep)
					continue
				}
				if dl < layer || contains(peers[pkg], dep) {
					continue
				}
				t.Errorf("%s/%s imports %s: %s (layer %d) may not depend on layer %d", pkg, e.Name(), dep, pkg, layer, dl)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
