package app_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// TestConsoleServing checks how the embedded console is served: every page
// path answers index.html (the console's router shows the page), hashed
// assets are cached for a year and sent precompressed, text types carry
// charset=utf-8, and the API keeps its own 404s.
func TestConsoleServing(t *testing.T) {
	s := startServer(t, storeConfig(t, sqldb.SQLite))
	get := func(path string, hdr ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		// Accept-Encoding set by hand: the transport then leaves the body as sent.
		if req.Header.Get("Accept-Encoding") == "" {
			req.Header.Set("Accept-Encoding", "identity")
		}
		res, err := s.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}

	res, index := get("/", "Accept", "text/html")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "script-src 'self'", "X-Content-Type-Options": "nosniff",
		"Cache-Control": "no-cache", "X-Frame-Options": "DENY",
	} {
		if !strings.Contains(res.Header.Get(h), want) {
			t.Errorf("GET / %s = %q, want %q in it", h, res.Header.Get(h), want)
		}
	}
	if strings.Contains(res.Header.Get("Content-Security-Policy"), "unsafe-eval") {
		t.Errorf("the CSP allows eval: %s", res.Header.Get("Content-Security-Policy"))
	}

	// A deep link (a task link in an email) gets the same page.
	if res, b := get("/tasks/0c1d2e?from=mail", "Accept", "text/html"); res.StatusCode != 200 || !bytes.Equal(b, index) {
		t.Errorf("deep link: %d, same page %v", res.StatusCode, bytes.Equal(b, index))
	}

	js := regexp.MustCompile(`src="(/assets/[^"]+\.js)"`).FindSubmatch(index)
	css := regexp.MustCompile(`href="(/assets/[^"]+\.css)"`).FindSubmatch(index)
	if js == nil || css == nil {
		t.Fatalf("index.html names no script or style sheet:\n%s", index)
	}
	res, plain := get(string(js[1]))
	if res.Header.Get("Content-Type") != "text/javascript; charset=utf-8" || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("script: %q, %q", res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"))
	}
	if res, _ := get(string(css[1])); res.Header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("style sheet: %q", res.Header.Get("Content-Type"))
	}

	res, gz := get(string(js[1]), "Accept-Encoding", "gzip, deflate")
	if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzip: encoding %q, vary %q", res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if unzipped, _ := io.ReadAll(zr); !bytes.Equal(unzipped, plain) {
		t.Error("the gzip variant is not the script")
	}
	if res, br := get(string(js[1]), "Accept-Encoding", "gzip, br"); res.Header.Get("Content-Encoding") != "br" || len(br) >= len(gz) {
		t.Errorf("brotli: encoding %q, %d bytes against gzip's %d", res.Header.Get("Content-Encoding"), len(br), len(gz))
	}
	if res, _ := get(string(js[1]), "Accept-Encoding", "br;q=0, gzip;q=0"); res.Header.Get("Content-Encoding") != "" {
		t.Errorf("q=0 still gets %q", res.Header.Get("Content-Encoding"))
	}
	if res, b := get(string(js[1]), "If-None-Match", res.Header.Get("ETag")); res.StatusCode != 304 || len(b) != 0 {
		t.Errorf("revalidation: %d with %d bytes", res.StatusCode, len(b))
	}

	for path, want := range map[string]int{"/assets/missing-0000.js": 404, "/favicon.svg": 200, "/robots.txt": 404, "/metrics": 404} {
		if res, _ := get(path); res.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, res.StatusCode, want)
		}
	}
	if res, b := get("/api/v1/no-such-thing"); res.StatusCode != 404 || !strings.Contains(string(b), `"not_found"`) {
		t.Errorf("API 404: %d %s", res.StatusCode, b)
	}
	if code, _ := s.do("POST", "/", "{}"); code != 405 {
		t.Errorf("POST /: %d, want 405", code)
	}
}
