package app_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// TestFilesBadInput: every refused upload or link request answers the
// envelope naming its field, and stores nothing.
func TestFilesBadInput(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		for _, backend := range []string{"local", "s3"} {
			t.Run(backend, func(t *testing.T) {
				cfg := fileConfig(t, kind, backend)
				cfg.MaxUpload = 64 << 10
				s := startServer(t, cfg)
				badUploads(t, s, backend == "local", filepath.Join(cfg.DataDir, "files"))
				badLinks(t, s)
			})
		}
	})
}

func badUploads(t *testing.T, s *server, local bool, dir string) {
	file := func(name string, body []byte) part {
		return part{name: "file", filename: name, contentType: "text/plain", body: body}
	}
	small := []byte("hello")
	cases := []struct {
		name   string
		parts  []part
		status int
		field  string
		want   string
	}{
		{"no file", []part{{name: "sourceSystem", body: []byte("ERP")}}, 422, "file", "no file"},
		{"two files", []part{file("a.txt", small), file("b.txt", small)}, 422, "file", "one file"},
		{"file without a name", []part{{name: "file", body: small}}, 422, "file", "filename"},
		{"unknown field", []part{file("a.txt", small), {name: "owner", body: []byte("x")}}, 422, "owner", "unknown form field"},
		{"repeated field", []part{{name: "sourceSystem", body: []byte("A")}, {name: "sourceSystem", body: []byte("B")}, file("a.txt", small)}, 422, "sourceSystem", "repeated"},
		{"long field", []part{{name: "sourceDocumentNumber", body: bytes.Repeat([]byte("号"), 129)}, file("a.txt", small)}, 422, "sourceDocumentNumber", "at most 128"},
		{"NUL in a field", []part{{name: "sourceSystem", body: []byte("E\x00RP")}, file("a.txt", small)}, 400, "sourceSystem", "NUL"},
		{"NUL in the name", []part{file("a\x00.txt", small)}, 400, "", "multipart"}, // the part's header does not parse
		{"invalid UTF-8 name", []part{file("bad\xff.txt", small)}, 400, "file", "UTF-8"},
		{"invalid UTF-8 field", []part{{name: "sourceSystem", body: []byte("\xfe")}, file("a.txt", small)}, 400, "sourceSystem", "UTF-8"},
		{"too large", []part{file("big.bin", make([]byte, 64<<10+1))}, 413, "", "larger than 65536"},
		{"too large after the fields", []part{{name: "sourceSystem", body: []byte("ERP")}, file("big.bin", make([]byte, 200<<10))}, 413, "", "65536"},
	}
	before := s.fileCount()
	for _, c := range cases {
		status, out := s.upload(c.parts)
		code, msg := errCode(t, out)
		field := decode(t, out)["error"].(map[string]any)["field"]
		if status != c.status || code == "" || !strings.Contains(msg, c.want) || (c.field != "" && field != c.field) {
			t.Errorf("%s: %d %s", c.name, status, out)
		}
	}
	// Not multipart at all.
	if status, out := s.do("POST", "/api/v1/files", `{"file":"x"}`); status != 400 || !strings.Contains(string(out), "multipart/form-data") {
		t.Errorf("JSON body: %d %s", status, out)
	}
	if status, out := s.do("POST", "/api/v1/files", "--x\r\nbroken", "Content-Type", "multipart/form-data; boundary=x"); status != 400 {
		t.Errorf("broken multipart: %d %s", status, out)
	}
	if n := s.fileCount(); n != before {
		t.Errorf("refused uploads recorded %d files", n-before)
	}
	if n := blobFiles(t, dir); local && n != 0 {
		t.Errorf("refused uploads left %d blobs", n)
	}
	// Path tricks and odd characters are kept out of the stored name.
	for sent, want := range map[string]string{
		"../../etc/passwd":                "passwd",
		`..\..\windows\win.ini`:           "win.ini",
		"..":                              "file",
		"report\u202Efdp.exe":             "reportfdp.exe",
		"tab\there.txt":                   "tabhere.txt",
		strings.Repeat("长", 120) + ".pdf": strings.Repeat("长", 83) + ".pdf",
		" 空格 .txt ":                       "空格 .txt",
	} {
		got := s.mustUpload(sent, "", small)["name"]
		if got != want {
			t.Errorf("file name %q stored as %q, want %q", sent, got, want)
		}
	}
	// Idempotency-Key does not apply to uploads (the body is not held in
	// memory): two uploads, two files.
	a := s.mustUpload("a.txt", "", small)
	st, out := s.upload([]part{file("a.txt", small)}, "Idempotency-Key", "upload-1")
	st2, out2 := s.upload([]part{file("a.txt", small)}, "Idempotency-Key", "upload-1")
	if st != 201 || st2 != 201 || decode(t, out)["fileKey"] == decode(t, out2)["fileKey"] || a["fileKey"] == nil {
		t.Errorf("uploads with one Idempotency-Key: %d %d", st, st2)
	}
}

func badLinks(t *testing.T, s *server) {
	key := s.mustUpload("a.png", "", pngBytes)["fileKey"].(string)
	for _, body := range []string{`{"expiresIn":0}`, `{"expiresIn":-5}`, `{"expiresIn":1.5}`, `{"expiresIn":"60"}`, `{"expiresIn":86401}`, `{"ttl":60}`, `[1]`} {
		status, out := s.do("POST", "/api/v1/files/"+key+"/preview-link", body)
		if status != 422 && status != 400 {
			t.Errorf("preview-link %s: %d %s", body, status, out)
		}
		if status == 422 && !strings.Contains(string(out), "expiresIn") && !strings.Contains(string(out), "ttl") {
			t.Errorf("preview-link %s: %s does not name the field", body, out)
		}
	}
	if status, out := s.do("POST", "/api/v1/files/"+key+"/preview-link", `{"expiresIn":86400}`); status != 200 {
		t.Errorf("the longest link: %d %s", status, out)
	}
	for _, path := range []string{"/api/v1/files/0123456789abcdef0123456789abcdef", "/api/v1/files/nope/meta", "/api/v1/files/..%2f..%2fetc/meta"} {
		if status, out := s.do("GET", path, nil); status != 404 {
			t.Errorf("GET %s: %d %s", path, status, out)
		}
	}
	if status, out := s.do("POST", "/api/v1/files/nope/preview-link", nil); status != 404 {
		t.Errorf("link to an unknown file: %d %s", status, out)
	}
	if status, out := s.do("GET", "/api/v1/files/%FF/meta", nil); status != 400 {
		t.Errorf("invalid UTF-8 key: %d %s", status, out)
	}
	if resp, body := s.get("/api/v1/files/%FF/preview?expires=1&signature=x", true); resp.StatusCode != 400 {
		t.Errorf("preview of an invalid UTF-8 key: %d %s", resp.StatusCode, body)
	}
}

// blobFiles counts the blobs under a local store's directory.
func blobFiles(t *testing.T, root string) int {
	n := 0
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}
