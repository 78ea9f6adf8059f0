package blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/blob"
	"github.com/tritiumhq/tritium/internal/blob/blobtest"
)

// stores returns a local directory and an S3 store for the same tests.
func stores(t *testing.T) map[string]blob.Store {
	t.Helper()
	dir, err := blob.Open(context.Background(), blob.Config{DefaultDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	fake := blobtest.StartS3(t, "tritium-test")
	s3, err := blob.Open(context.Background(), blob.Config{URL: fake.URL("files"), AccessKey: blobtest.AccessKey, SecretKey: blobtest.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]blob.Store{"dir": dir, "s3": s3}
}

func TestStores(t *testing.T) {
	ctx := context.Background()
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			small := []byte("hello, 世界")
			big := make([]byte, 12<<20) // more than one 8 MiB part
			rand.Read(big)
			for key, content := range map[string][]byte{"0a1b2c3d": small, "ffff0000big": big, "empty000": {}} {
				n, err := st.Put(ctx, key, bytes.NewReader(content), 0)
				if err != nil || n != int64(len(content)) {
					t.Fatalf("put %s: %d %v", key, n, err)
				}
				rc, err := st.Open(ctx, key)
				if err != nil {
					t.Fatalf("open %s: %v", key, err)
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				if err != nil || !bytes.Equal(got, content) {
					t.Fatalf("read %s: %d bytes, %v", key, len(got), err)
				}
			}
			// A range, as http.ServeContent reads it.
			rc, _ := st.Open(ctx, "ffff0000big")
			rs, ok := rc.(io.ReadSeeker)
			if !ok {
				t.Fatalf("%T does not seek", rc)
			}
			rs.Seek(10<<20, io.SeekStart)
			part := make([]byte, 16)
			io.ReadFull(rs, part)
			rc.Close()
			if !bytes.Equal(part, big[10<<20:10<<20+16]) {
				t.Fatal("seek read the wrong bytes")
			}

			// Over the limit: an error, and nothing stored (also past one
			// multipart part).
			for _, size := range []int{101, 9 << 20} {
				_, err := st.Put(ctx, "toolarge1", bytes.NewReader(make([]byte, size)), 100)
				if !errors.Is(err, blob.ErrTooLarge) {
					t.Fatalf("put %d over a limit of 100: %v", size, err)
				}
				if _, err := st.Open(ctx, "toolarge1"); !errors.Is(err, blob.ErrNotFound) {
					t.Fatalf("an oversized put left a blob: %v", err)
				}
			}
			if n, err := st.Put(ctx, "exact100", bytes.NewReader(make([]byte, 100)), 100); err != nil || n != 100 {
				t.Fatalf("put exactly the limit: %d %v", n, err)
			}

			listed := map[string]bool{}
			err := st.(blob.Lister).List(ctx, func(key string, stored time.Time) error {
				if time.Since(stored) > time.Minute || time.Until(stored) > time.Minute {
					t.Errorf("%s stored at %v", key, stored)
				}
				listed[key] = true
				return nil
			})
			if err != nil || len(listed) != 4 || !listed["0a1b2c3d"] || !listed["exact100"] {
				t.Fatalf("list: %v %v", listed, err)
			}
			if err := st.Delete(ctx, "0a1b2c3d"); err != nil {
				t.Fatal(err)
			}
			if err := st.Delete(ctx, "0a1b2c3d"); err != nil {
				t.Fatalf("delete twice: %v", err)
			}
			if _, err := st.Open(ctx, "0a1b2c3d"); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("open deleted: %v", err)
			}
			// Keys that could escape a directory or a prefix are refused.
			for _, key := range []string{"../../etc/passwd", "ab/cd", "AB..", "a", "abc\x00d", strings.Repeat("a", 200)} {
				if _, err := st.Put(ctx, key, strings.NewReader("x"), 0); err == nil {
					t.Errorf("put %q: stored", key)
				}
				if _, err := st.Open(ctx, key); !errors.Is(err, blob.ErrNotFound) {
					t.Errorf("open %q: %v", key, err)
				}
			}
		})
	}
}

func TestOpenConfig(t *testing.T) {
	ctx := context.Background()
	for _, bad := range []string{
		"s3://key:secret@bucket?endpoint=127.0.0.1:1", "s3://?endpoint=x", "s3://b?secure=maybe", "s3://b?bogus=1",
		"s3://b?partSize=10", "ftp://host/x", "file://host/x",
	} {
		_, err := blob.Open(ctx, blob.Config{URL: bad})
		if err == nil {
			t.Errorf("%s: opened", bad)
			continue
		}
		if strings.Contains(err.Error(), "secret") && !strings.Contains(err.Error(), "TRITIUM_S3") {
			t.Errorf("%s: error shows the secret: %v", bad, err)
		}
	}
	fake := blobtest.StartS3(t, "present")
	if _, err := blob.Open(ctx, blob.Config{URL: "s3://absent?endpoint=" + fake.Endpoint + "&secure=false&pathStyle=true"}); err == nil || !strings.Contains(err.Error(), "no such bucket") {
		t.Errorf("missing bucket: %v", err)
	}
	if _, err := blob.Open(ctx, blob.Config{URL: "file://" + t.TempDir()}); err != nil {
		t.Errorf("file URL: %v", err)
	}
}
