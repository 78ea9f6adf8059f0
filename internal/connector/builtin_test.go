package connector_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// vendor is a fake of one IM vendor's API: it issues tokens, can revoke
// them early (as WeCom may), and records what it was sent.
type vendor struct {
	*httptest.Server
	mu       sync.Mutex
	issued   int
	valid    map[string]bool
	sent     []map[string]any
	lastAuth string
	lastURL  string
}

func (v *vendor) issue() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.issued++
	tok := fmt.Sprintf("tok%06d", v.issued)
	v.valid[tok] = true
	return tok
}

func (v *vendor) revokeAll() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.valid = map[string]bool{}
}

func (v *vendor) ok(tok string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.valid[tok]
}

func (v *vendor) record(r *http.Request) map[string]any {
	var body map[string]any
	json.NewDecoder(r.Body).Decode(&body)
	v.mu.Lock()
	v.sent = append(v.sent, body)
	v.lastAuth, v.lastURL = r.Header.Get("Authorization"), r.URL.String()
	v.mu.Unlock()
	return body
}

func writeJSON(w http.ResponseWriter, s string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	io.WriteString(w, s)
}

func newVendor(t *testing.T, h func(v *vendor, w http.ResponseWriter, r *http.Request)) *vendor {
	v := &vendor{valid: map[string]bool{}}
	v.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(v, w, r) }))
	t.Cleanup(v.Close)
	return v
}

// wecom speaks WeCom's wire format (connectors.md §1).
func wecom(v *vendor, w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch r.URL.Path {
	case "/cgi-bin/gettoken":
		if q.Get("corpid") != "ww1" || q.Get("corpsecret") != "wecom-secret" {
			writeJSON(w, `{"errcode":40001,"errmsg":"invalid credential, more info at https://open.work.weixin.qq.com/devtool/query?e=40001"}`)
			return
		}
		writeJSON(w, `{"errcode":0,"errmsg":"ok","access_token":"`+v.issue()+`","expires_in":7200}`)
	case "/cgi-bin/message/send":
		if !v.ok(q.Get("access_token")) {
			writeJSON(w, `{"errcode":42001,"errmsg":"access_token expired"}`)
			return
		}
		v.record(r)
		writeJSON(w, `{"errcode":0,"errmsg":"ok","invaliduser":"","msgid":"m1"}`)
	}
}

func TestQywx(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		v := newVendor(t, wecom)
		s, _ := newService(t, kind)
		mustInstance(t, s, "qywx", connector.Instance{Key: "corp", BaseURL: v.URL, Network: local,
			Config: map[string]any{"corpid": "ww1", "agentid": 1000002}, Secrets: map[string]string{"corpsecret": "wecom-secret"}})
		// The seed's call.
		res, err := s.Call(ctx, connector.CallRequest{Platform: "qywx", Interface: "sendTextMessage", Args: []any{"UserID", "这是一条测试消息"}})
		if err != nil || res.Code != 200 || res.Message != "ok" {
			t.Fatalf("send: %+v %v", res, err)
		}
		got := v.sent[0]
		if got["touser"] != "UserID" || got["agentid"] != float64(1000002) || got["msgtype"] != "text" || got["text"].(map[string]any)["content"] != "这是一条测试消息" {
			t.Fatalf("sent %v", got)
		}
		// An array of users is joined by |; the token is reused.
		s.Call(ctx, connector.CallRequest{Platform: "qywx", Interface: "sendTextMessage", Args: []any{[]any{"a", "b"}, "hi"}})
		if v.sent[1]["touser"] != "a|b" || v.issued != 1 {
			t.Fatalf("touser %v, %d tokens", v.sent[1]["touser"], v.issued)
		}
		// WeCom invalidates the token early: one refresh, one retry.
		v.revokeAll()
		res, err = s.Call(ctx, connector.CallRequest{Platform: "qywx", Interface: "sendMarkdownMessage", Args: []any{"a", "**hi**"}})
		if err != nil || res.Code != 200 || v.issued != 2 || len(v.sent) != 3 || v.sent[2]["markdown"].(map[string]any)["content"] != "**hi**" {
			t.Fatalf("after revoke: %+v %v, %d tokens, %d sent", res, err, v.issued, len(v.sent))
		}
		// A vendor error is a result with the vendor's code.
		mustInstance(t, s, "qywx", connector.Instance{Key: "wrong", BaseURL: v.URL, Network: local,
			Config: map[string]any{"corpid": "ww1"}, Secrets: map[string]string{"corpsecret": "bad"}})
		_, err = s.Call(ctx, connector.CallRequest{Platform: "qywx", Instance: "wrong", Interface: "sendTextMessage", Args: []any{"a", "b"}})
		wantCallErr(t, err, "40001", "token")
	})
}

