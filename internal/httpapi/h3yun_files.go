package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/file"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/record"
)

// upload serves POST /OpenApi/UploadAttachment: one file part, any part
// name, attached to the object (or child row) named in the query.
func (h *h3yun) upload(w http.ResponseWriter, r *http.Request) {
	actor, err := h.s.authenticate(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ref, err := h.receive(r, actor)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b := []byte(`{"Successful":true,"ErrorMessage":null,"Logined":false,"ReturnData":{"AttachmentId":`)
	b = form.AppendString(b, ref.FileKey)
	b = append(b, `},"DataType":0,"AttachmentId":`...)
	b = form.AppendString(b, ref.FileKey)
	b = append(b, '}')
	writeRaw(w, http.StatusOK, b)
}

func (h *h3yun) receive(r *http.Request, actor record.Actor) (form.FileRef, error) {
	q := queryCI(r.URL.Query())
	code, field, id, child := q("SchemaCode"), q("FilePropertyName"), q("BizObjectId"), q("ChildSchemaCode")
	switch {
	case code == "" && child == "":
		return form.FileRef{}, apperr.Field("SchemaCode", "缺少 SchemaCode (SchemaCode is required)")
	case field == "":
		return form.FileRef{}, apperr.Field("FilePropertyName", "缺少 FilePropertyName (FilePropertyName is required)")
	case id == "":
		return form.FileRef{}, apperr.Field("BizObjectId", "缺少 BizObjectId (BizObjectId is required)")
	}
	recs := h.s.deps.Records
	// Check the target before storing anything.
	if err := recs.CheckAttachTarget(r.Context(), code, child, id, field); err != nil {
		return form.FileRef{}, err
	}
	part, err := filePart(r)
	if err != nil {
		return form.FileRef{}, err
	}
	defer part.Close()
	if err := checkText("filename", "文件名", "the file name", part.FileName()); err != nil {
		return form.FileRef{}, err
	}
	ref, err := h.s.deps.Files.Save(r.Context(), part.FileName(), part.Header.Get("Content-Type"), part, h.s.cfg.MaxUpload,
		file.Owner{FieldCode: field, CreatedBy: actor.UserID}) // AttachFile makes the object its owner
	if err != nil {
		return form.FileRef{}, err
	}
	if err := recs.AttachFile(r.Context(), actor, code, child, id, field, ref); err != nil {
		h.s.deps.Files.Forget(context.WithoutCancel(r.Context()), ref.FileKey)
		return form.FileRef{}, err
	}
	return ref, nil
}

// filePart returns the first part that carries a file name (or, failing
// that, the first part): clients name it media, file_data, file, ….
func filePart(r *http.Request) (*multipart.Part, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return nil, apperr.New(apperr.Malformed, "需要 multipart/form-data 上传 (upload the file as multipart/form-data)")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, apperr.Wrap(apperr.Malformed, err, "multipart 格式错误 (the multipart body could not be read)")
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, apperr.New(apperr.Invalid, "没有上传文件 (no file part in the upload)")
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		if err != nil {
			return nil, apperr.Wrap(apperr.Malformed, err, "multipart 格式错误 (the multipart body could not be read)")
		}
		if p.FileName() != "" {
			return p, nil
		}
		p.Close()
	}
}

// queryCI reads query parameters by case-insensitive name.
func queryCI(v url.Values) func(string) string {
	return func(name string) string {
		if s := v.Get(name); s != "" {
			return strings.TrimSpace(s)
		}
		for k, vals := range v {
			if strings.EqualFold(k, name) && len(vals) > 0 {
				return strings.TrimSpace(vals[0])
			}
		}
		return ""
	}
}

// download serves POST /Api/DownloadBizObjectFile: attachmentId in a
// form-urlencoded or JSON body (or the query). An unknown id answers 200
// with the body 文件不存在！, as H3Yun does.
func (h *h3yun) download(w http.ResponseWriter, r *http.Request) {
	if _, err := h.s.authenticate(r); err != nil {
		h.fail(w, r, err)
		return
	}
	id, err := attachmentID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ref, rc, err := h.s.deps.Files.Open(r.Context(), id)
	if apperr.Is(err, apperr.NotFound) || id == "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("文件不存在！"))
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer rc.Close()
	hd := w.Header()
	hd.Set("Content-Type", ref.ContentType)
	hd.Set("Content-Length", strconv.FormatInt(ref.Size, 10))
	hd.Set("Content-Disposition", "attachment;filename="+strings.ReplaceAll(url.QueryEscape(ref.Name), "+", "%20"))
	io.Copy(w, rc)
}

func attachmentID(r *http.Request) (string, error) {
	if id := queryCI(r.URL.Query())("attachmentId"); id != "" {
		return id, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return "", apperr.Wrap(apperr.Malformed, err, "请求格式错误: multipart 表单无法读取 (the multipart form could not be read)")
		}
		id := queryCI(r.PostForm)("attachmentId")
		return id, checkText("attachmentId", "参数 attachmentId", "attachmentId", id)
	}
	buf, err := readBody(r)
	if err != nil {
		return "", err
	}
	defer bufPool.Put(buf)
	if ct == "application/x-www-form-urlencoded" {
		if err := checkQuery(buf.String()); err != nil {
			return "", err
		}
		vals, _ := url.ParseQuery(buf.String()) // checked above
		return queryCI(vals)("attachmentId"), nil
	}
	var body map[string]json.RawMessage
	if buf.Len() > 0 {
		if err := decodeLenient(buf.Bytes(), &body); err != nil {
			return "", decodeError(err, doc{"请求格式错误: 请求体", "the body"})
		}
	}
	for k, v := range body {
		if strings.EqualFold(k, "attachmentId") {
			s, err := flexStr(v, "attachmentId")
			return strings.TrimSpace(s), err
		}
	}
	return "", nil
}
