package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/file"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/wiretext"
)

// The file API (scope files): upload, download, metadata and preview
// links. Who may read a file: engine credentials and tokens without a
// user context, any file; a user (X-User-Id), a file they uploaded or one
// whose owning record (the first to hold it) they may view — any other is
// 404, as if it did not exist. Preview links are read by whoever holds
// them until they expire, with no credentials (files_serve.go).

const filesPath = "/api/v1/files"

// maxSourceText bounds sourceSystem and sourceDocumentNumber.
const maxSourceText = 128

func (s *Server) fileRoutes() []route {
	return []route{
		{"POST", filesPath, s.uploadFile, opDoc{tag: "Files", summary: "Upload a file (multipart/form-data: the file in a part named file; optional fields sourceSystem and sourceDocumentNumber). Streamed to storage; over --max-upload 413. Idempotency-Key does not apply: a repeated upload makes another file, removed later if no record holds it",
			body: "FileUpload", bodyTypes: []string{"multipart/form-data"}, status: 201, resp: "File", stream: true}},
		{"GET", filesPath, s.listFiles, opDoc{tag: "Files", summary: "List files, newest first, e.g. those of one document (with a user context: the files that user uploaded)",
			query: []param{{"sourceSystem", "string", "Only this source system's"}, {"sourceDocumentNumber", "string", "Only this document's"},
				{"offset", "integer", "Rows to skip"}, {"limit", "integer", "Rows to return, 1–500 (default 50)"}},
			status: 200, resp: "FileList"}},
		{"GET", filesPath + "/{fileKey}", s.downloadFile, opDoc{tag: "Files", summary: "Download a file (always as an attachment; Range requests are served)",
			status: 200, more: []int{206, 304}, resp: "binary", errors: []int{404, 412, 416}}},
		{"GET", filesPath + "/{fileKey}/meta", s.fileMeta, opDoc{tag: "Files", summary: "A file's metadata", status: 200, resp: "File", errors: []int{404}}},
		{"POST", filesPath + "/{fileKey}/preview-link", s.previewLink, opDoc{tag: "Files", summary: "A signed link that opens the file in a browser with no credentials until it expires (default 10 minutes, at most --preview-max-ttl); images and PDFs show inline",
			body: "PreviewLinkInput", status: 200, resp: "PreviewLink", errors: []int{404}}},
	}
}

// file is f as answered: its time in the server's zone.
func (z zone) file(f file.File) file.File {
	f.CreatedTime = z.at(f.CreatedTime)
	return f
}

func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return apperr.New(apperr.Malformed, "需要 multipart/form-data 上传, 文件放在名为 file 的部分 (upload the file as multipart/form-data, in a part named file)")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return apperr.Wrap(apperr.Malformed, err, "multipart 格式错误 (the multipart body could not be read)")
	}
	meta := file.Meta{Owner: file.Owner{CreatedBy: a.UserID}}
	var pending *file.Pending
	committed := false
	defer func() {
		if pending != nil && !committed {
			pending.Discard(r.Context())
		}
	}()
	seen := map[string]bool{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return partError(err)
		}
		name := p.FormName()
		if p.FileName() != "" || name == "file" {
			if pending != nil {
				return apperr.Field("file", "一次只能上传一个文件 (upload one file per request)")
			}
			fn := p.FileName()
			if fn == "" {
				return apperr.Field("file", "文件部分缺少 filename (the file part needs a filename)")
			}
			if err := checkText("file", "文件名", "the file name", fn); err != nil {
				return err
			}
			if pending, err = s.deps.Files.Put(r.Context(), p, s.cfg.MaxUpload); err != nil {
				return partError(err)
			}
			meta.Name, meta.ContentType = fn, p.Header.Get("Content-Type")
			continue
		}
		var dst *string
		switch name {
		case "sourceSystem":
			dst = &meta.SourceSystem
		case "sourceDocumentNumber":
			dst = &meta.SourceDocumentNumber
		default:
			return apperr.Field(wiretext.Clip(strings.ToValidUTF8(name, "?")), "未知的表单字段 %q (unknown form field: send file, sourceSystem and sourceDocumentNumber)", wiretext.Clip(strings.ToValidUTF8(name, "?")))
		}
		if seen[name] {
			return apperr.Field(name, "字段 %s 重复 (%s is repeated)", name, name)
		}
		seen[name] = true
		if *dst, err = sourceText(name, p); err != nil {
			return err
		}
	}
	if pending == nil {
		return apperr.Field("file", "没有上传文件 (no file: send it in a part named file, with a filename)")
	}
	f, err := pending.Commit(r.Context(), meta)
	if err != nil {
		return err
	}
	committed = true
	w.Header().Set("Location", filesPath+"/"+f.FileKey)
	writeJSON(w, http.StatusCreated, s.zone.file(f))
	return nil
}

// partError is a multipart read error as the client sees it: too large
// as such, else malformed.
func partError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || apperr.As(err) != nil {
		return err
	}
	return apperr.Wrap(apperr.Malformed, err, "multipart 格式错误 (the multipart body could not be read)")
}

