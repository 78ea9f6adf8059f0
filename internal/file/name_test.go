package file

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
)

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"合同.pdf":                 "合同.pdf",
		"../../etc/passwd":       "passwd",
		`C:\Users\x\report.docx`: "report.docx",
		"a/b/":                   "file",
		"..":                     "file",
		"...":                    "file",
		"":                       "file",
		"bad\xffname.txt":        "badname.txt",
		"new\nline\r.txt":        "newline.txt",
		"\u202Egnp.exe":          "gnp.exe",
		"  spaced  ":             "spaced",
		"x\u0085y":               "xy",
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
	long := cleanName(strings.Repeat("文", 200) + ".pdf")
	if len(long) > maxName || !utf8.ValidString(long) || !strings.HasSuffix(long, ".pdf") {
		t.Errorf("long name: %d bytes %q", len(long), long)
	}
}

func TestContentTypeAndSafeType(t *testing.T) {
	for _, c := range []struct{ declared, name, sniffed, want string }{
		{"image/PNG", "x", "", "image/png"},
		{"application/octet-stream", "a.pdf", "", "application/pdf"},
		{"", "noext", "text/plain; charset=utf-8", "text/plain; charset=utf-8"},
		{"not a type", "noext", "", "application/octet-stream"},
		{"text/html\x00", "x.png", "", "image/png"},
	} {
		if got := contentType(c.declared, c.name, c.sniffed); got != c.want {
			t.Errorf("contentType(%q, %q, %q) = %q, want %q", c.declared, c.name, c.sniffed, got, c.want)
		}
	}
	for sniffed, want := range map[string]bool{"image/png": true, "application/pdf": true, "text/html; charset=utf-8": false,
		"image/svg+xml": false, "": false, "text/xml; charset=utf-8": false} {
		ct, inline := SafeType(File{Sniffed: sniffed, FileRef: fileRef("image/png")})
		if inline != want || (!inline && ct != "application/octet-stream") {
			t.Errorf("SafeType(sniffed %q) = %q %v", sniffed, ct, inline)
		}
	}
}

func TestLinks(t *testing.T) {
	s := &Service{}
	s.SetLinkKey([]byte("k1"))
	now := time.Unix(1_800_000_000, 0)
	exp, sig := s.SignLink("abcd", now.Add(time.Minute))
	if err := s.CheckLink("abcd", exp, sig, now); err != nil {
		t.Fatalf("a fresh link: %v", err)
	}
	if err := s.CheckLink("abcd", exp, sig, now.Add(time.Minute)); !apperr.Is(err, apperr.Gone) {
		t.Fatalf("an expired link: %v", err)
	}
	other := &Service{}
	other.SetLinkKey([]byte("k2"))
	for name, err := range map[string]error{
		"other file":    s.CheckLink("abce", exp, sig, now),
		"other expiry":  s.CheckLink("abcd", exp+"0", sig, now),
		"other key":     other.CheckLink("abcd", exp, sig, now),
		"no key":        (&Service{}).CheckLink("abcd", exp, sig, now),
		"cut signature": s.CheckLink("abcd", exp, sig[:42], now),
		"empty":         s.CheckLink("abcd", "", "", now),
		"not a number":  s.CheckLink("abcd", "x", s.sign("abcd", "x"), now),
	} {
		if !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func fileRef(ct string) form.FileRef { return form.FileRef{ContentType: ct} }
