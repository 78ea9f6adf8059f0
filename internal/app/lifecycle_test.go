package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/tritiumhq/tritium/internal/app"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// TestRestart writes data, stops the server, starts it again on the same
// data directory and database, and finds everything intact.
func TestRestart(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		cfg := storeConfig(t, kind)
		s := startServer(t, cfg)
		s.mustCreateForm(contractForm())
		id := s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract", "IsSubmit": true,
			"BizObject": jsonString(map[string]any{"F0000001": "持久", "F0000002": "0.10", "F0000009": "2025/02/17 19:10:07",
				"D000001Lines": []map[string]any{{"F0000011": "a", "F0000012": "1.2345"}}})})["BizObjectId"]
		load := map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000001Contract", "BizObjectId": id}
		before := fmt.Sprint(s.ok(load))
		s.stop()

		s2 := startServer(t, cfg)
		if after := fmt.Sprint(s2.ok(load)); after != before {
			t.Fatalf("after restart:\n%s\nwant\n%s", after, before)
		}
		// SeqNo continues; the form definition came back with its tables.
		rd := s2.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract", "BizObject": `{"F0000001":"新"}`})
		bo := s2.ok(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000001Contract", "BizObjectId": rd["BizObjectId"]})["BizObject"].(map[string]any)
		if bo["SeqNo"] != "000002" {
			t.Fatalf("SeqNo after restart = %v", bo["SeqNo"])
		}
	})
}

// TestGeneratedCredentials: without TRITIUM_ENGINE_* a credential is
// generated, printed once, kept across restarts, and rotation replaces it.
func TestGeneratedCredentials(t *testing.T) {
	dir := t.TempDir()
	open := func() (*app.App, string) {
		var notice bytes.Buffer
		a, err := app.Open(context.Background(), app.Config{DataDir: dir}, slog.New(slog.DiscardHandler), &notice)
		if err != nil {
			t.Fatal(err)
		}
		return a, notice.String()
	}
	a, notice := open()
	var code, secret string
	for _, line := range strings.Split(notice, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			switch k {
			case "EngineCode":
				code = strings.TrimSpace(v)
			case "EngineSecret":
				secret = strings.TrimSpace(v)
			}
		}
	}
	if len(code) < 16 || len(secret) < 32 {
		t.Fatalf("no generated credential in notice %q", notice)
	}
	ctx := context.Background()
	if _, ok, _ := a.Auth.Verify(ctx, code, secret); !ok {
		t.Fatal("generated credential does not verify")
	}
	var stored string
	a.DB.Reader().QueryRow(ctx, "SELECT secret_hash FROM credentials WHERE code = ?", code).Scan(&stored)
	if strings.Contains(stored, secret) || !strings.HasPrefix(stored, "sha256$") {
		t.Fatalf("secret stored as %q, want a salted hash", stored)
	}
	a.Close()
	a, notice = open()
	defer a.Close()
	if notice != "" {
		t.Fatalf("second start printed %q", notice)
	}
	if _, ok, _ := a.Auth.Verify(ctx, code, secret); !ok {
		t.Fatal("credential lost across restart")
	}
	g, err := a.Auth.Rotate(ctx, "")
	if err != nil || g.Code != code || g.Secret == secret {
		t.Fatalf("rotate: %+v %v", g, err)
	}
	if _, ok, _ := a.Auth.Verify(ctx, code, secret); ok {
		t.Fatal("old secret still works after rotation")
	}
	if _, ok, _ := a.Auth.Verify(ctx, code, g.Secret); !ok {
		t.Fatal("new secret does not verify")
	}
}

