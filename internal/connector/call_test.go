package connector_test

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// crmServer answers like a small CRM and records the last request.
type crmServer struct {
	*httptest.Server
	last     *http.Request
	lastBody string
}

func newCRM(t *testing.T) *crmServer {
	c := &crmServer{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.last, c.lastBody = r, string(b)
		if r.Header.Get("X-Api-Key") != "k-very-secret" {
			w.WriteHeader(401)
			return
		}
		switch {
		case r.URL.Path == "/customers/12345":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"id":"12345","name":"张三","fields":"` + r.URL.Query().Get("fields") + `"}`))
		case r.URL.Path == "/customers" && r.Method == "POST":
			w.WriteHeader(201)
			w.Write(b)
		case r.URL.Path == "/garbage":
			w.Write([]byte("<html>oops</html>"))
		case r.URL.Path == "/slow":
			time.Sleep(1500 * time.Millisecond)
		case r.URL.Path == "/big":
			w.Write([]byte(strings.Repeat("x", 2048)))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(c.Close)
	return c
}

func crmService(t *testing.T, kind sqldb.Kind, base string) *connector.Service {
	s, _ := newService(t, kind)
	p := crmPlatform(base)
	p.Interfaces = append(p.Interfaces,
		connector.Interface{Key: "garbage", Path: "/garbage", Success: &connector.Success{CodePath: "errcode", OK: 0}},
		connector.Interface{Key: "slow", Path: "/slow", TimeoutSeconds: 1})
	mustPlatform(t, s, p)
	mustInstance(t, s, "crm_system", connector.Instance{Key: "prod", Secrets: map[string]string{"apikey": "k-very-secret"}})
	return s
}

func TestCallDirectAndChain(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		crm := newCRM(t)
		s := crmService(t, kind, crm.URL)
		// The seed's chain, and the camelCase name of a snake_case key.
		res, err := s.Call(ctx, connector.CallRequest{Platform: "crm_system", Interface: "get_customer_detail",
			Path: map[string]any{"id": "12345"}, Query: map[string]any{"fields": "name,phone"}, Header: map[string]any{"X-Custom": "value"}})
		if err != nil {
			t.Fatal(err)
		}
		data, _ := res.Data.(map[string]any)
		if res.Code != 200 || res.Status != 200 || res.Message != "OK" || data["name"] != "张三" || data["fields"] != "name,phone" {
			t.Fatalf("chain result %+v", res)
		}
		if crm.last.Header.Get("X-Custom") != "value" || res.Headers["content-type"] != "application/json" {
			t.Fatalf("header not sent, or result headers %v", res.Headers)
		}
		res, err = s.Call(ctx, connector.CallRequest{Platform: "crm_system", Interface: "getCustomerDetail", Args: []any{"12345"}})
		if err != nil || res.Data.(map[string]any)["id"] != "12345" {
			t.Fatalf("direct camelCase: %+v %v", res, err)
		}
		// Body params at their body paths; the chain's extra body members merge.
		res, err = s.Call(ctx, connector.CallRequest{Platform: "crm_system", Instance: "prod", Interface: "create_customer",
			Args: []any{"张三", "138"}})
		if err != nil || res.Code != 201 {
			t.Fatalf("create: %+v %v", res, err)
		}
		if crm.lastBody != `{"contact":{"phone":"138"},"name":"张三"}` {
			t.Fatalf("body %s", crm.lastBody)
		}
		_, err = s.Call(ctx, connector.CallRequest{Platform: "crm_system", Interface: "create_customer", HasBody: true,
			Body: map[string]any{"name": "李四", "vip": true}})
		if err != nil || crm.lastBody != `{"name":"李四","vip":true}` {
			t.Fatalf("chain body %s %v", crm.lastBody, err)
		}
		// An answer the success mapping cannot read: code = status, data = text.
		res, err = s.Call(ctx, connector.CallRequest{Platform: "crm_system", Interface: "garbage"})
		if err != nil || res.Code != 200 || res.Data != "<html>oops</html>" {
			t.Fatalf("garbage: %+v %v", res, err)
		}
		res, err = s.Call(ctx, connector.CallRequest{Platform: "crm_system", Interface: "get_customer_detail", Args: []any{"nobody"}})
		if err != nil || res.Code != 404 || res.Message != "Not Found" {
			t.Fatalf("404 is a result: %+v %v", res, err)
		}
	})
}

func TestCallBadRequests(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		crm := newCRM(t)
		s := crmService(t, kind, crm.URL)
		_, err := s.Call(ctx, connector.CallRequest{Platform: "nope", Interface: "x"})
		wantAppErr(t, err, apperr.NotFound, "nope")
		_, err = s.Call(ctx, connector.CallRequest{Platform: "crm_system", Instance: "staging", Interface: "x"})
		wantAppErr(t, err, apperr.NotFound, "staging")
		_, err = s.Call(ctx, connector.CallRequest{Platform: "crm_system", Interface: "getNothing"})
		wantAppErr(t, err, apperr.NotFound, "crm_system", "getNothing")
		_, err = s.Call(ctx, connector.CallRequest{Platform: "crm_system", Interface: "create_customer"})
		wantAppErr(t, err, apperr.Invalid, "name")
		_, err = s.Call(ctx, connector.CallRequest{Platform: "crm_system", Interface: "create_customer", Args: []any{1, 2, 3}})
		wantAppErr(t, err, apperr.Invalid, "args")
		_, err = s.Call(ctx, connector.CallRequest{Platform: "qywx", Interface: "sendTextMessage"})
		wantAppErr(t, err, apperr.NotFound, "qywx")
	})
}

func wantCallErr(t *testing.T, err error, words ...string) {
	t.Helper()
	var ce *connector.CallError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v (%T), want a *CallError", err, err)
	}
	for _, w := range append([]string{ce.Platform + "." + ce.Interface}, words...) {
		if !strings.Contains(ce.Error(), w) {
			t.Errorf("%q does not name %q", ce.Error(), w)
		}
	}
}

func TestCallTransportFailures(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		crm := newCRM(t)
		s := crmService(t, kind, crm.URL)
		_, err := s.Call(ctx, connector.CallRequest{Platform: "crm_system", Interface: "slow"})
		wantCallErr(t, err, "crm_system.slow", "timed out")

		// No allow entry: loopback is refused at dial time.
		p := crmPlatform(crm.URL)
		p.Key, p.Network = "closed", connector.Network{}
		mustPlatform(t, s, p)
		mustInstance(t, s, "closed", connector.Instance{Key: "i"})
		_, err = s.Call(ctx, connector.CallRequest{Platform: "closed", Interface: "get_customer_detail", Args: []any{"1"}})
		wantCallErr(t, err, "127.0.0.1", "not allowed by the network policy")
		// Nor does a name that resolves to loopback pass, nor metadata.
		for _, base := range []string{"http://localhost:" + crm.URL[strings.LastIndexByte(crm.URL, ':')+1:], "http://169.254.169.254", "http://[::1]:9", "http://10.1.2.3"} {
			p.Key, p.BaseURL = "closed2", base
			if _, _, err := s.PutPlatform(ctx, "closed2", p); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateInstance(ctx, "closed2", connector.Instance{Key: "i"}); err != nil && !apperr.Is(err, apperr.Conflict) {
				t.Fatal(err)
			}
			_, err = s.Call(ctx, connector.CallRequest{Platform: "closed2", Interface: "get_customer_detail", Args: []any{"1"}})
			wantCallErr(t, err, "not allowed by the network policy")
		}

		// Refused: a port nobody listens on.
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		dead := "http://" + ln.Addr().String()
		ln.Close()
		p.Key, p.BaseURL, p.Network = "dead", dead, local
		mustPlatform(t, s, p)
		mustInstance(t, s, "dead", connector.Instance{Key: "i"})
		_, err = s.Call(ctx, connector.CallRequest{Platform: "dead", Interface: "get_customer_detail", Args: []any{"1"}})
		wantCallErr(t, err, "connection refused")
	})
}

func TestCallBodyCapAndRedirects(t *testing.T) {
	db := sqldbtest.Open(t, sqldb.SQLite)
	s, err := connector.New(ctx, connector.Config{DB: db, Box: testBox(t), MaxResponseBytes: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hops := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			w.Write([]byte(strings.Repeat("x", 2048)))
		case "/loop":
			hops++
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data", http.StatusFound)
		}
	}))
	defer srv.Close()
	mustPlatform(t, s, connector.Platform{Key: "p", BaseURL: srv.URL, Network: local, Interfaces: []connector.Interface{
		{Key: "big", Path: "/big"}, {Key: "loop", Path: "/loop"}, {Key: "to_metadata", Path: "/to-metadata"}}})
	mustInstance(t, s, "p", connector.Instance{Key: "i"})
	_, err = s.Call(ctx, connector.CallRequest{Platform: "p", Interface: "big"})
	wantCallErr(t, err, "size cap")
	_, err = s.Call(ctx, connector.CallRequest{Platform: "p", Interface: "loop"})
	wantCallErr(t, err, "redirects")
	if hops != 6 {
		t.Errorf("%d hops, want 6 (the first and 5 redirects)", hops)
	}
	_, err = s.Call(ctx, connector.CallRequest{Platform: "p", Interface: "toMetadata"})
	wantCallErr(t, err, "169.254.169.254", "not allowed")
}

func TestResultShape(t *testing.T) {
	r := connector.Result{Code: 200, Data: map[string]any{"a": 1}, Message: "OK", Status: 200, Headers: map[string]string{}, DurationMS: 3, CallID: "x"}
	b, _ := json.Marshal(r)
	if string(b) != `{"code":200,"data":{"a":1},"message":"OK","status":200,"headers":{},"duration_ms":3}` {
		t.Fatalf("%s", b)
	}
}
