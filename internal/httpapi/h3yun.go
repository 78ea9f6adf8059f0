package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/filter"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/wiretext"
)

// h3yun serves the H3Yun-compatible endpoints (spec/h3yun-openapi.md).
// Application errors are HTTP 200 with Successful:false: the reference
// clients throw away the body of any other status.
type h3yun struct{ s *Server }

// invokeRequest is the /OpenApi/Invoke body. encoding/json matches keys
// case-insensitively, as Newtonsoft.Json did. Every member is read raw and
// then by name, so a value of the wrong type is refused naming its key.
type invokeRequest struct {
	ActionName     json.RawMessage
	SchemaCode     json.RawMessage
	BizObjectId    json.RawMessage
	BizObject      json.RawMessage
	BizObjectArray json.RawMessage
	Filter         json.RawMessage
	IsSubmit       json.RawMessage
	Controller     json.RawMessage

	raw                            []byte // the whole body: a custom action's parameters
	action, schema, id, controller string // the string members, read
}

// invokeDoc names the Invoke body in messages.
var invokeDoc = doc{"请求格式错误: 请求体", "the body"}

// read decodes body into req.
func (req *invokeRequest) read(body []byte) error {
	req.raw = body
	if err := decodeLenient(body, req); err != nil {
		return decodeError(err, invokeDoc)
	}
	if kind := jsonKind(body); kind != "object" {
		return notObject(kind, invokeDoc)
	}
	var err error
	for _, m := range []struct {
		name string
		raw  json.RawMessage
		dst  *string
	}{
		{"ActionName", req.ActionName, &req.action}, {"SchemaCode", req.SchemaCode, &req.schema},
		{"BizObjectId", req.BizObjectId, &req.id}, {"Controller", req.Controller, &req.controller},
	} {
		if *m.dst, err = flexStr(m.raw, m.name); err != nil {
			return err
		}
	}
	return nil
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readBody reads the whole body into a pooled buffer; release it with
// bufPool.Put after use.
func readBody(r *http.Request) (*bytes.Buffer, error) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	if _, err := buf.ReadFrom(r.Body); err != nil {
		bufPool.Put(buf)
		return nil, err
	}
	return buf, nil
}

