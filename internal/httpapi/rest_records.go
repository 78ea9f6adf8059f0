package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/filter"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/record"
)

const recordsPath = "/api/v1/forms/{code}/records"

// bySourcePath addresses a record by the caller's own document id.
const bySourcePath = recordsPath + "/source/{sourceSystem}/{sourceCode}"

func (s *Server) recordRoutes() []route {
	listQuery := []param{
		{"filter", "string", "Filter expression, e.g. `F0000007 > 10 && (Status = 1 || Name ~ \"合同\")` (see docs/filter.md)"},
		{"sort", "string", "Comma-separated field codes, `-` for descending, e.g. `-CreatedTime,Name`"},
		{"offset", "integer", "Rows to skip (default 0)"},
		{"limit", "integer", "Rows to return, 1–500 (default 50)"},
		{"fields", "string", "Comma-separated codes to return (ObjectId always); child tables only when listed"},
		{"count", "boolean", "Also return the total match count (default true)"},
	}
	return []route{
		{"GET", recordsPath, s.listRecords, opDoc{tag: "Records", summary: "List, filter, sort and page records", query: listQuery, status: 200, resp: "RecordList", errors: []int{400, 404, 422}}},
		{"POST", recordsPath, s.createRecord, opDoc{tag: "Records", summary: "Create a record (201; 200 with the existing record when sourceSystem+sourceCode already exist)", query: []param{{"submit", "boolean", "Submit: Effective instead of Draft; required fields are checked"}}, body: "RecordInput", status: 201, more: []int{200}, resp: "Record", errors: []int{403, 404, 409}}},
		{"POST", recordsPath + ":batch", s.batchRecords, opDoc{tag: "Records", summary: "Create up to 500 records, all or nothing", body: "BatchInput", status: 201, resp: "BatchResult", errors: []int{400, 403, 404, 409, 422}}},
		{"GET", recordsPath + "/{id}", s.getRecord, opDoc{tag: "Records", summary: "Get a record with its child rows (ETag: its version)", status: 200, resp: "Record", errors: []int{404}}},
		{"PATCH", recordsPath + "/{id}", s.patchRecord, opDoc{tag: "Records", summary: "Change the fields sent; a child table sent replaces its rows row-wise. If-Match: <version> guards against lost updates (409 on mismatch)", body: "RecordInput", status: 200, resp: "Record", errors: []int{400, 403, 404, 409, 422}}},
		{"GET", bySourcePath, s.bySource(s.getRecord), opDoc{tag: "Records", summary: "Get the record whose sourceSystem and sourceCode are these", status: 200, resp: "Record", errors: []int{404}}},
		{"PATCH", bySourcePath, s.bySource(s.patchRecord), opDoc{tag: "Records", summary: "Change the record whose sourceSystem and sourceCode are these (as PATCH …/records/{id})", body: "RecordInput", status: 200, resp: "Record", errors: []int{400, 403, 404, 409, 422}}},
		{"DELETE", bySourcePath, s.bySource(s.deleteRecord), opDoc{tag: "Records", summary: "Delete the record whose sourceSystem and sourceCode are these", status: 204, errors: []int{403, 404}}},
		{"DELETE", recordsPath + "/{id}", s.deleteRecord, opDoc{tag: "Records", summary: "Delete a record and its child rows", status: 204, errors: []int{403, 404}}},
	}
}

func (s *Server) restEncoder(p *record.Projection) *record.Encoder {
	return &record.Encoder{Codec: s.deps.Records.Codec(), Flavor: form.REST, Proj: p}
}

func (s *Server) writeRecord(w http.ResponseWriter, status int, o *record.Object, p *record.Projection) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	b := s.restEncoder(p).Append(buf.AvailableBuffer(), o)
	w.Header().Set("ETag", `"`+strconv.FormatInt(o.Sys.Version, 10)+`"`)
	writeRaw(w, status, b)
}

func (s *Server) listRecords(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	q, err := recordQuery(r, a)
	if err != nil {
		return err
	}
	qs := r.URL.Query()
	offset, err := intParam(r, "offset", 0)
	if err != nil {
		return err
	}
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	count := true
	if qs.Get("count") != "" {
		if count, err = boolParam(r, "count"); err != nil {
			return err
		}
	}
	q.Offset, q.Limit, q.Count = offset, limit, count
	page, err := s.deps.Records.List(r.Context(), r.PathValue("code"), q)
	if err != nil {
		return err
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	enc := s.restEncoder(page.Projection)
	b := append(buf.AvailableBuffer(), `{"items":[`...)
	for i, o := range page.Objects {
		if i > 0 {
			b = append(b, ',')
		}
		b = enc.Append(b, o)
	}
	b = append(b, ']')
	if page.Total >= 0 {
		b = append(b, `,"total":`...)
		b = strconv.AppendInt(b, page.Total, 10)
	}
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, int64(offset), 10)
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(limit), 10)
	writeRaw(w, http.StatusOK, append(b, '}'))
	return nil
}

