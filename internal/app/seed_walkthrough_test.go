package app_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/delivery"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// TestSeedWalkthrough plays the Zhenling seed's integration walk-through
// (seeds/002, "集成示例") end to end over HTTP, as an ERP would: a token by
// client credentials; departments, positions and employees upserted; a
// contract file uploaded with its sourceDocumentNumber; the contract
// created through an async batch with sourceSystem/sourceCode and its
// signed callback verified; the file's preview link opened without
// credentials; the legal officer's todo list read and a task approved in
// their user context; and an external-approval node completed by the
// external system's callback. docs/integration-guide.md tells the same
// story with curl and Go.
func TestSeedWalkthrough(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		s := deliveryServer(t, kind)
		erp := newReceiver(t) // the ERP: callbacks and external-approval requests

		// The administrator sets up the contract form, its process and the
		// ERP's client (engine credentials: the console's job).
		s.mustCreateForm(map[string]any{
			"code": "D000050Contract", "name": "合同", "workflow": true,
			"fields": []map[string]any{
				{"code": "F0000001", "name": "合同名称", "type": "text", "required": true},
				{"code": "F0000002", "name": "金额", "type": "decimal", "scale": 2},
				{"code": "F0000003", "name": "合同文件", "type": "attachment"},
			},
		})
		clientID, clientSecret := s.mustClient(map[string]any{"name": "ERP",
			"scopes": []string{"records:read", "records:write", "workflow", "files", "org", "impersonate"}})

		// 1. 获取 Token (client credentials, HTTP Basic).
		form := url.Values{"grant_type": {"client_credentials"}}
		req, _ := http.NewRequest("POST", s.URL+"/oauth/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(clientID+":"+clientSecret)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			ExpiresIn   int    `json:"expires_in"`
		}
		json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if resp.StatusCode != 200 || tok.TokenType != "Bearer" || tok.AccessToken == "" || tok.ExpiresIn <= 0 {
			t.Fatalf("token: HTTP %d %+v", resp.StatusCode, tok)
		}
		bearer := []string{"EngineCode", "", "EngineSecret", "", "Authorization", "Bearer " + tok.AccessToken}
		call := func(method, path string, body any, want int, hdr ...string) map[string]any {
			t.Helper()
			return s.mustJSON(method, path, body, want, append(append([]string{}, bearer...), hdr...)...)
		}
		ids := func(out map[string]any) []string {
			t.Helper()
			var got []string
			for _, r := range out["items"].([]any) {
				m := r.(map[string]any)
				if m["error"] != nil {
					t.Fatalf("upsert item refused: %v", m)
				}
				got = append(got, m["id"].(string))
			}
			return got
		}

		// 2. Master data first: departments, positions, employees (4.1–4.3).
		hq := ids(call("POST", "/api/v1/departments:upsert", map[string]any{"items": []map[string]any{
			{"externalId": "ORG-HQ", "name": "总部"}}}, 200))[0]
		legal := ids(call("POST", "/api/v1/departments:upsert", map[string]any{"items": []map[string]any{
			{"externalId": "ORG-LEGAL", "name": "法务部", "parentId": hq},
			{"externalId": "ORG-SALES", "name": "销售部", "parentId": hq}}}, 200))
		pos := ids(call("POST", "/api/v1/positions:upsert", map[string]any{"items": []map[string]any{
			{"externalId": "POS-FW", "code": "FW-01", "name": "法务专员", "departmentId": legal[0]},
			{"externalId": "POS-JB", "code": "XS-JB", "name": "合同经办人", "departmentId": legal[1]}}}, 200))
		users := ids(call("POST", "/api/v1/users:upsert", map[string]any{"items": []map[string]any{
			{"externalId": "E-1001", "name": "张法务", "loginName": "zhangfw", "email": "zhangfw@example.com", "departmentId": legal[0], "positionIds": []string{pos[0]}},
			{"externalId": "E-1002", "name": "李经办", "loginName": "lijb", "email": "lijb@example.com", "departmentId": legal[1], "positionIds": []string{pos[1]}}}}, 200))
		// Again, as a nightly sync would: nothing new.
		if again := call("POST", "/api/v1/users:upsert", map[string]any{"items": []map[string]any{
			{"externalId": "E-1001", "name": "张法务"}}}, 200); again["created"] != json.Number("0") && again["created"] != float64(0) {
			t.Errorf("a repeated upsert created: %v", again)
		}

		// The process: the legal officer (by position), then the ERP's own
		// approval (an external-approval node signed with the client's secret).
		s.mustJSON("PUT", "/api/v1/forms/D000050Contract/workflow", `{"type":"start","next":`+
			`{"type":"approval","id":"legal","name":"法务审核","assignees":[{"kind":"position","ids":["`+pos[0]+`"]}],"next":`+
			`{"type":"approval","id":"erp","name":"ERP 审批","external":{"url":"`+erp.URL+`/approve","client":"`+clientID+`"}}}}`, 200)

		// 3. 合同文件上传, with the ERP's document number.
		pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
		body, ct := multipartBody(t, part{name: "sourceSystem", body: []byte("ERP")}, part{name: "sourceDocumentNumber", body: []byte("HT-2026-001")},
			part{name: "file", filename: "采购合同.pdf", contentType: "application/pdf", body: pdf})
		status, out := s.do("POST", "/api/v1/files", body, append(append([]string{}, bearer...), "Content-Type", ct)...)
		if status != 201 {
			t.Fatalf("upload: HTTP %d %s", status, out)
		}
		file := decode(t, out)
		fileKey := file["fileKey"].(string)
		if file["sourceDocumentNumber"] != "HT-2026-001" || file["name"] != "采购合同.pdf" {
			t.Errorf("uploaded file %v", file)
		}

		// 4. 创建合同: an async batch, as 李经办 (user context in the body),
		// submitted into the approval; sourceCode = sourceDocumentNumber.
		batch := call("POST", "/api/v1/batches", map[string]any{
			"form": "D000050Contract", "operation": "create", "sourceSystem": "ERP", "submit": true,
			"callbackUrl": erp.URL + "/callback/createContract", "userIdType": "LOGINNAME", "userId": "lijb",
			"items": []map[string]any{{"sourceCode": "HT-2026-001", "data": map[string]any{
				"F0000001": "设备采购合同", "F0000002": "1200.50", "F0000003": []string{fileKey}}}},
		}, 202)
		if batch["status"] != "queued" {
			t.Fatalf("batch answer %v", batch)
		}

		// 5. The signed callback: code + subCode, sourceSystem + sourceCode.
		cb := erp.next(t)
		if cb.header.Get("X-Tritium-Event") != "batch.completed" {
			t.Fatalf("first request to the ERP: %s %s", cb.header.Get("X-Tritium-Event"), cb.body)
		}
		if !delivery.Verify(clientSecret, cb.header.Get("X-Tritium-Timestamp"), cb.body, cb.header.Get("X-Tritium-Signature")) {
			t.Fatal("the callback's signature does not verify with the client secret")
		}
		var result struct {
			BatchID, Code, SubCode, SourceSystem string
			Items                                []struct{ SourceCode, ObjectID, Code, SubCode, Message string }
		}
		if err := json.Unmarshal(cb.body, &result); err != nil {
			t.Fatal(err)
		}
		if result.BatchID != batch["batchId"] || result.Code != "0" || result.SubCode != "success" || result.SourceSystem != "ERP" ||
			len(result.Items) != 1 || result.Items[0].SourceCode != "HT-2026-001" || result.Items[0].Code != "0" || result.Items[0].SubCode != "created" {
			t.Fatalf("callback %s", cb.body)
		}
		objectID := result.Items[0].ObjectID
		contract := call("GET", "/api/v1/forms/D000050Contract/records/source/ERP/HT-2026-001", nil, 200)
		if contract["ObjectId"] != objectID || contract["OwnerId"] != users[1] || contract["Status"] != json.Number("2") && contract["Status"] != float64(2) {
			t.Fatalf("the contract as stored: %v", contract)
		}

		// 6. 获取文件预览链接, opened by a browser with no credentials.
		link := call("POST", "/api/v1/files/"+fileKey+"/preview-link", nil, 200)
		presp, err := http.Get(link["url"].(string))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(presp.Body)
		presp.Body.Close()
		if presp.StatusCode != 200 || string(got) != string(pdf) || presp.Header.Get("Content-Type") != "application/pdf" ||
			presp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(presp.Header.Get("Content-Disposition"), "inline") {
			t.Fatalf("preview: HTTP %d %v", presp.StatusCode, presp.Header)
		}

		// 7. 个人待办列表 as 张法务 (by email), then 审批同意 in his context.
		as := []string{"X-User-Id-Type", "EMAIL", "X-User-Id", "zhangfw@example.com"}
		todo := call("GET", "/api/v1/tasks?view=todo", nil, 200, as...)
		items := todo["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["objectId"] != objectID {
			t.Fatalf("张法务's todo list: %v", todo)
		}
		task := items[0].(map[string]any)["taskId"].(string)
		if other := call("GET", "/api/v1/tasks?view=todo", nil, 200, "X-User-Id-Type", "LOGINNAME", "X-User-Id", "lijb"); len(other["items"].([]any)) != 0 {
			t.Errorf("李经办 has todo tasks: %v", other)
		}
		call("POST", "/api/v1/tasks/"+task+"/approve", map[string]any{"comment": "条款无误", "userIdType": "EMAIL", "userId": "zhangfw@example.com"}, 200)
		done := call("GET", "/api/v1/tasks?view=done", nil, 200, as...)
		if len(done["items"].([]any)) != 1 {
			t.Errorf("张法务's done list: %v", done)
		}

		// 8. 外部系统审批后回调: the ERP gets the signed request, decides, calls back.
		ext := erp.next(t)
		if ext.header.Get("X-Tritium-Event") != "external_approval.requested" ||
			!delivery.Verify(clientSecret, ext.header.Get("X-Tritium-Timestamp"), ext.body, ext.header.Get("X-Tritium-Signature")) {
			t.Fatalf("external-approval request %v %s", ext.header, ext.body)
		}
		var xreq struct{ ObjectID, CallbackURL string }
		json.Unmarshal(ext.body, &xreq)
		if xreq.ObjectID != objectID {
			t.Fatalf("external-approval request for %s, want %s", xreq.ObjectID, objectID)
		}
		decided := call("POST", strings.TrimPrefix(xreq.CallbackURL, s.URL), map[string]any{"action": "approve", "approver": "ERP 王总", "comment": "同意签署"}, 200)
		if decided["instanceStatus"] != "approved" {
			t.Fatalf("after the external approval: %v", decided)
		}
		// Once only.
		if status, _ := s.do("POST", strings.TrimPrefix(xreq.CallbackURL, s.URL), map[string]any{"action": "reject", "approver": "x"}, bearer...); status != 409 {
			t.Errorf("a second callback: HTTP %d", status)
		}
		contract = call("GET", "/api/v1/forms/D000050Contract/records/source/ERP/HT-2026-001", nil, 200)
		if contract["Status"] != json.Number("1") && contract["Status"] != float64(1) {
			t.Fatalf("the contract after both approvals: Status %v", contract["Status"])
		}
	})
}
