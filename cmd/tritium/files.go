package main

import (
	"time"

	"github.com/spf13/cobra"
	"github.com/tritiumhq/tritium/internal/app"
)

// fileFlags are serve's file storage settings.
type fileFlags struct {
	blob, publicURL             string
	grace, gcEvery, ttl, maxTTL time.Duration
}

func (ff *fileFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&ff.blob, "blob", "", "file storage: empty for <data>/files, a directory, or s3://bucket/prefix?endpoint=host:port&region=…&secure=true&pathStyle=false with keys in TRITIUM_S3_ACCESS_KEY and TRITIUM_S3_SECRET_KEY (TRITIUM_BLOB)")
	f.DurationVar(&ff.grace, "file-grace", 24*time.Hour, "how long a file no record holds is kept after its upload or last use (TRITIUM_FILE_GRACE)")
	f.DurationVar(&ff.gcEvery, "file-gc-every", time.Hour, "how often unused files are collected (TRITIUM_FILE_GC_EVERY)")
	f.DurationVar(&ff.ttl, "preview-ttl", 10*time.Minute, "default lifetime of a file preview link (TRITIUM_PREVIEW_TTL)")
	f.DurationVar(&ff.maxTTL, "preview-max-ttl", 24*time.Hour, "longest lifetime a preview link may ask for (TRITIUM_PREVIEW_MAX_TTL)")
	f.StringVar(&ff.publicURL, "public-url", "", "the address callers outside reach this server at, e.g. https://tritium.example.com: preview links and external-approval callbacks start with it; default the request's address for preview links, http:// and the listen address for callbacks (TRITIUM_PUBLIC_URL)")
}

func (ff *fileFlags) apply(cfg *app.Config) {
	cfg.Blob, cfg.PublicURL = ff.blob, ff.publicURL
	cfg.FileGrace, cfg.FileGCEvery, cfg.PreviewTTL, cfg.PreviewMaxTTL = ff.grace, ff.gcEvery, ff.ttl, ff.maxTTL
}
