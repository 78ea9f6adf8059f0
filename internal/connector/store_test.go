package connector_test

import (
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

func crmPlatform(base string) connector.Platform {
	return connector.Platform{Key: "crm_system", Name: "CRM", BaseURL: base, Network: local,
		Auth: connector.Auth{Method: "api_key", In: "header", Name: "X-Api-Key", Value: "{{secret.apikey}}"},
		Interfaces: []connector.Interface{
			{Key: "get_customer_detail", Method: "GET", Path: "/customers/{id}", Params: []connector.Param{
				{Name: "id", In: "path", Required: true}, {Name: "fields", In: "query"}}},
			{Key: "create_customer", Method: "POST", Path: "/customers", Params: []connector.Param{
				{Name: "name", In: "body", Required: true}, {Name: "phone", In: "body", BodyPath: "contact.phone"}}},
		}}
}

func TestPlatformStore(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		s, _ := newService(t, kind)
		mustPlatform(t, s, crmPlatform("https://crm.example.com"))
		if _, err := s.CreatePlatform(ctx, crmPlatform("https://crm.example.com")); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("duplicate create: %v", err)
		}
		p, err := s.GetPlatform("crm_system")
		if err != nil || p.Revision != 1 || len(p.Interfaces) != 2 || p.Interfaces[0].Method != "GET" {
			t.Fatalf("get: %+v %v", p, err)
		}
		bad := []struct {
			field string
			p     connector.Platform
		}{
			{"key", connector.Platform{Key: "1x", BaseURL: "https://a.example"}},
			{"baseUrl", connector.Platform{Key: "x", BaseURL: "ftp://a"}},
			{"auth.method", connector.Platform{Key: "x", BaseURL: "https://a.example", Auth: connector.Auth{Method: "magic"}}},
			{"auth.token", connector.Platform{Key: "x", BaseURL: "https://a.example", Auth: connector.Auth{Method: "bearer"}}},
			{"network.allow", connector.Platform{Key: "x", BaseURL: "https://a.example", Network: connector.Network{Allow: []string{"10.0.0.0/99"}}}},
			{"interfaces[0].path", connector.Platform{Key: "x", BaseURL: "https://a.example", Interfaces: []connector.Interface{{Key: "a", Path: "/a/{id}"}}}},
			{"interfaces[0].retries", connector.Platform{Key: "x", BaseURL: "https://a.example", Interfaces: []connector.Interface{{Key: "a", Method: "POST", Path: "/a", Retries: 1}}}},
			{"interfaces[0].timeoutSeconds", connector.Platform{Key: "x", BaseURL: "https://a.example", Interfaces: []connector.Interface{{Key: "a", Path: "/a", TimeoutSeconds: 61}}}},
			{"interfaces[1].key", connector.Platform{Key: "x", BaseURL: "https://a.example", Interfaces: []connector.Interface{{Key: "get_a", Path: "/a"}, {Key: "getA", Path: "/b"}}}},
			{"auth.tokenInterface", connector.Platform{Key: "x", BaseURL: "https://a.example", Auth: connector.Auth{Method: "token_fetch", TokenInterface: "nope", TokenPath: "t", Name: "n"}}},
		}
		for _, b := range bad {
			_, err := s.CreatePlatform(ctx, b.p)
			if e := apperr.As(err); e == nil || e.Field != b.field {
				t.Errorf("%s: got %v, want an error naming the field", b.field, err)
			} else {
				wantAppErr(t, err, apperr.Invalid)
			}
		}
		if len(s.ListPlatforms()) != 4 { // three built in + crm_system
			t.Fatalf("list: %d platforms", len(s.ListPlatforms()))
		}
		if _, err := s.CreatePlatform(ctx, connector.Platform{Key: "qywx", BaseURL: "https://a.example"}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("overwrite a built-in: %v", err)
		}
		if err := s.DeletePlatform(ctx, "feishu"); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("delete a built-in: %v", err)
		}
		np := crmPlatform("https://crm2.example.com")
		p, created, err := s.PutPlatform(ctx, "crm_system", np)
		if err != nil || created || p.Revision != 2 || p.BaseURL != "https://crm2.example.com" {
			t.Fatalf("put: %+v %v %v", p, created, err)
		}
		exp, err := s.ExportPlatform("qywx")
		if err != nil || exp.BuiltIn || exp.Key != "qywx" || len(exp.Interfaces) < 4 {
			t.Fatalf("export: %+v %v", exp, err)
		}
		exp.Key = "qywx_copy"
		if out, err := s.ImportPlatforms(ctx, []connector.Platform{*exp}); err != nil || out[0].Key != "qywx_copy" || out[0].BuiltIn {
			t.Fatalf("import: %v %v", out, err)
		}
		if err := s.DeletePlatform(ctx, "crm_system"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetPlatform("crm_system"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("after delete: %v", err)
		}
	})
}