// dingtalk speaks DingTalk's legacy oapi format (connectors.md §2).
func dingtalk(v *vendor, w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch r.URL.Path {
	case "/gettoken":
		if q.Get("appsecret") != "ding-secret" {
			writeJSON(w, `{"errcode":40089,"errmsg":"invalid appsecret"}`)
			return
		}
		writeJSON(w, `{"errcode":0,"errmsg":"ok","access_token":"`+v.issue()+`","expires_in":7200}`)
	case "/topapi/message/corpconversation/asyncsend_v2":
		if !v.ok(q.Get("access_token")) {
			writeJSON(w, `{"errcode":88,"errmsg":"ding talk error"}`)
			return
		}
		v.record(r)
		writeJSON(w, `{"errcode":0,"errmsg":"ok","task_id":256271667526,"request_id":"r1"}`)
	}
}

func TestDingtalk(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		v := newVendor(t, dingtalk)
		s, _ := newService(t, kind)
		mustInstance(t, s, "dingtalk", connector.Instance{Key: "corp", BaseURL: v.URL, Network: local,
			Config: map[string]any{"appkey": "dingk", "agent_id": 123456789}, Secrets: map[string]string{"appsecret": "ding-secret"}})
		res, err := s.Call(ctx, connector.CallRequest{Platform: "dingtalk", Interface: "sendWorkText", Args: []any{[]any{"user123", "user456"}, "当前时间"}})
		if err != nil || res.Code != 200 || res.Data.(map[string]any)["task_id"] != float64(256271667526) {
			t.Fatalf("send: %+v %v", res, err)
		}
		got := v.sent[0]
		msg := got["msg"].(map[string]any)
		if got["userid_list"] != "user123,user456" || got["agent_id"] != float64(123456789) || msg["msgtype"] != "text" || msg["text"].(map[string]any)["content"] != "当前时间" {
			t.Fatalf("sent %v", got)
		}
		v.revokeAll()
		res, err = s.Call(ctx, connector.CallRequest{Platform: "dingtalk", Interface: "send_work_markdown", Args: []any{"u1", "标题", "# 正文"}})
		if err != nil || res.Code != 200 || v.issued != 2 {
			t.Fatalf("markdown after revoke: %+v %v (%d tokens)", res, err, v.issued)
		}
		if md := v.sent[1]["msg"].(map[string]any)["markdown"].(map[string]any); md["title"] != "标题" || md["text"] != "# 正文" {
			t.Fatalf("markdown %v", md)
		}
	})
}

// feishu speaks Feishu's open-apis format (connectors.md §3).
func feishu(v *vendor, w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/open-apis/auth/v3/tenant_access_token/internal" {
		var b map[string]string
		json.NewDecoder(r.Body).Decode(&b)
		if b["app_id"] != "cli_1" || b["app_secret"] != "feishu-secret" {
			writeJSON(w, `{"code":10003,"msg":"invalid param"}`)
			return
		}
		writeJSON(w, `{"code":0,"msg":"ok","tenant_access_token":"t-`+v.issue()+`","expire":7200}`)
		return
	}
	if !v.ok(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer t-")) {
		writeJSON(w, `{"code":99991663,"msg":"Invalid access token for authorization."}`)
		return
	}
	body := v.record(r)
	switch r.URL.Path {
	case "/open-apis/im/v1/messages":
		writeJSON(w, fmt.Sprintf(`{"code":0,"msg":"success","data":{"message_id":"om_1","msg_type":%q}}`, body["msg_type"]))
	case "/open-apis/im/v1/chats":
		writeJSON(w, `{"code":0,"msg":"success","data":{"chat_id":"oc_1","invalid_id_list":[]}}`)
	case "/open-apis/contact/v3/departments/0/children":
		writeJSON(w, `{"code":0,"msg":"success","data":{"has_more":false,"items":[{"name":"研发部","open_department_id":"od-1"}]}}`)
	case "/open-apis/contact/v3/users/find_by_department":
		writeJSON(w, `{"code":0,"data":{"has_more":false,"items":[{"open_id":"ou_1","name":"张三"}]}}`)
	default:
		w.WriteHeader(404)
	}
}

