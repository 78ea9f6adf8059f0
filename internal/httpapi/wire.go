package httpapi

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/wiretext"
)

// checkQuery refuses a query string Go would read differently from what
// the client meant: url.Query silently drops a parameter holding a raw
// ';' or a bad %-escape, so a filter would vanish and match everything.
// It also refuses values that are not text every database stores alike
// (invalid UTF-8, NUL). It names the parameter.
func checkQuery(raw string) error {
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		rawKey, rawVal, _ := strings.Cut(part, "=")
		key, kerr := url.QueryUnescape(rawKey)
		if kerr != nil {
			key = rawKey
		}
		key = wiretext.Clip(strings.ToValidUTF8(strings.ReplaceAll(key, "\x00", `\0`), "\uFFFD"))
		if strings.Contains(part, ";") {
			return malformed(key, "查询参数 %s 含有未编码的分号 (query parameter %s holds a raw ';': encode it as %%3B)", key, key)
		}
		val, verr := url.QueryUnescape(rawVal)
		if kerr != nil || verr != nil {
			return malformed(key, "查询参数 %s 的 %%-编码无效 (query parameter %s has an invalid %%-escape)", key, key)
		}
		if err := checkText(key, "查询参数 "+key, "query parameter "+key, key+val); err != nil {
			return err
		}
	}
	return nil
}

// malformed is a request that cannot be read as meant, naming the field.
func malformed(field, format string, args ...any) error {
	e := apperr.New(apperr.Malformed, format, args...)
	e.Field = field
	return e
}

// checkText refuses text that is not valid UTF-8 or holds NUL, naming
// where it is (a query parameter, a header, a path segment) in both
// languages; field is what the REST error's field says.
func checkText(field, zh, en, s string) error {
	if p := wiretext.Check(s); p != wiretext.OK {
		return malformed(field, "%s %s (%s %s)", zh, p.Zh(), en, p.En())
	}
	return nil
}

// header reads a request header that reaches the services, refusing one
// that is not text.
func header(r *http.Request, name string) (string, error) {
	v := strings.TrimSpace(r.Header.Get(name))
	return v, checkText(name, "请求头 "+name, "header "+name, v)
}

var wildcardRE = regexp.MustCompile(`\{([A-Za-z]+)\}`)

// pathNames are the wildcards of a route pattern.
func pathNames(pattern string) []string {
	var names []string
	for _, m := range wildcardRE.FindAllStringSubmatch(pattern, -1) {
		names = append(names, m[1])
	}
	return names
}

// checkPath refuses path values (ids, codes) that are not text, before
// they reach SQL: PostgreSQL refuses NUL and invalid UTF-8 in text where
// SQLite would just find nothing.
func checkPath(r *http.Request, names []string) error {
	for _, n := range names {
		if err := checkText(n, "路径参数 "+n, "path segment {"+n+"}", r.PathValue(n)); err != nil {
			return err
		}
	}
	return nil
}