// TestConcurrentWrites: 50 parallel creates of one ObjectId make one
// object; 50 parallel creates of one sourceSystem+sourceCode return one id;
// 50 writers incrementing one field through If-Match lose no update.
func TestConcurrentWrites(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		const n = 50
		parallel := func(f func(i int)) {
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() { defer wg.Done(); f(i) }()
			}
			wg.Wait()
		}

		var mu sync.Mutex
		oks, msgs := 0, map[string]int{}
		parallel(func(i int) {
			env := s.invoke(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract",
				"BizObject": jsonString(map[string]any{"ObjectId": "same-id", "F0000001": fmt.Sprint(i)})})
			mu.Lock()
			defer mu.Unlock()
			if env.Successful {
				oks++
			} else {
				msgs[*env.ErrorMessage]++
			}
		})
		if oks != 1 {
			t.Fatalf("same ObjectId: %d creates succeeded, want 1 (errors %v)", oks, msgs)
		}
		for m := range msgs {
			if !strings.Contains(m, "已存在") {
				t.Fatalf("duplicate create error %q does not say the object exists", m)
			}
		}

		ids := map[string]int{}
		parallel(func(i int) {
			rd := s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract",
				"BizObject": jsonString(map[string]any{"F0000001": fmt.Sprint(i), "sourceSystem": "ERP", "sourceCode": "PO-1"})})
			mu.Lock()
			ids[rd["BizObjectId"].(string)]++
			mu.Unlock()
		})
		if len(ids) != 1 {
			t.Fatalf("same source pair gave %d ids: %v", len(ids), ids)
		}
		var count int
		s.App.DB.Reader().QueryRow(t.Context(), "SELECT COUNT(*) FROM f_d000001contract WHERE sourcecode = 'PO-1'").Scan(&count)
		if count != 1 {
			t.Fatalf("%d objects with one source pair", count)
		}

		// Read-modify-write with If-Match: conflicts are reported and
		// retried, so all 50 increments land.
		_, body := s.do("POST", "/api/v1/forms/D000001Contract/records", map[string]any{"F0000001": "counter", "F0000007": 0})
		id := decode(t, body)["ObjectId"].(string)
		path := "/api/v1/forms/D000001Contract/records/" + id
		conflicts := 0
		parallel(func(int) {
			for {
				_, body := s.do("GET", path, nil)
				rec := decode(t, body)
				v, _ := rec["F0000007"].(json.Number).Int64()
				status, out := s.do("PATCH", path, map[string]any{"F0000007": v + 1}, "If-Match", fmt.Sprint(rec["version"]))
				if status == 200 {
					return
				}
				if status != 409 || !strings.Contains(string(out), "version_conflict") {
					t.Errorf("PATCH: %d %s", status, out)
					return
				}
				mu.Lock()
				conflicts++
				mu.Unlock()
			}
		})
		_, body = s.do("GET", path, nil)
		rec := decode(t, body)
		if rec["F0000007"] != json.Number("50") || rec["version"] != json.Number("51") {
			t.Fatalf("after 50 increments: value %v version %v (conflicts %d)", rec["F0000007"], rec["version"], conflicts)
		}
		t.Logf("%d version conflicts reported and retried", conflicts)

		// 50 stale updates at once: exactly one wins.
		wins := 0
		parallel(func(int) {
			status, _ := s.do("PATCH", path, map[string]any{"F0000001": "x"}, "If-Match", "51")
			mu.Lock()
			if status == 200 {
				wins++
			}
			mu.Unlock()
		})
		if wins != 1 {
			t.Fatalf("%d of 50 updates with the same If-Match won, want 1", wins)
		}
	})
}

