package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
)

// FromGraph reads the graph format: the JSON of a Definition,
// {"nodes": [...], "flows": [...]}. Like the approval tree it refuses what
// it would otherwise drop: a key no setting has, or a value of the wrong
// JSON type, is an Invalid error naming the node or flow (or the key, at
// the top level).
//
// FromGraph checks the document only; call Validate before using the
// definition.
func FromGraph(data []byte) (*Definition, error) {
	raw, err := oneObject(data, "流程图", "the process graph")
	if err != nil {
		return nil, err
	}
	if err := checkDocument(raw, reflect.TypeFor[Definition](), "流程图", "the process graph"); err != nil {
		return nil, err
	}
	var d Definition
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, apperr.Wrap(apperr.Malformed, err, "流程图格式错误 (invalid process graph)")
	}
	for _, n := range d.Nodes {
		if n != nil {
			normalize(n)
		}
	}
	return &d, nil
}

// oneObject returns data if it is exactly one JSON object.
func oneObject(data []byte, zh, en string) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, apperr.New(apperr.Malformed, "%[1]s不是有效的 JSON: %[3]s (%[2]s is not valid JSON: %[3]s)", zh, en, syntaxErr(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, apperr.New(apperr.Malformed, "%s后面有多余的内容 (unexpected data after %s)", zh, en)
	}
	if raw[0] != '{' {
		return nil, apperr.New(apperr.Malformed, "%s须为 JSON 对象 (%s must be a JSON object)", zh, en)
	}
	return raw, nil
}

func syntaxErr(err error) string {
	if se, ok := err.(*json.SyntaxError); ok {
		return "byte " + strconv.FormatInt(se.Offset, 10)
	}
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return "unexpected end"
	}
	return err.Error()
}

// problem is the first key of a process document that decoding would drop
// or could not read.
type problem struct {
	path  string // inside the innermost node or flow: "assignes", "assignees[0].idz"
	want  string // "" for an unknown key, else the JSON type it must have
	owner reflect.Type
	obj   map[string]json.RawMessage // the node or flow (nil at the top level)
}

var (
	nodeType     = reflect.TypeFor[Node]()
	treeNodeType = reflect.TypeFor[treeNode]()
	flowType     = reflect.TypeFor[Flow]()
)

// checkDocument refuses the first unknown key or mistyped value of the
// JSON object raw as read into t, naming the node or flow it is in.
func checkDocument(raw json.RawMessage, t reflect.Type, zh, en string) error {
	p := walk(raw, t, "", problem{})
	if p == nil {
		return nil
	}
	var zhWhat, enWhat string
	if p.want == "" {
		zhWhat, enWhat = fmt.Sprintf("有未知的键 %q", p.path), fmt.Sprintf("has an unknown key %q", p.path)
	} else {
		zhWhat, enWhat = fmt.Sprintf("的 %s 须为%s", p.path, zhTypes[p.want]), fmt.Sprintf("needs %s for %s", p.want, p.path)
	}
	switch p.owner {
	case nodeType, treeNodeType:
		id, typ := str(p.obj["id"]), str(p.obj["type"])
		if id == "" {
			id = "(" + typ + ")"
		}
		return nodeErr(id, "%[1]s", "%[2]s", zhWhat, enWhat)
	case flowType:
		id := str(p.obj["id"])
		if id == "" {
			id = "(" + str(p.obj["from"]) + " → " + str(p.obj["to"]) + ")"
		}
		return flowErr(id, "%[1]s", "%[2]s", zhWhat, enWhat)
	}
	return apperr.Field(p.path, "%s%s (%s %s)", zh, zhWhat, en, enWhat)
}

var zhTypes = map[string]string{
	"a string": "字符串", "true or false": "true 或 false", "an integer": "整数",
	"an object": "对象", "an array": "数组",
}

func str(raw json.RawMessage) string {
	var s string
	json.Unmarshal(raw, &s)
	return s
}

// walk checks raw against t: every key of an object must be a field's
// json name (exactly), every value of the JSON type its field reads. A
// node or flow starts a new path, so a problem is named by the innermost
// one. null is accepted anywhere (it leaves the zero value).
func walk(raw json.RawMessage, t reflect.Type, path string, at problem) *problem {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		return nil
	}
	bad := func(want string) *problem { at.path, at.want = path, want; return &at }
	switch t.Kind() {
	case reflect.String:
		if raw[0] != '"' {
			return bad("a string")
		}
	case reflect.Bool:
		if string(raw) != "true" && string(raw) != "false" {
			return bad("true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if _, err := strconv.ParseInt(string(raw), 10, t.Bits()); err != nil {
			return bad("an integer")
		}
	case reflect.Slice:
		var items []json.RawMessage
		if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
			return bad("an array")
		}
		for i, it := range items {
			if p := walk(it, t.Elem(), path+"["+strconv.Itoa(i)+"]", at); p != nil {
				return p
			}
		}
	case reflect.Map:
		var m map[string]json.RawMessage
		if raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
			return bad("an object")
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if p := walk(m[k], t.Elem(), join(path, k), at); p != nil {
				return p
			}
		}
	case reflect.Struct:
		var m map[string]json.RawMessage
		if raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
			return bad("an object")
		}
		if t == nodeType || t == treeNodeType || t == flowType {
			path, at = "", problem{owner: t, obj: m}
		}
		fields := jsonFields(t)
		keys := slices.Sorted(maps.Keys(m))
		for _, k := range keys { // this object's own keys first
			if _, ok := fields[k]; !ok {
				at.path, at.want = join(path, k), ""
				return &at
			}
		}
		for _, k := range keys {
			if p := walk(m[k], fields[k], join(path, k), at); p != nil {
				return p
			}
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonFields maps the json names of t's fields to their types, with the
// fields of embedded structs as their own (as encoding/json reads them).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case tag == "-" || !f.IsExported():
		case f.Anonymous && name == "":
			for k, v := range jsonFields(f.Type) {
				if _, dup := out[k]; !dup {
					out[k] = v
				}
			}
		case name == "":
			out[f.Name] = f.Type
		default:
			out[name] = f.Type
		}
	}
	return out
}
