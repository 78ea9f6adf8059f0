package httpapi

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/hook"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/script"
)

const scriptPath = "/api/v1/scripts/{scope}/{target}/{name}"

func (s *Server) scriptRoutes() []route {
	scopes := map[string][]string{"scope": {hook.ScopeForm, hook.ScopeFlow, hook.ScopeAPI, hook.ScopeAuth}}
	return []route{
		{"GET", "/api/v1/scripts", s.listScripts, opDoc{tag: "Scripts", summary: "List the saved scripts (current versions)", query: []param{{"scope", "string", "form, flow or api"}, {"target", "string", "A form code or controller"}}, status: 200, resp: "ScriptList", errors: []int{403}}},
		{"PUT", scriptPath, s.putScript, opDoc{tag: "Scripts", summary: "Save a script as its next version (JavaScript or TypeScript; a syntax or type error is refused with its line and column). scope form: name is a hook (onLoad, onChange, onValidate, beforeSave, afterSave, afterDelete); flow: a script task's hook name, or a node event (onEnter, onLeave, onApprove, onReject, alone or as nodeId.event); api: the controller's action; auth: target a platform whose auth method is script, name sign — it gets the request as $args and returns {headers, query} to add", body: "ScriptInput", status: 200, resp: "Script", errors: []int{403}, enums: scopes}},
		{"GET", scriptPath, s.getScript, opDoc{tag: "Scripts", summary: "Get a script", status: 200, resp: "Script", errors: []int{403, 404}, enums: scopes}},
		{"DELETE", scriptPath, s.deleteScript, opDoc{tag: "Scripts", summary: "Remove a script (its versions are kept)", status: 204, errors: []int{403, 404}, enums: scopes}},
		{"GET", scriptPath + "/versions", s.scriptVersions, opDoc{tag: "Scripts", summary: "Every saved version of a script, newest first", status: 200, resp: "ScriptList", errors: []int{403, 404}, enums: scopes}},
		{"POST", "/api/v1/scripts/run", s.runScript, opDoc{tag: "Scripts", summary: "Run a snippet against a sample context (administrators): its result, console output, the calls it made and its error", body: "ScriptRun", status: 200, resp: "ScriptRunResult", errors: []int{403}}},
		{"GET", "/api/v1/scripts/types", s.scriptTypes, opDoc{tag: "Scripts", summary: "tritium.d.ts: the TypeScript declarations of every script global, for editors", status: 200, resp: "text"}},
		{"GET", "/api/v1/script-executions", s.listExecutions, opDoc{tag: "Scripts", summary: "Recorded script executions, newest first", query: []param{{"scope", "string", ""}, {"target", "string", ""}, {"name", "string", ""}, {"objectId", "string", ""}, {"instanceId", "string", ""}, {"status", "string", "ok or error"}, {"offset", "integer", ""}, {"limit", "integer", "1–500 (default 50)"}}, status: 200, resp: "ExecutionList", errors: []int{403}}},
		{"GET", "/api/v1/script-executions/{id}", s.getExecution, opDoc{tag: "Scripts", summary: "One script execution: hook, ids, duration, result or error, console output and outbound calls", status: 200, resp: "Execution", errors: []int{403, 404}}},
		{"GET", "/api/v1/script-env", s.listEnv, opDoc{tag: "Scripts", summary: "The values scripts read through $env (secrets without their values)", status: 200, resp: "EnvList", errors: []int{403}}},
		{"PUT", "/api/v1/script-env/{name}", s.putEnv, opDoc{tag: "Scripts", summary: "Set an $env value; a secret is sealed at rest and never shown again", body: "EnvInput", status: 200, resp: "EnvVar", errors: []int{403}}},
		{"DELETE", "/api/v1/script-env/{name}", s.deleteEnv, opDoc{tag: "Scripts", summary: "Remove an $env value", status: 204, errors: []int{403, 404}}},
		{"POST", "/api/v1/forms/{code}/scripts/{hook}", s.runDraft, opDoc{tag: "Scripts", summary: "POST …/scripts/onLoad:run or …/scripts/onChange:run: run the form's onLoad or onChange script on draft values (merged over a stored object when objectId is given) and return the computed values; nothing is written", body: "DraftInput", status: 200, resp: "DraftResult", errors: []int{404}}},
		{"POST", "/api/v1/custom/{controller}/{action}", s.customAction, opDoc{tag: "Scripts", summary: "Call a custom API action: the body is the action's $args, its return value is data; a thrown error is 422 with the script's message", body: "CustomInput", status: 200, resp: "CustomResult", errors: []int{404}}},
	}
}

