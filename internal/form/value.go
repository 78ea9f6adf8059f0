package form

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Values have one Go type per field type (nil is "unset"):
//
//	text, textarea, select, user, department, relation, serial: string
//	number: float64          decimal: decimal.Decimal    bool: bool
//	date: sqldb.Date         datetime: time.Time (UTC, µs)
//	multiselect, users: []string                         integer: int64
//	attachment: []FileRef

// FileRef is the value of one file in an attachment field.
type FileRef struct {
	FileKey     string `json:"fileKey"`
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
}

// Codec converts field values between JSON input, Go, the database and JSON
// output. Loc is the server time zone: wall-clock input without an offset is
// read in it and output is written in it.
type Codec struct {
	Loc *time.Location
}

// Coerce converts a decoded JSON value (nil, bool, string, json.Number,
// float64, []any, map[string]any) to fd's Go value and checks the field's
// constraints. Empty strings and empty lists are nil.
func (c *Codec) Coerce(fd *Field, v any) (any, error) { return c.coerce(fd, v, true) }

// CoerceFilter converts a filter operand: the same conversions as Coerce,
// without constraints (a filter for an unknown option matches nothing), and
// one element for list fields.
func (c *Codec) CoerceFilter(fd *Field, v any) (any, error) {
	if fd.Type == MultiSelect || fd.Type == Users {
		s, ok := scalarString(v)
		if !ok {
			return nil, c.typeErr(fd, v)
		}
		return s, nil
	}
	if fd.Type == Attachment {
		return nil, apperr.Field(fd.Code, "字段%s: 附件字段只能判断是否为空 (attachment fields support only null tests)", fd.Code)
	}
	return c.coerce(fd, v, false)
}

func (c *Codec) coerce(fd *Field, v any, strict bool) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch fd.Type {
	case Text, Textarea, Select, Serial:
		s, ok := scalarString(v)
		if !ok {
			return nil, c.typeErr(fd, v)
		}
		if s == "" {
			return nil, nil
		}
		if err := checkText(fd, s); err != nil {
			return nil, err
		}
		if strict && fd.Type != Select && utf8.RuneCountInString(s) > fd.MaxLength && fd.MaxLength > 0 {
			return nil, apperr.Field(fd.Code, "字段%s: 长度超过 %d 个字符 (longer than maxLength %d)", fd.Code, fd.MaxLength, fd.MaxLength)
		}
		if strict && fd.Type == Select && fd.ValueSet == "" && !slices.Contains(fd.Options, s) {
			return nil, apperr.Field(fd.Code, "字段%s: 选项 %q 不存在, 可选: %s (not one of the options)", fd.Code, s, strings.Join(fd.Options, ", "))
		}
		return s, nil
	case User, Department, Relation:
		s, ok := scalarString(v)
		if !ok {
			return nil, c.typeErr(fd, v)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, nil
		}
		if err := checkID(fd, s); err != nil {
			return nil, err
		}
		return s, nil
	case Number:
		f, ok, empty := toFloat(v)
		if empty {
			return nil, nil
		}
		if !ok {
			return nil, c.typeErr(fd, v)
		}
		if strict {
			if fd.Min != nil && f < *fd.Min || fd.Max != nil && f > *fd.Max {
				return nil, c.rangeErr(fd, v)
			}
		}
		return f, nil
	case Integer:
		f, ok, empty := toFloat(v)
		if empty {
			return nil, nil
		}
		if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, c.typeErr(fd, v)
		}
		return int64(f), nil
	case Decimal:
		return c.coerceDecimal(fd, v, strict)
	case Bool:
		return coerceBool(c, fd, v)
	case Date, DateTime:
		s, ok := v.(string)
		if !ok {
			return nil, c.typeErr(fd, v)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, nil
		}
		t, ok := c.ParseTime(s)
		if !ok {
			return nil, c.typeErr(fd, v)
		}
		if fd.Type == Date {
			return sqldb.DateOf(t.In(c.Loc)), nil
		}
		return t.UTC().Truncate(time.Microsecond), nil
	case MultiSelect, Users:
		list, ok := toList(v)
		if !ok {
			return nil, c.typeErr(fd, v)
		}
		if len(list) == 0 {
			return nil, nil
		}
		for _, s := range list {
			if fd.Type == MultiSelect && strict && fd.ValueSet == "" && !slices.Contains(fd.Options, s) {
				return nil, apperr.Field(fd.Code, "字段%s: 选项 %q 不存在, 可选: %s (not one of the options)", fd.Code, s, strings.Join(fd.Options, ", "))
			}
			if fd.Type == Users {
				if err := checkID(fd, s); err != nil {
					return nil, err
				}
			}
		}
		return list, nil
	case Attachment:
		return coerceAttachments(c, fd, v)
	}
	return nil, fmt.Errorf("coerce: unknown type %q", fd.Type)
}

