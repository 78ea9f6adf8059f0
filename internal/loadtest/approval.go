package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// ApprovalFormDefinition is the approval scenario's form: a small expense
// claim that runs a workflow.
func ApprovalFormDefinition(code string) map[string]any {
	return map[string]any{
		"code": code, "name": "Bench approval", "workflow": true,
		"fields": []map[string]any{
			{"code": "Title", "type": "text", "required": true},
			{"code": "Amount", "type": "decimal", "scale": 2},
		},
	}
}

// SetupApproval creates the approval form when absent, with two approvers
// and the process start → approval → approval → end.
func (c *Client) SetupApproval(ctx context.Context) error {
	form := c.cfg.Form + "Approval"
	status, body, err := c.rest(ctx, "GET", "/api/v1/forms/"+form, nil)
	if err != nil {
		return err
	}
	if status == 200 {
		return nil
	}
	if status != 404 {
		return fmt.Errorf("get approval form: HTTP %d: %s", status, truncate(body))
	}
	var ids [2]string
	stamp := strconv.FormatInt(time.Now().UnixNano(), 36)
	for i := range ids {
		status, body, err := c.rest(ctx, "POST", "/api/v1/users", map[string]any{
			"name": fmt.Sprintf("Bench approver %d", i+1), "loginName": fmt.Sprintf("bench-approver-%d-%s", i+1, stamp), "enabled": true})
		if err != nil {
			return err
		}
		if status != 201 {
			return fmt.Errorf("create approver: HTTP %d: %s", status, truncate(body))
		}
		var u struct{ ID string }
		if err := json.Unmarshal(body, &u); err != nil {
			return fmt.Errorf("create approver: %w", err)
		}
		ids[i] = u.ID
	}
	if status, body, err = c.rest(ctx, "POST", "/api/v1/forms", ApprovalFormDefinition(form)); err != nil {
		return err
	}
	if status != 201 {
		return fmt.Errorf("create approval form: HTTP %d: %s", status, truncate(body))
	}
	step := func(id, user string, next map[string]any) map[string]any {
		return map[string]any{"type": "approval", "id": id, "name": id,
			"assignees": []map[string]any{{"kind": "user", "ids": []string{user}}}, "next": next}
	}
	tree := map[string]any{"type": "start", "id": "start",
		"next": step("manager", ids[0], step("finance", ids[1], map[string]any{"type": "end"}))}
	if status, body, err = c.rest(ctx, "PUT", "/api/v1/forms/"+form+"/workflow", tree); err != nil {
		return err
	}
	if status != 200 && status != 201 {
		return fmt.Errorf("put approval process: HTTP %d: %s", status, truncate(body))
	}
	return nil
}

// Approval is the approval scenario, one op per completed instance:
// CreateBizObject with IsSubmit true, then twice: read the instance, and
// approve its open task as that task's assignee (five HTTP calls).
func (c *Client) Approval(ctx context.Context, rng *rand.Rand) error {
	form := c.cfg.Form + "Approval"
	obj := fmt.Sprintf(`{"Title":"报销 %d","Amount":"%d.%02d"}`, rng.IntN(1e9), rng.IntN(10000), rng.IntN(100))
	rd, err := c.Invoke(ctx, []byte(`{"ActionName":"CreateBizObject","SchemaCode":`+quote(form)+`,"IsSubmit":true,"BizObject":`+quote(obj)+`}`))
	if err != nil {
		return err
	}
	var created struct{ WorkflowInstanceId string }
	if err := json.Unmarshal(rd, &created); err != nil {
		return fmt.Errorf("decode CreateBizObject: %w", err)
	}
	for range 2 {
		status, body, err := c.rest(ctx, "GET", "/api/v1/instances/"+created.WorkflowInstanceId, nil)
		if err != nil {
			return err
		}
		if status != 200 {
			return fmt.Errorf("get instance: HTTP %d: %s", status, truncate(body))
		}
		var inst struct {
			Tasks []struct{ ID, Assignee, Status, Kind string }
		}
		if err := json.Unmarshal(body, &inst); err != nil {
			return fmt.Errorf("decode instance: %w", err)
		}
		task, user := "", ""
		for _, t := range inst.Tasks {
			if t.Kind == "approval" && t.Status == "pending" {
				task, user = t.ID, t.Assignee
			}
		}
		if task == "" {
			return fmt.Errorf("instance %s has no pending approval", created.WorkflowInstanceId)
		}
		status, body, err = c.restAs(ctx, user, "POST", "/api/v1/tasks/"+task+"/approve", map[string]any{"comment": "ok"})
		if err != nil {
			return err
		}
		if status != 200 {
			return fmt.Errorf("approve: HTTP %d: %s", status, truncate(body))
		}
	}
	return nil
}
