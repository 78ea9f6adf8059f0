package connector

import (
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
)

// resolve finds the platform, instance and interface a request names.
func (s *Service) resolve(req CallRequest) (*plat, *inst, *iface, error) {
	p := s.snap.Load().platforms[req.Platform]
	if p == nil {
		return nil, nil, nil, noPlatform(req.Platform)
	}
	in := p.deflt
	if req.Instance != "" {
		in = p.instances[req.Instance]
		if in == nil {
			return nil, nil, nil, noInstance(req.Platform, req.Instance)
		}
	} else if in == nil {
		return nil, nil, nil, apperr.New(apperr.NotFound, "平台 %s 还没有实例, 请先添加凭据 (platform %s has no instance yet: add one with its credentials)", req.Platform, req.Platform)
	}
	f := p.ifaces[req.Interface]
	if f == nil {
		f = p.ifaces[camel(req.Interface)]
	}
	if f == nil {
		return nil, nil, nil, apperr.New(apperr.NotFound, "平台 %s 没有接口 %s (platform %s has no interface %s)", req.Platform, req.Interface, req.Platform, req.Interface)
	}
	return p, in, f, nil
}

// prepared is a request before auth: built once, sent (and re-sent) as
// copies.
type prepared struct {
	method string
	url    *url.URL
	header http.Header
	body   []byte
}

// bind maps a call's arguments onto the interface's parameters and
// builds the request.
func bind(p *plat, in *inst, f *iface, req CallRequest) (*prepared, error) {
	values := map[string]any{}
	extraQuery, extraHeader := map[string]any{}, map[string]any{}
	var extraBody any
	hasExtraBody := false
	params := f.def.Params
	if len(req.Args) > len(params) {
		return nil, apperr.Field("args", "接口 %s 只有 %d 个参数, 收到 %d 个 (interface %s takes %d arguments, got %d)", f.def.Key, len(params), len(req.Args), f.def.Key, len(params), len(req.Args))
	}
	for i, a := range req.Args {
		if a != nil {
			values[params[i].Name] = a
		}
	}
	declared := map[string]string{}
	for _, pr := range params {
		declared[pr.In+"\x00"+pr.Name] = pr.Name
	}
	take := func(in string, m map[string]any, extra map[string]any) {
		for k, v := range m {
			if name, ok := declared[in+"\x00"+k]; ok {
				values[name] = v
			} else if extra != nil {
				extra[k] = v
			}
		}
	}
	take("path", req.Path, nil)
	take("query", req.Query, extraQuery)
	take("header", req.Header, extraHeader)
	if req.HasBody {
		if m, ok := req.Body.(map[string]any); ok {
			rest := map[string]any{}
			take("body", m, rest)
			if len(rest) > 0 {
				extraBody, hasExtraBody = rest, true
			}
		} else {
			extraBody, hasExtraBody = req.Body, true
		}
	}
	for _, pr := range params {
		v, ok := values[pr.Name]
		if !ok && pr.Default != nil {
			v, ok = pr.Default, true
		}
		if !ok && (pr.Required || pr.In == "path") {
			return nil, apperr.Field(pr.Name, "缺少必填参数 %s (%s.%s: missing required parameter %s)", pr.Name, p.def.Key, f.def.Key, pr.Name)
		}
		if ok {
			values[pr.Name] = joined(v, pr.Join)
		}
	}
	sc := &scope{params: values, config: in.def.Config, secrets: in.secrets}
	path := pathParamRE.ReplaceAllStringFunc(f.def.Path, func(m string) string {
		return url.PathEscape(text(values[m[1:len(m)-1]]))
	})
	u, err := url.Parse(in.baseURL + path)
	if err != nil {
		return nil, apperr.Field("path", "接口 %s 的地址无效: %v (invalid URL)", f.def.Key, err)
	}
	q := u.Query()
	for k, t := range f.def.Query {
		if v, ok := sc.render(t); ok && v != nil {
			q.Set(k, text(v))
		}
	}
	h := http.Header{}
	for k, t := range f.def.Headers {
		if v, ok := sc.render(t); ok && v != nil {
			h.Set(k, text(v))
		}
	}
	var body any
	if f.def.Body != nil {
		body, _ = sc.renderValue(f.def.Body)
	}
	for _, pr := range params {
		v, ok := values[pr.Name]
		if !ok || f.byTmpl[pr.Name] {
			continue
		}
		switch pr.In {
		case "query":
			addValues(q, pr.Name, v)
		case "header":
			h.Set(pr.Name, text(v))
		case "body":
			obj, isObj := body.(map[string]any)
			if !isObj {
				obj = map[string]any{}
				body = obj
			}
			bp := pr.BodyPath
			if bp == "" {
				bp = pr.Name
			}
			setPath(obj, bp, v)
		}
	}
	for k, v := range extraQuery {
		addValues(q, k, v)
	}
	for k, v := range extraHeader {
		h.Set(k, text(v))
	}
	if hasExtraBody {
		obj, isObj := body.(map[string]any)
		add, addObj := extraBody.(map[string]any)
		if isObj && addObj {
			maps.Copy(obj, add)
		} else {
			body = extraBody
		}
	}
	u.RawQuery = q.Encode()
	pr := &prepared{method: f.def.Method, url: u, header: h}
	if body != nil {
		if b, ok := body.(string); ok && !strings.HasPrefix(strings.TrimSpace(b), "{") {
			pr.body = []byte(b)
		} else if pr.body, err = marshalJSON(body); err != nil {
			return nil, apperr.Field("body", "请求体无法编码为 JSON (the body cannot be encoded as JSON)")
		}
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", "application/json; charset=utf-8")
		}
	}
	return pr, nil
}

func addValues(q url.Values, k string, v any) {
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			q.Add(k, text(e))
		}
		return
	}
	q.Set(k, text(v))
}
