package workflow

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// An external-approval node (Node.External) hands its decision to another
// system: on entering, the engine creates one task with no assignee and a
// one-time callback token, and sends a signed request carrying both; the
// system's callback (DecideExternal) approves or rejects that task once.
// Only the token's SHA-256 is stored, so the table does not hold a usable
// credential; the callback must also be authenticated as an API caller.

// Requests sends the signed requests of external-approval nodes (package
// delivery, through the app, implements it): enqueued in tx, so a request
// exists exactly when the step that entered the node commits.
type Requests interface {
	Send(ctx context.Context, tx *sqldb.Tx, url, client string, body []byte, ref string) error
	// CheckURL refuses a URL the network policy does not let requests
	// reach, naming field.
	CheckURL(field, url string) error
}

// checkExternals checks the request URLs of def's external-approval
// nodes against the network policy, when the process is stored.
func (e *Engine) checkExternals(def *model.Definition) error {
	for _, n := range def.Nodes {
		if n == nil || n.External == nil {
			continue
		}
		if e.requests == nil {
			return apperr.Field(n.ID, "节点 %s 是外部审批, 但本服务器未启用外部请求 (node %s is an external approval, but this server sends no requests)", n.ID, n.ID)
		}
		if err := e.requests.CheckURL(n.ID, n.External.URL); err != nil {
			return err
		}
	}
	return nil
}

// SetExternal connects the sender of external-approval requests.
func (e *Engine) SetExternal(req Requests) { e.requests = req }

// SetPublicURL sets the server's public address, which callback
// addresses start with (known once the server listens).
func (e *Engine) SetPublicURL(base string) {
	base = strings.TrimRight(base, "/")
	e.publicURL.Store(&base)
}

func (e *Engine) callbackBase() string {
	if p := e.publicURL.Load(); p != nil {
		return *p
	}
	return ""
}

// ExternalRequest is the body of an external-approval request.
type ExternalRequest struct {
	Event       string          `json:"event"` // "external_approval.requested"
	InstanceID  string          `json:"instanceId"`
	TaskID      string          `json:"taskId"`
	Node        string          `json:"node"`
	NodeName    string          `json:"nodeName,omitempty"`
	Form        string          `json:"form"`
	ObjectID    string          `json:"objectId"`
	Initiator   string          `json:"initiator"`
	Record      json.RawMessage `json:"record,omitempty"`
	Token       string          `json:"token"`
	CallbackURL string          `json:"callbackUrl"`
	// ExpiresAt is when the node's timeout acts, if it has one: a
	// callback after it is refused.
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// ExternalDecision is an external system's callback.
type ExternalDecision struct {
	Action   string `json:"action"`   // approve or reject
	Approver string `json:"approver"` // who decided there (a name: not a user of ours)
	Comment  string `json:"comment"`
}

// ExternalResult answers a callback.
type ExternalResult struct {
	InstanceID     string `json:"instanceId"`
	TaskID         string `json:"taskId"`
	TaskStatus     string `json:"taskStatus"`
	InstanceStatus string `json:"instanceStatus"`
}

// enterExternal opens the node's one task; its request goes out on save.
func (r *run) enterExternal(token string, n *model.Node) error {
	id := newID()
	if err := r.emit(EvTask, EventData{Task: id, Node: n.ID, Token: token, Kind: KindApproval, Status: TaskPending, External: true}); err != nil {
		return err
	}
	r.planTimeout(token, n)
	if r.tx != nil {
		r.externals = append(r.externals, r.st.Tasks[id])
	}
	return nil
}

// sendExternals stores the tokens of the run's new external tasks and
// enqueues their requests, in the run's transaction.
func (r *run) sendExternals() error {
	for _, t := range r.externals {
		if !t.Open() { // decided in the same run (a timeout of zero)
			continue
		}
		n := r.c.def.Node(t.Node)
		if r.e.requests == nil {
			return fmt.Errorf("instance %s: node %s needs an external approval, but no sender is connected", r.id, n.ID)
		}
		token, err := newExternalToken()
		if err != nil {
			return err
		}
		d := r.tx.Dialect()
		if _, err := r.tx.Exec(r.ctx, "INSERT INTO wf_external (token_hash, instance_id, task_id, node_id, created_time) VALUES (?, ?, ?, ?, ?)",
			hashToken(token), r.id, t.ID, n.ID, d.TimeValue(r.now)); err != nil {
			return fmt.Errorf("store external approval of %s: %w", r.id, err)
		}
		req := ExternalRequest{Event: "external_approval.requested", InstanceID: r.id, TaskID: t.ID, Node: n.ID, NodeName: n.Name,
			Form: r.st.Form, ObjectID: r.st.Object, Initiator: r.st.Initiator, Token: token,
			CallbackURL: r.e.callbackBase() + "/api/v1/external-approvals/" + token}
		if to := n.Timeout; to != nil && to.Action != model.TimeoutRemind && to.After != "" {
			if dur, err := model.ParseDuration(to.After); err == nil {
				at := t.Created.Add(dur)
				req.ExpiresAt = &at
			}
		}
		if o, err := r.record(); err == nil {
			enc := record.Encoder{Codec: r.e.forms.Codec(), Flavor: form.REST}
			req.Record = enc.Append(nil, o)
		}
		body, err := json.Marshal(req)
		if err != nil {
			return err
		}
		if err := r.e.requests.Send(r.ctx, r.tx, n.External.URL, n.External.Client, body, t.ID); err != nil {
			return fmt.Errorf("send external approval of %s: %w", r.id, err)
		}
	}
	r.externals = nil
	return nil
}

func newExternalToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("external approval token: %w", err)
	}
	return "xa_" + base64.RawURLEncoding.EncodeToString(b), nil
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Limits of a callback's texts.
const (
	maxApproverLen = 200
	maxCommentLen  = 2000
)

