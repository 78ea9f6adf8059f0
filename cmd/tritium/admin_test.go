package main

import (
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serveEnv starts `tritium serve --data dir` with extra environment and
// waits until it is ready.
func serveEnv(t *testing.T, dir string, env ...string) *proc {
	t.Helper()
	p := &proc{t: t, logs: &lockedBuffer{}, done: make(chan struct{}), addr: freeAddr(t)}
	p.URL = "http://" + p.addr
	p.cmd = exec.Command(binary(t), "serve", "--data", dir, "--http", p.addr)
	p.cmd.Env = cleanEnv(env...)
	p.cmd.Stderr, p.cmd.Stdout = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(p.kill)
	p.waitReady(30 * time.Second)
	return p
}

func (p *proc) stop() {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.wait(30 * time.Second); err != nil {
		p.t.Fatalf("serve exit: %v\n%s", err, p.logs)
	}
}

// signIn posts a console sign-in and returns the status.
func signIn(t *testing.T, url, login, password string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"login": login, "password": password})
	resp, err := http.Post(url+"/api/v1/session", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestFirstAdminFromEnv: serve with TRITIUM_ADMIN_EMAIL and
// TRITIUM_ADMIN_PASSWORD gives the administrator that sign-in, once (a
// restart with other values keeps it), and never logs the password;
// without a password, serve says how to set one.
func TestFirstAdminFromEnv(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	p := serveEnv(t, dir)
	p.stop()
	if !strings.Contains(p.logs.String(), "tritium admin create") {
		t.Errorf("serve without an administrator password does not say how to set one:\n%s", p.logs)
	}
	p = serveEnv(t, dir, "TRITIUM_ADMIN_EMAIL=Boss@Example.com", "TRITIUM_ADMIN_PASSWORD=first-admin-pass")
	if st := signIn(t, p.URL, "boss@example.com", "first-admin-pass"); st != 201 {
		t.Errorf("sign in as the first administrator: HTTP %d\n%s", st, p.logs)
	}
	p.stop()
	if logs := p.logs.String(); strings.Contains(logs, "first-admin-pass") || strings.Contains(logs, "tritium admin create") {
		t.Errorf("the logs show the password, or ask for one already set:\n%s", logs)
	}
	p = serveEnv(t, dir, "TRITIUM_ADMIN_EMAIL=other@example.com", "TRITIUM_ADMIN_PASSWORD=second-admin-pass")
	if st := signIn(t, p.URL, "boss@example.com", "first-admin-pass"); st != 201 {
		t.Errorf("a restart replaced the administrator's password: HTTP %d", st)
	}
	if st := signIn(t, p.URL, "other@example.com", "second-admin-pass"); st != 401 {
		t.Errorf("a restart with other values signs in with them: HTTP %d", st)
	}
}

// TestAdminCreate: `tritium admin create` sets the administrator's email
// and password from TRITIUM_ADMIN_PASSWORD or stdin, refuses to replace
// one without --reset, and the server signs the administrator in with it.
func TestAdminCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	run := func(stdin string, env []string, args ...string) (string, error) {
		cmd := exec.Command(binary(t), append([]string{"admin", "create", "--data", dir}, args...)...)
		cmd.Env = cleanEnv(env...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("", nil, "--email", "root@example.com"); err == nil || !strings.Contains(out, "TRITIUM_ADMIN_PASSWORD") {
		t.Errorf("no password: %v %s", err, out)
	}
	if out, err := run("", []string{"TRITIUM_ADMIN_PASSWORD=short"}, "--email", "root@example.com"); err == nil || !strings.Contains(out, "8") {
		t.Errorf("a short password: %v %s", err, out)
	}
	out, err := run("", []string{"TRITIUM_ADMIN_PASSWORD=created-by-env"}, "--email", "root@example.com", "--name", "运维")
	if err != nil || !strings.Contains(out, "root@example.com") || strings.Contains(out, "created-by-env") {
		t.Fatalf("admin create: %v %s", err, out)
	}
	if out, err := run("other-password\n", nil, "--email", "root@example.com", "--password-stdin"); err == nil || !strings.Contains(out, "--reset") {
		t.Errorf("a second create without --reset: %v %s", err, out)
	}
	if out, err := run("from-stdin-pass\n", nil, "--email", "root@example.com", "--password-stdin", "--reset"); err != nil {
		t.Fatalf("admin create --reset: %v %s", err, out)
	}
	p := serveEnv(t, dir)
	if st := signIn(t, p.URL, "root@example.com", "from-stdin-pass"); st != 201 {
		t.Errorf("sign in with the password from stdin: HTTP %d", st)
	}
	if st := signIn(t, p.URL, "admin", "created-by-env"); st != 401 {
		t.Errorf("the replaced password still signs in: HTTP %d", st)
	}
	// Beside the running server (SQLite), like credentials rotate.
	if out, err := run("beside-the-server\n", nil, "--email", "root@example.com", "--password-stdin", "--reset"); err != nil {
		t.Fatalf("admin create beside serve: %v %s", err, out)
	}
	if st := signIn(t, p.URL, "root@example.com", "beside-the-server"); st != 201 {
		t.Errorf("sign in after a reset beside the server: HTTP %d", st)
	}
	p.stop()
	if strings.Contains(p.logs.String(), "tritium admin create") {
		t.Errorf("serve asks for a password that is set:\n%s", p.logs)
	}
}
