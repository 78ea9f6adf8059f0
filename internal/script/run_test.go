package script

import (
	"strings"
	"testing"
)

func TestRunReturnsAwaitedValue(t *testing.T) {
	e := newEngine(t, Config{})
	out := mustRun(t, e, JS, `
const wait = (ms, v) => new Promise(r => setTimeout(() => r(v), ms));
const a = await wait(5, 20);
async function twice(x) { return 2 * await wait(1, x); }
return { sum: a + await twice(11), opt: ({}).x?.y ?? 'dflt' };
`, Input{})
	mustOK(t, out)
	m := out.Value.(map[string]any)
	if m["sum"] != int64(42) || m["opt"] != "dflt" {
		t.Fatalf("value = %#v", out.Value)
	}
}

func TestRunConsole(t *testing.T) {
	e := newEngine(t, Config{})
	out := mustRun(t, e, JS, `console.log('a', 1, {b: 2}); $log.warn('w'); console.error('查询客户信息失败:', new Error('nope'))`, Input{})
	mustOK(t, out)
	if len(out.Console) != 3 || out.Console[0].Message != `a 1 {"b":2}` || out.Console[1].Level != "warn" {
		t.Fatalf("console = %#v", out.Console)
	}
	if got := out.Console[2].Message; !strings.Contains(got, "Error: nope") || !strings.Contains(got, "test.js:1:") {
		t.Fatalf("error line = %q", got)
	}
}