func checkText(fd *Field, s string) error {
	if !utf8.ValidString(s) {
		return apperr.Field(fd.Code, "字段%s: 不是有效的 UTF-8 文本 (not valid UTF-8)", fd.Code)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return apperr.Field(fd.Code, "字段%s: 含有 NUL 字符 (contains a NUL character)", fd.Code)
	}
	return nil
}

func checkID(fd *Field, s string) error {
	if len(s) > 200 || strings.ContainsAny(s, ";\x00") || !utf8.ValidString(s) {
		return apperr.Field(fd.Code, "字段%s: 无效的编号 %q (invalid id)", fd.Code, truncate(s))
	}
	return nil
}

func (c *Codec) coerceDecimal(fd *Field, v any, strict bool) (any, error) {
	var d decimal.Decimal
	var err error
	switch x := v.(type) {
	case json.Number:
		d, err = decimal.NewFromString(string(x))
	case string:
		x = strings.TrimSpace(x)
		if x == "" {
			return nil, nil
		}
		d, err = decimal.NewFromString(x)
	case float64:
		d = decimal.NewFromFloat(x)
	case int64:
		d = decimal.New(x, 0)
	default:
		return nil, c.typeErr(fd, v)
	}
	if err != nil {
		return nil, c.typeErr(fd, v)
	}
	scale := fd.ScaleOr()
	if !d.Equal(d.Truncate(int32(scale))) {
		if strict {
			return nil, apperr.Field(fd.Code, "字段%s: 小数位数超过 %d 位, 收到 %s (more than %d fraction digits)", fd.Code, scale, show(v), scale)
		}
	}
	prec := fd.Precision
	if prec == 0 {
		prec = DefaultPrecision
	}
	if intDigits(d) > prec-scale {
		return nil, apperr.Field(fd.Code, "字段%s: 数值超出范围 (精度 %d, 小数 %d), 收到 %s (out of range for precision %d, scale %d)", fd.Code, prec, scale, show(v), prec, scale)
	}
	if strict {
		if fd.Min != nil && d.LessThan(decimal.NewFromFloat(*fd.Min)) || fd.Max != nil && d.GreaterThan(decimal.NewFromFloat(*fd.Max)) {
			return nil, c.rangeErr(fd, v)
		}
	}
	return d, nil
}

func intDigits(d decimal.Decimal) int {
	s := d.Abs().Truncate(0).String()
	if s == "0" {
		return 0
	}
	return len(s)
}

func coerceBool(c *Codec, fd *Field, v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case json.Number:
		switch x {
		case "1":
			return true, nil
		case "0":
			return false, nil
		}
	case float64:
		if x == 1 || x == 0 {
			return x == 1, nil
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		case "":
			return nil, nil
		}
	}
	return nil, c.typeErr(fd, v)
}

func coerceAttachments(c *Codec, fd *Field, v any) (any, error) {
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case string:
		for _, k := range splitList(x) {
			items = append(items, k)
		}
	default:
		return nil, c.typeErr(fd, v)
	}
	var out []FileRef
	for _, it := range items {
		switch x := it.(type) {
		case string:
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, FileRef{FileKey: x})
			}
		case map[string]any:
			k, _ := x["fileKey"].(string)
			if k == "" {
				return nil, apperr.Field(fd.Code, "字段%s: 附件需要 fileKey (each attachment needs a fileKey)", fd.Code)
			}
			out = append(out, FileRef{FileKey: k})
		default:
			return nil, c.typeErr(fd, v)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// scalarString accepts strings and numbers (clients send ids and codes as
