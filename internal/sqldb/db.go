// Package sqldb owns connections, the SQL dialects, system migrations and
// the write path. Every SQL difference between SQLite and PostgreSQL lives
// in this package; callers write '?' placeholders and portable SQL.
//
// Writes go through DB.Write. On SQLite one writer goroutine owns the only
// write connection and commits the writes that arrived meanwhile together
// (group commit), each in its own savepoint, so one failing write does not
// fail the others and a sync covers many acknowledged writes. Readers use
// their own connection pool and never wait behind the writer (WAL). On
// PostgreSQL each write is its own transaction on the pool; the server
// already groups concurrent commits into one WAL flush.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
)

// Config selects and tunes the database.
type Config struct {
	// URL is a postgres:// URL; empty selects SQLite at Path.
	URL string
	// Path is the SQLite database file.
	Path string
	// SQLiteSync is the SQLite synchronous mode: "full" (default; every
	// group commit is durable) or "normal" (durable across process crashes,
	// not power loss).
	SQLiteSync string
	// MaxConns bounds PostgreSQL connections, or SQLite read connections.
	MaxConns int
	Logger   *slog.Logger
	// Observer, when set, is told about every committed write transaction.
	Observer Observer
}

// Observer is told about every committed write transaction (metrics): how
// many writes it carried (a SQLite group commit carries many; a PostgreSQL
// transaction one), how long its COMMIT took and how long the whole
// transaction did. It is called on the write path: it must be quick.
type Observer interface {
	ObserveCommit(writes int, commit, tx time.Duration)
}

// DB is the database handle shared by all services.
type DB struct {
	dialect Dialect
	kind    Kind
	write   *sql.DB       // SQLite: the writer connections; PostgreSQL: database/sql over pool, for migrations only
	read    *sql.DB       // SQLite: read-only pool; nil on PostgreSQL
	pool    *pgxpool.Pool // PostgreSQL: every read and write
	wstmts  *stmtCache    // nil on PostgreSQL: pgx caches prepared statements itself
	rstmts  *stmtCache
	batcher *batcher
	ckpt    *checkpointer
	drv     *sqlite.Driver // SQLite: the driver our connections come from
	path    string         // SQLite: the database file
	sync    string         // SQLite: the synchronous mode
	log     *slog.Logger
	obs     Observer     // nil: nobody is told
	writes  atomic.Int64 // committed writes, for MaintainStats
}

// Open connects, runs the system migrations and starts the writer.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var db *DB
	var err error
	if cfg.URL != "" {
		db, err = openPostgres(ctx, cfg)
	} else {
		db, err = openSQLite(ctx, cfg)
	}
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openSQLite(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Path == "" {
		return nil, errors.New("sqlite: no database path")
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Path), 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	sync := strings.ToLower(cfg.SQLiteSync)
	if sync == "" {
		sync = "full"
	}
	if sync != "full" && sync != "normal" {
		return nil, fmt.Errorf("sqlite sync mode %q: want full or normal", cfg.SQLiteSync)
	}
	drv := newSQLiteDriver()
	w := sql.OpenDB(connector{drv, sqliteDSN(cfg.Path, roleWriter, sync)})
	// Writes are serialised by the batcher, not by the pool. The second
	// connection lets database/sql prepare a statement while the writer's
	// transaction holds the first; each is then prepared on both.
	w.SetMaxOpenConns(2)
	w.SetMaxIdleConns(2)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", cfg.Path, err)
	}
	r := sql.OpenDB(connector{drv, sqliteDSN(cfg.Path, roleReader, sync)})
	n := cfg.MaxConns
	if n <= 0 {
		n = max(4, 2*runtime.GOMAXPROCS(0))
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	db := &DB{
		dialect: sqliteDialect{}, kind: SQLite, write: w, read: r,
		wstmts: newStmtCache(w), rstmts: newStmtCache(r), log: cfg.Logger, obs: cfg.Observer,
	}
	db.ckpt = newCheckpointer(drv, cfg.Path, sync, db.log)
	db.drv, db.path, db.sync = drv, cfg.Path, sync
	db.batcher = newBatcher(db)
	return db, nil
}

func openPostgres(ctx context.Context, cfg Config) (*DB, error) {
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", redactURLError(err))
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = int32(cfg.MaxConns)
	} else if !strings.Contains(cfg.URL, "pool_max_conns") {
		pc.MaxConns = int32(max(8, 4*runtime.GOMAXPROCS(0)))
	}
	pc.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheStatement
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect postgres %s: %w", RedactURL(cfg.URL), err)
	}
	return &DB{dialect: postgresDialect{}, kind: Postgres, write: stdlib.OpenDBFromPool(pool), pool: pool, log: cfg.Logger, obs: cfg.Observer}, nil
}

