package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// consoleCSP is the Content-Security-Policy of every console response:
// scripts and styles only from this server, no inline script, no eval, no
// framing by other sites. The console's own code needs nothing more.
const consoleCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; " +
	"connect-src 'self'; object-src 'self'; frame-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// console serves the embedded web console: its files as they are
// (precompressed .br/.gz beside them when the client takes them), and
// index.html for every other path a browser opens (Accept: text/html), so
// the console's own router shows the page (a task link opens the task). Hashed files under assets/ never
// change and are cached for a year; everything else is revalidated.
type console struct {
	files map[string]*consoleFile
}

type consoleFile struct {
	body, br, gz []byte
	ctype, etag  string
}

func newConsole(fsys fs.FS) *console {
	c := &console{files: map[string]*consoleFile{}}
	if fsys == nil {
		return c
	}
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".br") || strings.HasSuffix(p, ".gz") {
			return nil
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(body)
		f := &consoleFile{body: body, ctype: consoleType(p), etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
		f.br, _ = fs.ReadFile(fsys, p+".br")
		f.gz, _ = fs.ReadFile(fsys, p+".gz")
		c.files[p] = f
		return nil
	})
	return c
}

// consoleType names the type of a console file, with charset=utf-8 on
// text (without it, browsers may misread the icon fonts' CSS).
func consoleType(p string) string {
	switch path.Ext(p) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".json", ".map":
		return "application/json; charset=utf-8"
	case ".svg":
		return "image/svg+xml; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func (s *Server) serveConsole(w http.ResponseWriter, r *http.Request) {
	if _, h3 := canonicalPaths[strings.ToLower(r.URL.Path)]; h3 {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, r, s.log, &apiError{http.StatusMethodNotAllowed, "method_not_allowed", "此接口只接受 POST (this endpoint takes POST only)", ""})
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	c := s.console
	index, ok := c.files["index.html"]
	if !ok {
		http.Error(w, "this binary was built without the web console (-tags noui); the API is at /api/v1", http.StatusNotFound)
		return
	}
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	f, ok := c.files[name]
	h := w.Header()
	switch {
	case ok && strings.HasPrefix(name, "assets/"):
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	case ok:
		h.Set("Cache-Control", "no-cache")
	case strings.HasPrefix(name, "assets/") || path.Ext(name) != "":
		// A missing file is not a page: answering index.html would hide a
		// stale reference behind a confusing parse error.
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	case !strings.Contains(r.Header.Get("Accept"), "text/html"):
		// Only a browser opening a page gets the console; a program asking
		// for an unknown path (a probe for /metrics, a typo) gets a 404.
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	default:
		f = index
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", f.etag)
	if f.br != nil || f.gz != nil {
		h.Add("Vary", "Accept-Encoding")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	switch enc := r.Header.Get("Accept-Encoding"); {
	case f.br != nil && accepts(enc, "br"):
		body = f.br
		h.Set("Content-Encoding", "br")
	case f.gz != nil && accepts(enc, "gzip"):
		body = f.gz
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// accepts reports whether an Accept-Encoding header takes coding (with a
// q above zero).
func accepts(header, coding string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), coding) {
			continue
		}
		params = strings.ReplaceAll(params, " ", "")
		if q, ok := strings.CutPrefix(params, "q="); ok {
			v, err := strconv.ParseFloat(q, 64)
			return err == nil && v > 0
		}
		return true
	}
	return false
}
