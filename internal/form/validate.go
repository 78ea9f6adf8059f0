package form

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tritiumhq/tritium/internal/apperr"
)

var codeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// valueSetCodeRE: a value set's code goes into URLs and definitions.
var valueSetCodeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ValidValueSetCode reports whether s is a valid value set code: letters,
// digits and _.-, starting with a letter or digit, at most 64.
func ValidValueSetCode(s string) bool { return valueSetCodeRE.MatchString(s) }

// ValidCode reports whether s is a valid form, child or field code.
func ValidCode(s string) bool { return len(s) <= MaxCodeLen && codeRE.MatchString(s) }

// Validate checks a definition as a client sent it and fills in defaults.
// Errors name the offending path, e.g. "fields[2].options".
func (f *Form) Validate() error {
	if !ValidCode(f.Code) {
		return apperr.Field("code", "表单编码无效: %q (code: letters, digits and _, starting with a letter, at most %d characters)", f.Code, MaxCodeLen)
	}
	if strings.TrimSpace(f.Name) == "" {
		f.Name = f.Code
	}
	if len(f.Fields) == 0 {
		return apperr.Field("fields", "表单至少需要一个字段 (a form needs at least one field)")
	}
	if err := validateFields("fields", f.Fields); err != nil {
		return err
	}
	seen := map[string]string{strings.ToLower(f.Code): "code"}
	for i, c := range f.Children {
		path := fmt.Sprintf("children[%d]", i)
		if !ValidCode(c.Code) {
			return apperr.Field(path+".code", "子表编码无效: %q (invalid child table code)", c.Code)
		}
		if prev, dup := seen[strings.ToLower(c.Code)]; dup {
			return apperr.Field(path+".code", "子表编码重复: %q 与 %s 相同 (duplicate code)", c.Code, prev)
		}
		seen[strings.ToLower(c.Code)] = path + ".code"
		if hasField(f.Fields, c.Code) || IsReserved(c.Code) {
			return apperr.Field(path+".code", "子表编码 %q 与字段编码冲突 (child code collides with a field code)", c.Code)
		}
		if strings.TrimSpace(c.Name) == "" {
			c.Name = c.Code
		}
		if len(c.Fields) == 0 {
			return apperr.Field(path+".fields", "子表 %s 至少需要一个字段 (a child table needs at least one field)", c.Code)
		}
		if err := validateFields(path+".fields", c.Fields); err != nil {
			return err
		}
		for j, fd := range c.Fields {
			if fd.Type == Serial {
				return apperr.Field(fmt.Sprintf("%s.fields[%d].type", path, j), "子表不支持 %s 字段 (child tables cannot have %s fields)", fd.Type, fd.Type)
			}
		}
	}
	f.prepare()
	return f.validateIndexes()
}

// validateIndexes checks composite indexes (after prepare, so codes
// resolve) and writes their codes as the fields spell them.
func (f *Form) validateIndexes() error {
	seen := map[string]bool{}
	for i, ix := range f.Indexes {
		path := fmt.Sprintf("indexes[%d]", i)
		if len(ix) < 2 || len(ix) > 8 {
			return apperr.Field(path, "组合索引需要 2 到 8 个字段 (a composite index takes 2 to 8 fields)")
		}
		used := map[*Field]bool{}
		for j, code := range ix {
			fd := f.Field(code)
			if fd == nil || fd.system {
				return apperr.Field(path, "索引字段不存在: %s (no field %s in this form)", code, code)
			}
			if fd.Type == Attachment || fd.Type == Textarea {
				return apperr.Field(path, "字段%s 不能加入索引 (%s fields cannot be indexed)", fd.Code, fd.Type)
			}
			if used[fd] {
				return apperr.Field(path, "索引中字段重复: %s (field repeated in an index)", fd.Code)
			}
			used[fd] = true
			ix[j] = fd.Code
		}
		key := strings.ToLower(strings.Join(ix, ","))
		if seen[key] {
			return apperr.Field(path, "组合索引重复 (duplicate composite index)")
		}
		seen[key] = true
	}
	return nil
}

func hasField(fields []*Field, code string) bool {
	for _, fd := range fields {
		if strings.EqualFold(fd.Code, code) {
			return true
		}
	}
	return false
}

func validateFields(path string, fields []*Field) error {
	seen := map[string]int{}
	for i, fd := range fields {
		p := fmt.Sprintf("%s[%d]", path, i)
		if !ValidCode(fd.Code) {
			return apperr.Field(p+".code", "字段编码无效: %q (field code: letters, digits and _, starting with a letter, at most %d characters)", fd.Code, MaxCodeLen)
		}
		if IsReserved(fd.Code) {
			return apperr.Field(p+".code", "字段编码 %q 与系统字段冲突 (collides with a system field)", fd.Code)
		}
		if strings.EqualFold(fd.Code, "userId") || strings.EqualFold(fd.Code, "userIdType") {
			return apperr.Field(p+".code", "字段编码 %q 保留给用户上下文 (userId and userIdType name the acting user in a REST body; rename the field, e.g. with renameFrom)", fd.Code)
		}
		if j, dup := seen[strings.ToLower(fd.Code)]; dup {
			return apperr.Field(p+".code", "字段编码重复: %q 与 %s[%d] 相同 (duplicate field code; codes are case-insensitive)", fd.Code, path, j)
		}
		seen[strings.ToLower(fd.Code)] = i
		if strings.TrimSpace(fd.Name) == "" {
			fd.Name = fd.Code
		}
		if fd.RenameFrom != "" && !ValidCode(fd.RenameFrom) {
			return apperr.Field(p+".renameFrom", "renameFrom 无效: %q (renameFrom must be a valid field code)", fd.RenameFrom)
		}
		if err := fd.validate(p); err != nil {
			return err
		}
	}
	return nil
}