func (h *h3yun) invoke(w http.ResponseWriter, r *http.Request) {
	buf, err := readBody(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer bufPool.Put(buf)
	var req invokeRequest
	if err := req.read(buf.Bytes()); err != nil {
		h.fail(w, r, err)
		return
	}
	if sw, ok := w.(*statusWriter); ok {
		sw.action = actionLabel(req.action)
	}
	actor, tok, err := h.s.authenticateREST(r)
	if err == nil {
		// Ours: a bearer token works here too, with scope records:read to
		// load and records:write for the rest (custom actions included).
		scope := auth.ScopeRecordsWrite
		if strings.HasPrefix(strings.ToLower(req.action), "load") {
			scope = auth.ScopeRecordsRead
		}
		if err = checkScope(tok, scope); err == nil {
			r = withCaller(r, tok, scope)
			// Ours: the REST user context headers work here too, and the
			// call then obeys that user's permissions (docs/permissions.md).
			actor, err = h.s.userContext(r, actor)
		}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(out)
	out.Reset()
	data, err := h.dispatch(r, actor, &req, out.AvailableBuffer())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeEnvelope(w, data)
}

// actionLabel is the ActionName as metrics show it: its canonical spelling,
// "" when missing, "other" when unknown (the label set stays bounded).
func actionLabel(name string) string {
	if name == "" {
		return ""
	}
	for _, a := range [...]string{"LoadBizObject", "LoadBizObjects", "CreateBizObject", "CreateBizObjects", "UpdateBizObject", "RemoveBizObject"} {
		if strings.EqualFold(a, name) {
			return a
		}
	}
	return "other"
}

// dispatch runs the action and appends its ReturnData to b.
func (h *h3yun) dispatch(r *http.Request, actor record.Actor, req *invokeRequest, b []byte) ([]byte, error) {
	action := req.action
	switch strings.ToLower(action) {
	case "loadbizobject":
		return h.load(r, actor, req, b)
	case "loadbizobjects":
		return h.loadMany(r, actor, req, b)
	case "createbizobject":
		return h.create(r, actor, req, b)
	case "createbizobjects":
		return h.createMany(r, actor, req, b)
	case "updatebizobject":
		return h.update(r, actor, req, b)
	case "removebizobject":
		return h.remove(r, actor, req, b)
	case "":
		return nil, apperr.Field("ActionName", "缺少 ActionName (ActionName is required)")
	}
	if req.controller != "" {
		return h.custom(r, actor, req, b)
	}
	return nil, apperr.Field("ActionName", "未知的 ActionName: %s (unknown action; one of LoadBizObject, LoadBizObjects, CreateBizObject, CreateBizObjects, UpdateBizObject, RemoveBizObject)", action)
}

func schema(req *invokeRequest) (string, error) {
	if req.schema == "" {
		return "", apperr.Field("SchemaCode", "缺少 SchemaCode (SchemaCode is required)")
	}
	return req.schema, nil
}

// target returns the SchemaCode and BizObjectId an action works on.
func target(req *invokeRequest) (code, id string, err error) {
	if code, err = schema(req); err != nil {
		return "", "", err
	}
	if id = strings.TrimSpace(req.id); id == "" {
		return "", "", apperr.Field("BizObjectId", "缺少 BizObjectId (BizObjectId is required)")
	}
	return code, id, nil
}

func (h *h3yun) encoder(proj *record.Projection) *record.Encoder {
	return &record.Encoder{Codec: h.s.deps.Records.Codec(), Flavor: form.H3Yun, Proj: proj}
}

func (h *h3yun) load(r *http.Request, actor record.Actor, req *invokeRequest, b []byte) ([]byte, error) {
	code, id, err := target(req)
	if err != nil {
		return nil, err
	}
	o, proj, err := h.s.deps.Records.LoadAs(r.Context(), actor.Subject, code, id)
	if err != nil {
		return nil, err
	}
	b = append(b, `{"BizObject":`...)
	b = h.encoder(proj).Append(b, o)
	return append(b, '}'), nil
}

// bizObject decodes BizObject (a JSON string, or an object).
func bizObject(raw json.RawMessage, field string) (record.Data, error) {
	d := doc{field + "格式错误: " + field, field}
	v, err := embedded(raw)
	if err != nil {
		return nil, decodeError(err, d)
	}
	if v == nil {
		return nil, apperr.Field(field, "缺少 %s (%s is required)", field, field)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, notObject(kindOf(v), d)
	}
	return m, nil
}

func isSubmit(req *invokeRequest) (bool, error) {
	v, ok := parseFlexBool(req.IsSubmit)
	if !ok {
		return false, apperr.Field("IsSubmit", "IsSubmit 需要 true 或 false, 收到 %s (IsSubmit must be true or false)", wiretext.Clip(string(req.IsSubmit)))
	}
	return v, nil
}

func (h *h3yun) create(r *http.Request, actor record.Actor, req *invokeRequest, b []byte) ([]byte, error) {
	code, err := schema(req)
	if err != nil {
		return nil, err
	}
	data, err := bizObject(req.BizObject, "BizObject")
	if err != nil {
		return nil, err
	}
	submit, err := isSubmit(req)
	if err != nil {
		return nil, err
	}
	res, err := h.s.deps.Records.Create(r.Context(), actor, code, data, record.CreateOptions{Submit: submit})
	if err != nil {
		return nil, err
	}
	b = append(b, `{"BizObjectId":`...)
	b = form.AppendString(b, res.ID)
	b = append(b, `,"WorkflowInstanceId":`...)
	b = form.AppendString(b, res.WorkflowInstanceID)
	return append(b, '}'), nil
}

func (h *h3yun) createMany(r *http.Request, actor record.Actor, req *invokeRequest, b []byte) ([]byte, error) {
	code, err := schema(req)
	if err != nil {
		return nil, err
	}
	v, err := embedded(req.BizObjectArray)
	if err != nil {
		return nil, decodeError(err, doc{"BizObjectArray格式错误: BizObjectArray", "BizObjectArray"})
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, apperr.Field("BizObjectArray", "BizObjectArray 需要数组 (BizObjectArray must be an array of objects or JSON strings)")
	}
	if len(arr) > record.MaxBatch {
		return nil, apperr.Field("BizObjectArray", "一次最多创建 %d 个对象, 收到 %d (at most %d objects per call)", record.MaxBatch, len(arr), record.MaxBatch)
	}
	items := make([]record.Data, len(arr))
	for i, it := range arr {
		if s, ok := it.(string); ok {
			raw, _ := json.Marshal(s)
			it, err = embedded(raw)
			if err != nil {
				return nil, decodeError(err, doc{fmt.Sprintf("BizObjectArray 第%d个对象格式错误: 第%d个对象", i+1, i+1), fmt.Sprintf("BizObjectArray[%d]", i)})
			}
		}
		m, ok := it.(map[string]any)
		if !ok {
			zh, en := valueWords(kindOf(it))
			return nil, apperr.Field("BizObjectArray", "BizObjectArray 第%d个元素需要 JSON 对象, 收到%s (BizObjectArray[%d] must be a JSON object or a string holding one, not %s)", i+1, zh, i, en)
		}
		items[i] = m
	}
	submit, err := isSubmit(req)
	if err != nil {
		return nil, err
	}
	res, err := h.s.deps.Records.CreateBatch(r.Context(), actor, code, items, record.CreateOptions{Submit: submit})
	if err != nil {
		return nil, err
	}
	b = append(b, `{"BizObjectIdArray":[`...)
	for i, c := range res {
		if i > 0 {
			b = append(b, ',')
		}
		b = form.AppendString(b, c.ID)
	}
	return append(b, "]}"...), nil
}

func (h *h3yun) update(r *http.Request, actor record.Actor, req *invokeRequest, b []byte) ([]byte, error) {
	code, id, err := target(req)
	if err != nil {
		return nil, err
	}
	data, err := bizObject(req.BizObject, "BizObject")
	if err != nil {
		return nil, err
	}
	if _, err := h.s.deps.Records.Update(r.Context(), actor, code, id, data, record.UpdateOptions{}); err != nil {
		return nil, err
	}
	return append(b, "{}"...), nil
}

func (h *h3yun) remove(r *http.Request, actor record.Actor, req *invokeRequest, b []byte) ([]byte, error) {
	code, id, err := target(req)
	if err != nil {
		return nil, err
	}
	if err := h.s.deps.Records.Remove(r.Context(), actor, code, id); err != nil {
		return nil, err
	}
	return append(b, "{}"...), nil
}

// fail writes err as an envelope error (HTTP 200), except for what is not
// an Invoke at all: an oversized body.
func (h *h3yun) fail(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(w, r, h.s.log, err)
		return
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = apperr.New(apperr.Malformed, "请求体不完整 (incomplete request body)")
	}
	ae := toAPIError(r, h.s.log, err)
	writeEnvelopeError(w, ae.message)
}

// writeEnvelope writes a success envelope around data (non-null ReturnData,
// keys in the documented order).
func writeEnvelope(w http.ResponseWriter, data []byte) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	buf.WriteString(`{"Successful":true,"ErrorMessage":null,"Logined":false,"ReturnData":`)
	buf.Write(data)
	buf.WriteString(`,"DataType":0}`)
	writeRaw(w, http.StatusOK, buf.Bytes())
}

