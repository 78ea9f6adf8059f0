package file

import (
	"mime"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// maxName is the longest stored file name, in bytes.
const maxName = 255

// cleanName keeps the base name of what a client sent — a path (../x,
// C:\x\y) leaves only its last element — and drops what would break a
// header or mislead a reader: control characters and the bidirectional
// overrides that make "exe.pdf" read as "fdp.exe". Invalid UTF-8 and
// names that are nothing but dots become "file". A long name is cut at a
// character boundary, keeping its extension.
func cleanName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.ReplaceAll(name, `\`, "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c, r == 0xfeff:
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if strings.Trim(name, ".") == "" {
		return "file"
	}
	if len(name) > maxName {
		ext := filepath.Ext(name)
		if len(ext) > 16 || !utf8.ValidString(ext) {
			ext = ""
		}
		base := name[:maxName-len(ext)]
		for !utf8.ValidString(base) {
			base = base[:len(base)-1]
		}
		name = base + ext
	}
	return name
}

// contentType is the type recorded for a file: the declared one when it
// is a valid media type other than application/octet-stream, else the
// one its extension names, else what its content looks like. It is
// metadata for clients; serving does not trust it (see SafeType).
func contentType(declared, name, sniffed string) string {
	if mt, params, err := mime.ParseMediaType(declared); err == nil && mt != "application/octet-stream" && utf8.ValidString(declared) && len(declared) <= 200 {
		return mime.FormatMediaType(mt, params)
	}
	if t := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); t != "" {
		return t
	}
	if sniffed != "" {
		return sniffed
	}
	return "application/octet-stream"
}

// inline are the types a browser may show in place (preview links): ones
// that cannot run script in the page. SVG, HTML and the like are not.
var inline = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true, "image/bmp": true,
	"application/pdf": true,
}

// SafeType is how f is served: the type its content was sniffed as when
// that is an image or PDF a browser may show inline (inline true), else
// application/octet-stream as an attachment. The declared content type is
// never used for serving.
func SafeType(f File) (contentType string, inlineOK bool) {
	mt, _, _ := mime.ParseMediaType(f.Sniffed)
	if inline[mt] {
		return mt, true
	}
	return "application/octet-stream", false
}
