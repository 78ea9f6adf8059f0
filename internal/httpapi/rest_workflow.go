package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/wiretext"
	"github.com/tritiumhq/tritium/internal/workflow"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

func (s *Server) workflowRoutes() []route {
	taskActionList := []string{"approve", "reject", "return", "transfer", "delegate", "add-signers", "remove-signers", "comment", "cc", "read"}
	instanceActionList := []string{"withdraw", "cancel", "terminate", "jump", "urge", "comment", "cc", "submit", "retry-script"}
	taskActions, instanceActions := strings.Join(taskActionList, ", "), strings.Join(instanceActionList, ", ")
	listQuery := []param{
		{"view", "string", "todo (default), done, started or cc"},
		{"form", "string", "Only this form's"}, {"initiator", "string", "Only instances this user started"},
		{"from", "string", "Created at or after (RFC 3339 or yyyy-MM-dd)"}, {"to", "string", "Created before"},
		{"page", "integer", "Page number from 1 (default 1)"}, {"pageSize", "integer", "1–500 (default 20)"},
		{"status", "string", "Only entries whose instance has this status"},
	}
	return []route{
		adminRoute(s, route{"PUT", "/api/v1/forms/{code}/workflow", s.putProcess, opDoc{tag: "Workflow", summary: "Store the form's process as its next version: an approval tree or a graph (JSON) or BPMN 2.0 XML", body: "Process", status: 200, resp: "ProcessVersion", errors: []int{400, 404, 409, 422}}}),
		{"GET", "/api/v1/forms/{code}/workflow", s.getProcess, opDoc{tag: "Workflow", summary: "Get the form's process", query: []param{{"version", "integer", "A stored version (default: the newest)"}, {"format", "string", "graph (default), tree or bpmn"}}, status: 200, resp: "ProcessVersion", errors: []int{404, 409}, enums: map[string][]string{"format": {"graph", "tree", "bpmn"}}}},
		{"POST", "/api/v1/workflow/simulate", s.simulate, opDoc{tag: "Workflow", summary: "Run a process on sample values without writing anything: the path and the people asked at each node", body: "SimulateInput", status: 200, resp: "SimulateResult", errors: []int{404, 409, 422}}},
		{"GET", "/api/v1/tasks", s.listTasks, opDoc{tag: "Workflow", summary: "The acting user's todo, done, started or cc list (act as a user with X-User-Id-Type and X-User-Id)", query: listQuery, status: 200, resp: "TaskList", enums: map[string][]string{"view": {"todo", "done", "started", "cc"}}}},
		adminRoute(s, route{"GET", "/api/v1/workflow/tasks", s.listTenantTasks, opDoc{tag: "Workflow", summary: "Everyone's todo, done or cc tasks, or every started instance (租户待办/已办; administrators): filter by user, form, initiator, status and date range", query: append(slices.Clone(listQuery), param{"user", "string", "Only this assignee's (started: this initiator's)"}), status: 200, resp: "TaskList", enums: map[string][]string{"view": {"todo", "done", "started", "cc"}, "status": {"running", "approved", "rejected", "canceled", "terminated"}}}}),
		{"GET", "/api/v1/tasks/{id}", s.getTask, opDoc{tag: "Workflow", summary: "Get a task", status: 200, resp: "Task", errors: []int{404}}},
		{"POST", "/api/v1/tasks/{id}/{action}", s.taskAction, opDoc{tag: "Workflow", summary: "Act on a task: " + taskActions + " (403 when the task is not the actor's, 409 when it is no longer pending)", body: "ActionInput", status: 200, resp: "Task", errors: []int{403, 404, 409}, enums: map[string][]string{"action": taskActionList}}},
		{"GET", "/api/v1/instances/{id}", s.getInstance, opDoc{tag: "Workflow", summary: "An instance: status, positions, tasks and ordered history", status: 200, resp: "Instance", errors: []int{404}}},
		{"GET", "/api/v1/instances/{id}/replay", s.replayInstance, opDoc{tag: "Workflow", summary: "Step through an instance: its state after each event (status, the object's Status, positions, open tasks), rebuilt from the event log", status: 200, resp: "Replay", errors: []int{404}}},
		{"POST", "/api/v1/instances/{id}/{action}", s.instanceAction, opDoc{tag: "Workflow", summary: "Act on an instance: " + instanceActions + " (terminate, jump and retry-script — run a failed script task node's script again, toNode naming the node — : administrators)", body: "ActionInput", status: 200, resp: "Instance", errors: []int{403, 404, 409}, enums: map[string][]string{"action": instanceActionList}}},
		{"POST", recordsPath + "/{id}/submit", s.submitRecord, opDoc{tag: "Records", summary: "Submit a draft: a workflow form's object goes to its first approval, another form's becomes Effective", body: "ActionInput", status: 200, resp: "Record", errors: []int{403, 404, 409, 422}}},
	}
}

