package filter

import (
	"encoding/json"
	"github.com/tritiumhq/tritium/internal/lenientjson"
	"github.com/tritiumhq/tritium/internal/wiretext"
	"math"
	"sort"
	"strconv"
	"strings"
)

// ParseMatcher reads an H3Yun Matcher as decoded from JSON (numbers as
// json.Number or float64):
//
//	{"Type":"And"|"Or", "Matchers":[Matcher, …]}
//	{"Type":"Item", "Name":"F0000001", "Operator":2, "Value":…}
//
// It is as lenient as the clients that send it require: Type and the keys
// are case-insensitive (the original server's JSON reader was), Operator may
// be a number or a numeric string, Matchers may be missing or null, a leaf
// with neither Type nor Name is ignored, a leaf with a Name but no Type is
// an Item, and a Matcher may arrive as a JSON string holding the object.
// Ignored leaves and empty groups are absent conditions: they are dropped
// from their parent (so an empty group inside an Or does not make it match
// everything), and a Matcher that is nil or only absent conditions matches
// everything (an empty *And).
//
// Values are not checked here; Compile coerces them by field type.
func ParseMatcher(v any) (Node, error) {
	p := &matcherParser{}
	n, err := p.node(v, 0)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return &And{}, nil
	}
	return n, nil
}

type matcherParser struct{ conds int }

// node returns nil for an absent condition.
func (p *matcherParser) node(v any, depth int) (Node, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return p.object(x, depth)
	case string:
		return p.embedded(x, depth)
	}
	return nil, errf("", "Matcher 必须是对象, 收到 %s (a Matcher must be a JSON object)", describe(v))
}

// embedded reads a Matcher sent as a JSON string, as some clients do with
// the whole Filter.
func (p *matcherParser) embedded(s string, depth int) (Node, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var v any
	if err := lenientjson.Unmarshal([]byte(s), &v); err != nil {
		return nil, errf("", "Matcher 不是有效的 JSON (a Matcher string must hold a JSON object)")
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, errf("", "Matcher 必须是对象, 收到 %s (a Matcher must be a JSON object)", describe(v))
	}
	return p.node(v, depth)
}

func (p *matcherParser) object(m map[string]any, depth int) (Node, error) {
	typ, ok := get(m, "Type").(string)
	if !ok && get(m, "Type") != nil {
		return nil, errf("", "Matcher 的 Type 必须是字符串, 收到 %s (Type must be a string)", describe(get(m, "Type")))
	}
	switch strings.ToLower(strings.TrimSpace(typ)) {
	case "and":
		return p.group(m, depth, false)
	case "or":
		return p.group(m, depth, true)
	case "item":
		return p.item(m)
	case "":
		return p.untyped(m, depth)
	}
	return nil, errf("", "不支持的 Matcher 类型 %q, 可用 And, Or, Item (unsupported Matcher Type %q)", clip(typ), clip(typ))
}

// untyped handles a Matcher without Type: an Item if it names a field, a
// group if it has Matchers, else a malformed leaf to ignore.
func (p *matcherParser) untyped(m map[string]any, depth int) (Node, error) {
	if name, ok := get(m, "Name").(string); ok && strings.TrimSpace(name) != "" {
		return p.item(m)
	}
	if get(m, "Matchers") != nil {
		return p.group(m, depth, false)
	}
	return nil, nil
}

func (p *matcherParser) group(m map[string]any, depth int, or bool) (Node, error) {
	if depth >= MaxDepth {
		return nil, errf("", "Matcher 嵌套超过 %d 层 (Matcher nested deeper than %d levels)", MaxDepth, MaxDepth)
	}
	var children []any
	switch x := get(m, "Matchers").(type) {
	case nil:
	case []any:
		children = x
	default:
		return nil, errf("", "Matchers 必须是数组, 收到 %s (Matchers must be an array)", describe(x))
	}
	var nodes []Node
	for _, c := range children {
		n, err := p.node(c, depth+1)
		if err != nil {
			return nil, err
		}
		if n != nil {
			nodes = append(nodes, n)
		}
	}
	switch {
	case len(nodes) == 0:
		return nil, nil
	case len(nodes) == 1:
		return nodes[0], nil
	case or:
		return &Or{Nodes: nodes}, nil
	}
	return &And{Nodes: nodes}, nil
}

func (p *matcherParser) item(m map[string]any) (Node, error) {
	raw := get(m, "Name")
	name, ok := raw.(string)
	if raw != nil && !ok {
		return nil, errf("", "Matcher 的 Name 必须是字符串, 收到 %s (Name must be a string)", describe(raw))
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, errf("", "Item 类型的 Matcher 缺少 Name (an Item Matcher needs a Name)")
	}
	op, err := operator(name, get(m, "Operator"))
	if err != nil {
		return nil, err
	}
	if p.conds++; p.conds > MaxConditions {
		return nil, errf("", "条件超过 %d 个 (more than %d conditions)", MaxConditions, MaxConditions)
	}
	return &Cond{Field: name, Op: op, Value: get(m, "Value")}, nil
}

// operator reads an operator code sent as a number or a numeric string.
func operator(field string, v any) (Op, error) {
	var s string
	switch x := v.(type) {
	case nil:
		return 0, errf(clip(field), "字段%s: 缺少 Operator (the Matcher has no Operator)", clip(field))
	case json.Number:
		s = string(x)
	case string:
		s = strings.TrimSpace(x)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return 0, errf(clip(field), "不支持的运算符 %s (unsupported operator %s)", describe(v), describe(v))
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1000 || !Op(f).Valid() {
		return 0, errf(clip(field), "不支持的运算符 %s (unsupported operator %s)", clip(s), clip(s))
	}
	return Op(f), nil
}

// get looks a key up as Newtonsoft.Json did: an exact match first, then
// case-insensitively (the first such key in sorted order, so the result does
// not depend on map iteration).
func get(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	var found []string
	for k := range m {
		if strings.EqualFold(k, key) {
			found = append(found, k)
		}
	}
	if len(found) == 0 {
		return nil
	}
	sort.Strings(found)
	return m[found[0]]
}

// describe names a JSON value's kind for an error message.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case string:
		return strconv.Quote(clip(x))
	case json.Number:
		return clip(string(x))
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "an unsupported value"
}

// clip shortens user input echoed in an error message.
func clip(s string) string { return wiretext.Clip(s) }