func writeEnvelopeError(w http.ResponseWriter, msg string) {
	b := []byte(`{"Successful":false,"ErrorMessage":`)
	b = form.AppendString(b, msg)
	b = append(b, `,"Logined":false,"ReturnData":null,"DataType":0}`...)
	writeRaw(w, http.StatusOK, b)
}

// loadMany serves LoadBizObjects.
func (h *h3yun) loadMany(r *http.Request, actor record.Actor, req *invokeRequest, b []byte) ([]byte, error) {
	code, err := schema(req)
	if err != nil {
		return nil, err
	}
	q, empty, err := parseH3Filter(req.Filter)
	if err != nil {
		return nil, err
	}
	if empty {
		// ToRowNum <= FromRowNum: no rows, but a requested count still counts.
		q.Limit = 1
	}
	q.Subject = actor.Subject
	page, err := h.s.deps.Records.List(r.Context(), code, q)
	if err != nil {
		return nil, err
	}
	objs := page.Objects
	if empty {
		objs = nil
	}
	total := page.Total
	if !q.Count {
		total = int64(len(objs))
	}
	enc := h.encoder(page.Projection)
	b = append(b, `{"BizObjectArray":[`...)
	for i, o := range objs {
		if i > 0 {
			b = append(b, ',')
		}
		b = enc.Append(b, o)
	}
	b = append(b, `],"TotalCount":`...)
	b = strconv.AppendInt(b, total, 10)
	return append(b, '}'), nil
}

// h3Filter is the LoadBizObjects Filter; every member arrives in more than
// one shape from real clients.
type h3Filter struct {
	FromRowNum       json.RawMessage
	ToRowNum         json.RawMessage
	RequireCount     json.RawMessage
	ReturnItems      json.RawMessage
	SortByCollection json.RawMessage
	Matcher          json.RawMessage
}

// filterDoc names the Filter in messages.
var filterDoc = doc{"Filter格式错误: Filter", "the Filter"}