// readProcess reads a process in any of its formats: BPMN XML, the graph
// JSON ({"nodes", "flows"}) or the approval tree ({"type": "start", …}).
func readProcess(r *http.Request) (*model.Definition, error) {
	buf, err := readBody(r)
	if err != nil {
		return nil, err
	}
	defer bufPool.Put(buf)
	body := bytes.TrimSpace(buf.Bytes())
	if len(body) == 0 {
		return nil, apperr.New(apperr.Malformed, "请求体为空, 需要流程定义 (send the process: an approval tree, a graph or BPMN XML)")
	}
	if body[0] == '<' {
		return model.FromBPMN(body)
	}
	if e := wiretext.CheckJSON(body); e != nil {
		return nil, textError(e, doc{"流程定义", "the process"})
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, decodeError(err, doc{"流程定义不是有效的 JSON 或 BPMN: 流程定义", "the process (JSON or BPMN)"})
	}
	if _, ok := probe["nodes"]; ok {
		return model.FromGraph(body)
	}
	return model.FromTree(body)
}

func (s *Server) putProcess(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	def, err := readProcess(r)
	if err != nil {
		return err
	}
	info, err := s.deps.Workflow.PutDefinition(r.Context(), r.PathValue("code"), def, a.UserID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, info)
	return nil
}

func (s *Server) getProcess(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	v, err := intParam(r, "version", 0)
	if err != nil {
		return err
	}
	info, err := s.deps.Workflow.Definition(r.Context(), r.PathValue("code"), v)
	if err != nil {
		return err
	}
	switch f := r.URL.Query().Get("format"); f {
	case "", "graph":
		writeJSON(w, http.StatusOK, info)
	case "tree":
		b, err := info.Definition.Tree()
		if err != nil {
			return apperr.Wrap(apperr.Conflict, err, "流程不能表示为审批树: %v (this process is not block-structured; use format=graph or bpmn)", err)
		}
		writeRaw(w, http.StatusOK, b)
	case "bpmn":
		b, err := info.Definition.BPMN()
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		w.Write(b)
	default:
		return apperr.Field("format", "format 需要 graph, tree 或 bpmn (format must be graph, tree or bpmn)")
	}
	return nil
}

type simulateInput struct {
	Form string `json:"form"`
	workflow.SimInput
	// Definition (a graph) and Tree are read as PUT …/workflow reads them.
	Definition json.RawMessage `json:"definition,omitempty"`
	Tree       json.RawMessage `json:"tree,omitempty"`
}

func (s *Server) simulate(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	var in simulateInput // unknown keys are refused ("initator")
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	if in.Form == "" {
		return apperr.Field("form", "缺少 form (form is required)")
	}
	var err error
	graph, tree := given(in.Definition), given(in.Tree)
	switch {
	case graph && tree:
		return apperr.Field("tree", "definition 与 tree 只能给一个 (give definition or tree, not both)")
	case graph:
		in.SimInput.Definition, err = model.FromGraph(in.Definition)
	case tree:
		in.SimInput.Definition, err = model.FromTree(in.Tree)
	}
	if err != nil {
		return err
	}
	steps, err := s.deps.Workflow.Simulate(r.Context(), in.Form, in.SimInput)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"steps": steps})
	return nil
}

