package apperr

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

func TestComplete(t *testing.T) {
	cases := []struct {
		code       Code
		field, msg string
		want       string
	}{
		{Invalid, "F1", "字段F1: 需要数字 (F1: expected a number)", "字段F1: 需要数字 (F1: expected a number)"},
		{Invalid, "IsSubmit", "IsSubmit 需要 true 或 false", "IsSubmit 需要 true 或 false (validation failed: IsSubmit)"},
		{Invalid, "F0000013", "文件不存在: nokey (file not found)", "字段F0000013: 文件不存在: nokey (file not found)"},
		{Malformed, "", "JSON syntax error at byte 2", "请求格式错误: JSON syntax error at byte 2 (malformed request)"},
		{NotFound, "D1Lines.F2", "子表D1Lines 第1行: 字段F2 不存在 (no such row)", "子表D1Lines 第1行: 字段F2 不存在 (no such row)"},
		{Conflict, "", "流程已结束 (Rejected)", "流程已结束 (Rejected)"},
		{Conflict, "", "流程已结束 (2)", "流程已结束 (2) (conflict)"},
	}
	for _, c := range cases {
		if got := Complete(c.code, c.field, c.msg); got != c.want {
			t.Errorf("Complete(%s, %q, %q)\n = %q\nwant %q", c.code, c.field, c.msg, got, c.want)
		}
	}
}

// formatArg says which argument of a call is a client-facing message
// format: the functions that build apperr errors and their wrappers.
var formatArg = map[string]int{
	"apperr.New": 1, "apperr.Field": 1, "apperr.Wrap": 2,
	"New": 1, "Field": 1, "Wrap": 2, // inside package apperr
	"errf": 1, "filterErr": 0, "malformed": 1, "conflict": 0, "bad": -1,
}

// TestMessagesHaveBothLanguages reads every message format written in the
// project's code and checks it has the Chinese part and the English part
// in parentheses, so Complete's fallback is never what a client reads.
func TestMessagesHaveBothLanguages(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	checked := 0
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				idx, ok := formatArg[calleeName(call.Fun)]
				if !ok {
					return true
				}
				lit, ok := formatLiteral(call.Args, idx)
				if !ok {
					return true
				}
				if onlyVerbs(lit) {
					return true // composes parts written elsewhere
				}
				checked++
				if !HasChinese(lit) || !HasEnglish(lit) {
					t.Errorf("%s: message %q lacks the Chinese part or the English part in parentheses", fset.Position(call.Pos()), lit)
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 150 {
		t.Fatalf("checked only %d messages: is the scan still finding them?", checked)
	}
}

func calleeName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		if pkg, ok := x.X.(*ast.Ident); ok {
			return pkg.Name + "." + x.Sel.Name
		}
	}
	return ""
}

// formatLiteral returns the format argument at idx when it is a constant
// string (or a sum of them); idx -1 means the first argument with Chinese
// in it.
func formatLiteral(args []ast.Expr, idx int) (string, bool) {
	if idx < 0 {
		for i, a := range args {
			if s, ok := constString(a); ok && HasChinese(s) {
				if i+1 < len(args) {
					if en, ok := constString(args[i+1]); ok && !HasChinese(en) && hasWord(en) {
						return s + " (" + en + ")", true // separate Chinese and English parts
					}
				}
				return s, true
			}
		}
		return "", false
	}
	if idx >= len(args) {
		return "", false
	}
	return constString(args[idx])
}

func constString(e ast.Expr) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(x.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return "", false
		}
		a, ok1 := constString(x.X)
		b, ok2 := constString(x.Y)
		return a + b, ok1 && ok2
	}
	return "", false
}

var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0-9.]*[a-zA-Z%]`)

// onlyVerbs reports a format of nothing but verbs and punctuation.
func onlyVerbs(format string) bool {
	rest := verbRE.ReplaceAllString(format, "")
	return !strings.ContainsFunc(rest, unicode.IsLetter)
}
