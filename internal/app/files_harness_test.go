package app_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/app"
	"github.com/tritiumhq/tritium/internal/blob/blobtest"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// forEachFileServer runs f against a fresh server on SQLite and on
// PostgreSQL, each with its files on the local disk and in an S3 bucket
// (a real S3-protocol server on loopback).
func forEachFileServer(t *testing.T, f func(t *testing.T, s *server)) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		for _, backend := range []string{"local", "s3"} {
			t.Run(backend, func(t *testing.T) {
				f(t, startServer(t, fileConfig(t, kind, backend)))
			})
		}
	})
}

// fileConfig is a store of kind whose files are on backend (local or s3).
func fileConfig(t testing.TB, kind sqldb.Kind, backend string) app.Config {
	cfg := storeConfig(t, kind)
	cfg.FileGCEvery = time.Hour
	if backend == "s3" {
		fake := blobtest.StartS3(t, "tritium-files")
		cfg.Blob, cfg.S3AccessKey, cfg.S3SecretKey = fake.URL("node"), blobtest.AccessKey, blobtest.SecretKey
	}
	return cfg
}

// part is one multipart part: a field, or a file when filename is set.
type part struct {
	name, filename, contentType string
	body                        []byte
}

// multipartBody encodes parts in order.
func multipartBody(t testing.TB, parts ...part) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := `form-data; name="` + p.name + `"`
		if p.filename != "" {
			cd += `; filename="` + p.filename + `"`
		}
		h.Set("Content-Disposition", cd)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.body)
	}
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// upload posts parts to /api/v1/files and returns the status and body.
func (s *server) upload(parts []part, hdr ...string) (int, []byte) {
	s.t.Helper()
	body, ct := multipartBody(s.t, parts...)
	return s.do("POST", "/api/v1/files", body, append([]string{"Content-Type", ct}, hdr...)...)
}

// mustUpload uploads one file and returns its metadata.
func (s *server) mustUpload(name, contentType string, content []byte, fields ...part) map[string]any {
	s.t.Helper()
	status, out := s.upload(append([]part{{name: "file", filename: name, contentType: contentType, body: content}}, fields...))
	if status != 201 {
		s.t.Fatalf("upload %s: HTTP %d %s", name, status, out)
	}
	return decode(s.t, out)
}

// get sends a GET (with engine credentials unless anonymous) and returns
// the whole response with its body read.
func (s *server) get(path string, anonymous bool, hdr ...string) (*http.Response, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest("GET", path, nil)
	if !strings.HasPrefix(path, "http") {
		req, _ = http.NewRequest("GET", s.URL+path, nil)
	}
	if !anonymous {
		req.Header.Set("EngineCode", testCode)
		req.Header.Set("EngineSecret", testSecret)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	observe("GET", req.URL.Path, resp.StatusCode)
	if resp.StatusCode >= 400 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		_, msg := errCode(s.t, b)
		s.checkMessage("GET "+req.URL.Path, msg)
	}
	return resp, b
}

// fileCount is how many files the store's table holds.
func (s *server) fileCount() int {
	s.t.Helper()
	var n int
	if err := s.App.DB.Reader().QueryRow(s.t.Context(), "SELECT COUNT(*) FROM files").Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

// fileForm has attachment fields in the main table and a child table.
func fileForm(code string) map[string]any {
	return map[string]any{"code": code, "name": "带附件",
		"fields": []map[string]any{{"code": "F0000001", "name": "名称", "type": "text"}, {"code": "F0000002", "name": "附件", "type": "attachment"}},
		"children": []map[string]any{{"code": code + "Lines", "name": "明细", "fields": []map[string]any{
			{"code": "F0000011", "name": "物料", "type": "text"}, {"code": "F0000012", "name": "图纸", "type": "attachment"}}}}}
}
