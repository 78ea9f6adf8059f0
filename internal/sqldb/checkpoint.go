package sqldb

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"modernc.org/sqlite"
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

func newCheckpointer(drv *sqlite.Driver, path, sync string, log *slog.Logger) *checkpointer {
	db := sql.OpenDB(connector{drv, sqliteDSN(path, roleCheckpointer, sync)})
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{}), log: log}
	go c.loop()
	return c
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