// adminOnly refuses callers acting as anyone but the administrator.
func (s *Server) adminOnly(r *http.Request, a record.Actor) error {
	if c := callerOf(r); c != nil && !c.token.Has(auth.ScopeAdmin) && (c.scope != auth.ScopeOrg || !c.token.Has(auth.ScopeOrg)) {
		return errMissingScope(auth.ScopeAdmin) // a token is the administrator with scope admin (org routes: org)
	}
	if a.UserID != s.deps.Admin.UserID {
		return apperr.New(apperr.Forbidden, "只有管理员可以执行此操作 (only the administrator may do this: use engine credentials without a user context)")
	}
	return nil
}

func scriptKey(r *http.Request) hook.Key {
	return hook.Key{Scope: r.PathValue("scope"), Target: r.PathValue("target"), Name: r.PathValue("name")}
}

func (s *Server) listScripts(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	if err := s.adminOnly(r, a); err != nil {
		return err
	}
	items := zoneAll(s.deps.Hooks.Store().List(r.Context(), r.URL.Query().Get("scope"), r.URL.Query().Get("target")), s.zone.script)
	writeJSON(w, http.StatusOK, list[hook.Script]{Items: items, Total: len(items), Limit: len(items)})
	return nil
}

type scriptInput struct {
	Lang      string `json:"lang"`
	Source    string `json:"source"`
	TimeoutMS int    `json:"timeoutMs"`
	Enabled   *bool  `json:"enabled"`
}

func (s *Server) putScript(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	if err := s.adminOnly(r, a); err != nil {
		return err
	}
	var in scriptInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	k := scriptKey(r)
	on := in.Enabled == nil || *in.Enabled
	sc, err := s.deps.Hooks.Store().Put(r.Context(), a.UserID, hook.Script{Scope: k.Scope, Target: k.Target, Name: k.Name,
		Lang: in.Lang, Source: in.Source, TimeoutMS: in.TimeoutMS, Enabled: on})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.zone.script(sc))
	return nil
}

