package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"
)

// checkpointer copies the write-ahead log back into the database file on
// its own connection, on the other core, so the writer rarely has to. A
// PASSIVE checkpoint blocks neither the writer nor readers.
type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done chan struct{}
	log  *slog.Logger
}

const checkpointEvery = 100 * time.Millisecond

func newCheckpointer(path, sync string, log *slog.Logger) (*checkpointer, error) {
	db, err := sql.Open("sqlite", sqliteDSN(path, roleCheckpointer, sync))
	if err != nil {
		return nil, fmt.Errorf("open sqlite checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{}), log: log}
	go c.loop()
	return c, nil
}

func (c *checkpointer) loop() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if _, err := c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
				c.log.Warn("sqlite checkpoint", "err", err)
			}
		}
	}
}

func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}
