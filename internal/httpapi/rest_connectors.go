package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/record"
)

// The integration hub: platforms, their instances and interfaces, a
// direct test call, and the call log with replay (docs/integrations.md).

func (s *Server) connectorRoutes() []route {
	if s.deps.Connectors == nil {
		return nil
	}
	const tag = "Integrations"
	p := "/api/v1/platforms"
	callsQuery := []param{{"platform", "string", "Platform key"}, {"interface", "string", "Interface key"}, {"status", "integer", "HTTP status"},
		{"failed", "boolean", "true: transport failures only; false: answered calls only"}, {"form", "string", "Caller form code"},
		{"objectId", "string", "Caller object id"}, {"instanceId", "string", "Caller workflow instance id"},
		{"from", "string", "RFC 3339 time, inclusive"}, {"to", "string", "RFC 3339 time, exclusive"},
		{"offset", "integer", "Rows to skip"}, {"limit", "integer", "Rows to return, 1–500 (default 50)"}}
	return adminRoutes(s, []route{
		{"GET", p, s.listPlatforms, opDoc{tag: tag, summary: "List the platforms, built-in ones included", status: 200, resp: "PlatformList"}},
		{"POST", p, s.createPlatform, opDoc{tag: tag, summary: "Define a platform", body: "Platform", status: 201, resp: "Platform", errors: []int{409}}},
		{"POST", p + "/import", s.importPlatforms, opDoc{tag: tag, summary: "Create or replace platforms from their exported JSON (all or none)", body: "PlatformImport", status: 200, resp: "PlatformList", errors: []int{409}}},
		{"GET", p + "/{key}", s.getPlatform, opDoc{tag: tag, summary: "Get a platform", status: 200, resp: "Platform", errors: []int{404}}},
		{"GET", p + "/{key}/export", s.exportPlatform, opDoc{tag: tag, summary: "Export a platform as JSON for import elsewhere", status: 200, resp: "Platform", errors: []int{404}}},
		{"PUT", p + "/{key}", s.putPlatform, opDoc{tag: tag, summary: "Create or replace a platform: 201 when created, 200 when replaced", body: "Platform", status: 200, more: []int{201}, resp: "Platform", errors: []int{409}}},
		{"DELETE", p + "/{key}", s.deletePlatform, opDoc{tag: tag, summary: "Delete a platform and its instances (built-in ones: 409)", status: 204, errors: []int{404, 409}}},
		{"POST", p + "/{key}/openapi", s.importOpenAPI, opDoc{tag: tag, summary: "Import interfaces from an OpenAPI 3 or Swagger 2 document (the body, JSON or YAML): one per operation, an interface with the same key is replaced; replace=true drops the interfaces the document does not define. A document that cannot be read is 422", query: []param{{"replace", "boolean", "true: the platform's interfaces become exactly the document's"}}, body: "OpenAPIDocument", bodyTypes: []string{"application/json", "application/yaml"}, status: 200, resp: "OpenAPIImportResult", errors: []int{404, 409}}},
		{"GET", p + "/{key}/interfaces", s.listInterfaces, opDoc{tag: tag, summary: "List a platform's interfaces", status: 200, resp: "InterfaceList", errors: []int{404}}},
		{"GET", p + "/{key}/interfaces/{iface}", s.getInterface, opDoc{tag: tag, summary: "Get an interface (its snake_case key or camelCase name)", status: 200, resp: "Interface", errors: []int{404}}},
		{"POST", p + "/{key}/interfaces/{iface}/call", s.callInterface, opDoc{tag: tag, summary: "Call an interface as a script's $proxy would (logged with caller kind api); a transport failure is 503", body: "CallInput", status: 200, resp: "CallResult", errors: []int{404}}},
		{"GET", p + "/{key}/instances", s.listInstances, opDoc{tag: tag, summary: "List a platform's instances (secrets show as \"set\")", status: 200, resp: "ConnectorInstanceList", errors: []int{404}}},
		{"POST", p + "/{key}/instances", s.createInstance, opDoc{tag: tag, summary: "Add an instance: credentials and an optional base URL; the first is the default", body: "ConnectorInstance", status: 201, resp: "ConnectorInstance", errors: []int{404, 409}}},
		{"GET", p + "/{key}/instances/{instance}", s.getConnInstance, opDoc{tag: tag, summary: "Get an instance (secrets show as \"set\")", status: 200, resp: "ConnectorInstance", errors: []int{404}}},
		{"PATCH", p + "/{key}/instances/{instance}", s.updateInstance, opDoc{tag: tag, summary: "Change the fields sent; a secret sent as \"\" is removed", body: "InstancePatch", status: 200, resp: "ConnectorInstance", errors: []int{404}}},
		{"DELETE", p + "/{key}/instances/{instance}", s.deleteInstance, opDoc{tag: tag, summary: "Delete an instance", status: 204, errors: []int{404}}},
		{"GET", "/api/v1/connector-calls", s.listCalls, opDoc{tag: tag, summary: "The outbound call log, newest first (secrets shown as ***)", query: callsQuery, status: 200, resp: "CallRecordList"}},
		{"GET", "/api/v1/connector-calls/{id}", s.getCall, opDoc{tag: tag, summary: "One logged call", status: 200, resp: "CallRecord", errors: []int{404}}},
		{"POST", "/api/v1/connector-calls/{id}/replay", s.replayCall, opDoc{tag: tag, summary: "Send a logged call again with fresh auth; logged as a new call (caller kind replay)", status: 200, resp: "CallResult", errors: []int{404, 409}}},
	})
}

