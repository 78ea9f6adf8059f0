package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
)

// The user context in a JSON body [spec: "userIdType + userId in a JSON
// body"]: a REST POST, PUT or PATCH whose JSON object body has the
// top-level keys userIdType and userId acts as that user, exactly as with
// the X-User-Id-Type and X-User-Id headers. The two keys are taken out of
// the body before the handler reads it, so they are never record data.
//
// Cheap on the hot path: the body is read once, and only a body holding
// the bytes `"userId` (or a \u escape, which could spell them) is
// scanned — a byte scan of its top level, not a JSON decode — and
// rewritten without the two members.

const (
	keyUserIDType = "userIdType"
	keyUserID     = "userId"
)

// userRef is a user context as the caller sent it: by is the id type as
// sent ("" when not), id the user's id, login name or email.
type userRef struct {
	by, id string
	inBody bool // from the body's userIdType / userId
}

type userRefKey struct{}

// refOf returns the user context rest() settled for r.
func refOf(r *http.Request) userRef {
	ref, _ := r.Context().Value(userRefKey{}).(userRef)
	return ref
}

// headerRef reads the X-User-Id-Type / X-User-Id headers.
func headerRef(r *http.Request) (userRef, error) {
	id, err := header(r, "X-User-Id")
	if id == "" || err != nil {
		return userRef{}, err
	}
	by, err := header(r, "X-User-Id-Type")
	return userRef{by: by, id: id}, err
}

// userRefOf settles the user context of a REST request from its headers and
// its JSON body, and returns the request with the body's two keys taken
// out and the context remembered (refOf). Headers and body naming
// different users are refused.
func userRefOf(r *http.Request) (*http.Request, userRef, error) {
	ref, err := headerRef(r)
	if err != nil {
		return r, ref, err
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
		var body userRef
		if r, body, err = takeBodyRef(r); err != nil {
			return r, ref, err
		}
		if body.id != "" {
			if ref.id != "" && (ref.id != body.id || !strings.EqualFold(orUserID(ref.by), orUserID(body.by))) {
				return r, ref, malformed(keyUserID, "请求头 X-User-Id-Type/X-User-Id 与请求体中的 userIdType/userId 不一致 (the X-User-Id headers and the body's userIdType/userId name different users)")
			}
			ref = body
		}
	}
	if ref.id != "" {
		r = r.WithContext(context.WithValue(r.Context(), userRefKey{}, ref))
	}
	return r, ref, nil
}

func orUserID(by string) string {
	if by == "" {
		return "USERID"
	}
	return by
}

// takeBodyRef reads a JSON body and takes userIdType / userId out of its
// top level. A body that is not JSON, or not an object the scan can read,
// is left for the handler to judge.
func takeBodyRef(r *http.Request) (*http.Request, userRef, error) {
	if r.Body == nil || r.Body == http.NoBody || !jsonBody(r.Header.Get("Content-Type")) {
		return r, userRef{}, nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return r, userRef{}, err
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	if !bytes.Contains(b, []byte(`"userId`)) && !bytes.Contains(b, []byte(`\u`)) {
		return r, userRef{}, nil // neither key, even spelt with escapes
	}
	members, ok := topMembers(b)
	if !ok {
		return r, userRef{}, nil
	}
	var ref userRef
	seen := 0
	kept := make([][]byte, 0, len(members))
	for _, m := range members {
		if m.key == "" {
			kept = append(kept, b[m.start:m.end])
			continue
		}
		bit := 1
		if m.key == keyUserIDType {
			bit = 2
		}
		if seen&bit != 0 {
			return r, ref, malformed(m.key, "请求体中 %s 重复 (%s appears twice in the body)", m.key, m.key)
		}
		seen |= bit
		v, ok := stringValue(m.value)
		if !ok {
			zh, en := valueWords(jsonKind(m.value))
			return r, ref, malformed(m.key, "%s 需要字符串, 收到%s (%s must be a string, not %s)", m.key, zh, m.key, en)
		}
		if v == nil {
			continue
		}
		s := strings.TrimSpace(*v)
		if err := checkText(m.key, "请求体 "+m.key, "body key "+m.key, s); err != nil {
			return r, ref, err
		}
		if m.key == keyUserID {
			ref.id = s
		} else {
			ref.by = s
		}
	}
	if seen == 0 {
		return r, userRef{}, nil // "userId… only inside a value
	}
	if ref.id == "" && ref.by != "" {
		return r, ref, malformed(keyUserID, "请求体有 userIdType 却缺少 userId (the body has userIdType but no userId)")
	}
	out := make([]byte, 0, len(b))
	out = append(out, '{')
	for i, m := range kept {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, m...)
	}
	out = append(out, '}')
	r.Body = io.NopCloser(bytes.NewReader(out))
	r.ContentLength = int64(len(out))
	ref.inBody = ref.id != ""
	return r, ref, nil
}

