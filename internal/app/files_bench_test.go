package app_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// BenchmarkFiles measures upload and download throughput over HTTP on
// loopback (SQLite) with the files on the local disk — the reference —
// and in an S3 bucket (gofakes3 in memory on loopback: the cost of the S3
// protocol, not of a real object store's disks).
func BenchmarkFiles(b *testing.B) {
	content := bytes.Repeat([]byte("0123456789abcdef"), 4<<20/16) // 4 MiB
	for _, backend := range []string{"local", "s3"} {
		s := startServer(b, fileConfig(b, sqldb.SQLite, backend))
		body, ct := multipartBody(b, part{name: "file", filename: "bench.bin", body: content})
		key := s.mustUpload("bench.bin", "", content)["fileKey"].(string)
		send := func(req *http.Request) {
			req.Header.Set("EngineCode", testCode)
			req.Header.Set("EngineSecret", testSecret)
			resp, err := s.client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				b.Fatalf("%s %s: %d", req.Method, req.URL.Path, resp.StatusCode)
			}
			_ = n
		}
		b.Run("upload/"+backend, func(b *testing.B) {
			b.SetBytes(int64(len(content)))
			for b.Loop() {
				req, _ := http.NewRequest("POST", s.URL+"/api/v1/files", bytes.NewReader(body))
				req.Header.Set("Content-Type", ct)
				send(req)
			}
		})
		b.Run("download/"+backend, func(b *testing.B) {
			b.SetBytes(int64(len(content)))
			for b.Loop() {
				req, _ := http.NewRequest("GET", s.URL+"/api/v1/files/"+key, nil)
				send(req)
			}
		})
	}
}