func checkDecision(d ExternalDecision) error {
	if d.Action != ActApprove && d.Action != ActReject {
		return apperr.Field("action", "action 须为 approve 或 reject (action must be approve or reject)")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"approver", d.Approver, maxApproverLen}, {"comment", d.Comment, maxCommentLen}} {
		if !utf8.ValidString(f.v) || strings.ContainsRune(f.v, 0) {
			return apperr.Field(f.name, "%s 含无效字符 (%s holds invalid UTF-8 or a NUL byte)", f.name, f.name)
		}
		if utf8.RuneCountInString(f.v) > f.max {
			return apperr.Field(f.name, "%s 超过 %d 个字符 (%s is longer than %d characters)", f.name, f.max, f.name, f.max)
		}
	}
	if strings.TrimSpace(d.Approver) == "" {
		return apperr.Field("approver", "缺少 approver (审批人) (approver is required)")
	}
	return nil
}

var errUnknownExternal = apperr.New(apperr.NotFound, "外部审批令牌无效 (unknown external-approval token)")

// DecideExternal applies an external system's callback: once, while the
// task is open. A repeated, late or unknown callback changes nothing.
func (e *Engine) DecideExternal(ctx context.Context, token string, d ExternalDecision) (ExternalResult, error) {
	var out ExternalResult
	if err := checkDecision(d); err != nil {
		return out, err
	}
	if !strings.HasPrefix(token, "xa_") || len(token) > 100 {
		return out, errUnknownExternal
	}
	h := hashToken(token)
	err := e.write(ctx, func(tx *sqldb.Tx) error {
		var instanceID, taskID, nodeID string
		var decided sql.NullString
		err := tx.QueryRow(ctx, "SELECT instance_id, task_id, node_id, decision FROM wf_external WHERE token_hash = ?", h).
			Scan(&instanceID, &taskID, &nodeID, &decided)
		if errors.Is(err, sql.ErrNoRows) {
			return errUnknownExternal
		}
		if err != nil {
			return fmt.Errorf("find external approval: %w", err)
		}
		if decided.Valid {
			return apperr.New(apperr.Conflict, "该外部审批已回调过 (%s), 不能重复处理 (this external approval was already decided: %s)", decided.String, decided.String)
		}
		r, err := e.begin(ctx, tx, instanceID, "", nil)
		if err != nil {
			return err
		}
		t := r.st.Tasks[taskID]
		if r.st.Status != Running || t == nil || !t.Open() {
			status := r.st.Status
			if t != nil && r.st.Status == Running {
				status = t.Status
			}
			return apperr.New(apperr.Conflict, "该外部审批已不再等待回调 (%s) (this external approval no longer waits for a decision: %s)", status, status)
		}
		status := TaskApproved
		if d.Action == ActReject {
			status = TaskRejected
		}
		if err := r.emit(EvTaskSet, EventData{Task: t.ID, Status: status, Comment: d.Comment, By: d.Approver}); err != nil {
			return err
		}
		if err := r.evaluate(t.Token, r.c.def.Node(nodeID)); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, "UPDATE wf_external SET decision = ?, decided_time = ? WHERE token_hash = ? AND decision IS NULL",
			d.Action, tx.Dialect().TimeValue(r.now), h)
		if err != nil {
			return fmt.Errorf("mark external approval: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return apperr.New(apperr.Conflict, "该外部审批已回调过 (this external approval was already decided)")
		}
		if err := r.save(); err != nil {
			return err
		}
		out = ExternalResult{InstanceID: instanceID, TaskID: taskID, TaskStatus: status, InstanceStatus: r.st.Status}
		return nil
	})
	return out, err
}
