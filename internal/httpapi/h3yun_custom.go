package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/hook"
	"github.com/tritiumhq/tritium/internal/record"
)

// custom runs a custom API action published under req.controller: every
// top-level key but ActionName, Controller and AppCode is a parameter
// ($args); the return value is ReturnData; a throw fails the envelope with
// the script's message.
func (h *h3yun) custom(r *http.Request, actor record.Actor, req *invokeRequest, b []byte) ([]byte, error) {
	if h.s.deps.Hooks == nil {
		return nil, apperr.New(apperr.NotFound, "自定义接口不存在: %s.%s (unknown custom action)", req.controller, req.action)
	}
	var all map[string]any
	if err := decodeLenient(req.raw, &all); err != nil {
		return nil, decodeError(err, invokeDoc)
	}
	args := make(map[string]any, len(all))
	for k, v := range all {
		switch strings.ToLower(k) {
		case "actionname", "controller", "appcode":
			continue
		}
		args[k] = v
	}
	v, err := h.s.deps.Hooks.Invoke(r.Context(), actor, req.controller, req.action, args)
	var ae *hook.ActionError
	if errors.As(err, &ae) {
		return nil, apperr.New(apperr.Invalid, "自定义接口 %s.%s 出错: %s (the custom action threw)", req.controller, req.action, ae.Err.Message)
	}
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "自定义接口的返回值无法转成 JSON (the custom action's return value is not JSON)")
	}
	return append(b, out...), nil
}