// recordQuery reads the filter, sort and fields a list (or an export)
// selects for actor.
func recordQuery(r *http.Request, a record.Actor) (record.Query, error) {
	qs := r.URL.Query()
	node, err := filter.Parse(qs.Get("filter"))
	if err != nil {
		return record.Query{}, err
	}
	sorts, err := filter.ParseSort(qs.Get("sort"))
	if err != nil {
		return record.Query{}, err
	}
	var fields []string
	if f := qs.Get("fields"); f != "" {
		fields = strings.Split(f, ",")
	}
	return record.Query{Filter: node, Sort: sorts, Fields: fields, Subject: a.Subject}, nil
}

func (s *Server) createRecord(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	submit, err := boolParam(r, "submit")
	if err != nil {
		return err
	}
	var data record.Data
	if err := decodeBody(r, &data); err != nil {
		return err
	}
	code := r.PathValue("code")
	res, err := s.deps.Records.Create(r.Context(), a, code, data, record.CreateOptions{Submit: submit})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if res.Existing {
		status = http.StatusOK
	} else {
		w.Header().Set("Location", "/api/v1/forms/"+code+"/records/"+res.ID)
	}
	return s.answerRecord(w, r, a, status, code, res.ID)
}

// answerRecord writes the object id as the actor may see it after their
// write: with their hidden fields left out, or only its ObjectId when
// their grants let them write but not view it.
func (s *Server) answerRecord(w http.ResponseWriter, r *http.Request, a record.Actor, status int, code, id string) error {
	o, p, err := s.deps.Records.LoadAs(r.Context(), a.Subject, code, id)
	if a.Subject != nil && apperr.Is(err, apperr.NotFound) {
		writeRaw(w, status, append(form.AppendString([]byte(`{"ObjectId":`), id), '}'))
		return nil
	}
	if err != nil {
		return err
	}
	s.writeRecord(w, status, o, p)
	return nil
}

type batchInput struct {
	Items  json.RawMessage `json:"items"`
	Submit bool            `json:"submit"`
}

func (s *Server) batchRecords(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	var in batchInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	var arr []any
	if kind := jsonKind(in.Items); kind == "" {
		return apperr.Field("items", "缺少 items (items is required: an array of objects)")
	} else if kind != "array" {
		zh, en := valueWords(kind)
		return apperr.Field("items", "items 需要对象数组, 收到%s (items must be an array of objects, not %s)", zh, en)
	}
	if err := decodeStrict(in.Items, &arr); err != nil {
		return decodeError(err, doc{"items", "items"})
	}
	items := make([]record.Data, len(arr))
	for i, it := range arr {
		m, ok := it.(map[string]any)
		if !ok {
			zh, en := valueWords(kindOf(it))
			return apperr.Field("items", "items 第%d个元素需要 JSON 对象, 收到%s (items[%d] must be a JSON object, not %s)", i+1, zh, i, en)
		}
		items[i] = m
	}
	res, err := s.deps.Records.CreateBatch(r.Context(), a, r.PathValue("code"), items, record.CreateOptions{Submit: in.Submit})
	if err != nil {
		return err
	}
	type item struct {
		ID       string `json:"id"`
		Existing bool   `json:"existing,omitempty"`
	}
	out := struct {
		Items []item `json:"items"`
	}{Items: make([]item, len(res))}
	for i, c := range res {
		out.Items[i] = item{c.ID, c.Existing}
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) getRecord(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	o, p, err := s.deps.Records.LoadAs(r.Context(), a.Subject, r.PathValue("code"), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeRecord(w, http.StatusOK, o, p)
	return nil
}

// bySource runs h on the record the path's sourceSystem and sourceCode
// name (as the actor may see it: out of view is not found).
func (s *Server) bySource(h restHandler) restHandler {
	return func(w http.ResponseWriter, r *http.Request, a record.Actor) error {
		id, err := s.deps.Records.BySource(r.Context(), a.Subject, r.PathValue("code"), r.PathValue("sourceSystem"), r.PathValue("sourceCode"))
		if err != nil {
			return err
		}
		r.SetPathValue("id", id)
		return h(w, r, a)
	}
}

// ifMatch reads If-Match: "3", W/"3" or 3.
func ifMatch(r *http.Request) (int64, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" {
		return 0, nil
	}
	v = strings.Trim(strings.TrimPrefix(v, "W/"), `"`)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, apperr.Field("If-Match", "If-Match 需要记录版本号, 收到 %q (If-Match must carry the record version from its ETag)", r.Header.Get("If-Match"))
	}
	return n, nil
}

func (s *Server) patchRecord(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	ver, err := ifMatch(r)
	if err != nil {
		return err
	}
	var data record.Data
	if err := decodeBody(r, &data); err != nil {
		return err
	}
	code, id := r.PathValue("code"), r.PathValue("id")
	if _, err := s.deps.Records.Update(r.Context(), a, code, id, data, record.UpdateOptions{IfVersion: ver}); err != nil {
		return err
	}
	return s.answerRecord(w, r, a, http.StatusOK, code, id)
}

func (s *Server) deleteRecord(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	if err := s.deps.Records.Remove(r.Context(), a, r.PathValue("code"), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