// sourceText reads a short text part.
func sourceText(name string, p io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, 4*maxSourceText+1))
	if err != nil {
		return "", partError(err)
	}
	v := strings.TrimSpace(string(b))
	if err := checkText(name, "字段 "+name, name, v); err != nil {
		return "", err
	}
	if n := len([]rune(v)); n > maxSourceText {
		return "", apperr.Field(name, "%s 最长 %d 个字符 (%s is at most %d characters)", name, maxSourceText, name, maxSourceText)
	}
	return v, nil
}

// readableFile returns file key's metadata if actor may read it, else
// NotFound (see the package comment above).
func (s *Server) readableFile(r *http.Request, a record.Actor, key string) (file.File, error) {
	f, err := s.deps.Files.Get(r.Context(), key)
	if err != nil || a.Subject == nil || f.CreatedBy == a.UserID {
		return f, err
	}
	if f.ObjectID != "" && f.FormCode != "" {
		_, _, err := s.deps.Records.LoadAs(r.Context(), a.Subject, f.FormCode, f.ObjectID)
		if err == nil {
			return f, nil
		}
		if !apperr.Is(err, apperr.NotFound) {
			return f, err
		}
	}
	return file.File{}, apperr.New(apperr.NotFound, "文件不存在: %s (file not found)", key)
}

func (s *Server) listFiles(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	q := file.Query{SourceSystem: r.URL.Query().Get("sourceSystem"), SourceDocumentNumber: r.URL.Query().Get("sourceDocumentNumber")}
	var err error
	if q.Offset, err = intParam(r, "offset", 0); err != nil {
		return err
	}
	if q.Limit, err = limitParam(r); err != nil {
		return err
	}
	if a.Subject != nil {
		q.CreatedBy = a.UserID
	}
	items, total, err := s.deps.Files.List(r.Context(), q)
	if err != nil {
		return err
	}
	for i := range items {
		items[i] = s.zone.file(items[i])
	}
	writeJSON(w, http.StatusOK, list[file.File]{Items: items, Total: total, Offset: q.Offset, Limit: q.Limit})
	return nil
}

func (s *Server) fileMeta(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	f, err := s.readableFile(r, a, r.PathValue("fileKey"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.zone.file(f))
	return nil
}

func (s *Server) downloadFile(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	f, err := s.readableFile(r, a, r.PathValue("fileKey"))
	if err != nil {
		return err
	}
	return s.serveFile(w, r, f, false, "private, no-cache")
}

// previewLinkInput is POST …/preview-link's optional body.
type previewLinkInput struct {
	ExpiresIn json.RawMessage `json:"expiresIn"` // a JSON number, not a string of one
}

func (s *Server) previewLink(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	var in previewLinkInput
	buf, err := readBody(r)
	if err != nil {
		return err
	}
	body := strings.TrimSpace(buf.String())
	bufPool.Put(buf)
	if body != "" {
		if err := decodeObject([]byte(body), &in); err != nil {
			return err
		}
	}
	ttl := s.cfg.PreviewTTL
	if in.ExpiresIn != nil {
		n, err := strconv.ParseInt(string(in.ExpiresIn), 10, 64)
		max := int64(s.cfg.PreviewMaxTTL / time.Second)
		if err != nil || n < 1 || n > max {
			return apperr.Field("expiresIn", "expiresIn 须为 1 到 %d 之间的整数秒 (expiresIn must be a whole number of seconds from 1 to %d)", max, max)
		}
		ttl = time.Duration(n) * time.Second
	}
	f, err := s.readableFile(r, a, r.PathValue("fileKey"))
	if err != nil {
		return err
	}
	exp := time.Now().Add(ttl).Truncate(time.Second)
	expires, sig := s.deps.Files.SignLink(f.FileKey, exp)
	u := s.baseURL(r) + filesPath + "/" + url.PathEscape(f.FileKey) + "/preview?expires=" + expires + "&signature=" + sig
	writeJSON(w, http.StatusOK, map[string]any{"url": u, "expiresAt": s.zone.at(exp), "expiresIn": int64(ttl / time.Second)})
	return nil
}

// baseURL is where the browser reaches this server: --public-url, else
// the scheme and host the request came to.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimSuffix(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// preview serves GET /api/v1/files/{fileKey}/preview: no credentials,
// the link's signature and expiry instead.
func (s *Server) preview(w http.ResponseWriter, r *http.Request) {
	err := checkPath(r, []string{"fileKey"})
	key := r.PathValue("fileKey")
	q := r.URL.Query()
	if err == nil {
		err = s.deps.Files.CheckLink(key, q.Get("expires"), q.Get("signature"), time.Now())
	}
	var f file.File
	if err == nil {
		f, err = s.deps.Files.Get(r.Context(), key)
	}
	if err == nil {
		exp, _ := strconv.ParseInt(q.Get("expires"), 10, 64)
		left := min(time.Until(time.Unix(exp, 0)), 10*time.Minute) / time.Second
		err = s.serveFile(w, r, f, true, "private, max-age="+strconv.FormatInt(int64(left), 10))
	}
	if err != nil {
		writeError(w, r, s.log, err)
	}
}