func (s *Server) listPlatforms(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	ps := zoneAll(s.deps.Connectors.ListPlatforms(), s.zone.platform)
	writeJSON(w, http.StatusOK, list[connector.Platform]{Items: ps, Total: len(ps), Limit: len(ps)})
	return nil
}

func (s *Server) createPlatform(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	var p connector.Platform
	if err := decodeBody(r, &p); err != nil {
		return err
	}
	out, err := s.deps.Connectors.CreatePlatform(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.zone.platform(*out))
	return nil
}

func (s *Server) putPlatform(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	var p connector.Platform
	if err := decodeBody(r, &p); err != nil {
		return err
	}
	out, created, err := s.deps.Connectors.PutPlatform(r.Context(), r.PathValue("key"), p)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, s.zone.platform(*out))
	return nil
}

func (s *Server) importPlatforms(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	var in struct {
		Platforms []connector.Platform `json:"platforms"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	if len(in.Platforms) == 0 {
		return apperr.Field("platforms", "platforms 不能为空 (platforms must not be empty)")
	}
	out, err := s.deps.Connectors.ImportPlatforms(r.Context(), in.Platforms)
	if err != nil {
		return err
	}
	out = zoneAll(out, s.zone.platform)
	writeJSON(w, http.StatusOK, list[connector.Platform]{Items: out, Total: len(out), Limit: len(out)})
	return nil
}

func (s *Server) getPlatform(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	return writeZoned(w, http.StatusOK, s.zone.platform)(s.deps.Connectors.GetPlatform(r.PathValue("key")))
}

func (s *Server) exportPlatform(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	return writeOr(w, http.StatusOK)(s.deps.Connectors.ExportPlatform(r.PathValue("key")))
}

func (s *Server) deletePlatform(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	if err := s.deps.Connectors.DeletePlatform(r.Context(), r.PathValue("key")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// importOpenAPI reads the raw body (JSON or YAML, bounded by MaxBody), not
// through the JSON body decoder.
func (s *Server) importOpenAPI(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	replace, err := boolParam(r, "replace")
	if err != nil {
		return err
	}
	doc, err := io.ReadAll(r.Body)
	if err != nil {
		return fmt.Errorf("read the OpenAPI document: %w", err)
	}
	if len(bytes.TrimSpace(doc)) == 0 {
		return apperr.Field("document", "请求体须是 OpenAPI 3 或 Swagger 2 文档 (the body must be an OpenAPI 3 or Swagger 2 document)")
	}
	p, keys, err := s.deps.Connectors.ImportOpenAPI(r.Context(), r.PathValue("key"), doc, replace)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Platform *connector.Platform `json:"platform"`
		Imported []string            `json:"imported"`
	}{p, keys})
	return nil
}

func (s *Server) listInterfaces(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	p, err := s.deps.Connectors.GetPlatform(r.PathValue("key"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[connector.Interface]{Items: p.Interfaces, Total: len(p.Interfaces), Limit: len(p.Interfaces)})
	return nil
}

func (s *Server) getInterface(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	return writeOr(w, http.StatusOK)(s.deps.Connectors.GetInterface(r.PathValue("key"), r.PathValue("iface")))
}

// callInput is a direct test call: a direct call's args or a chain's parts.
type callInput struct {
	Instance string         `json:"instance"`
	Args     []any          `json:"args"`
	Path     map[string]any `json:"path"`
	Query    map[string]any `json:"query"`
	Header   map[string]any `json:"header"`
	Body     any            `json:"body"`
}

func (s *Server) callInterface(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	var in callInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	res, err := s.deps.Connectors.Call(r.Context(), connector.CallRequest{Platform: r.PathValue("key"), Instance: in.Instance,
		Interface: r.PathValue("iface"), Args: in.Args, Path: in.Path, Query: in.Query, Header: in.Header, Body: in.Body,
		HasBody: in.Body != nil, Caller: connector.Caller{Kind: "api"}})
	return writeCall(w, res, err)
}

func writeCall(w http.ResponseWriter, res *connector.Result, err error) error {
	var ce *connector.CallError
	if errors.As(err, &ce) {
		return apperr.Wrap(apperr.Unavailable, err, "外部调用失败: %s (the outbound call failed; call id %s)", ce.Error(), ce.CallID)
	}
	if err != nil {
		return err
	}
	w.Header().Set("X-Call-Id", res.CallID)
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) listInstances(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	ins, err := s.deps.Connectors.ListInstances(r.PathValue("key"))
	if err != nil {
		return err
	}
	ins = zoneAll(ins, s.zone.connInstance)
	writeJSON(w, http.StatusOK, list[connector.Instance]{Items: ins, Total: len(ins), Limit: len(ins)})
	return nil
}

func (s *Server) createInstance(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	var in connector.Instance
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	return writeZoned(w, http.StatusCreated, s.zone.connInstance)(s.deps.Connectors.CreateInstance(r.Context(), r.PathValue("key"), in))
}

func (s *Server) getConnInstance(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	return writeZoned(w, http.StatusOK, s.zone.connInstance)(s.deps.Connectors.GetInstance(r.PathValue("key"), r.PathValue("instance")))
}

func (s *Server) updateInstance(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	var p connector.InstancePatch
	if err := decodeBody(r, &p); err != nil {
		return err
	}
	return writeZoned(w, http.StatusOK, s.zone.connInstance)(s.deps.Connectors.UpdateInstance(r.Context(), r.PathValue("key"), r.PathValue("instance"), p))
}

func (s *Server) deleteInstance(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	if err := s.deps.Connectors.DeleteInstance(r.Context(), r.PathValue("key"), r.PathValue("instance")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listCalls(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	q := r.URL.Query()
	cq := connector.CallQuery{Platform: q.Get("platform"), Interface: q.Get("interface"), Form: q.Get("form"),
		ObjectID: q.Get("objectId"), InstanceID: q.Get("instanceId")}
	var err error
	if cq.Offset, err = intParam(r, "offset", 0); err != nil {
		return err
	}
	if cq.Limit, err = limitParam(r); err != nil {
		return err
	}
	if cq.Status, err = intParam(r, "status", 0); err != nil {
		return err
	}
	if q.Get("failed") != "" {
		f, err := boolParam(r, "failed")
		if err != nil {
			return err
		}
		cq.Failed = &f
	}
	for name, dst := range map[string]*time.Time{"from": &cq.From, "to": &cq.To} {
		if v := q.Get(name); v != "" {
			if *dst, err = time.Parse(time.RFC3339, v); err != nil {
				return apperr.Field(name, "参数 %s 需要 RFC 3339 时间, 收到 %q (%s must be an RFC 3339 time)", name, v, name)
			}
		}
	}
	items, total, err := s.deps.Connectors.ListCalls(r.Context(), cq)
	if err != nil {
		return err
	}
	items = zoneAll(items, s.zone.call)
	writeJSON(w, http.StatusOK, list[connector.CallRecord]{Items: items, Total: total, Offset: cq.Offset, Limit: cq.Limit})
	return nil
}

func (s *Server) getCall(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	return writeZoned(w, http.StatusOK, s.zone.call)(s.deps.Connectors.GetCall(r.Context(), r.PathValue("id")))
}

func (s *Server) replayCall(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	res, err := s.deps.Connectors.ReplayCall(r.Context(), r.PathValue("id"))
	return writeCall(w, res, err)
}

// writeOr writes v with status, or returns err.
func writeOr(w http.ResponseWriter, status int) func(v any, err error) error {
	return func(v any, err error) error {
		if err != nil {
			return err
		}
		writeJSON(w, status, v)
		return nil
	}
}
