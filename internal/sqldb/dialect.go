package sqldb

import (
	"time"

	"github.com/shopspring/decimal"
)

// Kind names a supported database.
type Kind string

const (
	SQLite   Kind = "sqlite"
	Postgres Kind = "postgres"
)

// ColumnKind is the storage class of a column; the dialect maps it to a
// concrete SQL type.
type ColumnKind int

const (
	ColText ColumnKind = iota
	ColFloat
	ColInt
	ColBool
	ColDate     // a calendar date
	ColDateTime // an instant
	ColDecimal  // exact, with Precision and Scale
)

// Column describes a column for DDL.
type Column struct {
	Name      string
	Kind      ColumnKind
	Precision int // ColDecimal
	Scale     int // ColDecimal
	NotNull   bool
}

// Dialect holds every difference between the databases. Code outside this
// package writes SQL with '?' placeholders and the subset both databases
// share; anything else goes through here.
type Dialect interface {
	Kind() Kind
	// Rebind turns '?' placeholders into the database's own.
	Rebind(query string) string
	// Quote quotes an identifier.
	Quote(ident string) string
	// ColumnType is the SQL type for a column definition.
	ColumnType(c Column) string

	// Values in and out. Scan* accept whatever the driver returns for the
	// column type ColumnType chose (nil is handled by callers).
	TimeValue(t time.Time) any
	ScanTime(src any) (time.Time, error)
	DateValue(d Date) any
	ScanDate(src any) (Date, error)
	BoolValue(b bool) any
	ScanBool(src any) (bool, error)
	DecimalValue(d decimal.Decimal, precision, scale int) any
	ScanDecimal(src any, precision, scale int) (decimal.Decimal, error)
	// DecimalCompareExpr wraps a decimal column for comparisons against
	// DecimalValue arguments (identity where the storage orders exactly).
	DecimalCompareExpr(col string, precision int) string

	// LikeInsensitive is a case-insensitive LIKE of expr against a bound
	// pattern that uses '\' as escape.
	LikeInsensitive(expr string) string
	// AnyOf is a condition "expr is one of the strings bound to its single
	// placeholder"; bind AnyOfArg(values). One statement text serves any
	// number of values, so it is prepared once.
	AnyOf(expr string) string
	AnyOfArg(values []string) any
	// PageSQL reads one page of table's rows matching where, ordered by
	// the ORDER BY terms order. filterFirst says few rows match: find them
	// all and sort them, rather than walk an index in sort order until the
	// page is full.
	PageSQL(table, cols, where string, order []string, filterFirst bool) PageSQL
	// PageWantsMatchCount reports whether PageSQL's filterFirst matters,
	// so a caller without a count should estimate one.
	PageWantsMatchCount() bool
	// ForUpdate is appended to a SELECT that reads a row it will change.
	ForUpdate() string
	// IsUniqueViolation reports a unique-constraint failure.
	IsUniqueViolation(err error) bool

	// CreateSequence / DropSequence / NextSequenceSQL implement per-name
	// counters that never block concurrent writers on PostgreSQL.
	CreateSequenceSQL(name string) []string
	DropSequenceSQL(name string) []string
	NextSequenceSQL(name string) (query string, args []any)
	// NextSequenceExpr is an expression that takes the next value inside
	// another statement, saving a round trip; "" when there is none.
	NextSequenceExpr(name string) string
}

// PageSQL reads a page in one or two steps.
type PageSQL struct {
	// IDs, when set, selects the page's objectids (binding the filter's
	// arguments, then limit and offset); Rows then reads those objects
	// (binding AnyOfArg(ids)) in any order.
	IDs string
	// Rows reads the page: with IDs, by objectid; without, it binds the
	// filter's arguments, then limit and offset, and returns rows in order.
	Rows string
}

// Date is a calendar date without time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String formats as YYYY-MM-DD.
func (d Date) String() string {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// In returns midnight of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}
