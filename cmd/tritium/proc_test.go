package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests in this package run the real binary, built once per test run.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// binary builds ./cmd/tritium (once, with the version "test-build") and
// returns its path.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "tritium-bin-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "tritium")
		if out, err := exec.Command("go", "build", "-ldflags", "-X main.version=test-build", "-o", built.path, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

const (
	procCode   = "proc-test"
	procSecret = "proc-secret-0123456789"
)

// cleanEnv is the environment without TRITIUM_ variables (a developer's
// TRITIUM_DB must not leak into a test), plus the test credential and the
// secret key every node on one PostgreSQL must share.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TRITIUM_") {
			env = append(env, kv)
		}
	}
	env = append(env, "TRITIUM_ENGINE_CODE="+procCode, "TRITIUM_ENGINE_SECRET="+procSecret,
		"TRITIUM_SECRET_KEY=cHJvYy10ZXN0LWtleS1wcm9jLXRlc3Qta2V5LXByb2M=")
	return append(env, extra...)
}

// freeAddr returns a loopback address nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// proc is one `tritium serve` process.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string
	URL  string
	logs *lockedBuffer
	done chan struct{}
	err  error // the exit, once done is closed
}

// lockedBuffer collects a process's stderr.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startProc starts `tritium <args>` (with --http on a free port for serve)
// and returns without waiting for it to be ready. The process is killed
// when the test ends.
func startProc(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, logs: &lockedBuffer{}, done: make(chan struct{})}
	if len(args) > 0 && args[0] == "serve" {
		p.addr = freeAddr(t)
		p.URL = "http://" + p.addr
		args = append(args, "--http", p.addr)
	}
	p.cmd = exec.Command(binary(t), args...)
	p.cmd.Env = cleanEnv()
	p.cmd.Stderr = p.logs
	p.cmd.Stdout = p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.kill)
	return p
}

// startServe starts a server and waits until it answers /healthz.
func startServe(t *testing.T, args ...string) *proc {
	t.Helper()
	p := startProc(t, append([]string{"serve"}, args...)...)
	p.waitReady(30 * time.Second)
	return p
}

func (p *proc) waitReady(within time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			p.t.Fatalf("tritium exited before serving (%v):\n%s", p.err, p.logs)
		default:
		}
		resp, err := http.Get(p.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	p.t.Fatalf("%s never answered:\n%s", p.URL, p.logs)
}

// kill sends SIGKILL and waits for the exit (safe to call twice).
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// wait waits for the process to exit by itself.
func (p *proc) wait(within time.Duration) error {
	p.t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(within):
		p.t.Fatalf("tritium did not exit within %v:\n%s", within, p.logs)
		return nil
	}
}

// client talks to Tritium servers with the test credential.
type client struct {
	http *http.Client
}

func newClient() *client {
	return &client{http: &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

// do sends a JSON request and returns the status and body; err is a
// transport error (no answer).
func (c *client) do(ctx context.Context, method, url string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("EngineCode", procCode)
	req.Header.Set("EngineSecret", procSecret)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, out, nil
}

// must is do that fails the test on a transport error or another status.
func (c *client) must(t *testing.T, method, url string, body any, want int) []byte {
	t.Helper()
	status, out, err := c.do(context.Background(), method, url, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	if status != want {
		t.Fatalf("%s %s: HTTP %d, want %d: %s", method, url, status, want, out)
	}
	return out
}

// invoke calls /OpenApi/Invoke; ok reports Successful, msg the error.
func (c *client) invoke(ctx context.Context, base string, body any) (ok bool, data map[string]any, msg string, err error) {
	status, out, err := c.do(ctx, "POST", base+"/OpenApi/Invoke", body)
	if err != nil {
		return false, nil, "", err
	}
	if status != 200 {
		return false, nil, "", fmt.Errorf("HTTP %d: %s", status, out)
	}
	var env struct {
		Successful   bool
		ErrorMessage *string
		ReturnData   map[string]any
	}
	if err := json.Unmarshal(out, &env); err != nil {
		return false, nil, "", fmt.Errorf("decode %s: %w", out, err)
	}
	if env.ErrorMessage != nil {
		msg = *env.ErrorMessage
	}
	return env.Successful, env.ReturnData, msg, nil
}

// lines scans text into lines.
func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}
