// Package blobtest starts a real S3-protocol server (gofakes3, in memory)
// on a loopback listener for tests of the S3 store.
package blobtest

import (
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Credentials the fake server is given (it does not check them).
const (
	AccessKey = "test-access-key"
	SecretKey = "test-secret-key-0123456789"
)

// S3 is a running fake S3 server with one bucket.
type S3 struct {
	Endpoint string // host:port
	Bucket   string
}

// URL is the store URL for the bucket (blob.Config.URL), under prefix.
func (s *S3) URL(prefix string) string {
	return "s3://" + s.Bucket + "/" + prefix + "?endpoint=" + url.QueryEscape(s.Endpoint) + "&secure=false&pathStyle=true&region=us-east-1"
}

// StartS3 serves an in-memory S3 on 127.0.0.1 until the test ends, with
// bucket created.
func StartS3(t testing.TB, bucket string) *S3 {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatalf("fake s3: create bucket: %v", err)
	}
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithAutoBucket(false)).Server())
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return &S3{Endpoint: u.Host, Bucket: bucket}
}
