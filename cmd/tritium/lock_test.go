package main

import (
	"strings"
	"testing"
	"time"
)

// TestOneServerPerDataDir: a second server on a SQLite data directory a
// server holds fails at once with a message saying so, as does migrate;
// credentials rotate still works beside it. After kill -9 of the holder,
// the OS has released the lock and a new server starts.
func TestOneServerPerDataDir(t *testing.T) {
	data := t.TempDir()
	first := startServe(t, "--data", data)

	start := time.Now()
	second := startProc(t, "serve", "--data", data)
	err := second.wait(10 * time.Second)
	if err == nil {
		t.Fatalf("second server on the same data dir exited 0:\n%s", second.logs)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second server took %v to fail; want at once", d)
	}
	for _, want := range []string{"数据目录", "in use by another tritium process (pid ", "only one server may use a SQLite data directory"} {
		if !strings.Contains(second.logs.String(), want) {
			t.Errorf("second server's message lacks %q:\n%s", want, second.logs)
		}
	}

	mig := startProc(t, "migrate", "--data", data)
	if err := mig.wait(10 * time.Second); err == nil || !strings.Contains(mig.logs.String(), "in use by another tritium process") {
		t.Errorf("migrate on a held data dir: exit %v, output:\n%s", err, mig.logs)
	}

	rot := startProc(t, "credentials", "rotate", "--data", data)
	if err := rot.wait(20 * time.Second); err != nil || !strings.Contains(rot.logs.String(), "EngineSecret: ") {
		t.Errorf("credentials rotate beside the server: exit %v, output:\n%s", err, rot.logs)
	}

	first.kill()
	third := startServe(t, "--data", data)
	if status, _, err := newClient().do(t.Context(), "GET", third.URL+"/readyz", nil); err != nil || status != 200 {
		t.Fatalf("server after kill -9 of the holder: readyz %d %v", status, err)
	}
}
