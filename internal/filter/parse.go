package filter

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Parse reads a REST filter string, such as
//
//	F0000007 > 10 && (Status = 1 || Name ~ "合同")
//
// A condition is a field, an operator and a value. The field is a field code
// or a system field (ObjectId, Name, Status, CreatedTime, OwnerId, …), in any
// letter case. Operators:
//
//	=   equals                        !=   does not equal (<> also works)
//	>   >=   <   <=                   compare numbers, decimals, dates, datetimes, text
//	~   contains                      !~   does not contain
//	^=  starts with                   !^=  does not start with
//	$=  ends with                     !$=  does not end with
//	in [v1, v2, …]                    equals one of the values
//	!in [v1, v2, …]                   equals none of them (also: not in [ … ])
//
// ~, ^= and $= and their negations ignore letter case; they apply to text
// fields (and to list fields, see below). A list may be written with ( )
// instead of [ ]; an empty list matches no record with in and every record
// that has a value with not in.
//
// Values are strings in double or single quotes (escapes \" \' \\ \/ \n \r
// \t \uXXXX), numbers (12, -3.5, 1e3), true, false and null. A value is
// converted to the field's type: write dates as "2025-02-17" or
// "2025/02/17", datetimes as "2025-02-17 19:10:07" (server time zone) or RFC
// 3339, decimals as 12.50 or "12.50". A decimal with more fraction digits
// than the field stores compares exactly (Amount > 1.005 on a 2-digit field
// matches 1.01 and up).
//
// field = null matches records where the field is unset, field != null
// records where it is set. An unset field matches nothing else: !=, !~,
// not in and the other negations only match records that have a value.
// = "" is the same as = null.
//
// On multiselect and users fields, = and ~ match one element of the list
// (Tags ~ "red" matches ["red", "blue"] but not ["dark red"]), in matches
// when any element is in the list, and !=, !~ and not in are their
// negations; ^= and $= apply to the values joined as "a;b". <, >, <= and >=
// are not available on them.
//
// Combine conditions with && and ||, or the words and / or; && binds tighter
// than ||, and parentheses group. Keywords (and, or, in, not, true, false,
// null) ignore letter case. An empty filter matches every record. A filter
// is at most 8 KiB long, with at most 500 conditions, 32 levels of
// parentheses and 1000 values per list.
func Parse(s string) (Node, error) {
	return parse(s, nil)
}

// parse reads a filter (rv nil) or a rule (see ParseRule).
func parse(s string, rv *ruleVars) (Node, error) {
	if len(s) > MaxInputLen {
		return nil, errf("", "过滤条件超过 %d 字节 (filter longer than %d bytes)", MaxInputLen, MaxInputLen)
	}
	if !utf8.ValidString(s) {
		return nil, errf("", "过滤条件不是有效的 UTF-8 (filter is not valid UTF-8)")
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, rule: rv}
	if p.peek().kind == tEOF {
		if rv != nil {
			return nil, errf("", "规则为空; 全部数据请写 true (the rule is empty; write true to match every record)")
		}
		return &And{}, nil
	}
	n, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tEOF {
		return nil, p.expected("&&、|| 或结尾", "&&, || or the end")
	}
	return n, nil
}

// parser is a recursive-descent parser over the token list:
//
//	or      := and { ("||" | "or") and }
//	and     := primary { ("&&" | "and") primary }
//	primary := "(" or ")" | cond
//	cond    := field op value | field ("in" | "!in" | "not" "in") list
//	list    := "[" [ value { "," value } [","] ] "]"   (or with "(" ")")
type parser struct {
	toks  []token
	i     int
	conds int
	rule  *ruleVars // nil when parsing a filter: no variables, no constants
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) advance() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// isWord reports whether the next token is the keyword w.
func (p *parser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tIdent && strings.EqualFold(t.text, w)
}

func (p *parser) or(depth int) (Node, error) {
	mk := func(ns []Node) Node { return &Or{Nodes: ns} }
	if p.rule != nil {
		mk = func(ns []Node) Node { return Any(ns...) }
	}
	return p.chain(depth, tOr, "or", p.and, mk)
}

func (p *parser) and(depth int) (Node, error) {
	mk := func(ns []Node) Node { return &And{Nodes: ns} }
	if p.rule != nil {
		mk = func(ns []Node) Node { return Every(ns...) }
	}
	return p.chain(depth, tAnd, "and", p.primary, mk)
}

