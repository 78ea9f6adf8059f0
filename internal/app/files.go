package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/tritiumhq/tritium/internal/blob"
	"github.com/tritiumhq/tritium/internal/file"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// gcJob is the periodic job that removes files no record holds;
// sweepJob the one (24 times rarer: it lists the whole store) that removes
// contents without a row.
const (
	gcJob    = "files.gc"
	sweepJob = "files.sweep"
)

// openFiles opens the blob store Config.Blob names (default the data
// directory's files/) and the file service over it.
func (a *App) openFiles(ctx context.Context) error {
	bc := blob.Config{URL: a.cfg.Blob, DefaultDir: filepath.Join(a.cfg.DataDir, "files"),
		AccessKey: a.cfg.S3AccessKey, SecretKey: a.cfg.S3SecretKey}
	if bc.AccessKey == "" {
		bc.AccessKey = os.Getenv("TRITIUM_S3_ACCESS_KEY")
	}
	if bc.SecretKey == "" {
		bc.SecretKey = os.Getenv("TRITIUM_S3_SECRET_KEY")
	}
	store, err := blob.Open(ctx, bc)
	if err != nil {
		return err
	}
	a.Files = file.NewService(a.DB, store)
	return nil
}

// scheduleFileGC registers the garbage collection of files and runs it
// every Config.FileGCEvery from the queue's leader.
func (a *App) scheduleFileGC() {
	a.Jobs.HandleWork(gcJob, func(ctx context.Context, _ json.RawMessage, _ int) (func(context.Context, *sqldb.Tx) error, error) {
		res, err := a.CollectFiles(ctx, time.Now().Add(-a.cfg.FileGrace))
		if err != nil {
			return nil, err
		}
		if res.Deleted > 0 {
			a.log.Info("removed unused files", "deleted", res.Deleted, "checked", res.Checked, "grace", a.cfg.FileGrace.String())
		}
		return nil, nil
	})
	a.Jobs.Every(gcJob, a.cfg.FileGCEvery)
	a.Jobs.HandleWork(sweepJob, func(ctx context.Context, _ json.RawMessage, _ int) (func(context.Context, *sqldb.Tx) error, error) {
		n, err := a.SweepFileBlobs(ctx, time.Now())
		if n > 0 {
			a.log.Info("removed file contents without metadata", "removed", n)
		}
		return nil, err
	})
	a.Jobs.Every(sweepJob, 24*a.cfg.FileGCEvery)
}

// SweepFileBlobs removes the contents without a row that were stored
// before now − Config.FileGrace (at least an hour before: no upload in
// flight is that old).
func (a *App) SweepFileBlobs(ctx context.Context, now time.Time) (int, error) {
	return a.Files.SweepBlobs(ctx, now.Add(-max(a.cfg.FileGrace, time.Hour)))
}

// CollectFiles removes the files unused since cutoff that no record
// holds (the periodic job calls it with now − Config.FileGrace).
func (a *App) CollectFiles(ctx context.Context, cutoff time.Time) (file.GCResult, error) {
	if err := a.Forms.Refresh(ctx); err != nil { // forms made on other nodes
		return file.GCResult{}, err
	}
	// 20 pages of 1,000 candidates a pass keeps a pass well within the job
	// timeout; the next pass goes on (held files are skipped by then).
	return a.Files.CollectGarbage(ctx, a.Forms.List(), cutoff, 20)
}
