package apperr

import (
	"strings"
	"unicode"
)

// Every message a client sees is Chinese first, then English in
// parentheses ("字段F1: 需要数字 (F1: expected a number)"), and names the
// field when there is one: H3Yun's envelope carries only the message.
// Messages are written that way at their source (a test checks every
// literal); Complete is the one place every adapter passes them through,
// so a message composed at run time can never reach a client without
// either part.

var codeWords = map[Code][2]string{
	Malformed:       {"请求格式错误", "malformed request"},
	Invalid:         {"数据校验失败", "validation failed"},
	NotFound:        {"不存在", "not found"},
	Conflict:        {"冲突", "conflict"},
	VersionConflict: {"版本冲突", "version conflict"},
	Unauthorized:    {"未认证", "unauthorized"},
	Forbidden:       {"无权操作", "forbidden"},
	TooLarge:        {"请求过大", "payload too large"},
	Gone:            {"已失效", "gone"},
	RateLimited:     {"调用频率超过限制", "rate limited"},
	Unavailable:     {"服务暂不可用", "unavailable"},
	Internal:        {"服务器内部错误", "internal error"},
}

// Complete returns msg with both language parts and the field named,
// adding what is missing from the code's generic words.
func Complete(code Code, field, msg string) string {
	words, ok := codeWords[code]
	if !ok {
		words = codeWords[Invalid]
	}
	if field != "" && !strings.ContainsAny(field, "[]") && !names(msg, field) {
		msg = "字段" + field + ": " + msg
	}
	if !HasChinese(msg) {
		msg = words[0] + ": " + msg
	}
	if !HasEnglish(msg) {
		en := words[1]
		if field != "" {
			en += ": " + field
		}
		msg += " (" + en + ")"
	}
	return msg
}

// names reports whether msg mentions field, or its last part for a child
// table's field (D1Lines.F2 is named by "F2"). A path into a definition
// (fields[2].options) is left to the message, which names the field code.
func names(msg, field string) bool {
	if i := strings.LastIndexByte(field, '.'); i >= 0 && i+1 < len(field) {
		field = field[i+1:]
	}
	return strings.Contains(msg, field)
}

// HasChinese reports whether s holds a Han character.
func HasChinese(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// HasEnglish reports whether s holds a parenthesised part with an English
// word in it, after the first Han character.
func HasEnglish(s string) bool {
	start := strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
	if start < 0 {
		start = 0
	}
	s = s[start:]
	for {
		i := strings.IndexByte(s, '(')
		if i < 0 {
			return false
		}
		s = s[i+1:]
		end := strings.IndexByte(s, ')')
		if end < 0 {
			end = len(s)
		}
		if hasWord(s[:end]) {
			return true
		}
	}
}

// hasWord reports whether s has two ASCII letters in a row.
func hasWord(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c >= 'a' && c <= 'z' {
			if run++; run >= 2 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}
