package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config names an S3-compatible bucket.
type S3Config struct {
	Endpoint string // host[:port]; default s3.amazonaws.com
	Bucket   string
	Prefix   string // prepended to every key ("files/")
	Region   string
	Secure   bool // HTTPS (default true)
	// PathStyle addresses the bucket in the path (MinIO, most
	// self-hosted servers) rather than the host name.
	PathStyle            bool
	AccessKey, SecretKey string
	// PartSize is the multipart upload's part (default 8 MiB, at least
	// 5 MiB): an upload holds one part in memory at a time.
	PartSize uint64
	// Timeout bounds connecting and waiting for response headers of one
	// request (default 30s); the caller's context bounds the whole call.
	Timeout time.Duration
}

// ParseS3URL reads s3://bucket[/prefix]?endpoint=host:port&region=…&secure=true|false&pathStyle=true|false&partSize=bytes.
// Credentials are never part of the URL.
func ParseS3URL(raw string) (S3Config, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" {
		return S3Config{}, fmt.Errorf("blob store: not an s3:// URL")
	}
	if u.User != nil {
		return S3Config{}, errors.New("blob store: put the S3 keys in TRITIUM_S3_ACCESS_KEY and TRITIUM_S3_SECRET_KEY, not in the URL")
	}
	c := S3Config{Bucket: u.Host, Prefix: strings.TrimPrefix(u.Path, "/"), Secure: true}
	if c.Bucket == "" {
		return c, errors.New("blob store: s3:// URL without a bucket")
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "endpoint", "region", "secure", "pathStyle", "partSize":
		default:
			return c, fmt.Errorf("blob store: unknown s3 URL parameter %q", k)
		}
	}
	c.Endpoint, c.Region = q.Get("endpoint"), q.Get("region")
	for name, dst := range map[string]*bool{"secure": &c.Secure, "pathStyle": &c.PathStyle} {
		if v := q.Get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return c, fmt.Errorf("blob store: %s=%q is not true or false", name, v)
			}
			*dst = b
		}
	}
	if v := q.Get("partSize"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n < 5<<20 {
			return c, fmt.Errorf("blob store: partSize=%q must be at least 5242880 bytes", v)
		}
		c.PartSize = n
	}
	if c.Prefix != "" && !strings.HasSuffix(c.Prefix, "/") {
		c.Prefix += "/"
	}
	return c, nil
}

// S3 stores blobs as objects in a bucket.
type S3 struct {
	c      *minio.Client
	bucket string
	prefix string
	part   uint64
}

// NewS3 connects to the bucket and checks that it exists.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = "s3.amazonaws.com"
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = 8 << 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
	}
	lookup := minio.BucketLookupDNS
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Secure: cfg.Secure,
		Region: cfg.Region, BucketLookup: lookup, Transport: tr,
	})
	if err != nil {
		return nil, fmt.Errorf("blob store s3://%s: %w", cfg.Bucket, err)
	}
	cctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	ok, err := c.BucketExists(cctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob store s3://%s at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("blob store s3://%s at %s: no such bucket", cfg.Bucket, cfg.Endpoint)
	}
	return &S3{c: c, bucket: cfg.Bucket, prefix: cfg.Prefix, part: cfg.PartSize}, nil
}

func (s *S3) name(key string) (string, error) {
	if !validKey(key) {
		return "", fmt.Errorf("invalid blob key %q", key)
	}
	return s.prefix + key, nil
}

// Put streams r to the bucket: one request for a blob smaller than a
// part, else a multipart upload holding one part in memory at a time.
// Over limit the upload is aborted and nothing is stored.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, limit int64) (int64, error) {
	name, err := s.name(key)
	if err != nil {
		return 0, err
	}
	lr := newLimited(r, limit)
	var first [1]byte // an empty blob needs a length: some servers refuse a chunked empty body
	n, err := io.ReadFull(lr, first[:])
	size, body := int64(-1), io.MultiReader(bytes.NewReader(first[:n]), lr)
	if errors.Is(err, io.EOF) {
		size, body, err = 0, bytes.NewReader(nil), nil
	}
	if err == nil {
		_, err = s.c.PutObject(ctx, s.bucket, name, body, size, minio.PutObjectOptions{
			PartSize: s.part, NumThreads: 1, ContentType: "application/octet-stream", DisableContentSha256: true,
		})
	}
	if errors.Is(err, ErrTooLarge) || (err != nil && limit > 0 && lr.n > limit) {
		return 0, fmt.Errorf("put blob: %w", ErrTooLarge)
	}
	if err != nil {
		return 0, fmt.Errorf("put blob: %w", err)
	}
	return lr.n, nil
}

// Open returns the object (a *minio.Object: it seeks and reads ranges).
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	name, err := s.name(key)
	if err != nil {
		return nil, ErrNotFound
	}
	obj, err := s.c.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err == nil {
		_, err = obj.Stat()
	}
	if err != nil {
		if obj != nil {
			obj.Close()
		}
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("open blob: %w", err)
	}
	return obj, nil
}

// List lists the objects under the prefix (see Lister); objects whose
// names are not blob keys are skipped.
func (s *S3) List(ctx context.Context, fn func(key string, stored time.Time) error) error {
	ctx, cancel := context.WithCancel(ctx) // an early return stops the listing
	defer cancel()
	for obj := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
		if obj.Err != nil {
			return fmt.Errorf("list blobs: %w", obj.Err)
		}
		key := strings.TrimPrefix(obj.Key, s.prefix)
		if !validKey(key) {
			continue
		}
		if err := fn(key, obj.LastModified); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes the object; a missing one is not an error.
func (s *S3) Delete(ctx context.Context, key string) error {
	name, err := s.name(key)
	if err != nil {
		return err
	}
	if err := s.c.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil && minio.ToErrorResponse(err).Code != minio.NoSuchKey {
		return fmt.Errorf("delete blob: %w", err)
	}
	return nil
}