// given reports whether an optional JSON value is there (not absent, not null).
func given(raw json.RawMessage) bool {
	v := bytes.TrimSpace(raw)
	return len(v) > 0 && string(v) != "null"
}

// timeParam reads an instant: RFC 3339, or yyyy-MM-dd for the start of
// that day in the server's time zone.
func (s *Server) timeParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, s.zone.loc); err == nil {
		return t, nil
	}
	return time.Time{}, apperr.Field(name, "参数 %s 需要日期, 收到 %q (%s must be a date: RFC 3339 or yyyy-MM-dd)", name, v, name)
}

func (s *Server) listTasks(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	return s.writeList(w, r, a.UserID)
}

// listTenantTasks is the administrator's view of everyone's lists (租户已办/
// 待办): user, when given, narrows it to that assignee (or, for started,
// initiator).
func (s *Server) listTenantTasks(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	return s.writeList(w, r, strings.TrimSpace(r.URL.Query().Get("user")))
}

// writeList writes one page of user's list ("" for the tenant's).
func (s *Server) writeList(w http.ResponseWriter, r *http.Request, user string) error {
	qs := r.URL.Query()
	page, err := intParam(r, "page", 1)
	if err != nil {
		return err
	}
	size, err := intParam(r, "pageSize", 20)
	if err != nil {
		return err
	}
	if page < 1 || size < 1 || size > 500 {
		return apperr.Field("pageSize", "page 从 1 开始, pageSize 须在 1 到 500 之间 (page from 1, pageSize 1–500)")
	}
	from, err := s.timeParam(r, "from")
	if err != nil {
		return err
	}
	to, err := s.timeParam(r, "to")
	if err != nil {
		return err
	}
	items, total, err := s.deps.Workflow.List(r.Context(), user, workflow.ListQuery{
		View: qs.Get("view"), Form: qs.Get("form"), Initiator: qs.Get("initiator"), Status: qs.Get("status"), From: from, To: to,
		Offset: (page - 1) * size, Limit: size,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": s.zone.items(items), "total": total, "page": page, "pageSize": size})
	return nil
}

func (s *Server) getTask(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	t, err := s.deps.Workflow.TaskAs(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.zone.taskView(t))
	return nil
}

// actionInput reads an action's optional JSON body.
func actionInput(r *http.Request) (workflow.Input, error) {
	var in workflow.Input
	if r.ContentLength == 0 {
		return in, nil
	}
	buf, err := readBody(r)
	if err != nil {
		return in, err
	}
	defer bufPool.Put(buf)
	if len(bytes.TrimSpace(buf.Bytes())) == 0 {
		return in, nil
	}
	return in, decodeObject(buf.Bytes(), &in)
}

func (s *Server) taskAction(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	in, err := actionInput(r)
	if err != nil {
		return err
	}
	t, err := s.deps.Workflow.TaskAction(r.Context(), a, r.PathValue("id"), r.PathValue("action"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.zone.taskView(t))
	return nil
}

func (s *Server) getInstance(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	v, err := s.deps.Workflow.InstanceAs(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.zone.instance(v))
	return nil
}

func (s *Server) replayInstance(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	v, err := s.deps.Workflow.ReplayAs(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.zone.replay(v))
	return nil
}

func (s *Server) instanceAction(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	in, err := actionInput(r)
	if err != nil {
		return err
	}
	if r.PathValue("action") == "retry-script" {
		if err := s.adminOnly(r, a); err != nil {
			return err
		}
		if in.ToNode == "" {
			return apperr.Field("toNode", "retry-script 需要 toNode: 脚本节点的 ID (retry-script needs toNode: the script task node)")
		}
		if err := s.deps.Workflow.RetryScript(r.Context(), r.PathValue("id"), in.ToNode); err != nil {
			return err
		}
		return s.getInstance(w, r, a)
	}
	if err := s.deps.Workflow.InstanceAction(r.Context(), a, r.PathValue("id"), r.PathValue("action"), in); err != nil {
		return err
	}
	return s.getInstance(w, r, a)
}

// submitRecord submits a draft: through its instance on a workflow form,
// else by making it Effective.
func (s *Server) submitRecord(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	in, err := actionInput(r)
	if err != nil {
		return err
	}
	code, id := r.PathValue("code"), r.PathValue("id")
	o, _, err := s.deps.Records.LoadAs(r.Context(), a.Subject, code, id)
	if err != nil {
		return err
	}
	if o.Form.Workflow {
		if o.Sys.WorkflowInstanceID == "" {
			return apperr.New(apperr.Conflict, "对象 %s 没有流程实例 (the object has no instance)", id)
		}
		// The initiator's step at the start node: the engine lets only them
		// take it, whatever the grants (a task's business, like approving).
		err = s.deps.Workflow.InstanceAction(r.Context(), a, o.Sys.WorkflowInstanceID, workflow.ActSubmit, in)
	} else {
		err = s.deps.Records.Submit(r.Context(), a, code, id, in.Data)
	}
	if err != nil {
		return err
	}
	return s.answerRecord(w, r, a, http.StatusOK, code, id)
}

// userContext applies X-User-Id-Type / X-User-Id: an engine credential may
// act as any enabled user — their lists, their tasks, and their
// permissions (the actor carries their resolved subject, from the org
// cache: a warm USERID lookup runs no query).
func (s *Server) userContext(r *http.Request, a record.Actor) (record.Actor, error) {
	ref, err := headerRef(r)
	if err != nil {
		return a, err
	}
	return s.actAsRef(r, a, ref)
}

// actAsRef is the actor for user context ref (none: a itself). A token
// needs scope impersonate for it; an unknown or disabled user is 400
// naming the type and value, and the header or body key it came in.
func (s *Server) actAsRef(r *http.Request, a record.Actor, ref userRef) (record.Actor, error) {
	if ref.id == "" {
		return a, nil
	}
	if c := callerOf(r); c != nil && !c.token.Has(auth.ScopeImpersonate) {
		return a, errMissingScope(auth.ScopeImpersonate)
	}
	by := strings.ToUpper(orUserID(ref.by))
	id, err := s.deps.Org.FindUserID(r.Context(), by, ref.id)
	if err == nil {
		a, err = s.actAs(r.Context(), by, id)
	}
	if err != nil {
		err = contextErr(err)
		if ref.inBody {
			err = asBodyRef(err)
		}
	}
	return a, err
}

// contextErr makes a user context that names no enabled user, or an
// unknown id type, a 400 [spec: "Unknown user → 400 naming the type and
// value"]: the request cannot be run as meant.
func contextErr(err error) error {
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid && (e.Field == "X-User-Id" || e.Field == "X-User-Id-Type") {
		c := *e
		c.Code = apperr.Malformed
		return &c
	}
	return err
}

// actAs is the actor for the enabled user id (by names how the caller
// named them, for the error).
func (s *Server) actAs(ctx context.Context, by, id string) (record.Actor, error) {
	if id == s.deps.Admin.UserID {
		return s.deps.Admin, nil // the administrator is not held to grants
	}
	sub, err := s.deps.Org.Subject(ctx, id)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !sub.Enabled) {
		return record.Actor{}, apperr.Field("X-User-Id", "用户不存在: %s=%s (no enabled user with this %s)", by, wiretext.Clip(id), strings.ToLower(by))
	}
	if err != nil {
		return record.Actor{}, err
	}
	a := record.Actor{UserID: sub.UserID, Subject: sub.Access()}
	if len(sub.Departments) > 0 {
		a.DepartmentID = sub.Departments[0]
	}
	return a, nil
}