func (fd *Field) validate(p string) error {
	if !slices.Contains(Types, fd.Type) {
		return apperr.Field(p+".type", "未知字段类型: %q (unknown type; one of %s)", fd.Type, typeList())
	}
	bad := func(attr, format string, args ...any) error {
		return apperr.Field(p+"."+attr, "字段%s: "+format, append([]any{fd.Code}, args...)...)
	}
	only := func(attr string, set bool, types ...Type) error {
		if set && !slices.Contains(types, fd.Type) {
			return bad(attr, "%s 只适用于 %v 类型 (%s applies to %v only)", attr, types, attr, types)
		}
		return nil
	}
	for _, err := range []error{
		only("maxLength", fd.MaxLength != 0, Text, Textarea),
		only("precision", fd.Precision != 0, Decimal),
		only("scale", fd.Scale != nil, Decimal),
		only("decimals", fd.Decimals != nil, Number),
		only("min", fd.Min != nil, Number, Decimal),
		only("max", fd.Max != nil, Number, Decimal),
		only("options", fd.Options != nil, Select, MultiSelect),
		only("valueSet", fd.ValueSet != "", Select, MultiSelect),
		only("form", fd.Form != "", Relation),
		only("pattern", fd.Pattern != "", Serial),
	} {
		if err != nil {
			return err
		}
	}
	switch fd.Type {
	case Text:
		if fd.MaxLength < 0 || fd.MaxLength > TextareaMax {
			return bad("maxLength", "maxLength 须在 1 到 %d 之间 (maxLength must be 1–%d)", TextareaMax, TextareaMax)
		}
	case Textarea:
		if fd.MaxLength < 0 || fd.MaxLength > TextareaMax {
			return bad("maxLength", "maxLength 须在 1 到 %d 之间 (maxLength must be 1–%d)", TextareaMax, TextareaMax)
		}
	case Decimal:
		if fd.Precision < 0 || fd.Precision > MaxPrecision {
			return bad("precision", "precision 须在 1 到 %d 之间 (precision must be 1–%d)", MaxPrecision, MaxPrecision)
		}
		prec := fd.Precision
		if prec == 0 {
			prec = DefaultPrecision
		}
		if s := fd.ScaleOr(); s < 0 || s > MaxScale || s > prec {
			return bad("scale", "scale 须在 0 到 %d 之间且不大于 precision (scale must be 0–%d and at most precision)", MaxScale, MaxScale)
		}
	case Number:
		if fd.Decimals != nil && (*fd.Decimals < 0 || *fd.Decimals > 15) {
			return bad("decimals", "decimals 须在 0 到 15 之间 (decimals must be 0–15)")
		}
	case Select, MultiSelect:
		if fd.ValueSet != "" {
			if fd.Options != nil {
				return bad("valueSet", "options 与 valueSet 只能二选一 (give either options or valueSet, not both)")
			}
			if !ValidValueSetCode(fd.ValueSet) {
				return bad("valueSet", "值集编码无效: %q (valueSet: the code of a value set)", truncate(fd.ValueSet))
			}
			break
		}
		if len(fd.Options) == 0 {
			return bad("options", "选项不能为空 (options must not be empty, or name a valueSet)")
		}
		seen := map[string]bool{}
		for _, o := range fd.Options {
			if o == "" || strings.ContainsAny(o, ";\x00") || !utf8.ValidString(o) {
				return bad("options", "选项 %q 无效: 不能为空或含有分号 (an option may not be empty or contain ';')", o)
			}
			if seen[o] {
				return bad("options", "选项重复: %q (duplicate option)", o)
			}
			seen[o] = true
		}
	case Relation:
		if !ValidCode(fd.Form) {
			return bad("form", "关联表单编码无效: %q (relation needs the code of the related form)", fd.Form)
		}
	case Serial:
		if fd.Pattern == "" {
			fd.Pattern = "{000000}"
		}
		if _, err := parsePattern(fd.Pattern); err != nil {
			return bad("pattern", "编号格式无效 (invalid serial %v)", err)
		}
	}
	if fd.Min != nil && fd.Max != nil && *fd.Min > *fd.Max {
		return bad("min", "min 大于 max (min is greater than max)")
	}
	return nil
}

func typeList() string {
	s := make([]string, len(Types))
	for i, t := range Types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}