func jsonBody(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// member is one top-level member of a JSON object: its key (only when it
// is userId or userIdType, else ""), where it is (key through value) and
// its value.
type member struct {
	key        string
	start, end int
	value      []byte
}

// topMembers scans the members of the JSON object b without decoding the
// values; ok is false when b is not an object this scan can read.
func topMembers(b []byte) ([]member, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	i = skipSpace(b, i+1)
	out := make([]member, 0, 16)
	if i < len(b) && b[i] == '}' {
		return out, true
	}
	for i < len(b) {
		if b[i] != '"' {
			return nil, false
		}
		start := i
		end := skipString(b, i)
		if end < 0 {
			return nil, false
		}
		key, ok := contextKey(b[i:end])
		if !ok {
			return nil, false
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		vs := skipSpace(b, i+1)
		ve := skipValue(b, vs)
		if ve < 0 {
			return nil, false
		}
		out = append(out, member{key: key, start: start, end: ve, value: b[vs:ve]})
		i = skipSpace(b, ve)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return out, skipSpace(b, i+1) == len(b)
		default:
			return nil, false
		}
	}
	return nil, false
}

// contextKey returns raw, a JSON string, when it spells userId or
// userIdType, else "" — without allocating for a key without escapes.
func contextKey(raw []byte) (string, bool) {
	if bytes.IndexByte(raw, '\\') < 0 {
		switch string(raw[1 : len(raw)-1]) {
		case keyUserID:
			return keyUserID, true
		case keyUserIDType:
			return keyUserIDType, true
		}
		return "", true
	}
	var key string
	if json.Unmarshal(raw, &key) != nil {
		return "", false
	}
	if key == keyUserID || key == keyUserIDType {
		return key, true
	}
	return "", true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string that starts at b[i] ('"'),
// or -1.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index after the value that starts at b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				if j = skipString(b, j); j < 0 {
					return -1
				}
				j--
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && !endsScalar(b[j]) {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// stringValue reads a JSON string or null (nil); ok is false for any
// other value. A string without escapes is taken as it is.
func stringValue(raw []byte) (*string, bool) {
	if string(raw) == "null" {
		return nil, true
	}
	if len(raw) >= 2 && raw[0] == '"' && bytes.IndexByte(raw, '\\') < 0 && !hasControl(raw) {
		s := string(raw[1 : len(raw)-1])
		return &s, true
	}
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return nil, false
	}
	return &s, true
}

func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}

func endsScalar(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// asBodyRef names the body's keys, not the headers, in an error about a
// user context sent in the body.
func asBodyRef(err error) error {
	if e := apperr.As(err); e != nil && (e.Field == "X-User-Id" || e.Field == "X-User-Id-Type") {
		c := *e
		c.Field = map[string]string{"X-User-Id": keyUserID, "X-User-Id-Type": keyUserIDType}[e.Field]
		c.Message = strings.NewReplacer("X-User-Id-Type", keyUserIDType, "X-User-Id", keyUserID).Replace(c.Message)
		return &c
	}
	return err
}
