package connector

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	pathParamRE = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)
	refRE       = regexp.MustCompile(`\{\{\s*(params|config|secret)\.([A-Za-z0-9_]+)\s*\}\}`)
)

// camel turns snake_case into camelCase: get_customer_detail → getCustomerDetail.
func camel(s string) string {
	if !strings.Contains(s, "_") {
		return s
	}
	var b strings.Builder
	up := false
	for i, r := range s {
		switch {
		case r == '_' && i > 0:
			up = true
		case up && r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
			up = false
		default:
			b.WriteRune(r)
			up = false
		}
	}
	return b.String()
}

// scope is what templates read.
type scope struct {
	params  map[string]any
	config  map[string]any
	secrets map[string]string
}

func (sc *scope) lookup(kind, name string) (any, bool) {
	switch kind {
	case "params":
		v, ok := sc.params[name]
		return v, ok
	case "config":
		v, ok := sc.config[name]
		return v, ok
	case "secret":
		v, ok := sc.secrets[name]
		return v, ok
	}
	return nil, false
}

// renderString expands a template string. One whole reference keeps its
// value's type; ok is false when that reference has no value.
func (sc *scope) render(s string) (any, bool) {
	if !strings.Contains(s, "{{") {
		return s, true
	}
	if m := refRE.FindStringSubmatchIndex(s); m != nil && m[0] == 0 && m[1] == len(s) {
		return sc.lookup(s[m[2]:m[3]], s[m[4]:m[5]])
	}
	return refRE.ReplaceAllStringFunc(s, func(ref string) string {
		m := refRE.FindStringSubmatch(ref)
		v, _ := sc.lookup(m[1], m[2])
		return text(v)
	}), true
}

// renderText is render as a string ("" for no value).
func (sc *scope) renderText(s string) string {
	v, _ := sc.render(s)
	return text(v)
}

// renderValue expands a JSON template; members whose whole reference has
// no value are left out.
func (sc *scope) renderValue(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		return sc.render(x)
	case map[string]any:
		if inner, ok := x["$json"]; ok && len(x) == 1 {
			r, _ := sc.renderValue(inner)
			b, err := json.Marshal(r)
			if err != nil {
				return nil, false
			}
			return string(b), true
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			if r, ok := sc.renderValue(e); ok {
				out[k] = r
			}
		}
		return out, true
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if r, ok := sc.renderValue(e); ok {
				out = append(out, r)
			}
		}
		return out, true
	}
	return v, true
}

// text formats a JSON-like value for a URL, header or string template.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool, int, int64:
		return fmt.Sprint(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// referenced lists the params a template value references.
func referenced(v any, into map[string]bool) {
	switch x := v.(type) {
	case string:
		for _, m := range refRE.FindAllStringSubmatch(x, -1) {
			if m[1] == "params" {
				into[m[2]] = true
			}
		}
	case map[string]any:
		for _, e := range x {
			referenced(e, into)
		}
	case []any:
		for _, e := range x {
			referenced(e, into)
		}
	}
}

// getPath reads a dotted path (a.b.0.c) from a decoded JSON value.
func getPath(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	for part := range strings.SplitSeq(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[part]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// setPath sets a dotted path in an object, making objects on the way.
func setPath(obj map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := obj[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[p] = next
		}
		obj = next
	}
	obj[parts[len(parts)-1]] = v
}

// joined applies a param's join to an array value.
func joined(v any, sep string) any {
	if sep == "" {
		return v
	}
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = text(e)
		}
		return strings.Join(parts, sep)
	case []string:
		return strings.Join(x, sep)
	}
	return v
}

// sameValue compares a vendor code with a success mapping's ok value.
func sameValue(a, b any) bool { return text(a) == text(b) }