func TestFeishu(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		v := newVendor(t, feishu)
		s, _ := newService(t, kind)
		mustInstance(t, s, "feishu", connector.Instance{Key: "tenant", BaseURL: v.URL, Network: local,
			Config: map[string]any{"app_id": "cli_1"}, Secrets: map[string]string{"app_secret": "feishu-secret"}})
		res, err := s.Call(ctx, connector.CallRequest{Platform: "feishu", Interface: "sendText", Args: []any{"ou_x", "Hello"}})
		if err != nil || res.Code != 200 || res.Message != "success" {
			t.Fatalf("text: %+v %v", res, err)
		}
		if got := v.sent[0]; got["content"] != `{"text":"Hello"}` || got["receive_id"] != "ou_x" || got["msg_type"] != "text" ||
			!strings.Contains(v.lastURL, "receive_id_type=open_id") || v.lastAuth != "Bearer t-tok000001" {
			t.Fatalf("sent %v to %s with %q", got, v.lastURL, v.lastAuth)
		}
		card := map[string]any{"config": map[string]any{"wide_screen_mode": true}, "elements": []any{map[string]any{"tag": "div"}}}
		v.revokeAll() // expired: 99991663, one refresh and one retry
		res, err = s.Call(ctx, connector.CallRequest{Platform: "feishu", Interface: "sendCard", Args: []any{"oc_1", card, "chat_id"}})
		if err != nil || res.Code != 200 || v.issued != 2 {
			t.Fatalf("card: %+v %v (%d tokens)", res, err, v.issued)
		}
		if got := v.sent[1]; got["content"] != `{"config":{"wide_screen_mode":true},"elements":[{"tag":"div"}]}` || got["msg_type"] != "interactive" || !strings.Contains(v.lastURL, "receive_id_type=chat_id") {
			t.Fatalf("card sent %v to %s", got, v.lastURL)
		}
		res, err = s.Call(ctx, connector.CallRequest{Platform: "feishu", Interface: "createChat", Args: []any{"[INC-1] 合同审批", []any{"ou_a", "ou_b"}, "ou_owner", "", "u-1"}})
		if err != nil || res.Data.(map[string]any)["data"].(map[string]any)["chat_id"] != "oc_1" {
			t.Fatalf("chat: %+v %v", res, err)
		}
		if got := v.sent[2]; got["owner_id"] != "ou_owner" || len(got["user_id_list"].([]any)) != 2 || !strings.Contains(v.lastURL, "uuid=u-1") {
			t.Fatalf("chat sent %v to %s", got, v.lastURL)
		}
		res, err = s.Call(ctx, connector.CallRequest{Platform: "feishu", Interface: "listDepartments"})
		if err != nil || res.Code != 200 || !strings.Contains(v.lastURL, "/departments/0/children") || !strings.Contains(v.lastURL, "page_size=50") {
			t.Fatalf("departments: %+v %v at %s", res, err, v.lastURL)
		}
		res, err = s.Call(ctx, connector.CallRequest{Platform: "feishu", Interface: "listUsers", Query: map[string]any{"department_id": "od-1"}})
		if err != nil || res.Code != 200 || !strings.Contains(v.lastURL, "department_id=od-1") {
			t.Fatalf("users: %+v %v at %s", res, err, v.lastURL)
		}
	})
}
