package script

import (
	"context"
	"errors"
	"testing"
)

func TestCompileSyntaxErrorAtAuthorPosition(t *testing.T) {
	for _, tc := range []struct {
		lang      Lang
		src       string
		line, col int
	}{
		{JS, "const a = 1;\nconst b = ;\n", 2, 11},
		{JS, "const s = '中文';  let x = = 2;", 1, 26},
		{TS, "interface A { x: number }\nconst a: A = { x: 1 };\nlet b: = 3;\n", 3, 8},
		{TS, "function f() {\n  return 1;\n", 3, 1},
	} {
		_, err := Compile("bad", tc.lang, tc.src)
		var se *Error
		if !errors.As(err, &se) || se.Kind != "syntax" {
			t.Fatalf("%q: err = %v, want a syntax *Error", tc.src, err)
		}
		if se.Line != tc.line || se.Column != tc.col {
			t.Errorf("%q: at %d:%d (%s), want %d:%d", tc.src, se.Line, se.Column, se.Message, tc.line, tc.col)
		}
	}
}

func TestCompileUnsupportedByGoja(t *testing.T) {
	// esbuild lowers for-await to what goja runs.
	e := newEngine(t, Config{})
	out := mustRun(t, e, JS, "let n = 0; for await (const x of [Promise.resolve(1), 2]) n += x; return n", Input{})
	mustOK(t, out)
	if out.Value != int64(3) {
		t.Fatalf("value = %#v", out.Value)
	}
}

func TestTypeScriptFeatures(t *testing.T) {
	e := newEngine(t, Config{})
	out := mustRun(t, e, TS, `
interface Customer { id: string; name: string; tags?: string[] }
enum Level { Low = 1, High = 10 }
type Pair<T> = [T, T];
function first<T>(xs: T[]): T | undefined { return xs[0]; }
class Box<T> {
  private items: T[] = [];
  constructor(public readonly label: string) {}
  add(x: T): this { this.items.push(x); return this; }
  get size(): number { return this.items.length; }
}
const c: Customer = { id: '1', name: '张三' };
const p: Pair<number> = [Level.Low, Level.High];
const b = new Box<Customer>('b').add(c).add({ id: '2', name: 'x' } as Customer);
const r = await Promise.resolve<number>(p[0] + p[1]);
return { name: first([c])?.name, r, size: b.size, label: b.label, tags: c.tags ?? [] };
`, Input{})
	mustOK(t, out)
	m := out.Value.(map[string]any)
	if m["name"] != "张三" || m["r"] != int64(11) || m["size"] != int64(2) || m["label"] != "b" {
		t.Fatalf("value = %#v", m)
	}
}

func TestRuntimeThrowAtAuthorLineInTS(t *testing.T) {
	// Type-only lines vanish in the output, so generated lines differ from
	// the author's; the error must still point at line 11, column 9.
	src := `interface A {
  x: number;
  y: string;
}
type B = A & { z: boolean };
enum E { One, Two }
function check(a: A): void {
  const n: number = a.x;
  if (n > 1) {
    // the author's line 11:
    throw new Error('too big: ' + n);
  }
}
check({ x: 5, y: 'y' } as A);
`
	e := newEngine(t, Config{})
	p := mustCompile(t, "calc.ts", TS, src)
	out, err := e.Run(context.Background(), p, Input{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Err == nil || out.Err.Kind != "thrown" {
		t.Fatalf("err = %#v", out.Err)
	}
	if out.Err.Line != 11 || out.Err.Column != 11 || out.Err.Message != "too big: 5" || out.Err.Script != "calc.ts" {
		t.Fatalf("err = %s (line %d col %d)\nstack %s", out.Err, out.Err.Line, out.Err.Column, out.Err.Stack)
	}
}

func TestRuntimeTypeErrorPosition(t *testing.T) {
	e := newEngine(t, Config{})
	out := mustRun(t, e, JS, "const o = undefined;\nawait null;\nreturn o.name;", Input{})
	if out.Err == nil || out.Err.Kind != "thrown" || out.Err.Line != 3 {
		t.Fatalf("err = %#v", out.Err)
	}
	if want := "TypeError: Cannot read property 'name' of undefined"; out.Err.Message != want {
		t.Logf("message %q (want like %q)", out.Err.Message, want)
	}
}
