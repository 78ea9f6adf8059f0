package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

var (
	pngBytes  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 600)...)
	pdfBytes  = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
	htmlBytes = []byte("<html><body><script>alert(document.cookie)</script></body></html>")
)

// TestFiles uploads through REST with the caller's document number,
// downloads, reads the metadata, puts the file into attachment fields
// (REST and H3Yun, main and child table), and opens preview links
// without credentials — on both databases, on the local disk and on S3.
func TestFiles(t *testing.T) {
	forEachFileServer(t, func(t *testing.T, s *server) {
		// sourceDocumentNumber before the file, sourceSystem after it.
		status, out := s.upload([]part{
			{name: "sourceDocumentNumber", body: []byte("HT-2026-001")},
			{name: "file", filename: "合同 扫描件.pdf", contentType: "application/pdf", body: pdfBytes},
			{name: "sourceSystem", body: []byte("ERP")},
		})
		if status != 201 {
			t.Fatalf("upload: %d %s", status, out)
		}
		up := decode(t, out)
		key, _ := up["fileKey"].(string)
		if len(key) != 32 || up["name"] != "合同 扫描件.pdf" || up["size"] != json.Number(fmt.Sprint(len(pdfBytes))) || up["contentType"] != "application/pdf" ||
			up["sourceSystem"] != "ERP" || up["sourceDocumentNumber"] != "HT-2026-001" {
			t.Fatalf("upload answer: %s", out)
		}
		s.mustUpload("other.txt", "", []byte("x"), part{name: "sourceSystem", body: []byte("ERP")}, part{name: "sourceDocumentNumber", body: []byte("HT-2026-002")})
		if l := s.mustJSON("GET", "/api/v1/files?sourceSystem=ERP&sourceDocumentNumber=HT-2026-001", nil, 200); l["total"] != json.Number("1") ||
			l["items"].([]any)[0].(map[string]any)["fileKey"] != key {
			t.Fatalf("files of a document: %v", l)
		}
		if l := s.mustJSON("GET", "/api/v1/files?sourceSystem=ERP&limit=1", nil, 200); l["total"] != json.Number("2") || len(l["items"].([]any)) != 1 {
			t.Fatalf("files of a system: %v", l)
		}
		meta := s.mustJSON("GET", "/api/v1/files/"+key+"/meta", nil, 200)
		if meta["sourceDocumentNumber"] != "HT-2026-001" || meta["name"] != "合同 扫描件.pdf" || !strings.HasSuffix(meta["createdTime"].(string), "+08:00") {
			t.Fatalf("meta: %v", meta)
		}

		// Download: the bytes, as an attachment with both file names.
		resp, body := s.get("/api/v1/files/"+key, false)
		cd := resp.Header.Get("Content-Disposition")
		if resp.StatusCode != 200 || !bytes.Equal(body, pdfBytes) || resp.Header.Get("Content-Type") != "application/pdf" ||
			cd != `attachment; filename="__ ___.pdf"; filename*=UTF-8''%E5%90%88%E5%90%8C%20%E6%89%AB%E6%8F%8F%E4%BB%B6.pdf` ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Fatalf("download: %d %q %v", resp.StatusCode, body, resp.Header)
		}
		if resp, body := s.get("/api/v1/files/"+key, false, "Range", "bytes=0-3"); resp.StatusCode != 206 || string(body) != "%PDF" {
			t.Fatalf("range: %d %q", resp.StatusCode, body)
		}
		if resp, _ := s.get("/api/v1/files/"+key, false, "If-None-Match", `"`+key+`"`); resp.StatusCode != 304 {
			t.Fatalf("If-None-Match: %d", resp.StatusCode)
		}
		if resp, body := s.get("/api/v1/files/"+key, false, "Range", "bytes=9999-"); resp.StatusCode != 416 || !strings.Contains(string(body), `"code":"range_not_satisfiable"`) {
			t.Fatalf("unsatisfiable range: %d %s", resp.StatusCode, body)
		}
		if resp, body := s.get("/api/v1/files/"+key, false, "If-Match", `"other"`); resp.StatusCode != 412 || !strings.Contains(string(body), `"code":"precondition_failed"`) {
			t.Fatalf("If-Match of another version: %d %s", resp.StatusCode, body)
		}
		if resp, _ := s.get("/api/v1/files/"+key, true); resp.StatusCode != 401 {
			t.Fatalf("download without credentials: %d", resp.StatusCode)
		}

		// Attachment fields take the fileKey: as a string or {fileKey}, in
		// the main table and in a child row, through REST and H3Yun.
		s.mustCreateForm(fileForm("D000020Doc"))
		png := s.mustUpload("图纸.png", "", pngBytes)["fileKey"].(string)
		rec := s.mustJSON("POST", "/api/v1/forms/D000020Doc/records", map[string]any{"F0000001": "合同", "F0000002": []any{key},
			"D000020DocLines": []map[string]any{{"F0000011": "行", "F0000012": []map[string]any{{"fileKey": png}}}}}, 201)
		att := rec["F0000002"].([]any)[0].(map[string]any)
		if att["fileKey"] != key || att["name"] != "合同 扫描件.pdf" || att["contentType"] != "application/pdf" {
			t.Fatalf("attachment value: %v", rec["F0000002"])
		}
		if row := rec["D000020DocLines"].([]any)[0].(map[string]any); row["F0000012"].([]any)[0].(map[string]any)["name"] != "图纸.png" {
			t.Fatalf("child attachment: %v", row)
		}
		id := rec["ObjectId"].(string)
		if m := s.mustJSON("GET", "/api/v1/files/"+png+"/meta", nil, 200); m["formCode"] != "D000020Doc" || m["objectId"] != id {
			t.Fatalf("owner of a child row's file: %v", m)
		}
		h3 := s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000020Doc", "BizObject": jsonString(map[string]any{"F0000001": "H3", "F0000002": []string{key, png}})})
		bo := s.ok(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000020Doc", "BizObjectId": h3["BizObjectId"]})["BizObject"].(map[string]any)
		if fs := bo["F0000002"].([]any); len(fs) != 2 || fs[1].(map[string]any)["name"] != "图纸.png" {
			t.Fatalf("H3Yun attachment: %v", bo["F0000002"])
		}
		if status, out := s.do("POST", "/api/v1/forms/D000020Doc/records", map[string]any{"F0000002": []any{"0123456789abcdef0123456789abcdef"}}); status != 422 ||
			!strings.Contains(string(out), `"field":"F0000002"`) {
			t.Fatalf("unknown fileKey in an attachment: %d %s", status, out)
		}
		// H3Yun's download serves a REST upload; REST serves an H3Yun upload.
		if status, out := s.do("POST", "/Api/DownloadBizObjectFile", `{"attachmentId":"`+key+`"}`); status != 200 || !bytes.Equal(out, pdfBytes) {
			t.Fatalf("H3Yun download of a REST upload: %d %q", status, out)
		}
		body3, ct := multipartBody(t, part{name: "media", filename: "扫描.png", body: pngBytes})
		status, out = s.do("POST", "/OpenApi/UploadAttachment?SchemaCode=D000020Doc&FilePropertyName=F0000002&BizObjectId="+id, body3, "Content-Type", ct)
		h3key, _ := decode(t, out)["AttachmentId"].(string)
		if status != 200 || h3key == "" {
			t.Fatalf("H3Yun upload: %d %s", status, out)
		}
		if resp, body := s.get("/api/v1/files/"+h3key, false); resp.StatusCode != 200 || !bytes.Equal(body, pngBytes) {
			t.Fatalf("REST download of an H3Yun upload: %d", resp.StatusCode)
		}
		if m := s.mustJSON("GET", "/api/v1/files/"+h3key+"/meta", nil, 200); m["objectId"] != id {
			t.Fatalf("H3Yun upload's owner: %v", m)
		}

		previews(t, s, key, png)
	})
}

