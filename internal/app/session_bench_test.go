package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// BenchmarkSessionRead compares GET /api/v1/forms/{code}/records/{id}
// authenticated by a console session with the same request authenticated
// by engine credentials (the reference), both as the administrator, in
// the same run; and times a sign-in at the production argon2id cost.
func BenchmarkSessionRead(b *testing.B) {
	for _, kind := range sqldbtest.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			cfg := sessionConfig(b, kind)
			cfg.PasswordCost = auth.DefaultPasswordParams
			s := startServer(b, cfg)
			s.mustCreateForm(map[string]any{"code": "D000200Bench", "name": "Bench", "fields": []map[string]any{
				{"code": "F0000001", "name": "名称", "type": "text"}, {"code": "F0000002", "name": "金额", "type": "decimal", "scale": 2}}})
			id := s.mustJSON("POST", "/api/v1/forms/D000200Bench/records", map[string]any{"F0000001": "x", "F0000002": "12.50"}, 201)["ObjectId"].(string)
			s.setPassword(s.App.Admin.UserID, testPassword)
			br := s.signIn("admin", testPassword)
			url := s.URL + "/api/v1/forms/D000200Bench/records/" + id
			get := func(b *testing.B, hdr ...string) {
				req, _ := http.NewRequest("GET", url, nil)
				for i := 0; i+1 < len(hdr); i += 2 {
					req.Header.Set(hdr[i], hdr[i+1])
				}
				b.ResetTimer()
				for range b.N {
					resp, err := s.client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Fatalf("HTTP %d", resp.StatusCode)
					}
				}
			}
			b.Run("engine", func(b *testing.B) { get(b, "EngineCode", testCode, "EngineSecret", testSecret) })
			b.Run("session", func(b *testing.B) { get(b, "Cookie", "tritium_session="+br.cookie) })
			b.Run("login", func(b *testing.B) {
				for range b.N {
					resp, err := s.client.Post(s.URL+"/api/v1/session", "application/json", strings.NewReader(`{"login":"admin","password":"`+testPassword+`"}`))
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 201 {
						b.Fatalf("HTTP %d", resp.StatusCode)
					}
				}
			})
		})
	}
}