// RedactURL hides the password of a database URL for logs.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable url)"
	}
	return u.Redacted()
}

func redactURLError(err error) error {
	// pgx's parse errors may echo the URL, password included.
	return errors.New(strings.SplitN(err.Error(), "://", 2)[0])
}

// Dialect returns the database's dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// Pool is the PostgreSQL connection pool (nil on SQLite), for libraries
// that work on pgx directly.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// OpenSession opens a separate single-connection handle on the SQLite file
// (nil, nil on PostgreSQL) for a library that runs its own transactions
// beside the writer; SQLite's busy timeout makes them take turns. Close it
// before the DB.
func (db *DB) OpenSession() (*sql.DB, error) {
	if db.kind != SQLite {
		return nil, nil
	}
	s := sql.OpenDB(connector{db.drv, sqliteDSN(db.path, roleWriter, db.sync)})
	s.SetMaxOpenConns(1)
	return s, s.Ping()
}

// Kind returns which database this is.
func (db *DB) Kind() Kind { return db.kind }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if db.pool != nil {
		return db.pool.Ping(ctx)
	}
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close stops the writer and closes all connections.
func (db *DB) Close() error {
	if db.batcher != nil {
		db.batcher.close()
	}
	var errs []error
	if db.ckpt != nil {
		errs = append(errs, db.ckpt.close())
	}
	if db.kind == SQLite {
		errs = append(errs, db.read.Close())
	}
	errs = append(errs, db.write.Close())
	if db.pool != nil {
		db.pool.Close()
	}
	return errors.Join(errs...)
}

// ResetStatements drops cached prepared statements; call after DDL so no
// connection keeps a plan for the old table shape.
func (db *DB) ResetStatements() {
	if db.wstmts != nil {
		db.wstmts.reset()
		db.rstmts.reset()
	}
	if db.pool != nil {
		db.pool.Reset()
	}
}

// Querier runs statements; both the reader and a write transaction are one.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
	Dialect() Dialect
}

// Reader returns a Querier on the read pool. Reads see every committed write.
func (db *DB) Reader() Querier { return reader{db} }

type reader struct{ db *DB }

func (r reader) Dialect() Dialect { return r.db.dialect }

func (r reader) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return nil, errors.New("sqldb: Exec on the reader; writes go through DB.Write")
}