// previews opens preview links: images and PDFs inline, anything else as
// an octet-stream attachment; altered and expired links refused.
func previews(t *testing.T, s *server, pdf, png string) {
	html := s.mustUpload("page.html", "text/html", htmlBytes)["fileKey"].(string)
	svg := s.mustUpload("x.svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))["fileKey"].(string)
	fakePNG := s.mustUpload("fake.png", "image/png", htmlBytes)["fileKey"].(string) // declared an image, is HTML
	link := func(key string, body any) (string, map[string]any) {
		m := s.mustJSON("POST", "/api/v1/files/"+key+"/preview-link", body, 200)
		return m["url"].(string), m
	}
	u, m := link(png, nil)
	exp, err := time.Parse(time.RFC3339, m["expiresAt"].(string))
	if err != nil || time.Until(exp) < 9*time.Minute || time.Until(exp) > 10*time.Minute+time.Second || !strings.HasPrefix(u, s.URL+"/api/v1/files/"+png+"/preview?") {
		t.Fatalf("preview link: %v", m)
	}
	for _, c := range []struct {
		key, ct, disp, csp string
		content            []byte
	}{
		{png, "image/png", `inline; filename="__.png"`, "sandbox;", pngBytes},
		{pdf, "application/pdf", `inline; filename="__ ___.pdf"`, "default-src 'none'; object-src 'self'", pdfBytes},
		{html, "application/octet-stream", `attachment; filename="page.html"`, "sandbox;", htmlBytes},
		{svg, "application/octet-stream", `attachment; filename="x.svg"`, "sandbox;", nil},
		{fakePNG, "application/octet-stream", `attachment; filename="fake.png"`, "sandbox;", htmlBytes},
	} {
		u, _ := link(c.key, map[string]any{"expiresIn": 60})
		resp, body := s.get(u, true)
		h := resp.Header
		if resp.StatusCode != 200 || h.Get("Content-Type") != c.ct || !strings.HasPrefix(h.Get("Content-Disposition"), c.disp) ||
			!strings.HasPrefix(h.Get("Content-Security-Policy"), c.csp) || h.Get("X-Content-Type-Options") != "nosniff" ||
			(c.content != nil && !bytes.Equal(body, c.content)) {
			t.Errorf("preview of %s: %d %v", c.key, resp.StatusCode, h)
		}
	}
	// Altered: another file, another expiry, a changed or missing
	// signature — 403; the envelope says so.
	pu, _ := url.Parse(u)
	q := pu.Query()
	for name, path := range map[string]string{
		"other file": "/api/v1/files/" + html + "/preview?" + pu.RawQuery,
		"later":      "/api/v1/files/" + png + "/preview?expires=" + q.Get("expires") + "9&signature=" + q.Get("signature"),
		"signature":  "/api/v1/files/" + png + "/preview?expires=" + q.Get("expires") + "&signature=" + strings.Repeat("A", 43),
		"none":       "/api/v1/files/" + png + "/preview",
	} {
		resp, body := s.get(path, true)
		if code, msg := errCode(t, body); resp.StatusCode != 403 || code != "forbidden" || !strings.Contains(msg, "preview link") {
			t.Errorf("%s: %d %s", name, resp.StatusCode, body)
		}
	}
	short, _ := link(png, map[string]any{"expiresIn": 1})
	time.Sleep(1100 * time.Millisecond)
	if resp, body := s.get(short, true); resp.StatusCode != 410 || !strings.Contains(string(body), `"code":"gone"`) || !strings.Contains(string(body), "expired") {
		t.Errorf("expired link: %d %s", resp.StatusCode, body)
	}
	// A link outlives nothing: once the file is gone, 404.
	gone := s.mustUpload("gone.txt", "", []byte("x"))["fileKey"].(string)
	gu, _ := link(gone, nil)
	if err := s.App.Files.Forget(t.Context(), gone); err != nil {
		t.Fatal(err)
	}
	if resp, _ := s.get(gu, true); resp.StatusCode != 404 {
		t.Errorf("link to a removed file: %d", resp.StatusCode)
	}
}

// TestPreviewLinkOnAnotherNode: a link made on one node opens on another
// that shares the database, the secret key and the bucket.
func TestPreviewLinkOnAnotherNode(t *testing.T) {
	cfg := fileConfig(t, "postgres", "s3")
	a := startServer(t, cfg)
	b := startServer(t, cfg)
	key := a.mustUpload("p.png", "", pngBytes)["fileKey"].(string)
	u := a.mustJSON("POST", "/api/v1/files/"+key+"/preview-link", nil, 200)["url"].(string)
	u = strings.Replace(u, a.URL, b.URL, 1)
	if resp, body := b.get(u, true); resp.StatusCode != 200 || !bytes.Equal(body, pngBytes) {
		t.Fatalf("link of node A on node B: %d", resp.StatusCode)
	}
}
