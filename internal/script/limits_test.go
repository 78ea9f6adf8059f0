package script

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTimeoutStopsBusyLoop(t *testing.T) {
	e := newEngine(t, Config{})
	start := time.Now()
	out := mustRun(t, e, JS, "while (true) {}", Input{Timeout: 100 * time.Millisecond})
	if out.Err == nil || out.Err.Kind != "timeout" {
		t.Fatalf("err = %#v", out.Err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %s", d)
	}
	// The pool still answers.
	mustOK(t, mustRun(t, e, JS, "return 1", Input{}))
}

func TestTimeoutStopsNeverSettlingPromise(t *testing.T) {
	e := newEngine(t, Config{})
	out := mustRun(t, e, JS, "await new Promise(() => {}); return 1", Input{Timeout: 100 * time.Millisecond})
	if out.Err == nil || out.Err.Kind != "timeout" || out.Value != nil {
		t.Fatalf("out = %#v", out)
	}
}

func TestContextCancelStopsRun(t *testing.T) {
	e := newEngine(t, Config{})
	p := mustCompile(t, "spin.js", JS, "for (;;) {}")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	out, err := e.Run(ctx, p, Input{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Err == nil || out.Err.Kind != "canceled" {
		t.Fatalf("err = %#v", out.Err)
	}
	if _, err := e.Run(ctx, p, Input{}); err == nil {
		t.Fatal("Run with a canceled ctx: want an error")
	}
}

func TestRunawayScriptsDoNotStarveOthers(t *testing.T) {
	e := newEngine(t, Config{})
	spin := mustCompile(t, "spin.js", JS, "while (true) {}")
	ok := mustCompile(t, "ok.js", JS, "return 42")
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := e.Run(context.Background(), spin, Input{Timeout: 300 * time.Millisecond})
			if err != nil || out.Err == nil || out.Err.Kind != "timeout" {
				t.Errorf("runaway: %v %#v", err, out)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond) // while they spin
	start := time.Now()
	out, err := e.Run(context.Background(), ok, Input{})
	if err != nil || out.Err != nil || out.Value != int64(42) {
		t.Fatalf("normal run during runaways: %v %#v", err, out)
	}
	during := time.Since(start)
	wg.Wait()
	start = time.Now()
	out, err = e.Run(context.Background(), ok, Input{})
	after := time.Since(start)
	if err != nil || out.Err != nil {
		t.Fatalf("normal run after runaways: %v %#v", err, out)
	}
	t.Logf("normal script: %s while 100 runaways spin, %s after", during, after)
	if during > time.Second || after > time.Second {
		t.Fatalf("normal script too slow: %s during, %s after", during, after)
	}
}

func TestHugeStringToBindingRefused(t *testing.T) {
	e := newEngine(t, Config{Proxy: &fakeProxy{}})
	for name, src := range map[string]string{
		"proxy":  "const s = 'x'.repeat(2 * 1024 * 1024); try { await $proxy('p').send(s) } catch (e) { return 'caught' }",
		"crypto": "try { $crypto.sha256('x'.repeat(1024 * 1024 + 1)) } catch (e) { return 'caught' }",
		"array":  "const a = new Array(100001).fill(1); await $proxy('p').$api('x').$body(a).$call()",
		"return": "return 'y'.repeat(1024 * 1024 + 1)",
		"total":  "const s = 'z'.repeat(1024 * 1024 - 10); return Array.from({length: 11}, () => s)",
		"cycle":  "const o = {}; o.self = o; return o",
		"later":  "await $proxy('p').a(); try { $crypto.md5('x'.repeat(2 << 20)) } catch (e) { return 'caught' }",
	} {
		out := mustRun(t, e, JS, src, Input{})
		if out.Err == nil || out.Err.Kind != "limit" {
			t.Errorf("%s: err = %#v, value %v", name, out.Err, out.Value)
			continue
		}
		t.Logf("%s: %s", name, out.Err.Message)
	}
}

func TestConsoleBounded(t *testing.T) {
	e := newEngine(t, Config{})
	out := mustRun(t, e, JS, "for (let i = 0; i < 1000; i++) console.log('line', i); console.log('x'.repeat(10000))", Input{})
	mustOK(t, out)
	if len(out.Console) != MaxConsoleLines {
		t.Fatalf("%d lines", len(out.Console))
	}
	last := out.Console[len(out.Console)-1].Message
	if !strings.Contains(last, "802") || !strings.Contains(last, "truncated") {
		t.Fatalf("last line %q", last)
	}
	out = mustRun(t, e, JS, "console.log('x'.repeat(10000))", Input{})
	if n := len(out.Console[0].Message); n > MaxConsoleLine+64 {
		t.Fatalf("line of %d bytes", n)
	}
}

func TestDeepRecursionIsALimit(t *testing.T) {
	e := newEngine(t, Config{})
	out := mustRun(t, e, JS, "function f(n) { return f(n + 1) + 1 } return f(0)", Input{})
	if out.Err == nil || (out.Err.Kind != "limit" && out.Err.Kind != "thrown") {
		t.Fatalf("err = %#v", out.Err)
	}
	t.Logf("recursion: %s %s", out.Err.Kind, out.Err.Message)
}

// A thousand concurrent runs leave no goroutines and no heap behind.
func TestConcurrentRunsDoNotLeak(t *testing.T) {
	srv := echoServer(t)
	hp := newHTTPProxy(srv.URL)
	e := newEngine(t, Config{Proxy: hp})
	p := mustCompile(t, "load.js", JS, `
$form.total = ($form.qty || 0) * 2;
const r = await $proxy('crm').$api('ping').$query({n: $form.qty}).$call();
return r.code;
`)
	run := func(n int) {
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				out, err := e.Run(context.Background(), p, Input{Form: map[string]any{"qty": i}})
				if err != nil || out.Err != nil || out.Value != int64(200) {
					t.Errorf("run %d: %v %v", i, err, out.Err)
				}
			}(i)
		}
		wg.Wait()
	}
	run(50) // warm the pool and the HTTP client
	// settle waits until closed runtimes and HTTP connections are gone
	// (the keep-alive pool is the client's, not the engine's).
	settle := func() (int, uint64) {
		prev := -1
		for i := 0; i < 100; i++ {
			hp.client.CloseIdleConnections()
			runtime.GC()
			time.Sleep(20 * time.Millisecond)
			n := runtime.NumGoroutine()
			if n == prev {
				break
			}
			prev = n
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return runtime.NumGoroutine(), ms.HeapAlloc
	}
	g0, h0 := settle()
	run(1000)
	g1, h1 := settle()
	t.Logf("goroutines %d → %d, heap %d KiB → %d KiB", g0, g1, h0>>10, h1>>10)
	if g1 > g0+5 {
		t.Errorf("goroutines grew from %d to %d", g0, g1)
	}
	if h1 > h0+16<<20 {
		t.Errorf("heap grew from %d to %d", h0, h1)
	}
}