// TestRateLimit: over the per-credential limit, H3Yun callers get an
// envelope error and REST callers 429 with Retry-After.
func TestRateLimit(t *testing.T) {
	cfg := storeConfig(t, sqldb.SQLite)
	cfg.RateLimit, cfg.RateBurst = 1, 3
	s := startServer(t, cfg)
	limited := 0
	for range 6 {
		env := s.invoke(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "x", "BizObjectId": "y"})
		if !env.Successful && strings.Contains(*env.ErrorMessage, "调用频率超过限制") {
			limited++
		}
	}
	if limited < 2 {
		t.Fatalf("H3Yun: %d of 6 calls limited at 1/s burst 3", limited)
	}
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/forms", nil)
	req.Header.Set("EngineCode", testCode)
	req.Header.Set("EngineSecret", testSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("REST over the limit: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// TestAttachments uploads into an object's and a child row's attachment
// field and downloads the files the ways H3Yun clients do.
func TestAttachments(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		id := s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract",
			"BizObject": jsonString(map[string]any{"F0000001": "带附件", "D000001Lines": []map[string]any{{"F0000011": "行"}}})})["BizObjectId"].(string)
		bo := s.ok(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000001Contract", "BizObjectId": id})["BizObject"].(map[string]any)
		rowID := bo["D000001Lines"].([]any)[0].(map[string]any)["ObjectId"].(string)

		upload := func(query, part, name string, content []byte) map[string]any {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			mw.WriteField("note", "ignored")
			w, _ := mw.CreateFormFile(part, name)
			w.Write(content)
			mw.Close()
			status, out := s.do("POST", "/OpenApi/UploadAttachment?"+query, body.Bytes(), "Content-Type", mw.FormDataContentType())
			if status != 200 {
				t.Fatalf("upload: HTTP %d %s", status, out)
			}
			return decode(t, out)
		}
		content := []byte("%PDF-1.4 合同正文")
		env := upload("SchemaCode=D000001Contract&FilePropertyName=F0000010&BizObjectId="+id, "media", "合同 扫描件.pdf", content)
		key, _ := env["AttachmentId"].(string)
		if env["Successful"] != true || key == "" || env["ReturnData"].(map[string]any)["AttachmentId"] != key {
			t.Fatalf("upload envelope: %v", env)
		}
		upload("schemacode=D000001Contract&ChildSchemaCode=D000001Lines&FilePropertyName=F0000013&BizObjectId="+rowID, "file_data", "图.png", []byte("\x89PNG"))

		bo = s.ok(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000001Contract", "BizObjectId": id})["BizObject"].(map[string]any)
		files := bo["F0000010"].([]any)
		f0 := files[0].(map[string]any)
		if len(files) != 1 || f0["fileKey"] != key || f0["name"] != "合同 扫描件.pdf" || f0["size"] != json.Number(fmt.Sprint(len(content))) || f0["contentType"] != "application/pdf" {
			t.Fatalf("attachment value: %v", files)
		}
		if row := bo["D000001Lines"].([]any)[0].(map[string]any); len(row["F0000013"].([]any)) != 1 {
			t.Fatalf("child row attachment: %v", row)
		}

		// Download: form-urlencoded and JSON bodies.
		for _, b := range []struct{ ct, body string }{
			{"application/x-www-form-urlencoded", "attachmentId=" + key + "&EngineCode=" + testCode},
			{"application/json", `{"attachmentId":"` + key + `"}`},
		} {
			req, _ := http.NewRequest("POST", s.URL+"/Api/DownloadBizObjectFile", strings.NewReader(b.body))
			req.Header.Set("Content-Type", b.ct)
			req.Header.Set("EngineCode", testCode)
			req.Header.Set("EngineSecret", testSecret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			cd := resp.Header.Get("Content-Disposition")
			name, _ := url.QueryUnescape(strings.TrimPrefix(cd, "attachment;filename="))
			if resp.StatusCode != 200 || !bytes.Equal(got, content) || name != "合同 扫描件.pdf" {
				t.Fatalf("download (%s): %d %q %q", b.ct, resp.StatusCode, got, cd)
			}
		}
		if status, out := s.do("POST", "/Api/DownloadBizObjectFile", `{"attachmentId":"nope"}`); status != 200 || string(out) != "文件不存在！" {
			t.Fatalf("unknown attachment: %d %q", status, out)
		}

		// Refused uploads store nothing.
		var before int
		s.App.DB.Reader().QueryRow(t.Context(), "SELECT COUNT(*) FROM files").Scan(&before)
		for q, want := range map[string]string{
			"SchemaCode=D000001Contract&FilePropertyName=F0000010&BizObjectId=missing":     "missing",
			"SchemaCode=D000001Contract&FilePropertyName=F0000001&BizObjectId=" + id:       "F0000001",
			"SchemaCode=Nope&FilePropertyName=F0000010&BizObjectId=" + id:                  "Nope",
			"SchemaCode=D000001Contract&FilePropertyName=F0000010&BizObjectId=K%00":        "BizObjectId contains a NUL",
			"SchemaCode=D000001Contract&FilePropertyName=F0000010&BizObjectId=%FF":         "BizObjectId is not valid UTF-8",
			"SchemaCode=D000001Contract&FilePropertyName=F0000010&BizObjectId=" + id + ";": "raw ';'",
		} {
			env := upload(q, "file", "x.txt", []byte("x"))
			if msg, _ := env["ErrorMessage"].(string); env["Successful"] != false || !strings.Contains(msg, want) {
				t.Fatalf("upload %s: %v, want an error containing %q", q, env, want)
			}
		}
		if env := upload("SchemaCode=D000001Contract&FilePropertyName=F0000010&BizObjectId="+id, "file", "bad\xff.txt", []byte("x")); env["Successful"] != false ||
			!strings.Contains(env["ErrorMessage"].(string), "the file name is not valid UTF-8") {
			t.Fatalf("upload with an invalid file name: %v", env)
		}
		// Refused download keys are envelope errors on both databases.
		for _, b := range []struct{ path, ct, body, want string }{
			{"/Api/DownloadBizObjectFile?attachmentId=%00", "", "", "attachmentId contains a NUL"},
			{"/Api/DownloadBizObjectFile", "application/x-www-form-urlencoded", "attachmentId=%FF", "attachmentId is not valid UTF-8"},
			{"/Api/DownloadBizObjectFile", "application/json", `{"attachmentId":"\u0000"}`, "attachmentId contains a NUL"},
			{"/Api/DownloadBizObjectFile", "application/json", `{"attachmentId":{}}`, "attachmentId must be a string"},
		} {
			status, out := s.do("POST", b.path, b.body, "Content-Type", b.ct)
			if status != 200 || !strings.Contains(string(out), `"Successful":false`) || !strings.Contains(string(out), b.want) {
				t.Fatalf("download %s %s: %d %s, want an envelope error containing %q", b.path, b.body, status, out, b.want)
			}
		}
		var after int
		s.App.DB.Reader().QueryRow(t.Context(), "SELECT COUNT(*) FROM files").Scan(&after)
		if after != before {
			t.Fatalf("refused uploads left %d file rows", after-before)
		}
	})
}
