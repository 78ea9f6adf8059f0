package wiretext

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxEmbed bounds how deep strings holding JSON are followed into.
const maxEmbed = 4

// locate walks the JSON value in data and returns the first refused text
// with its path; data is expected to be JSON that decoded.
func locate(data []byte, embed int) *JSONError {
	w := walker{data: data, embed: embed}
	return w.value()
}

type walker struct {
	data  []byte
	i     int
	path  []string
	embed int
}

func (w *walker) at(path ...string) []string {
	return append(append([]string(nil), w.path...), path...)
}

func (w *walker) space() {
	for w.i < len(w.data) && (w.data[w.i] == ' ' || w.data[w.i] == '\t' || w.data[w.i] == '\n' || w.data[w.i] == '\r') {
		w.i++
	}
}

func (w *walker) value() *JSONError {
	w.space()
	if w.i >= len(w.data) {
		return nil
	}
	switch w.data[w.i] {
	case '{':
		return w.object()
	case '[':
		return w.array()
	case '"', '\'':
		s, p := w.str()
		if p == OK {
			return nil
		}
		if t := bytes.TrimSpace(s); w.embed < maxEmbed && len(t) > 0 && (t[0] == '{' || t[0] == '[') {
			if e := locate(t, w.embed+1); e != nil {
				// The same text, seen through the string's escapes.
				e.Path, e.Problem = w.at(e.Path...), p
				return e
			}
		}
		return &JSONError{Problem: p, Path: w.at()}
	}
	for w.i < len(w.data) && !strings.ContainsRune(",]} \t\r\n", rune(w.data[w.i])) {
		w.i++
	}
	return nil
}

func (w *walker) object() *JSONError {
	w.i++ // {
	for {
		w.space()
		if w.i >= len(w.data) {
			return nil
		}
		switch w.data[w.i] {
		case '}':
			w.i++
			return nil
		case ',':
			w.i++
			continue
		}
		key, p := w.str()
		if p != OK {
			return &JSONError{Problem: p, Path: w.at(printable(key)), Key: true}
		}
		w.space()
		if w.i < len(w.data) && w.data[w.i] == ':' {
			w.i++
		}
		w.path = append(w.path, string(key))
		if e := w.value(); e != nil {
			return e
		}
		w.path = w.path[:len(w.path)-1]
	}
}

func (w *walker) array() *JSONError {
	w.i++ // [
	for n := 0; ; {
		w.space()
		if w.i >= len(w.data) {
			return nil
		}
		switch w.data[w.i] {
		case ']':
			w.i++
			return nil
		case ',':
			w.i++
			n++
			continue
		}
		w.path = append(w.path, "["+strconv.Itoa(n)+"]")
		if e := w.value(); e != nil {
			return e
		}
		w.path = w.path[:len(w.path)-1]
	}
}

// str reads the string at w.i (double-quoted, or single-quoted as the
// lenient reader accepts) and returns its content with raw bytes kept
// (an unpaired surrogate becomes invalid UTF-8, \u0000 a NUL byte), and
// the first problem in it.
func (w *walker) str() ([]byte, Problem) {
	q := w.data[w.i]
	w.i++
	var out []byte
	prob := OK
	note := func(p Problem) {
		if prob == OK {
			prob = p
		}
	}
	for w.i < len(w.data) {
		c := w.data[w.i]
		switch {
		case c == q:
			w.i++
			return out, prob
		case c == '\\' && w.i+1 < len(w.data):
			if w.data[w.i+1] == 'u' {
				p, n := escapeProblem(w.data, w.i)
				note(p)
				out = appendEscape(out, w.data[w.i:w.i+n])
				w.i += n
				continue
			}
			out = append(out, unescape(w.data[w.i+1]))
			w.i += 2
		default:
			r, n := utf8.DecodeRune(w.data[w.i:])
			if r == utf8.RuneError && n == 1 {
				note(InvalidUTF8)
			} else if r == 0 {
				note(NUL)
			}
			out = append(out, w.data[w.i:w.i+n]...)
			w.i += n
		}
	}
	return out, prob
}

// appendEscape appends the text of one \uXXXX escape (or a surrogate pair
// of them); what is not a character is kept as invalid bytes.
func appendEscape(out, esc []byte) []byte {
	r, ok := hex4(esc, 2)
	if !ok {
		return append(out, esc...)
	}
	if len(esc) == 12 {
		lo, _ := hex4(esc, 8)
		r = (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000
	}
	if r >= 0xD800 && r <= 0xDFFF {
		return append(out, 0xED, byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F)) // CESU bytes: invalid UTF-8
	}
	return utf8.AppendRune(out, r)
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	}
	return c // " \ / '
}

// printable makes a refused key showable in a message.
func printable(b []byte) string {
	return strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), "\x00", `\u0000`)
}
