// Package lenientjson reads JSON the way H3Yun's server (Newtonsoft.Json)
// did, which is what its clients rely on: strict JSON first (the fast
// path), then single-quoted strings. Numbers decode as json.Number so
// decimals stay exact. Text that encoding/json would silently rewrite
// (invalid UTF-8, unpaired surrogates) or that not every database can
// store (NUL) is refused with a *wiretext.JSONError naming where it is.
package lenientjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/tritiumhq/tritium/internal/wiretext"
)

// Unmarshal decodes data into v.
func Unmarshal(data []byte, v any) error {
	err := strict(data, v)
	var se *json.SyntaxError
	if errors.As(err, &se) && bytes.IndexByte(data, '\'') >= 0 {
		if fixed, ok := singleToDouble(data); ok {
			return checked(fixed, strict(fixed, v))
		}
	}
	return checked(data, err)
}

// Strict decodes exactly one JSON value (numbers as json.Number), and
// refuses object keys v has no field for (REST is strict; H3Yun clients
// send extra keys).
func Strict(data []byte, v any) error { return checked(data, decode(data, v, true)) }

// UnknownKey is the key Strict found no field for in err, if that is
// what err is. (encoding/json has no typed error for it.)
func UnknownKey(err error) (string, bool) {
	const prefix = `json: unknown field "`
	if err == nil || !strings.HasPrefix(err.Error(), prefix) {
		return "", false
	}
	return strings.TrimSuffix(strings.TrimPrefix(err.Error(), prefix), `"`), true
}

// checked adds the text check to a decode that succeeded.
func checked(data []byte, err error) error {
	if err != nil {
		return err
	}
	if e := wiretext.CheckJSON(data); e != nil {
		return e
	}
	return nil
}

func strict(data []byte, v any) error { return decode(data, v, false) }

func decode(data []byte, v any, known bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if known {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return &json.SyntaxError{Offset: dec.InputOffset()}
	}
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
