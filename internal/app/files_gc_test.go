package app_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/file"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// age makes keys look unused since ago.
func (s *server) age(ago time.Duration, keys ...string) {
	s.t.Helper()
	err := s.App.DB.Write(s.t.Context(), func(tx *sqldb.Tx) error {
		for _, k := range keys {
			if _, err := tx.Exec(s.t.Context(), "UPDATE files SET used_time = ? WHERE file_key = ?", tx.Dialect().TimeValue(time.Now().Add(-ago)), k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.t.Fatal(err)
	}
}

// exists reports whether key has its row and its content.
func (s *server) exists(key string) (row, content bool) {
	s.t.Helper()
	_, err := s.App.Files.Get(s.t.Context(), key)
	row = err == nil
	rc, err := s.App.Files.Content(s.t.Context(), file.File{FileRef: form.FileRef{FileKey: key}})
	if err == nil {
		rc.Close()
	} else if !apperr.Is(err, apperr.NotFound) {
		s.t.Fatal(err)
	}
	return row, err == nil
}

// TestFilesGC: files that no record holds go once unused for the grace
// period — not those in a main or child table, not those in their grace
// period — on both databases and both stores.
func TestFilesGC(t *testing.T) {
	forEachFileServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(fileForm("D000022Doc"))
		up := func(name string) string { return s.mustUpload(name, "", []byte(name))["fileKey"].(string) }
		loose, main, child, dropped, replaced, shared, h3 := up("loose"), up("main"), up("child"), up("dropped"), up("replaced"), up("shared"), ""
		path := "/api/v1/forms/D000022Doc/records"
		keep := s.mustJSON("POST", path, map[string]any{"F0000002": []string{main, shared}, "D000022DocLines": []map[string]any{{"F0000012": []string{child}}}}, 201)["ObjectId"].(string)
		gone := s.mustJSON("POST", path, map[string]any{"F0000002": []string{dropped, shared}}, 201)["ObjectId"].(string)
		edited := s.mustJSON("POST", path, map[string]any{"F0000002": []string{replaced}}, 201)["ObjectId"].(string)
		s.mustJSON("DELETE", path+"/"+gone, nil, 204)
		s.mustJSON("PATCH", path+"/"+edited, map[string]any{"F0000002": nil}, 200)
		body, ct := multipartBody(t, part{name: "media", filename: "h3.txt", body: []byte("h3")})
		_, out := s.do("POST", "/OpenApi/UploadAttachment?SchemaCode=D000022Doc&FilePropertyName=F0000002&BizObjectId="+keep, body, "Content-Type", ct)
		h3 = decode(t, out)["AttachmentId"].(string)
		fresh := up("fresh")
		all := []string{loose, main, child, dropped, replaced, shared, h3}

		// Within the grace period nothing goes.
		res, err := s.App.CollectFiles(t.Context(), time.Now().Add(-24*time.Hour))
		if err != nil || res.Deleted != 0 {
			t.Fatalf("collect within the grace period: %+v %v", res, err)
		}
		s.age(48*time.Hour, all...)
		res, err = s.App.CollectFiles(t.Context(), time.Now().Add(-24*time.Hour))
		if err != nil || res.Checked != 7 || res.Deleted != 3 || res.Kept != 4 {
			t.Fatalf("collect: %+v %v", res, err)
		}
		for _, k := range []string{loose, dropped, replaced} {
			if row, content := s.exists(k); row || content {
				t.Errorf("unheld file %s: row %v content %v", k, row, content)
			}
		}
		for _, k := range []string{main, child, shared, h3, fresh} {
			if row, content := s.exists(k); !row || !content {
				t.Errorf("held or fresh file %s: row %v content %v", k, row, content)
			}
		}
		// The files still held were seen in use: the next pass skips them.
		if res, err := s.App.CollectFiles(t.Context(), time.Now().Add(-24*time.Hour)); err != nil || res.Checked != 0 {
			t.Fatalf("second pass: %+v %v", res, err)
		}
		rec := s.mustJSON("GET", path+"/"+keep, nil, 200)
		if len(rec["F0000002"].([]any)) != 3 {
			t.Fatalf("record after collection: %v", rec["F0000002"])
		}
		if resp, body := s.get("/api/v1/files/"+child, false); resp.StatusCode != 200 || string(body) != "child" {
			t.Fatalf("child row's file after collection: %d %q", resp.StatusCode, body)
		}

		// Content without a row (a crash between storing and recording)
		// goes too, once older than the grace period; recorded files stay.
		orphan, err := s.App.Files.Put(t.Context(), strings.NewReader("orphan"), 0)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := s.App.SweepFileBlobs(t.Context(), time.Now()); err != nil || n != 0 {
			t.Fatalf("sweep within the grace period: %d %v", n, err)
		}
		if n, err := s.App.SweepFileBlobs(t.Context(), time.Now().Add(25*time.Hour)); err != nil || n != 1 {
			t.Fatalf("sweep: removed %d, want the orphan: %v", n, err)
		}
		if _, content := s.exists(orphan.Key()); content {
			t.Error("the orphan's content is still there")
		}
		for _, k := range []string{main, child, shared, h3, fresh} {
			if row, content := s.exists(k); !row || !content {
				t.Errorf("recorded file %s after the sweep: row %v content %v", k, row, content)
			}
		}
	})
}

// TestFilesGCBesideWrites: records taking old files while a collection
// runs never end up holding a missing file (PostgreSQL's row locks,
// SQLite's single writer).
func TestFilesGCBesideWrites(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(fileForm("D000023Doc"))
		const n = 40
		keys := make([]string, n)
		for i := range keys {
			keys[i] = s.mustUpload(fmt.Sprintf("f%d.txt", i), "", []byte("x"))["fileKey"].(string)
		}
		s.age(48*time.Hour, keys...)
		var wg sync.WaitGroup
		created := make([]string, n)
		wg.Go(func() {
			for range 5 {
				if _, err := s.App.CollectFiles(t.Context(), time.Now().Add(-24*time.Hour)); err != nil {
					t.Error(err)
				}
			}
		})
		for w := range 4 {
			wg.Go(func() {
				for i := w; i < n; i += 4 {
					s.takeOld("D000023Doc", keys, created, i)
				}
			})
		}
		wg.Wait()
		held := s.checkHeld("D000023Doc", keys, created)
		if _, err := s.App.CollectFiles(t.Context(), time.Now().Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got := s.fileCount(); got != held {
			t.Errorf("%d files left, want the %d records hold", got, held)
		}
		t.Logf("%d of %d records took their file before the collection removed it", held, n)
	})
}

