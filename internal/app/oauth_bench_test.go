package app_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// BenchmarkRESTReadAuth reads one record over loopback with engine
// credentials and with a bearer token, in one run: the token's cost is
// the ratio of the two (target: the bearer read ≥ 0.9× as fast), in three
// alternating rounds.
func BenchmarkRESTReadAuth(b *testing.B) {
	s := startServer(b, storeConfig(b, sqldb.SQLite))
	s.mustCreateForm(contractForm())
	status, body := s.do("POST", "/api/v1/forms/D000001Contract/records", map[string]any{"F0000001": "bench", "F0000007": 7})
	if status != 201 && status != 200 {
		b.Fatalf("create: %d %s", status, body)
	}
	url := s.URL + "/api/v1/forms/D000001Contract/records/" + decode(b, body)["ObjectId"].(string)
	id, secret := s.mustClient(map[string]any{"name": "bench", "scopes": []string{"records:read"}})
	tok := s.mustToken(id, secret, "")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	cases := []struct{ name, k1, v1, k2, v2 string }{
		{"engine", "EngineCode", testCode, "EngineSecret", testSecret},
		{"bearer", "Authorization", "Bearer " + tok, "", ""},
	}
	// Rounds alternate the two, so a machine busy with something else
	// slows both alike.
	for i := range 3 * len(cases) {
		c := cases[i%len(cases)]
		b.Run(c.name, func(b *testing.B) {
			b.SetParallelism(4)
			hammer(b, client, 200, func() *http.Request {
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set(c.k1, c.v1)
				if c.k2 != "" {
					req.Header.Set(c.k2, c.v2)
				}
				return req
			})
		})
	}
}

// hammer sends the requests req makes from parallel goroutines until the
// benchmark ends, failing on a transport error or a status other than want.
func hammer(b *testing.B, client *http.Client, want int, req func() *http.Request) {
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Do(req())
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				b.Errorf("HTTP %d, want %d", resp.StatusCode, want)
				return
			}
		}
	})
}
