package filter

import (
	"encoding/json"
	"fmt"
	"github.com/tritiumhq/tritium/internal/apperr"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Tokens of the REST filter syntax.
type tokKind int

const (
	tEOF    tokKind = iota
	tIdent          // field code or keyword: and, or, in, not, true, false, null
	tString         // val is the decoded string
	tNumber         // val is a json.Number
	tOp             // text is the operator symbol
	tLParen
	tRParen
	tLBrack
	tRBrack
	tComma
	tAnd // &&
	tOr  // ||
	tVar // @name.path, a rule variable; val is the name without @
)

type token struct {
	kind tokKind
	text string // the source text (an operator's symbol, an identifier)
	val  any    // tString, tNumber
	pos  int    // byte offset in the input
}

// symbols are the operator and punctuation tokens, longest first so that
// "!^=" is not read as "!" followed by "^=".
var symbols = []struct {
	text string
	kind tokKind
}{
	{"!^=", tOp}, {"!$=", tOp},
	{"&&", tAnd}, {"||", tOr},
	{"!=", tOp}, {"!~", tOp}, {">=", tOp}, {"<=", tOp}, {"<>", tOp}, {"==", tOp}, {"^=", tOp}, {"$=", tOp},
	{"=", tOp}, {">", tOp}, {"<", tOp}, {"~", tOp},
	{"(", tLParen}, {")", tRParen}, {"[", tLBrack}, {"]", tRBrack}, {",", tComma},
}

// lex splits the whole input into tokens; it ends with a tEOF token.
func lex(src string) ([]token, error) {
	var toks []token
	for i := 0; ; {
		for i < len(src) && isSpace(src[i]) {
			i++
		}
		if i == len(src) {
			return append(toks, token{kind: tEOF, pos: i}), nil
		}
		t, end, err := lexOne(src, i)
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		i = end
	}
}

func lexOne(src string, i int) (token, int, error) {
	c := src[i]
	switch {
	case isIdentStart(c):
		end := i + 1
		for end < len(src) && isIdentChar(src[end]) {
			end++
		}
		return token{kind: tIdent, text: src[i:end], pos: i}, end, nil
	case c == '"' || c == '\'':
		s, end, err := lexString(src, i)
		if err != nil {
			return token{}, 0, err
		}
		return token{kind: tString, text: src[i:end], val: s, pos: i}, end, nil
	case isDigit(c) || c == '-' && i+1 < len(src) && isDigit(src[i+1]):
		return lexNumber(src, i)
	case c == '@':
		return lexVar(src, i)
	case c == '!' && hasWord(src[i+1:], "in"):
		return token{kind: tOp, text: "!in", pos: i}, i + 3, nil
	}
	for _, s := range symbols {
		if strings.HasPrefix(src[i:], s.text) {
			return token{kind: s.kind, text: s.text, pos: i}, i + len(s.text), nil
		}
	}
	r, _ := utf8.DecodeRuneInString(src[i:])
	return token{}, 0, posErr(i, fmt.Sprintf("不能识别的字符 %q", r), fmt.Sprintf("unexpected character %q", r))
}

// lexVar reads a rule variable: @ then dot-separated segments of letters,
// digits and _, the first starting with a letter or _ (@user.id,
// @user.departmentTree). Whether variables are allowed is the parser's
// decision, so Parse can say why it refuses one.
func lexVar(src string, start int) (token, int, error) {
	i := start + 1
	if i == len(src) || !isIdentStart(src[i]) {
		return token{}, 0, posErr(start, "@ 后需要变量名, 如 @user.id", "expected a variable name after @, such as @user.id")
	}
	for i < len(src) && (isIdentChar(src[i]) || src[i] == '.' && i+1 < len(src) && isIdentChar(src[i+1])) {
		i++
	}
	if i < len(src) && src[i] == '.' {
		return token{}, 0, posErr(start, "变量名无效", "malformed variable name")
	}
	return token{kind: tVar, text: src[start:i], val: src[start+1 : i], pos: start}, i, nil
}

// hasWord reports whether s starts with word (case-insensitive) as a whole
// identifier.
func hasWord(s, word string) bool {
	return len(s) >= len(word) && strings.EqualFold(s[:len(word)], word) &&
		(len(s) == len(word) || !isIdentChar(s[len(word)]))
}

// lexNumber reads a JSON-style number: -?digits(.digits)?([eE][+-]?digits)?
// (leading zeros allowed, so "007" compared with a text field stays "007").
func lexNumber(src string, start int) (token, int, error) {
	i := start
	if src[i] == '-' {
		i++
	}
	i = digits(src, i)
	if i < len(src) && src[i] == '.' {
		if j := digits(src, i+1); j > i+1 {
			i = j
		} else {
			return token{}, 0, posErr(start, "数字格式错误", "malformed number")
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if k := digits(src, j); k > j {
			i = k
		} else {
			return token{}, 0, posErr(start, "数字格式错误", "malformed number")
		}
	}
	if i < len(src) && (isIdentChar(src[i]) || src[i] == '.') {
		return token{}, 0, posErr(start, "数字格式错误", "malformed number")
	}
	return token{kind: tNumber, text: src[start:i], val: json.Number(src[start:i]), pos: start}, i, nil
}

func digits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// lexString reads a quoted string starting at src[start] (its quote).
func lexString(src string, start int) (string, int, error) {
	quote := src[start]
	var b strings.Builder
	for i := start + 1; i < len(src); {
		switch c := src[i]; {
		case c == quote:
			return b.String(), i + 1, nil
		case c == '\\':
			n, err := unescape(&b, src, i)
			if err != nil {
				return "", 0, err
			}
			i += n
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", 0, posErr(start, "字符串没有结束引号", "unterminated string")
}

var simpleEscapes = map[byte]byte{'"': '"', '\'': '\'', '\\': '\\', '/': '/', 'n': '\n', 't': '\t', 'r': '\r'}

// unescape decodes the escape at src[i] ('\') into b and returns its length.
func unescape(b *strings.Builder, src string, i int) (int, error) {
	if i+1 >= len(src) {
		return 0, posErr(i, "字符串没有结束引号", "unterminated string")
	}
	if c, ok := simpleEscapes[src[i+1]]; ok {
		b.WriteByte(c)
		return 2, nil
	}
	if src[i+1] != 'u' {
		return 0, posErr(i, "无效的转义序列", "invalid escape sequence")
	}
	r, ok := hex4(src, i+2)
	if !ok {
		return 0, posErr(i, "无效的 \\u 转义", "invalid \\u escape")
	}
	if !utf16.IsSurrogate(r) {
		b.WriteRune(r)
		return 6, nil
	}
	// A surrogate must be the first half of a \uXXXX\uXXXX pair.
	if i+7 < len(src) && src[i+6] == '\\' && src[i+7] == 'u' {
		if r2, ok := hex4(src, i+8); ok {
			if full := utf16.DecodeRune(r, r2); full != utf8.RuneError {
				b.WriteRune(full)
				return 12, nil
			}
		}
	}
	return 0, posErr(i, "无效的 \\u 转义: 不成对的代理项", "invalid \\u escape: unpaired surrogate")
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	n, err := strconv.ParseUint(s[i:i+4], 16, 32)
	return rune(n), err == nil
}

func isSpace(c byte) bool      { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || isDigit(c) }

// posErr reports a syntax error at a byte offset.
// posErr is a syntax error: the filter could not be read at all
// (malformed), unlike an unknown field or a bad value (invalid).
func posErr(pos int, zh, en string) error {
	e := errf("", "位置 %d: %s (at offset %d: %s)", pos, zh, pos, en)
	e.Code = apperr.Malformed
	return e
}

// limitErr is a filter that can be read but is over a size limit
// (conditions, values, nesting): invalid, like one that is too long.
func limitErr(pos int, zh, en string) error {
	e := posErr(pos, zh, en).(*apperr.Error)
	e.Code = apperr.Invalid
	return e
}