func filterErr(format string, args ...any) error {
	return apperr.New(apperr.Malformed, "Filter格式错误: "+format, args...)
}

// parseH3Filter turns a Filter into a query; empty reports a page that
// must be empty (ToRowNum <= FromRowNum).
func parseH3Filter(raw json.RawMessage) (record.Query, bool, error) {
	q := record.Query{Limit: record.MaxPage}
	text, err := embeddedText(raw)
	if err != nil {
		return q, false, decodeError(err, filterDoc)
	}
	if text == nil {
		return q, false, nil
	}
	var f h3Filter // keys match case-insensitively
	if err := decodeLenient(text, &f); err != nil {
		return q, false, decodeError(err, filterDoc)
	}
	if kind := jsonKind(text); kind != "object" {
		return q, false, notObject(kind, filterDoc)
	}
	from, _, ok := parseFlexInt(f.FromRowNum)
	if !ok || from < 0 {
		return q, false, filterErr("FromRowNum 需要非负整数, 收到 %s (FromRowNum must be a non-negative integer)", wiretext.Clip(string(f.FromRowNum)))
	}
	to, toSet, ok := parseFlexInt(f.ToRowNum)
	if !ok {
		return q, false, filterErr("ToRowNum 需要整数, 收到 %s (ToRowNum must be an integer)", wiretext.Clip(string(f.ToRowNum)))
	}
	if !toSet || to-from > record.MaxPage {
		to = from + record.MaxPage // "最大一次性加载500条"
	}
	q.Offset, q.Limit = int(from), int(to-from)
	if q.Count, ok = parseFlexBool(f.RequireCount); !ok {
		return q, false, filterErr("RequireCount 需要 true 或 false, 收到 %s (RequireCount must be true or false)", wiretext.Clip(string(f.RequireCount)))
	}
	if q.Fields, err = parseReturnItems(f.ReturnItems); err != nil {
		return q, false, err
	}
	if q.Sort, err = parseSortCollection(f.SortByCollection); err != nil {
		return q, false, err
	}
	m, err := embedded(f.Matcher)
	if err != nil {
		return q, false, decodeError(err, doc{"Filter格式错误: Matcher", "the Matcher"})
	}
	if q.Filter, err = filter.ParseMatcher(m); err != nil {
		return q, false, err
	}
	return q, to <= from, nil
}

func parseReturnItems(raw json.RawMessage) ([]string, error) {
	v, err := embedded(raw)
	if err != nil {
		// a bare "F1;F2" string is not JSON
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return splitAny(s), nil
		}
		return nil, filterErr("ReturnItems 需要字段编码数组 (ReturnItems must be an array of field codes)")
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, it := range x {
			s, ok := it.(string)
			if !ok {
				return nil, filterErr("ReturnItems 需要字段编码数组 (ReturnItems must be an array of field codes)")
			}
			out = append(out, s)
		}
		return out, nil
	case string:
		return splitAny(x), nil
	}
	return nil, filterErr("ReturnItems 需要字段编码数组 (ReturnItems must be an array of field codes)")
}

func splitAny(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' })
}

// parseSortCollection reads [], "[]", [{"ItemName":"CreatedTime",
// "Direction":"Ascending"}] (Direction also Descending, Asc, Desc, 0, 1;
// key Field for ItemName).
func parseSortCollection(raw json.RawMessage) ([]filter.Sort, error) {
	v, err := embedded(raw)
	if err != nil {
		return nil, decodeError(err, doc{"Filter格式错误: SortByCollection", "SortByCollection"})
	}
	arr, _ := v.([]any)
	if v != nil && arr == nil {
		return nil, filterErr("SortByCollection 需要数组 (SortByCollection must be an array)")
	}
	var out []filter.Sort
	for _, it := range arr {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, filterErr("SortByCollection 的元素需要对象 (each sort item must be an object)")
		}
		var name string
		var dir any
		for k, val := range m {
			switch strings.ToLower(k) {
			case "itemname", "field", "name":
				name, _ = val.(string)
			case "direction":
				dir = val
			}
		}
		if name == "" {
			return nil, filterErr("SortByCollection 缺少 ItemName (sort item needs ItemName)")
		}
		desc := false
		switch d := strings.ToLower(fmt.Sprint(dir)); d {
		case "descending", "desc", "1":
			desc = true
		case "ascending", "asc", "0", "<nil>", "":
		default:
			return nil, filterErr("SortByCollection Direction 无效: %v (use Ascending or Descending)", dir)
		}
		out = append(out, filter.Sort{Field: name, Desc: desc})
	}
	return out, nil
}
