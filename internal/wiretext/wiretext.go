// Package wiretext checks that text arriving on the wire is text Tritium
// can store the same way on every database: valid UTF-8 without NUL
// characters. encoding/json silently replaces invalid UTF-8 and unpaired
// surrogates with U+FFFD, and PostgreSQL refuses NUL in text while SQLite
// keeps it, so such input is refused at the boundary, naming where it was.
package wiretext

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Problem is what is wrong with a piece of text.
type Problem int

const (
	OK          Problem = iota
	InvalidUTF8         // bytes that are not UTF-8 (overlong, truncated, CESU surrogates …)
	NUL                 // U+0000, which PostgreSQL text cannot hold
	Surrogate           // a \uD800–\uDFFF escape without its pair
)

// Zh and En describe the problem for messages.
func (p Problem) Zh() string {
	switch p {
	case InvalidUTF8:
		return "含有无效的 UTF-8 字节"
	case NUL:
		return "含有 NUL 字符"
	case Surrogate:
		return "含有不成对的 UTF-16 代理项转义"
	}
	return ""
}

func (p Problem) En() string {
	switch p {
	case InvalidUTF8:
		return "is not valid UTF-8"
	case NUL:
		return "contains a NUL character"
	case Surrogate:
		return "contains an unpaired UTF-16 surrogate escape"
	}
	return ""
}

// Check reports what is wrong with s, if anything.
func Check(s string) Problem {
	if strings.IndexByte(s, 0) >= 0 {
		return NUL
	}
	if !utf8.ValidString(s) {
		return InvalidUTF8
	}
	return OK
}

// JSONError locates refused text in a JSON document.
type JSONError struct {
	Problem Problem
	// Path leads to the value from the top: object keys, and [i] for array
	// elements. A value that is a string holding JSON (H3Yun's BizObject)
	// is followed into. Key is true when the text is an object key.
	Path []string
	Key  bool
}

func (e *JSONError) Error() string {
	if len(e.Path) == 0 {
		return "the JSON text " + e.Problem.En()
	}
	return e.Where() + " " + e.Problem.En()
}

// Where is the path as one string: a.b[2].c.
func (e *JSONError) Where() string {
	var b strings.Builder
	for i, p := range e.Path {
		if i > 0 && !strings.HasPrefix(p, "[") {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// Field is the path without array indexes (D0001Lines.F0002), the way
// errors name fields of child rows.
func (e *JSONError) Field() string {
	parts := make([]string, 0, len(e.Path))
	for _, p := range e.Path {
		if !strings.HasPrefix(p, "[") {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ".")
}

// CheckJSON returns where data, a JSON document, holds refused text, or
// nil. The common case (valid UTF-8, no suspicious escapes) costs one pass
// over the bytes.
func CheckJSON(data []byte) *JSONError {
	if firstProblem(data) < 0 {
		return nil
	}
	return locate(data, 0)
}

// firstProblem returns the offset of the first refused byte or escape in
// data, or -1: invalid UTF-8, a raw NUL, a \u0000 escape or an unpaired
// surrogate escape.
func firstProblem(data []byte) int {
	bad := -1
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		for i := 0; i < len(data); {
			r, n := utf8.DecodeRune(data[i:])
			if r == 0 || r == utf8.RuneError && n == 1 {
				bad = i
				break
			}
			i += n
		}
	}
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte(`\u`))
		if j < 0 {
			return bad
		}
		i += j
		if bad >= 0 && i > bad {
			return bad
		}
		p, n := escapeProblem(data, i)
		if p != OK {
			return i
		}
		i += n
	}
}

// escapeProblem checks the \u escape at data[i:], if it is one (an odd
// run of backslashes ends at i), and returns how many bytes to skip.
func escapeProblem(data []byte, i int) (Problem, int) {
	run := 0
	for k := i; k >= 0 && data[k] == '\\'; k-- {
		run++
	}
	if run%2 == 0 {
		return OK, 2 // an escaped backslash followed by a u
	}
	r, ok := hex4(data, i+2)
	switch {
	case !ok:
		return OK, 2 // a syntax error, for the decoder to report
	case r == 0:
		return NUL, 6
	case r >= 0xDC00 && r <= 0xDFFF:
		return Surrogate, 6
	case r >= 0xD800 && r <= 0xDBFF:
		if i+7 < len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
			if lo, ok := hex4(data, i+8); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				return OK, 12
			}
		}
		return Surrogate, 6
	}
	return OK, 6
}

func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(data[i:i+4]), 16, 32)
	return rune(n), err == nil
}

// Clip shortens user input echoed in a message, without splitting a
// UTF-8 sequence.
func Clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// KindWords describes a JSON value kind, as encoding/json names them
// ("string", "number", "bool", "array", "object", "null"), in words for a
// message. (A leading space keeps a Latin word apart from Chinese.)
func KindWords(kind string) (zh, en string) {
	switch {
	case kind == "string":
		return "字符串", "a string"
	case kind == "bool":
		return " true/false", "true/false"
	case kind == "array":
		return "数组", "an array"
	case kind == "object":
		return "对象", "an object"
	case kind == "null":
		return " null", "null"
	case strings.HasPrefix(kind, "number"):
		return "数字", "a number"
	}
	return "其他值", "another value"
}

// KindOf names the JSON kind of a decoded value (map[string]any, []any,
// string, json.Number or float64, bool, nil).
func KindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "number"
}

// Describe is KindWords(KindOf(v)).
func Describe(v any) (zh, en string) { return KindWords(KindOf(v)) }
