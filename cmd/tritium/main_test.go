package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeDrainsOnSIGTERM runs the real binary: a request still being
// received when SIGTERM arrives is finished and answered, and the process
// exits 0.
func TestServeDrainsOnSIGTERM(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve", "--http", addr, "--data", filepath.Join(dir, "data"))
	cmd.Env = append(os.Environ(), "TRITIUM_ENGINE_CODE=drain-test", "TRITIUM_ENGINE_SECRET=drain-secret-0123456789")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	logs := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs <- sc.Text()
		}
		close(logs)
	}()
	waitReady(t, "http://"+addr+"/healthz")

	// Start a request whose body is still arriving.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"ActionName":"LoadBizObject","SchemaCode":"x","BizObjectId":"y"}`
	fmt.Fprintf(conn, "POST /OpenApi/Invoke HTTP/1.1\r\nHost: %s\r\nEngineCode: drain-test\r\nEngineSecret: drain-secret-0123456789\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:10])
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	io.WriteString(conn, body[10:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request was not answered: %v", err)
	}
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(out), `"Successful":false`) || !strings.Contains(string(out), "表单不存在") {
		t.Fatalf("in-flight response: %d %s", resp.StatusCode, out)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not exit after SIGTERM")
	}
	var sawRequestID bool
	for line := range logs {
		if strings.Contains(line, `"request_id"`) && strings.HasPrefix(line, "{") {
			sawRequestID = true
		}
	}
	if !sawRequestID {
		t.Error("no JSON access log line with a request_id")
	}
}

func waitReady(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never answered", url)
}
