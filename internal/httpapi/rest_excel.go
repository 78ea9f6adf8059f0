package httpapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sheet"
)

// Excel export and import of records (docs/excel.md); the mapping
// between records and sheets is package sheet's.

const pathImport = recordsPath + ":import"

func (s *Server) excelRoutes() []route {
	if s.deps.Sheets == nil {
		return nil
	}
	exportQuery := []param{
		{"filter", "string", "As for the record list: which records (see docs/filter.md)"},
		{"sort", "string", "As for the record list, e.g. `-CreatedTime,Name`"},
		{"fields", "string", "As for the record list: the columns (ObjectId always); child tables, each a sheet, only when listed"},
	}
	importQuery := []param{
		{"dryRun", "boolean", "Validate every row as the write would and write nothing (default false)"},
		{"mode", "string", "atomic (default): every row or none; rows: each good row is written, each bad one reported"},
		{"submit", "boolean", "Create the new records submitted (Effective; on a workflow form its approval starts) instead of as drafts"},
	}
	return []route{
		{"GET", recordsPath + ":export", s.exportRecords, opDoc{tag: "Records", summary: "Export the records a list would return to an .xlsx workbook (a sheet per child table), streamed page by page; users need the export grant too", query: exportQuery, status: 200, resp: "xlsx", errors: []int{403, 404}}},
		{"GET", recordsPath + ":import-template", s.importTemplate, opDoc{tag: "Records", summary: "An empty .xlsx workbook with the import layout: notes on required fields, lists for select options", status: 200, resp: "xlsx", errors: []int{404}}},
		{"POST", pathImport, s.importRecords, opDoc{tag: "Records", summary: "Import an .xlsx workbook (raw body or multipart part file): rows with an ObjectId update, rows without create; per-row errors with sheet, row and column", query: importQuery, body: "xlsx", status: 200, resp: "ImportResult", errors: []int{403, 404}, enums: map[string][]string{"mode": {"atomic", "rows"}}, stream: true}},
	}
}

func (s *Server) exportRecords(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	q, err := recordQuery(r, a)
	if err != nil {
		return err
	}
	wb, err := s.deps.Sheets.Export(r.Context(), r.PathValue("code"), q)
	if err != nil {
		return err
	}
	s.sendWorkbook(w, wb, "")
	return nil
}

func (s *Server) importTemplate(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	wb, err := s.deps.Sheets.Template(r.Context(), a.Subject, r.PathValue("code"))
	if err != nil {
		return err
	}
	s.sendWorkbook(w, wb, "-template")
	return nil
}

// sendWorkbook answers with wb as a download named "<form name><suffix>-
// <yyyymmdd>.xlsx" (UTF-8, in filename*), or "<form code><suffix>-…" for
// clients that read only the ASCII filename.
func (s *Server) sendWorkbook(w http.ResponseWriter, wb *sheet.Workbook, suffix string) {
	code, name := wb.FormCode, wb.FormName
	if name == "" {
		name = code
	}
	day := time.Now().In(s.deps.Records.Codec().Loc).Format("20060102")
	_, utf8Name, _ := strings.Cut(contentDisposition("attachment", name+suffix+"-"+day+".xlsx"), "; filename*=")
	h := w.Header()
	h.Set("Content-Type", sheet.ContentType)
	h.Set("Content-Disposition", `attachment; filename="`+code+suffix+"-"+day+`.xlsx"; filename*=`+utf8Name)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if _, err := wb.WriteTo(w); err != nil {
		s.log.Warn("send workbook", "err", err) // the status has gone out; the client sees a cut download
	}
}

func (s *Server) importRecords(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	dry, err := boolParam(r, "dryRun")
	if err != nil {
		return err
	}
	submit, err := boolParam(r, "submit")
	if err != nil {
		return err
	}
	mode := sheet.Mode(r.URL.Query().Get("mode"))
	switch mode {
	case "":
		mode = sheet.Atomic
	case sheet.Atomic, sheet.Rows:
	default:
		return apperr.Field("mode", "参数 mode 需要 atomic 或 rows, 收到 %q (mode must be atomic or rows)", string(mode))
	}
	body, err := workbookBody(r)
	if err != nil {
		return err
	}
	res, err := s.deps.Sheets.Import(r.Context(), a, r.PathValue("code"), bytes.NewReader(body), sheet.Options{DryRun: dry, Mode: mode, Submit: submit})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// workbookBody reads the upload: the raw body, or the part named file of
// a multipart body.
func workbookBody(r *http.Request) ([]byte, error) {
	var src io.Reader = r.Body
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, partError(err)
		}
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil, apperr.Field("file", "没有上传文件 (no file: send the workbook in a part named file, or as the raw body)")
			}
			if err != nil {
				return nil, partError(err)
			}
			if p.FormName() == "file" {
				src = p
				break
			}
		}
	}
	b, err := io.ReadAll(src)
	if err != nil {
		return nil, partError(err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, apperr.Field("file", "请求体为空, 需要 .xlsx 工作簿 (the body is empty: send an .xlsx workbook)")
	}
	return b, nil
}

// isSheet reports whether path is an Excel export or import, which may
// take longer than other requests.
func isSheet(path string) bool {
	return strings.HasPrefix(path, "/api/v1/forms/") && (strings.HasSuffix(path, "/records:import") || strings.HasSuffix(path, "/records:export"))
}

// isImport reports whether path is an import, whose body may be as large
// as an upload.
func isImport(path string) bool {
	return strings.HasPrefix(path, "/api/v1/forms/") && strings.HasSuffix(path, "/records:import")
}

// excelSchemas are the OpenAPI schemas of the Excel routes.
func excelSchemas() obj {
	str := obj{"type": "string"}
	num := obj{"type": "integer"}
	return obj{
		"ImportResult": obj{"type": "object", "required": []string{"dryRun", "mode", "written", "total", "created", "updated", "failed", "errors"}, "properties": obj{
			"dryRun":  obj{"type": "boolean"},
			"mode":    obj{"type": "string", "enum": []string{"atomic", "rows"}},
			"written": obj{"type": "boolean", "description": "Whether anything was written (false on a dry run, and in atomic mode when a row was refused)"},
			"total":   obj{"type": "integer", "description": "Rows on the main sheet"},
			"created": num, "updated": num,
			"failed": obj{"type": "integer", "description": "Main-sheet rows refused"},
			"errors": obj{"type": "array", "items": obj{"type": "object", "required": []string{"sheet", "row", "message"}, "properties": obj{
				"sheet": str, "row": obj{"type": "integer", "description": "As Excel numbers it"},
				"column": obj{"type": "string", "description": "The column letter, when one cell is at fault"},
				"field":  obj{"type": "string", "description": "The field code (<child>.<field> on a child sheet)"}, "message": str,
			}}},
		}},
	}
}

// xlsxContent is the OpenAPI content of a workbook.
func xlsxContent() obj {
	return obj{sheet.ContentType: obj{"schema": obj{"type": "string", "format": "binary"}}}
}
