package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// H3Yun's server parsed with Newtonsoft.Json, and clients rely on what it
// tolerates. decodeLenient accepts strict JSON first (the fast path) and,
// on a syntax error, single-quoted strings.

// decodeLenient unmarshals data into v (numbers as json.Number when v is an
// interface or map).
func decodeLenient(data []byte, v any) error {
	err := decodeStrict(data, v)
	var se *json.SyntaxError
	if errors.As(err, &se) && bytes.IndexByte(data, '\'') >= 0 {
		if fixed, ok := singleToDouble(data); ok {
			return decodeStrict(fixed, v)
		}
	}
	return err
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return &json.SyntaxError{Offset: dec.InputOffset()}
	}
	// Trailing whitespace only.
	if rest := bytes.TrimSpace(data[dec.InputOffset():]); len(rest) > 0 {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// singleToDouble rewrites single-quoted strings as double-quoted ones,
// leaving double-quoted strings alone.
func singleToDouble(data []byte) ([]byte, bool) {
	out := make([]byte, 0, len(data)+8)
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch c {
		case '"':
			j := i + 1
			for ; j < len(data) && data[j] != '"'; j++ {
				if data[j] == '\\' {
					j++
				}
			}
			if j >= len(data) {
				return nil, false
			}
			out = append(out, data[i:j+1]...)
			i = j
		case '\'':
			out = append(out, '"')
			j := i + 1
			for ; j < len(data) && data[j] != '\''; j++ {
				switch {
				case data[j] == '\\' && j+1 < len(data) && data[j+1] == '\'':
					out = append(out, '\'')
					j++
				case data[j] == '\\' && j+1 < len(data):
					out = append(out, data[j], data[j+1])
					j++
				case data[j] == '"':
					out = append(out, '\\', '"')
				default:
					out = append(out, data[j])
				}
			}
			if j >= len(data) {
				return nil, false
			}
			out = append(out, '"')
			i = j
		default:
			out = append(out, c)
		}
	}
	return out, true
}

// flexString accepts a JSON string, number or null.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
	case string(b) == "null":
		*s = ""
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*s = flexString(b)
	default:
		return errors.New("expected a string")
	}
	return nil
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
