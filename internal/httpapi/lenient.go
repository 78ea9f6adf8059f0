package httpapi

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/lenientjson"
)

// decodeLenient and decodeStrict read request bodies (see lenientjson).
func decodeLenient(data []byte, v any) error { return lenientjson.Unmarshal(data, v) }

func decodeStrict(data []byte, v any) error { return lenientjson.Strict(data, v) }

// flexStr reads the key name as a JSON string, number (its text) or null
// (""): H3Yun clients send ids both ways. Anything else is refused,
// naming the key.
func flexStr(raw json.RawMessage, name string) (string, error) {
	b := bytes.TrimSpace(raw)
	switch kind := jsonKind(b); kind {
	case "", "null":
		return "", nil
	case "string":
		if len(b) >= 2 && b[0] == '"' && bytes.IndexByte(b, '\\') < 0 {
			// raw comes from a document that decoded and was checked: a
			// string without escapes is its own text (the hot path).
			return string(b[1 : len(b)-1]), nil
		}
		var v string
		if err := decodeLenient(b, &v); err != nil {
			return "", decodeError(err, doc{name, name})
		}
		return v, nil
	case "number":
		return string(b), nil
	default:
		zh, en := valueWords(kind)
		return "", apperr.Field(name, "%s 需要字符串, 收到%s (%s must be a string, not %s)", name, zh, name, en)
	}
}

// parseFlexBool reads a bool sent as true/false, "true"/"false" or 1/0;
// missing or null is false.
func parseFlexBool(raw json.RawMessage) (bool, bool) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return false, true
	}
	if uq, err := strconv.Unquote(s); err == nil {
		s = strings.TrimSpace(uq)
	} else if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		s = s[1 : len(s)-1]
	}
	switch strings.ToLower(s) {
	case "true", "1":
		return true, true
	case "false", "0", "":
		return false, true
	}
	return false, false
}

// parseFlexInt reads an int sent as a number or numeric string.
func parseFlexInt(raw json.RawMessage) (int64, bool, bool) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, false, true
	}
	if uq, err := strconv.Unquote(s); err == nil {
		s = strings.TrimSpace(uq)
	}
	if s == "" {
		return 0, false, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) {
		return 0, false, false
	}
	return int64(f), true, true
}

// embeddedText returns the JSON text of a value that clients send either as
// JSON or as a string holding JSON; nil for null, missing or "".
func embeddedText(raw json.RawMessage) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '"' {
		return raw, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	return []byte(s), nil
}

// embedded decodes a value that clients send either as JSON or as a string
// holding JSON (BizObject, Filter, Matcher, ReturnItems …). The result is
// generic (map[string]any, []any …) with numbers as json.Number.
func embedded(raw json.RawMessage) (any, error) {
	raw, err := embeddedText(raw)
	if raw == nil || err != nil {
		return nil, err
	}
	var v any
	if err := decodeLenient(raw, &v); err != nil {
		return nil, err
	}
	return v, nil
}