func TestInstanceStore(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		s, db := newService(t, kind)
		mustPlatform(t, s, crmPlatform("https://crm.example.com"))
		mustInstance(t, s, "crm_system", connector.Instance{Key: "prod", Secrets: map[string]string{"apikey": "k-very-secret"}, Config: map[string]any{"tenant": "t1"}})
		mustInstance(t, s, "crm_system", connector.Instance{Key: "test", BaseURL: "https://test.crm.example.com", Secrets: map[string]string{"apikey": "k2-secret"}})
		list, err := s.ListInstances("crm_system")
		if err != nil || len(list) != 2 || !list[0].Default || list[1].Default {
			t.Fatalf("list: %+v %v", list, err)
		}
		if list[0].Secrets["apikey"] != "set" {
			t.Fatalf("secrets shown as %v", list[0].Secrets)
		}
		var sealed string
		if err := db.Reader().QueryRow(ctx, "SELECT secrets FROM conn_instances WHERE instance_key = 'prod'").Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(sealed, "k-very-secret") || !strings.HasPrefix(sealed, "v1:") {
			t.Fatalf("secret stored as %q", sealed)
		}
		yes := true
		in, err := s.UpdateInstance(ctx, "crm_system", "test", connector.InstancePatch{Default: &yes, Secrets: map[string]string{"other": "x1y2"}})
		if err != nil || !in.Default || in.Secrets["apikey"] != "set" || in.Secrets["other"] != "set" {
			t.Fatalf("update: %+v %v", in, err)
		}
		if p, _ := s.GetInstance("crm_system", "prod"); p.Default {
			t.Fatal("two defaults")
		}
		if _, err := s.CreateInstance(ctx, "crm_system", connector.Instance{Key: "prod"}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("duplicate: %v", err)
		}
		_, err = s.CreateInstance(ctx, "crm_system", connector.Instance{Key: "x", BaseURL: "nope"})
		wantAppErr(t, err, apperr.Invalid, "baseUrl")
		_, err = s.CreateInstance(ctx, "nope", connector.Instance{Key: "x"})
		wantAppErr(t, err, apperr.NotFound, "nope")
		if err := s.DeleteInstance(ctx, "crm_system", "test"); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.GetInstance("crm_system", "prod"); !p.Default {
			t.Fatal("the remaining instance did not become the default")
		}
	})
}

// TestOtherNodeSeesChanges: a second service on the same database picks
// up a change at its next refresh (Watch runs it every 2 s).
func TestOtherNodeSeesChanges(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		a, db := newService(t, kind)
		b, err := connector.New(ctx, connector.Config{DB: db, Box: testBox(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		mustPlatform(t, a, crmPlatform("https://crm.example.com"))
		if _, err := b.GetPlatform("crm_system"); err == nil {
			t.Fatal("seen before refresh: the test proves nothing")
		}
		if err := b.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := b.GetPlatform("crm_system"); err != nil {
			t.Fatalf("after refresh: %v", err)
		}
	})
}