func (s *Server) getScript(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	if err := s.adminOnly(r, a); err != nil {
		return err
	}
	sc, err := s.deps.Hooks.Store().Get(r.Context(), scriptKey(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.zone.script(sc))
	return nil
}

func (s *Server) deleteScript(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	if err := s.adminOnly(r, a); err != nil {
		return err
	}
	if err := s.deps.Hooks.Store().Delete(r.Context(), scriptKey(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) scriptVersions(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	if err := s.adminOnly(r, a); err != nil {
		return err
	}
	vs, err := s.deps.Hooks.Store().Versions(r.Context(), scriptKey(r))
	if err != nil {
		return err
	}
	vs = zoneAll(vs, s.zone.script)
	writeJSON(w, http.StatusOK, list[hook.Script]{Items: vs, Total: len(vs), Limit: len(vs)})
	return nil
}

func (s *Server) runScript(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	if err := s.adminOnly(r, a); err != nil {
		return err
	}
	var in hook.Sample
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	res, err := s.deps.Hooks.Run(r.Context(), a, in)
	if err != nil {
		return err
	}
	res.Console = s.zone.logLines(res.Console)
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) scriptTypes(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	w.Header().Set("Content-Type", "application/typescript; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="tritium.d.ts"`)
	w.WriteHeader(http.StatusOK)
	_, err := w.Write([]byte(script.Types()))
	return err
}

func (s *Server) listExecutions(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	if err := s.adminOnly(r, a); err != nil {
		return err
	}
	offset, err := intParam(r, "offset", 0)
	if err != nil {
		return err
	}
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, err := s.deps.Hooks.Executions(r.Context(), hook.ExecQuery{Scope: q.Get("scope"), Target: q.Get("target"), Name: q.Get("name"),
		ObjectID: q.Get("objectId"), InstanceID: q.Get("instanceId"), Status: q.Get("status"), Offset: offset, Limit: limit})
	if err != nil {
		return err
	}
	items = zoneAll(items, s.zone.execution)
	writeJSON(w, http.StatusOK, list[hook.Execution]{Items: items, Total: len(items), Offset: offset, Limit: limit})
	return nil
}

func (s *Server) getExecution(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	if err := s.adminOnly(r, a); err != nil {
		return err
	}
	e, err := s.deps.Hooks.Execution(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.zone.execution(e))
	return nil
}

func (s *Server) listEnv(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	if err := s.adminOnly(r, a); err != nil {
		return err
	}
	vs, err := s.deps.Env.List(r.Context())
	if err != nil {
		return err
	}
	vs = zoneAll(vs, s.zone.envVar)
	writeJSON(w, http.StatusOK, list[hook.EnvVar]{Items: vs, Total: len(vs), Limit: len(vs)})
	return nil
}

type envInput struct {
	Value  string `json:"value"`
	Secret bool   `json:"secret"`
}

func (s *Server) putEnv(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	if err := s.adminOnly(r, a); err != nil {
		return err
	}
	var in envInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	v, err := s.deps.Env.Put(r.Context(), a.UserID, hook.EnvVar{Name: r.PathValue("name"), Value: in.Value, Secret: in.Secret})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.zone.envVar(v))
	return nil
}

func (s *Server) deleteEnv(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	if err := s.adminOnly(r, a); err != nil {
		return err
	}
	if err := s.deps.Env.Delete(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type draftInput struct {
	Values   map[string]any `json:"values"`
	ObjectID string         `json:"objectId"`
	Field    string         `json:"field"` // onChange: the field that changed
}

func (s *Server) runDraft(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	h, ok := strings.CutSuffix(r.PathValue("hook"), ":run")
	if !ok {
		return apperr.New(apperr.NotFound, "没有这个接口: 请用 …/scripts/onLoad:run 或 …/scripts/onChange:run (use …/scripts/{hook}:run)")
	}
	var in draftInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	code := r.PathValue("code")
	var hide []string
	if a.Subject != nil {
		// As a user: the stored object must be in their view, and what they
		// may not see stays out of the answer (the console is the
		// administrator's, for debugging).
		if in.ObjectID != "" {
			if _, _, err := s.deps.Records.LoadAs(r.Context(), a.Subject, code, in.ObjectID); err != nil {
				return err
			}
		}
		dec, err := s.deps.Records.Decision(r.Context(), a.Subject, code, access.View)
		if err != nil {
			return err
		}
		if dec != nil {
			hide = dec.Hidden
		}
	}
	d, err := s.deps.Hooks.RunDraft(r.Context(), a, code, h, in.ObjectID, in.Values, in.Field)
	if err != nil {
		return err
	}
	if a.Subject != nil {
		for _, f := range hide {
			delete(d.Values, f)
		}
		d.Changed = slices.DeleteFunc(d.Changed, func(f string) bool { return slices.Contains(hide, f) })
		d.Console = nil
	}
	d.Console = s.zone.logLines(d.Console)
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) customAction(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	args := map[string]any{}
	if b, err := readBody(r); err != nil {
		return err
	} else {
		defer bufPool.Put(b)
		if b.Len() > 0 {
			if err := decodeObject(b.Bytes(), &args); err != nil {
				return err
			}
		}
	}
	v, err := s.deps.Hooks.Invoke(r.Context(), a, r.PathValue("controller"), r.PathValue("action"), args)
	var ae *hook.ActionError
	if errors.As(err, &ae) {
		return apperr.New(apperr.Invalid, "自定义接口出错: %s (the custom API script threw)", ae.Err.Message)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": v})
	return nil
}