// TestFilesGCJob: the periodic job removes an unheld file once its grace
// period is over, and keeps a held one.
func TestFilesGCJob(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		cfg := storeConfig(t, kind)
		cfg.FileGrace, cfg.FileGCEvery = time.Second, time.Second
		s := startServer(t, cfg)
		s.mustCreateForm(fileForm("D000024Doc"))
		loose := s.mustUpload("loose", "", []byte("loose"))["fileKey"].(string)
		held := s.mustUpload("held", "", []byte("held"))["fileKey"].(string)
		s.mustJSON("POST", "/api/v1/forms/D000024Doc/records", map[string]any{"F0000002": []string{held}}, 201)
		deadline := time.Now().Add(30 * time.Second)
		for {
			if row, _ := s.exists(loose); !row {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the periodic collection did not remove an unheld file in 30 s")
			}
			time.Sleep(200 * time.Millisecond)
		}
		if row, content := s.exists(held); !row || !content {
			t.Fatalf("held file removed: row %v content %v", row, content)
		}
	})
}

// TestFilesGCAcrossNodes: two nodes on one PostgreSQL and one bucket
// collect at the same time while both take old files into records; no
// record ends up holding a missing file, and the unheld ones go.
func TestFilesGCAcrossNodes(t *testing.T) {
	cfg := fileConfig(t, sqldb.Postgres, "s3")
	a, b := startServer(t, cfg), startServer(t, cfg)
	a.mustCreateForm(fileForm("D000025Doc"))
	time.Sleep(2500 * time.Millisecond) // the form reaches b (--form-refresh 2s)
	const n = 30
	keys := make([]string, n)
	for i := range keys {
		keys[i] = a.mustUpload(fmt.Sprintf("f%d.txt", i), "", []byte("x"))["fileKey"].(string)
	}
	a.age(48*time.Hour, keys...)
	var wg sync.WaitGroup
	created := make([]string, n)
	for _, node := range []*server{a, b} {
		wg.Go(func() {
			for range 3 {
				if _, err := node.App.CollectFiles(t.Context(), time.Now().Add(-24*time.Hour)); err != nil {
					t.Error(err)
				}
			}
		})
		wg.Go(func() {
			for i := range n {
				if (i%2 == 0) != (node == a) {
					continue
				}
				node.takeOld("D000025Doc", keys, created, i)
			}
		})
	}
	wg.Wait()
	held := b.checkHeld("D000025Doc", keys, created)
	if _, err := b.App.CollectFiles(t.Context(), time.Now().Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := a.fileCount(); got != held {
		t.Errorf("%d files left, want the %d records hold", got, held)
	}
	t.Logf("%d of %d records took their file before a collection removed it", held, n)
}

// takeOld creates a record of form holding keys[i], noting its id in
// created[i]; "file not found" (a collection removed it first) is the
// one refusal allowed.
func (s *server) takeOld(form string, keys, created []string, i int) {
	status, out := s.do("POST", "/api/v1/forms/"+form+"/records", map[string]any{"F0000002": []string{keys[i]}})
	switch {
	case status == 201:
		created[i] = decode(s.t, out)["ObjectId"].(string)
	case status != 422 || !strings.Contains(string(out), "file not found"):
		s.t.Errorf("create with an old file: %d %s", status, out)
	}
}

// checkHeld checks that each created record holds its file and that the
// file is there, and returns how many records were created.
func (s *server) checkHeld(form string, keys, created []string) int {
	held := 0
	for i, id := range created {
		if id == "" {
			continue
		}
		held++
		rec := s.mustJSON("GET", "/api/v1/forms/"+form+"/records/"+id, nil, 200)
		if atts, _ := rec["F0000002"].([]any); len(atts) != 1 || atts[0].(map[string]any)["fileKey"] != keys[i] {
			s.t.Errorf("record %s was created without its file: %v", id, rec["F0000002"])
		}
		if row, content := s.exists(keys[i]); !row || !content {
			s.t.Errorf("record %s holds file %s, which is gone (row %v, content %v)", id, keys[i], row, content)
		}
	}
	return held
}
