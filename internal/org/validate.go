package org

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tritiumhq/tritium/internal/apperr"
)

const (
	// maxIDLen matches the id check of form fields, so every user or
	// department id accepted here fits a record's user or department field.
	maxIDLen   = 200
	maxNameLen = 200
	maxDescLen = 2000
)

// checkID validates an id a client chose or refers to. ';' is refused
// because multi-valued user fields join ids with it (H3Yun's format).
func checkID(field, s string) error {
	if s == "" || len(s) > maxIDLen || strings.ContainsAny(s, ";\x00") ||
		!utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return apperr.Field(field, "无效的编号 %q (invalid %s)", truncate(s), field)
	}
	return nil
}

// checkRef validates an optional reference: empty, or a well-formed id.
func checkRef(field, s string) error {
	if s == "" {
		return nil
	}
	return checkID(field, s)
}

// checkIDs validates a list of references.
func checkIDs(field string, ids []string) error {
	for _, id := range ids {
		if err := checkID(field, id); err != nil {
			return err
		}
	}
	return nil
}

// checkText validates free text; label is the field's Chinese name.
func checkText(field, label, s string, maxLen int, required bool) error {
	if !utf8.ValidString(s) {
		return apperr.Field(field, "%s不是有效的 UTF-8 文本 (%s is not valid UTF-8)", label, field)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return apperr.Field(field, "%s含有 NUL 字符 (%s contains a NUL character)", label, field)
	}
	if required && s == "" {
		return apperr.Field(field, "%s不能为空 (%s is required)", label, field)
	}
	if utf8.RuneCountInString(s) > maxLen {
		return apperr.Field(field, "%s超过 %d 个字符 (%s is longer than %d characters)", label, maxLen, field, maxLen)
	}
	return nil
}

// idSet returns ids sorted without duplicates, never nil, so a list reads
// back exactly as it was stored and JSON shows [] rather than null.
func idSet(ids []string) []string {
	out := slices.Clone(ids)
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// firstErr returns the first failed check, so a client fixes one field at
// a time in the order the form shows them.
func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func truncate(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	return string([]rune(s)[:60]) + "…"
}

func setString(dst *string, p *string) {
	if p != nil {
		*dst = *p
	}
}
