package connector_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// echo answers with what authenticated the request.
func echoServer(t *testing.T, oauthIssued *int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			r.ParseForm()
			id, sec, _ := r.BasicAuth()
			if id != "cid" || sec != "csecret" || r.Form.Get("grant_type") != "client_credentials" {
				w.WriteHeader(401)
				return
			}
			*oauthIssued++
			writeJSON(w, `{"access_token":"oat-1","token_type":"bearer","expires_in":3600}`)
			return
		}
		b, _ := io.ReadAll(r.Body)
		h := r.Header
		writeJSON(w, `{"auth":"`+h.Get("Authorization")+`","key":"`+h.Get("X-Api-Key")+r.URL.Query().Get("api_key")+
			`","sig":"`+h.Get("X-Sig")+`","ts":"`+h.Get("X-Timestamp")+`","nonce":"`+h.Get("X-Nonce")+`","uri":"`+r.URL.RequestURI()+`","body":`+string(b)+`}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAuthMethods(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		issued := 0
		srv := echoServer(t, &issued)
		s, _ := newService(t, kind)
		iface := []connector.Interface{{Key: "echo", Method: "POST", Path: "/echo", Body: map[string]any{"x": 1}}}
		secrets := map[string]string{"pw": "pa55word", "key": "key-123456", "csec": "csecret"}
		cases := []struct {
			auth  connector.Auth
			check func(d map[string]any) bool
		}{
			{connector.Auth{Method: "basic", Username: "u", Password: "{{secret.pw}}"}, func(d map[string]any) bool { return d["auth"] == "Basic dTpwYTU1d29yZA==" }},
			{connector.Auth{Method: "bearer", Token: "{{secret.key}}"}, func(d map[string]any) bool { return d["auth"] == "Bearer key-123456" }},
			{connector.Auth{Method: "api_key", Name: "X-Api-Key", Value: "{{secret.key}}"}, func(d map[string]any) bool { return d["key"] == "key-123456" }},
			{connector.Auth{Method: "api_key", In: "query", Name: "api_key", Value: "{{secret.key}}"}, func(d map[string]any) bool { return d["key"] == "key-123456" }},
			{connector.Auth{Method: "oauth2_client_credentials", TokenURL: srv.URL + "/oauth/token", ClientID: "cid", ClientSecret: "{{secret.csec}}"},
				func(d map[string]any) bool { return d["auth"] == "Bearer oat-1" }},
			{connector.Auth{Method: "hmac_signature", Key: "{{secret.key}}", SignatureHeader: "X-Sig"}, func(d map[string]any) bool {
				m := hmac.New(sha256.New, []byte("key-123456"))
				m.Write([]byte(connector.Canonical("POST", d["uri"].(string), d["ts"].(string), d["nonce"].(string), []byte(`{"x":1}`))))
				return d["sig"] == hex.EncodeToString(m.Sum(nil)) && d["nonce"] != ""
			}},
			{connector.Auth{Method: "script"}, func(d map[string]any) bool { return d["auth"] == "Script pg-script" }},
		}
		for i, c := range cases {
			key := "p" + string(rune('a'+i))
			mustPlatform(t, s, connector.Platform{Key: key, BaseURL: srv.URL, Network: local, Auth: c.auth, Interfaces: iface})
			mustInstance(t, s, key, connector.Instance{Key: "i", Secrets: secrets})
			if c.auth.Method == "script" {
				_, err := s.Call(ctx, connector.CallRequest{Platform: key, Interface: "echo"})
				wantCallErr(t, err, "script")
				s.SetScriptAuth(func(ctx context.Context, platform, instance string, req *http.Request) error {
					req.Header.Set("Authorization", "Script "+platform+"-script")
					return nil
				})
			}
			res, err := s.Call(ctx, connector.CallRequest{Platform: key, Interface: "echo"})
			if err != nil {
				t.Fatalf("%s: %v", c.auth.Method, err)
			}
			if d, _ := res.Data.(map[string]any); d == nil || !c.check(d) {
				t.Errorf("%s: the server saw %v", c.auth.Method, res.Data)
			}
		}
		s.Call(ctx, connector.CallRequest{Platform: "pe", Interface: "echo"})
		if issued != 1 {
			t.Errorf("oauth2 token fetched %d times, want 1 (cached)", issued)
		}
		// No secret in the log.
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		calls, total, err := s.ListCalls(ctx, connector.CallQuery{Limit: 500})
		if err != nil || total < len(cases) {
			t.Fatalf("log: %d %v", total, err)
		}
		for _, c := range calls {
			all := c.URL + c.RequestBody + c.ResponseBody + strings.Join(values(c.RequestHeaders), " ")
			for _, sec := range []string{"pa55word", "key-123456", "oat-1", "dTpwYTU1d29yZA=="} {
				if strings.Contains(all, sec) {
					t.Errorf("call %s/%s logs %q: %s", c.Platform, c.Interface, sec, all)
				}
			}
		}
	})
}

func values(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+": "+v)
	}
	return out
}