// chain parses operands separated by one combinator into a flat group.
func (p *parser) chain(depth int, sym tokKind, word string, operand func(int) (Node, error), mk func([]Node) Node) (Node, error) {
	first, err := operand(depth)
	if err != nil {
		return nil, err
	}
	nodes := []Node{first}
	for p.peek().kind == sym || p.isWord(word) {
		p.advance()
		n, err := operand(depth)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	if len(nodes) == 1 {
		return first, nil
	}
	return mk(nodes), nil
}

func (p *parser) primary(depth int) (Node, error) {
	if c, ok := p.constant(); ok {
		return c, nil
	}
	if p.peek().kind != tLParen {
		return p.cond()
	}
	if depth >= MaxDepth {
		return nil, limitErr(p.peek().pos, fmt.Sprintf("括号嵌套超过 %d 层", MaxDepth), fmt.Sprintf("parentheses nested deeper than %d levels", MaxDepth))
	}
	p.advance()
	n, err := p.or(depth + 1)
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tRParen {
		return nil, p.expected("&&、|| 或 )", "&&, || or )")
	}
	p.advance()
	return n, nil
}

// restOps maps operator symbols to operators; in / not in are words.
var restOps = map[string]Op{
	"=": Eq, "==": Eq, "!=": Ne, "<>": Ne, ">": Gt, ">=": Ge, "<": Lt, "<=": Le,
	"~": Contains, "!~": NotContains, "^=": StartsWith, "!^=": NotStartsWith,
	"$=": EndsWith, "!$=": NotEndsWith, "!in": NotIn,
}

func (p *parser) cond() (Node, error) {
	if p.peek().kind != tIdent {
		return nil, p.expected("字段编码或 (", "a field code or (")
	}
	field := p.advance()
	if p.conds++; p.conds > MaxConditions {
		return nil, limitErr(field.pos, fmt.Sprintf("条件超过 %d 个", MaxConditions), fmt.Sprintf("more than %d conditions", MaxConditions))
	}
	op, err := p.operator()
	if err != nil {
		return nil, err
	}
	if (op == In || op == NotIn) && p.peek().kind == tVar {
		v, err := p.variable()
		if err != nil {
			return nil, err
		}
		return &Cond{Field: field.text, Op: op, Value: v}, nil
	}
	if op == In || op == NotIn {
		list, err := p.list()
		if err != nil {
			return nil, err
		}
		return &Cond{Field: field.text, Op: op, Value: list}, nil
	}
	return p.comparison(field.text, op)
}

func (p *parser) operator() (Op, error) {
	switch {
	case p.isWord("in"):
		p.advance()
		return In, nil
	case p.isWord("not"):
		p.advance()
		if !p.isWord("in") {
			return 0, p.expected("in", "in")
		}
		p.advance()
		return NotIn, nil
	}
	if t := p.peek(); t.kind == tOp {
		p.advance()
		return restOps[t.text], nil
	}
	return 0, p.expected("运算符", "an operator such as =, !=, >, ~ or in")
}

// comparison reads the value of a non-list operator; null turns = and !=
// into null tests.
func (p *parser) comparison(field string, op Op) (Node, error) {
	at := p.peek().pos
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	if v == nil {
		switch op {
		case Eq:
			return &Cond{Field: field, Op: IsNull}, nil
		case Ne:
			return &Cond{Field: field, Op: NotNull}, nil
		}
		return nil, posErr(at, "null 只能与 = 或 != 一起使用", "null works only with = and !=")
	}
	return &Cond{Field: field, Op: op, Value: v}, nil
}

// list reads a literal list; in a rule its elements may be variables.
func (p *parser) list() ([]any, error) {
	closer := map[tokKind]tokKind{tLBrack: tRBrack, tLParen: tRParen}[p.peek().kind]
	if closer == tEOF {
		return nil, p.expected("[", "[")
	}
	p.advance()
	items := []any{}
	for p.peek().kind != closer {
		at := p.peek().pos
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, posErr(at, "列表中不能有 null", "null cannot be in a list")
		}
		if items = append(items, v); len(items) > MaxListItems {
			return nil, limitErr(at, fmt.Sprintf("列表超过 %d 个值", MaxListItems), fmt.Sprintf("more than %d values in a list", MaxListItems))
		}
		if p.peek().kind == tComma {
			p.advance()
		} else if p.peek().kind != closer {
			return nil, p.expected(", 或列表结尾", ", or the end of the list")
		}
	}
	p.advance()
	return items, nil
}

// value reads a literal; null is returned as nil.
func (p *parser) value() (any, error) {
	t := p.peek()
	switch {
	case t.kind == tString || t.kind == tNumber:
		p.advance()
		return t.val, nil
	case p.isWord("true"), p.isWord("false"):
		p.advance()
		return strings.EqualFold(t.text, "true"), nil
	case p.isWord("null"):
		p.advance()
		return nil, nil
	case t.kind == tVar:
		return p.variable()
	}
	if p.rule != nil {
		return nil, p.expected("值 (字符串、数字、true、false、null 或变量 @…)", "a value: a quoted string, a number, true, false, null or a variable such as @user.id")
	}
	return nil, p.expected("值 (字符串、数字、true、false 或 null)", "a value: a quoted string, a number, true, false or null")
}

// expected reports what the parser wanted at the next token.
func (p *parser) expected(zh, en string) error {
	t := p.peek()
	found := "EOF"
	if t.kind != tEOF {
		found = strconv.Quote(clip(t.text))
	}
	return posErr(t.pos, "需要"+zh+", 实际为 "+found, "expected "+en+", found "+found)
}

// ParseSort reads a REST sort: comma-separated field codes, each optionally
// prefixed with - (descending) or + (ascending, the default), e.g.
// "-CreatedTime,Name". An empty string means the default order.
func ParseSort(s string) ([]Sort, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	if len(s) > MaxInputLen {
		return nil, errf("", "排序条件超过 %d 字节 (sort longer than %d bytes)", MaxInputLen, MaxInputLen)
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxSortKeys {
		return nil, errf("", "排序字段超过 %d 个 (more than %d sort fields)", MaxSortKeys, MaxSortKeys)
	}
	out := make([]Sort, 0, len(parts))
	for _, part := range parts {
		key := strings.TrimSpace(part)
		st := Sort{Field: key}
		if strings.HasPrefix(key, "-") || strings.HasPrefix(key, "+") {
			st = Sort{Field: key[1:], Desc: key[0] == '-'}
		}
		if !validIdent(st.Field) {
			return nil, errf("", "排序字段无效: %q (invalid sort field %q; use Field, +Field or -Field)", clip(key), clip(key))
		}
		out = append(out, st)
	}
	return out, nil
}

func validIdent(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentChar(s[i]) {
			return false
		}
	}
	return true
}
