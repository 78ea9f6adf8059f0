package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/lenientjson"
	"github.com/tritiumhq/tritium/internal/wiretext"
)

// doc names the JSON document being read in messages: the request body,
// or a value that holds JSON (H3Yun's BizObject, Filter …).
type doc struct{ zh, en string }

var theBody = doc{"请求体", "the body"}

// decodeError says in words what is wrong with a JSON document that did
// not decode: a syntax error, a value of the wrong type (naming the key and
// what it must be), an unknown key, or text that is refused. It never
// shows a Go type.
func decodeError(err error, d doc) error {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
		je  *wiretext.JSONError
	)
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &je):
		return textError(je, d)
	case errors.As(err, &se):
		return apperr.New(apperr.Malformed, "%s不是有效的 JSON: 第 %d 字节处有语法错误 (%s is not valid JSON: syntax error at byte %d)", d.zh, se.Offset, d.en, se.Offset)
	case errors.As(err, &te):
		return typeError(te, d)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return apperr.New(apperr.Malformed, "%s不完整, 不是有效的 JSON (%s is incomplete JSON)", d.zh, d.en)
	}
	if k, ok := lenientjson.UnknownKey(err); ok {
		return apperr.Field(k, "未知的键 %s (unknown key %q)", k, k)
	}
	return apperr.New(apperr.Malformed, "%s不是有效的 JSON: JSON 值之后还有内容 (%s is not valid JSON: more data after the value)", d.zh, d.en)
}

// textError names where refused text (invalid UTF-8, NUL …) is.
func textError(e *wiretext.JSONError, d doc) error {
	where, zhWhere := e.Where(), "字段 "+e.Where()
	switch {
	case len(e.Path) == 0:
		where, zhWhere = d.en, d.zh
	case e.Key:
		where, zhWhere = "a key at "+where, "键 "+where
	}
	return &apperr.Error{Code: apperr.Malformed, Field: e.Field(),
		Message: fmt.Sprintf("%s %s (%s %s)", zhWhere, e.Problem.Zh(), where, e.Problem.En())}
}

// typeError names the key whose value has the wrong JSON type.
func typeError(te *json.UnmarshalTypeError, d doc) error {
	wantZh, wantEn := kindWords(te.Type)
	gotZh, gotEn := valueWords(te.Value)
	if te.Field == "" {
		return apperr.New(apperr.Malformed, "%s需要%s, 收到%s (%s must be %s, not %s)", d.zh, wantZh, gotZh, d.en, wantEn, gotEn)
	}
	return apperr.Field(te.Field, "%s 需要%s, 收到%s (%s must be %s, not %s)", te.Field, wantZh, gotZh, te.Field, wantEn, gotEn)
}

// kindWords describes what a Go type accepts, as JSON. (A leading space
// keeps a Latin word apart from the Chinese before it.)
func kindWords(t reflect.Type) (string, string) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "值", "a value"
	}
	switch t.Kind() {
	case reflect.Map, reflect.Struct:
		return " JSON 对象", "a JSON object"
	case reflect.Slice, reflect.Array:
		switch _, en := kindWords(t.Elem()); en {
		case "a JSON object":
			return "对象数组", "an array of objects"
		case "a string":
			return "字符串数组", "an array of strings"
		}
		return "数组", "an array"
	case reflect.String:
		return "字符串", "a string"
	case reflect.Bool:
		return " true 或 false", "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "整数", "an integer"
	case reflect.Float32, reflect.Float64:
		return "数字", "a number"
	}
	return "值", "a value"
}

func valueWords(kind string) (string, string) { return wiretext.KindWords(kind) }

// notObject refuses a document that is JSON but not an object (null
// included: a null body is not an empty record).
func notObject(got string, d doc) error {
	zh, en := valueWords(got)
	return apperr.New(apperr.Malformed, "%s需要 JSON 对象, 收到%s (%s must be a JSON object, not %s)", d.zh, zh, d.en, en)
}

// jsonKind names the kind of the JSON value raw starts with, in the words
// encoding/json uses.
func jsonKind(raw []byte) string {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return "object"
		case '[':
			return "array"
		case '"', '\'':
			return "string"
		case 't', 'f':
			return "bool"
		case 'n':
			return "null"
		}
		return "number"
	}
	return ""
}

func kindOf(v any) string { return wiretext.KindOf(v) }