// either).
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return string(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return "", false
}

// toFloat converts numbers and numeric strings; empty reports "" (unset).
func toFloat(v any) (f float64, ok, empty bool) {
	var s string
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0), false
	case int64:
		return float64(x), true, false
	case json.Number:
		s = string(x)
	case string:
		s = strings.TrimSpace(x)
		if s == "" {
			return 0, false, true
		}
	default:
		return 0, false, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, false
	}
	return f, true, false
}

// toList accepts a JSON array of strings or a "a;b" string (H3Yun clients
// send both). Items are trimmed; empty items and duplicates are dropped.
func toList(v any) ([]string, bool) {
	var raw []string
	switch x := v.(type) {
	case string:
		raw = splitList(x)
	case []any:
		for _, it := range x {
			s, ok := scalarString(it)
			if !ok {
				return nil, false
			}
			raw = append(raw, s)
		}
	case []string:
		raw = x
	default:
		return nil, false
	}
	out := raw[:0:0]
	for _, s := range raw {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, true
}

func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return strings.Split(s, ";")
}

// timeLayouts are the input forms accepted for dates and datetimes. One-digit
// month/day/hour layouts also accept two digits; fractional seconds are
// accepted after the seconds field.
var timeLayouts = []string{
	"2006/1/2 15:04:05", "2006-1-2 15:04:05", "2006/1/2", "2006-1-2",
	"2006/1/2 15:04", "2006-1-2 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04",
}

// ParseTime reads a date or datetime in any accepted input form; forms
// without an offset are in the server zone.
func (c *Codec) ParseTime(s string) (time.Time, bool) {
	if len(s) > 10 && (strings.HasSuffix(s, "Z") || strings.LastIndexAny(s, "+-") > 10) {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, true
		}
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, c.Loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

var typeNames = map[Type][2]string{
	Text: {"文本", "text"}, Textarea: {"文本", "text"}, Select: {"文本", "text"}, Serial: {"文本", "text"},
	User: {"用户编号", "a user id"}, Department: {"部门编号", "a department id"}, Relation: {"对象编号", "an object id"},
	Number: {"数字", "a number"}, Integer: {"整数", "an integer"}, Decimal: {"数字", "a number"},
	Bool: {"布尔值", "true or false"}, Date: {"日期", "a date such as 2025/02/17 or 2025-02-17"},
	DateTime:    {"日期时间", "a datetime such as 2025/02/17 19:10:07 or RFC 3339"},
	MultiSelect: {"选项列表", "an array of options or \"a;b\""}, Users: {"用户编号列表", "an array of user ids or \"id1;id2\""},
	Attachment: {"附件列表", "an array of {fileKey}"},
}

func (c *Codec) typeErr(fd *Field, v any) error {
	n := typeNames[fd.Type]
	return apperr.Field(fd.Code, "字段%s: 需要%s, 收到 %s (%s: expected %s)", fd.Code, n[0], show(v), fd.Code, n[1])
}

func (c *Codec) rangeErr(fd *Field, v any) error {
	lo, hi := "-∞", "+∞"
	if fd.Min != nil {
		lo = strconv.FormatFloat(*fd.Min, 'f', -1, 64)
	}
	if fd.Max != nil {
		hi = strconv.FormatFloat(*fd.Max, 'f', -1, 64)
	}
	return apperr.Field(fd.Code, "字段%s: 数值 %s 超出范围 [%s, %s] (out of range)", fd.Code, show(v), lo, hi)
}

// show renders a received value for an error message.
func show(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(truncate(x))
	case json.Number:
		return string(x)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return truncate(string(b))
}

func truncate(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	return string([]rune(s)[:60]) + "…"
}
