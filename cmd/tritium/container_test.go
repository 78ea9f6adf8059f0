package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestContainerEntrypoint runs the binary the way the Dockerfile does:
// the listen address and data directory from TRITIUM_HTTP and
// TRITIUM_DATA, metrics on their own address, and `tritium healthcheck`
// as the health check (given the wildcard address the container listens
// on, it asks the loopback address). The health check fails while no
// server answers.
func TestContainerEntrypoint(t *testing.T) {
	bin := binary(t)
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	health := func() (string, error) {
		var out bytes.Buffer
		cmd := exec.Command(bin, "healthcheck", "--timeout", "2s")
		cmd.Env = append(os.Environ(), "TRITIUM_HTTP=0.0.0.0:"+port)
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	if out, err := health(); err == nil {
		t.Fatalf("healthcheck passed with no server: %s", out)
	}

	data := filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "TRITIUM_HTTP="+addr, "TRITIUM_DATA="+data, "TRITIUM_METRICS="+metricsAddr,
		"TRITIUM_ENGINE_CODE=container-test", "TRITIUM_ENGINE_SECRET=container-secret-0123456789")
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	waitReady(t, "http://"+addr+"/readyz")
	if out, err := health(); err != nil || !strings.Contains(out, `"status":"ok"`) {
		t.Fatalf("healthcheck against a ready server: %v: %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(data, "tritium.db")); err != nil {
		t.Fatalf("TRITIUM_DATA not used: %v", err)
	}

	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatalf("metrics listener: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `tritium_build_info{database="sqlite",goversion=`) || !strings.Contains(string(body), `version="test-build"} 1`) {
		t.Fatalf("metrics: %d\n%.2000s", resp.StatusCode, body)
	}
	// The public listener does not serve them.
	resp, err = http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("/metrics on the public listener: HTTP %d", resp.StatusCode)
	}
}