func (r reader) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	if r.db.pool != nil {
		return pgQuery(ctx, r.db.pool, r.db.dialect.Rebind(q), args)
	}
	st, err := r.db.rstmts.get(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (r reader) QueryRow(ctx context.Context, q string, args ...any) Row {
	if r.db.pool != nil {
		return pgxRow{r.db.pool.QueryRow(ctx, r.db.dialect.Rebind(q), args...)}
	}
	st, err := r.db.rstmts.get(ctx, q)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// errRow is a Row whose query could not even be prepared.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// Tx is a write transaction (on SQLite, a savepoint inside a group commit).
type Tx struct {
	db       *DB
	tx       *sql.Tx // SQLite
	ptx      pgx.Tx  // PostgreSQL
	onCommit []func()
}

// PgxTx is the transaction on PostgreSQL (nil on SQLite), for libraries
// that enqueue in it.
func (t *Tx) PgxTx() pgx.Tx { return t.ptx }

// SQLTx is the transaction on SQLite (nil on PostgreSQL).
func (t *Tx) SQLTx() *sql.Tx { return t.tx }

// Dialect returns the database's dialect.
func (t *Tx) Dialect() Dialect { return t.db.dialect }

// OnCommit registers f to run after the transaction commits (never when it
// rolls back): the place to update in-memory state that mirrors the rows.
func (t *Tx) OnCommit(f func()) { t.onCommit = append(t.onCommit, f) }

func (t *Tx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	st, err := t.db.wstmts.get(ctx, q)
	if err != nil {
		return nil, err
	}
	return t.tx.StmtContext(ctx, st), nil
}

func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if t.ptx != nil {
		return pgExec(ctx, t.ptx, t.db.dialect.Rebind(q), args)
	}
	st, err := t.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (t *Tx) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	if t.ptx != nil {
		return pgQuery(ctx, t.ptx, t.db.dialect.Rebind(q), args)
	}
	st, err := t.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) Row {
	if t.ptx != nil {
		return pgxRow{t.ptx.QueryRow(ctx, t.db.dialect.Rebind(q), args...)}
	}
	st, err := t.stmt(ctx, q)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// ExecDirect runs a statement without preparing it (DDL, one-off SQL).
func (t *Tx) ExecDirect(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if t.ptx != nil {
		return pgDirect(ctx, t.ptx, t.db.dialect.Rebind(q), args)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

// Write runs fn in a write transaction and returns once it has committed
// (nil) or rolled back (fn's error, or the commit's). fn may be batched with
// other writes into one commit on SQLite; it must do nothing but database
// work through tx, must not call Write itself, and may be run more than once
// (when a write batched with it fails): only its last run counts.
func (db *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	if db.batcher != nil {
		return db.batcher.do(ctx, fn, false)
	}
	return db.writeOne(ctx, fn)
}

// WriteAlone is Write for changes that must not share their commit (DDL).
func (db *DB) WriteAlone(ctx context.Context, fn func(tx *Tx) error) error {
	if db.batcher != nil {
		return db.batcher.do(ctx, fn, true)
	}
	return db.writeOne(ctx, fn)
}

// writeOne runs fn in its own PostgreSQL transaction.
func (db *DB) writeOne(ctx context.Context, fn func(tx *Tx) error) error {
	var t0 time.Time
	if db.obs != nil {
		t0 = time.Now()
	}
	ptx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{db: db, ptx: ptx}
	if err := callSafely(fn, tx); err != nil {
		ptx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	var tc time.Time
	if db.obs != nil {
		tc = time.Now()
	}
	if err := ptx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if db.obs != nil {
		end := time.Now()
		db.obs.ObserveCommit(1, end.Sub(tc), end.Sub(t0))
	}
	db.writes.Add(1)
	for _, f := range tx.onCommit {
		f()
	}
	return nil
}

// callSafely turns a panic in fn into an error so one bad write cannot take
// the writer (and every write batched with it) down.
func callSafely(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			buf := make([]byte, 4096)
			buf = buf[:runtime.Stack(buf, false)]
			err = fmt.Errorf("panic in write: %v\n%s", r, buf)
		}
	}()
	return fn(tx)
}

// stmtCache keeps one prepared statement per query text. database/sql
// prepares it lazily on each connection it runs on and reuses it there.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: map[string]*sql.Stmt{}} }

func (c *stmtCache) get(ctx context.Context, q string) (*sql.Stmt, error) {
	c.mu.RLock()
	st := c.m[q]
	c.mu.RUnlock()
	if st != nil {
		return st, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.m[q]; st != nil {
		return st, nil
	}
	if len(c.m) > 4096 { // queries built from unusual filters: keep memory bounded
		c.closeAllLocked()
	}
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	c.m[q] = st
	return st, nil
}

func (c *stmtCache) reset() {
	c.mu.Lock()
	c.closeAllLocked()
	c.mu.Unlock()
}

func (c *stmtCache) closeAllLocked() {
	for _, st := range c.m {
		st.Close()
	}
	c.m = map[string]*sql.Stmt{}
}

// Now is the time stored for "now": UTC, microsecond precision (what both
// databases keep), so a value read back equals the value written.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// IntBool is b for an INTEGER flag column (1 or 0), the same on both
// databases.
func IntBool(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Batch is statements to run in order in one transaction; on PostgreSQL
// they go to the server in one round trip.
type Batch struct {
	queries []string
	args    [][]any
}

// Queue adds a statement.
func (b *Batch) Queue(q string, args ...any) {
	b.queries = append(b.queries, q)
	b.args = append(b.args, args)
}

// Len is the number of queued statements.
func (b *Batch) Len() int { return len(b.queries) }

// ExecBatch runs b's statements in order and returns the rows each
// affected. The first failure stops it; its error names the statement's
// position.
func (t *Tx) ExecBatch(ctx context.Context, b *Batch) ([]int64, error) {
	n := make([]int64, len(b.queries))
	if t.ptx != nil {
		pb := &pgx.Batch{}
		for i, q := range b.queries {
			pb.Queue(t.db.dialect.Rebind(q), b.args[i]...)
		}
		br := t.ptx.SendBatch(ctx, pb)
		for i := range b.queries {
			tag, err := br.Exec()
			if err != nil {
				br.Close()
				return n, fmt.Errorf("statement %d of %d: %w", i+1, len(b.queries), err)
			}
			n[i] = tag.RowsAffected()
		}
		if err := br.Close(); err != nil {
			return n, err
		}
		return n, nil
	}
	for i, q := range b.queries {
		res, err := t.Exec(ctx, q, b.args[i]...)
		if err != nil {
			return n, fmt.Errorf("statement %d of %d: %w", i+1, len(b.queries), err)
		}
		n[i], _ = res.RowsAffected()
	}
	return n, nil
}
