package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tritiumhq/tritium/internal/app"
)

// observed collects every (operation, status) the suite's requests got,
// so the OpenAPI document can be held to list each of them.
var observed = struct {
	sync.Mutex
	m map[string]map[int]bool // "METHOD path" → statuses
}{m: map[string]map[int]bool{}}

func observe(method, path string, status int) {
	path, _, _ = strings.Cut(path, "?")
	observed.Lock()
	defer observed.Unlock()
	k := method + " " + path
	if observed.m[k] == nil {
		observed.m[k] = map[int]bool{}
	}
	observed.m[k][status] = true
}

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if missing := undocumentedStatuses(); len(missing) > 0 {
			fmt.Printf("--- FAIL: TestMain (the OpenAPI document lacks statuses the handlers answered)\n    %s\n", strings.Join(missing, "\n    "))
			code = 1
		}
	}
	os.Exit(code)
}

// undocumentedStatuses returns each status an operation answered in this
// run that its entry in the OpenAPI document does not list.
func undocumentedStatuses() []string {
	doc, err := openAPIDocument()
	if err != nil {
		return []string{"reading the OpenAPI document: " + err.Error()}
	}
	mux := http.NewServeMux()
	responses := map[string]map[string]any{}
	for path, ops := range doc["paths"].(map[string]any) {
		for method, op := range ops.(map[string]any) {
			pattern := strings.ToUpper(method) + " " + path
			mux.Handle(pattern, http.NotFoundHandler())
			responses[pattern] = op.(map[string]any)["responses"].(map[string]any)
		}
	}
	var missing []string
	observed.Lock()
	defer observed.Unlock()
	for k, statuses := range observed.m {
		method, path, _ := strings.Cut(k, " ")
		req, err := http.NewRequest(method, "http://tritium"+path, nil)
		if err != nil {
			continue
		}
		_, pattern := mux.Handler(req)
		if responses[pattern] == nil {
			continue // no such operation (a 404 or 405 of the router)
		}
		for st := range statuses {
			if _, ok := responses[pattern][strconv.Itoa(st)]; !ok {
				missing = append(missing, fmt.Sprintf("%s: %d (seen on %s)", pattern, st, path))
			}
		}
	}
	sort.Strings(missing)
	return slices.Compact(missing)
}

// openAPIDocument is the document a server serves (one on a scratch
// SQLite store, asked in process).
func openAPIDocument() (map[string]any, error) {
	dir, err := os.MkdirTemp("", "tritium-openapi")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	a, err := app.Open(context.Background(), app.Config{DataDir: dir, EngineCode: testCode, EngineSecret: testSecret},
		slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// TestObservedStatusesAreChecked: the check above recognises operations.
func TestObservedStatusesAreChecked(t *testing.T) {
	observed.Lock()
	saved := observed.m
	observed.m = map[string]map[int]bool{"GET /api/v1/forms/X/records/Y": {200: true, 418: true}, "GET /nowhere": {404: true}}
	observed.Unlock()
	missing := undocumentedStatuses()
	observed.Lock()
	observed.m = saved
	observed.Unlock()
	if len(missing) != 1 || !strings.Contains(missing[0], "GET /api/v1/forms/{code}/records/{id}: 418") {
		t.Fatalf("undocumented statuses: %v", missing)
	}
}
