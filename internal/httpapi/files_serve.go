package httpapi

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/tritiumhq/tritium/internal/file"
)

// serveFile writes f's content. Its Content-Type is what the content was
// sniffed as when that is an image or a PDF, else
// application/octet-stream; the type the uploader declared is never
// served. preview shows those images and PDFs inline; everything else, and
// every API download, is an attachment. Every answer carries nosniff and a
// Content-Security-Policy that lets the document run nothing.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, f file.File, preview bool, cache string) error {
	rc, err := s.deps.Files.Content(r.Context(), f)
	if err != nil {
		return err
	}
	defer rc.Close()
	ct, inline := file.SafeType(f)
	inline = inline && preview
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", cache)
	h.Set("ETag", `"`+f.FileKey+`"`) // content under a key never changes
	switch {
	case inline && ct == "application/pdf":
		// A sandboxed document may not load the browser's PDF viewer; a
		// PDF runs no script in the page's origin anyway.
		h.Set("Content-Security-Policy", "default-src 'none'; object-src 'self'; style-src 'unsafe-inline'")
		h.Set("Content-Disposition", contentDisposition("inline", f.Name))
	case inline:
		h.Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'")
		h.Set("Content-Disposition", contentDisposition("inline", f.Name))
	default:
		h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
		h.Set("Content-Disposition", contentDisposition("attachment", f.Name))
	}
	if rs, ok := rc.(io.ReadSeeker); ok {
		// Ranges, If-None-Match, HEAD; its refusals (416, 412) in the envelope.
		http.ServeContent(&envelopeErrors{ResponseWriter: w, r: r, s: s}, r, "", f.CreatedTime, rs)
		return nil
	}
	h.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	if r.Method == http.MethodHead {
		return nil
	}
	io.Copy(w, rc)
	return nil
}

// envelopeErrors turns the plain-text refusals of http.ServeContent (an
// unsatisfiable range, a failed precondition) into the REST envelope.
type envelopeErrors struct {
	http.ResponseWriter
	r      *http.Request
	s      *Server
	failed bool
}

func (e *envelopeErrors) WriteHeader(code int) {
	if code < 400 {
		e.ResponseWriter.WriteHeader(code)
		return
	}
	e.failed = true
	h := e.Header()
	for _, k := range []string{"Content-Disposition", "ETag", "Cache-Control", "Last-Modified", "Accept-Ranges"} {
		h.Del(k)
	}
	ae := &apiError{code, "range_not_satisfiable", "请求的范围无法满足 (the requested range is not satisfiable)", "Range"}
	if code == http.StatusPreconditionFailed {
		ae = &apiError{code, "precondition_failed", "前提条件不成立 (a precondition failed: the file does not match If-Match or If-Unmodified-Since)", ""}
	}
	writeError(e.ResponseWriter, e.r, e.s.log, ae)
}

func (e *envelopeErrors) Write(b []byte) (int, error) {
	if e.failed {
		return len(b), nil // http.Error's text, replaced by the envelope
	}
	return e.ResponseWriter.Write(b)
}

// contentDisposition is kind with the file name for every browser (RFC
// 6266): an ASCII fallback in filename, the UTF-8 name in filename*
// (RFC 5987).
func contentDisposition(kind, name string) string {
	var ascii, ext strings.Builder
	for _, c := range name {
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%' && c != ';' {
			ascii.WriteRune(c)
		} else {
			ascii.WriteByte('_')
		}
	}
	const attrChar = "!#$&+-.^_`|~"
	for _, b := range []byte(name) {
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte(attrChar, b) >= 0 {
			ext.WriteByte(b)
		} else {
			ext.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(b)|0x100, 16)[1:]))
		}
	}
	return kind + `; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}
