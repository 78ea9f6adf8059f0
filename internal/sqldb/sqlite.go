package sqldb

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteDialect stores what SQLite has no type for in forms that keep order
// and exactness: instants as INTEGER microseconds since the epoch (UTC),
// dates as 'YYYY-MM-DD' text, decimals up to 18 digits as INTEGER scaled by
// 10^scale (exact and ordered). Wider decimals are stored as exact text and
// compared as REAL, which orders exactly up to 15 significant digits.
type sqliteDialect struct{}

func (sqliteDialect) Kind() Kind                { return SQLite }
func (sqliteDialect) Rebind(q string) string    { return q }
func (sqliteDialect) Quote(id string) string    { return quoteIdent(id) }
func (sqliteDialect) ForUpdate() string         { return "" }
func (sqliteDialect) BoolValue(b bool) any      { return boolInt(b) }
func (sqliteDialect) DateValue(d Date) any      { return d.String() }
func (sqliteDialect) TimeValue(t time.Time) any { return t.UnixMicro() }

func (sqliteDialect) ColumnType(c Column) string {
	t := map[ColumnKind]string{
		ColText: "TEXT", ColFloat: "REAL", ColInt: "INTEGER", ColBool: "INTEGER",
		ColDate: "TEXT", ColDateTime: "INTEGER", ColDecimal: "INTEGER",
	}[c.Kind]
	if c.Kind == ColDecimal && c.Precision > 18 {
		t = "TEXT"
	}
	if c.NotNull {
		t += " NOT NULL"
	}
	return t
}

func (sqliteDialect) ScanTime(src any) (time.Time, error) {
	switch v := src.(type) {
	case int64:
		return time.UnixMicro(v).UTC(), nil
	case time.Time:
		return v.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("scan time: unexpected %T", src)
}

func (sqliteDialect) ScanDate(src any) (Date, error) {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case time.Time:
		return DateOf(v), nil
	default:
		return Date{}, fmt.Errorf("scan date: unexpected %T", src)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("scan date: %w", err)
	}
	return DateOf(t), nil
}

func (sqliteDialect) ScanBool(src any) (bool, error) {
	switch v := src.(type) {
	case int64:
		return v != 0, nil
	case bool:
		return v, nil
	}
	return false, fmt.Errorf("scan bool: unexpected %T", src)
}

func (sqliteDialect) DecimalValue(d decimal.Decimal, precision, scale int) any {
	if precision > 18 {
		return d.StringFixed(int32(scale))
	}
	return d.Shift(int32(scale)).IntPart()
}

func (sqliteDialect) ScanDecimal(src any, precision, scale int) (decimal.Decimal, error) {
	switch v := src.(type) {
	case int64:
		return decimal.New(v, -int32(scale)), nil
	case float64: // a value written before the column was a decimal
		return decimal.NewFromFloat(v).Round(int32(scale)), nil
	case string:
		return decimal.NewFromString(v)
	case []byte:
		return decimal.NewFromString(string(v))
	}
	return decimal.Decimal{}, fmt.Errorf("scan decimal: unexpected %T", src)
}

func (sqliteDialect) DecimalCompareExpr(col string, precision int) string {
	if precision > 18 {
		return "CAST(" + col + " AS REAL)"
	}
	return col
}

// SQLite's LIKE ignores case for ASCII only; tritium_fold (registered on
// our connections, see newSQLiteDriver) lowers any script, as PostgreSQL's
// ILIKE does.
func (sqliteDialect) LikeInsensitive(expr string) string {
	return "tritium_fold(" + expr + `) LIKE tritium_fold(?) ESCAPE '\'`
}

// newSQLiteDriver returns a driver of our own (nothing registered
// process-wide) whose connections know tritium_fold.
func newSQLiteDriver() *sqlite.Driver {
	d := &sqlite.Driver{}
	d.MustRegisterDeterministicScalarFunction("tritium_fold", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		}
		return args[0], nil
	})
	return d
}

// connector opens connections to one DSN through a driver of our own.
type connector struct {
	d   *sqlite.Driver
	dsn string
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.d }

// PageSQL finds the page's objectids first, so filtering and sorting can
// run on an index alone and only the page's rows are read from the table
// (reading a row costs about a microsecond here; a filtered page may look
// at thousands). Two short statements also keep the cost of re-planning
// low: with STAT4 statistics SQLite plans a statement again for each new
// set of bound values.
//
// Unary + on an ORDER BY term keeps SQLite from satisfying it by walking an
// index in sort order, which it does only when many rows match: its
// estimate of that is often wrong by orders of magnitude, so the caller
// decides from the count.
func (sqliteDialect) PageSQL(table, cols, where string, order []string, filterFirst bool) PageSQL {
	keys := strings.Join(order, ", ")
	if filterFirst {
		keys = "+" + strings.Join(order, ", +")
	}
	return PageSQL{
		IDs:  "SELECT objectid FROM " + table + " WHERE " + where + " ORDER BY " + keys + " LIMIT ? OFFSET ?",
		Rows: "SELECT " + cols + " FROM " + table + " WHERE objectid IN (SELECT value FROM json_each(?))",
	}
}

func (sqliteDialect) PageWantsMatchCount() bool { return true }

func (sqliteDialect) AnyOf(expr string) string {
	return expr + " IN (SELECT value FROM json_each(?))"
}

func (sqliteDialect) AnyOfArg(values []string) any {
	b, _ := json.Marshal(values)
	return string(b)
}

func (sqliteDialect) IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

func (sqliteDialect) CreateSequenceSQL(name string) []string {
	return []string{"INSERT INTO sequences (name, value) VALUES (" + quoteString(name) + ", 0) ON CONFLICT (name) DO NOTHING"}
}

func (sqliteDialect) DropSequenceSQL(name string) []string {
	return []string{"DELETE FROM sequences WHERE name = " + quoteString(name)}
}

func (sqliteDialect) NextSequenceSQL(name string) (string, []any) {
	return "UPDATE sequences SET value = value + 1 WHERE name = ? RETURNING value", []any{name}
}

// NextSequenceExpr: SQLite runs in-process, so the separate UPDATE costs
// no round trip.
func (sqliteDialect) NextSequenceExpr(string) string { return "" }

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func quoteIdent(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }

func quoteString(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

// connRole says what a SQLite connection is for.
type connRole int

const (
	roleWriter connRole = iota
	roleReader
	roleCheckpointer
)

// sqliteDSN builds the connection string for the modernc driver.
func sqliteDSN(path string, role connRole, sync string) string {
	q := []string{
		"_pragma=busy_timeout(10000)",
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(" + sync + ")",
		"_pragma=foreign_keys(0)",
		"_pragma=temp_store(memory)",
		"_pragma=mmap_size(" + strconv.Itoa(1<<30) + ")",
	}
	switch role {
	case roleReader:
		q = append(q, "_pragma=query_only(1)", "_pragma=cache_size(-"+strconv.Itoa(32<<10)+")") // 32 MiB
	case roleWriter:
		// Every commit walks the writer's page cache, so a small one
		// commits faster; reads of clean pages come from the mapping.
		// The checkpointer copies the log back beside the writer; the
		// writer checkpoints only when the log grows past ~40 MB (then
		// little is left to copy), which also bounds the log.
		q = append(q, "_txlock=immediate", "_pragma=cache_size(-"+strconv.Itoa(4<<10)+")", "_pragma=wal_autocheckpoint(10000)")
	}
	return "file:" + path + "?" + strings.Join(q, "&")
}
