package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestConsoleWithoutBuild(t *testing.T) {
	s := &Server{console: newConsole(nil)}
	w := httptest.NewRecorder()
	s.serveConsole(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != 404 || !strings.Contains(w.Body.String(), "noui") {
		t.Errorf("noui binary: %d %q", w.Code, w.Body.String())
	}
}

func TestConsoleFallback(t *testing.T) {
	s := &Server{console: newConsole(fstest.MapFS{
		"index.html":         {Data: []byte("<html>console</html>")},
		"assets/app-1a2b.js": {Data: []byte("console.log(1)")},
	})}
	for path, want := range map[string]string{"/": "console", "/inbox": "console", "/a/b/c": "console", "/assets/app-1a2b.js": "console.log"} {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept", "text/html,application/xhtml+xml")
		s.serveConsole(w, req)
		if w.Code != 200 || !strings.Contains(w.Body.String(), want) {
			t.Errorf("GET %s: %d %q", path, w.Code, w.Body.String())
		}
	}
	w := httptest.NewRecorder()
	s.serveConsole(w, httptest.NewRequest(http.MethodGet, "/inbox", nil))
	if w.Code != 404 {
		t.Errorf("a program's GET /inbox (no text/html): %d, want 404", w.Code)
	}
	w = httptest.NewRecorder()
	head := httptest.NewRequest(http.MethodHead, "/inbox", nil)
	head.Header.Set("Accept", "text/html")
	s.serveConsole(w, head)
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d, %d bytes, length %q", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}
}

func TestAccepts(t *testing.T) {
	for _, c := range []struct {
		header, coding string
		want           bool
	}{
		{"gzip, br", "br", true}, {"gzip;q=0.5", "gzip", true}, {"gzip; q=0", "gzip", false},
		{"identity", "gzip", false}, {"BR", "br", true}, {"", "br", false}, {"br;q=x", "br", false},
	} {
		if got := accepts(c.header, c.coding); got != c.want {
			t.Errorf("accepts(%q, %q) = %v", c.header, c.coding, got)
		}
	}
}
