package app_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestFilesUserContext: with a user context a file is readable by its
// uploader and by whoever may view the record that owns it; to anyone
// else it does not exist. Tokens need scope files.
func TestFilesUserContext(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		user := func(name string) string {
			return s.mustJSON("POST", "/api/v1/users", map[string]any{"name": name, "loginName": name}, 201)["id"].(string)
		}
		zhang, li := user("zhang"), user("li")
		s.mustCreateForm(fileForm("D000021Doc"))
		s.mustJSON("PUT", "/api/v1/forms/D000021Doc/permissions", map[string]any{"grants": []any{
			map[string]any{"principal": map[string]any{"kind": "everyone"}, "actions": []string{"view", "create", "edit"}, "scope": "own"},
		}}, 200)
		// 张's upload, in 张's record.
		status, out := s.upload([]part{{name: "file", filename: "z.png", body: pngBytes}}, as(zhang)...)
		if status != 201 || decode(t, out)["createdBy"] != zhang {
			t.Fatalf("upload as 张: %d %s", status, out)
		}
		zfile := decode(t, out)["fileKey"].(string)
		s.mustJSON("POST", "/api/v1/forms/D000021Doc/records", map[string]any{"F0000001": "z", "F0000002": []string{zfile}}, 201, as(zhang)...)
		// The engine's upload, in 李's record (child row).
		lfile := s.mustUpload("l.png", "", pngBytes)["fileKey"].(string)
		s.mustJSON("POST", "/api/v1/forms/D000021Doc/records", map[string]any{"F0000001": "l", "OwnerId": li,
			"D000021DocLines": []map[string]any{{"F0000012": []string{lfile}}}}, 201)
		loose := s.mustUpload("loose.txt", "", []byte("x"))["fileKey"].(string)

		for _, c := range []struct {
			who, key string
			want     int
		}{
			{zhang, zfile, 200}, {li, zfile, 404}, {li, lfile, 200}, {zhang, lfile, 404}, {zhang, loose, 404}, {li, loose, 404},
		} {
			for _, path := range []string{"/api/v1/files/" + c.key, "/api/v1/files/" + c.key + "/meta"} {
				resp, body := s.get(path, false, as(c.who)...)
				if resp.StatusCode != c.want {
					t.Errorf("GET %s as %s: %d, want %d: %s", path, c.who, resp.StatusCode, c.want, body)
				}
			}
			if status, out := s.do("POST", "/api/v1/files/"+c.key+"/preview-link", nil, as(c.who)...); status != c.want {
				t.Errorf("preview-link of %s as %s: %d, want %d: %s", c.key, c.who, status, c.want, out)
			}
		}
		if l := s.mustJSON("GET", "/api/v1/files", nil, 200, as(zhang)...); l["total"] != json.Number("1") {
			t.Errorf("张's list: %v", l)
		}
		// Without a user context: every file.
		for _, k := range []string{zfile, lfile, loose} {
			s.mustJSON("GET", "/api/v1/files/"+k+"/meta", nil, 200)
		}

		// Tokens: scope files for every file route; another scope is 403
		// naming it; a user context needs impersonate too.
		id, secret := s.mustClient(map[string]any{"name": "DMS", "scopes": []string{"files", "records:read"}})
		files := s.mustToken(id, secret, "files")
		body, ct := multipartBody(t, part{name: "file", filename: "t.txt", body: []byte("token")})
		status, out = s.bearer(files, "POST", "/api/v1/files", body, "Content-Type", ct)
		if status != 201 {
			t.Fatalf("upload with scope files: %d %s", status, out)
		}
		tkey := decode(t, out)["fileKey"].(string)
		if status, out := s.bearer(files, "GET", "/api/v1/files/"+tkey, nil); status != 200 || string(out) != "token" {
			t.Fatalf("download with scope files: %d %s", status, out)
		}
		if status, _ := s.bearer(files, "POST", "/api/v1/files/"+zfile+"/preview-link", nil); status != 200 {
			t.Fatalf("preview-link with scope files: %d", status)
		}
		reader := s.mustToken(id, secret, "records:read")
		for _, c := range []struct{ method, path string }{{"GET", "/api/v1/files/" + tkey}, {"GET", "/api/v1/files/" + tkey + "/meta"}, {"POST", "/api/v1/files/" + tkey + "/preview-link"}} {
			status, out := s.bearer(reader, c.method, c.path, nil)
			if code, msg := errCode(t, out); status != 403 || code != "forbidden" || !strings.Contains(msg, "files") {
				t.Errorf("%s %s without scope files: %d %s", c.method, c.path, status, out)
			}
		}
		if status, out := s.bearer(reader, "POST", "/api/v1/files", body, "Content-Type", ct); status != 403 {
			t.Errorf("upload without scope files: %d %s", status, out)
		}
		if status, out := s.bearer(files, "GET", "/api/v1/files/"+zfile, nil, as(zhang)...); status != 403 || !strings.Contains(string(out), "impersonate") {
			t.Errorf("user context without impersonate: %d %s", status, out)
		}
	})
}
