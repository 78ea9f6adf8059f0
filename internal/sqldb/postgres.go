package sqldb

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
)

// postgresDialect uses PostgreSQL's own types: timestamptz, date, boolean,
// numeric(p,s), double precision.
type postgresDialect struct{}

func (postgresDialect) Kind() Kind                { return Postgres }
func (postgresDialect) Quote(id string) string    { return quoteIdent(id) }
func (postgresDialect) ForUpdate() string         { return " FOR UPDATE" }
func (postgresDialect) BoolValue(b bool) any      { return b }
func (postgresDialect) DateValue(d Date) any      { return d.String() }
func (postgresDialect) TimeValue(t time.Time) any { return t.UTC() }

// Rebind turns '?' into $1, $2, …. Queries never contain '?' elsewhere:
// values are always bound, and identifiers are validated codes.
func (postgresDialect) Rebind(q string) string {
	if strings.IndexByte(q, '?') < 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (postgresDialect) ColumnType(c Column) string {
	t := map[ColumnKind]string{
		ColText: "TEXT", ColFloat: "DOUBLE PRECISION", ColInt: "BIGINT", ColBool: "BOOLEAN",
		ColDate: "DATE", ColDateTime: "TIMESTAMPTZ",
	}[c.Kind]
	if c.Kind == ColDecimal {
		t = fmt.Sprintf("NUMERIC(%d,%d)", c.Precision, c.Scale)
	}
	if c.NotNull {
		t += " NOT NULL"
	}
	return t
}

func (postgresDialect) ScanTime(src any) (time.Time, error) {
	if v, ok := src.(time.Time); ok {
		return v.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("scan time: unexpected %T", src)
}

func (postgresDialect) ScanDate(src any) (Date, error) {
	switch v := src.(type) {
	case time.Time:
		return DateOf(v), nil
	case string:
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return Date{}, fmt.Errorf("scan date: %w", err)
		}
		return DateOf(t), nil
	}
	return Date{}, fmt.Errorf("scan date: unexpected %T", src)
}

func (postgresDialect) ScanBool(src any) (bool, error) {
	if v, ok := src.(bool); ok {
		return v, nil
	}
	return false, fmt.Errorf("scan bool: unexpected %T", src)
}

func (postgresDialect) DecimalValue(d decimal.Decimal, _, scale int) any {
	return d.StringFixed(int32(scale))
}

func (postgresDialect) ScanDecimal(src any, _, _ int) (decimal.Decimal, error) {
	switch v := src.(type) {
	case pgtype.Numeric:
		if !v.Valid || v.NaN || v.InfinityModifier != pgtype.Finite {
			return decimal.Decimal{}, fmt.Errorf("scan decimal: not a finite number")
		}
		return decimal.NewFromBigInt(v.Int, v.Exp), nil
	case string:
		return decimal.NewFromString(v)
	case []byte:
		return decimal.NewFromString(string(v))
	case float64:
		return decimal.NewFromFloat(v), nil
	case int64:
		return decimal.New(v, 0), nil
	}
	return decimal.Decimal{}, fmt.Errorf("scan decimal: unexpected %T", src)
}

func (postgresDialect) DecimalCompareExpr(col string, _ int) string { return col }

func (postgresDialect) LikeInsensitive(expr string) string {
	return expr + ` ILIKE ? ESCAPE '\'`
}

// PageSQL leaves the choice of plan to PostgreSQL, whose statistics judge
// it well.
func (postgresDialect) PageSQL(table, cols, where string, order []string, _ bool) PageSQL {
	return PageSQL{Rows: "SELECT " + cols + " FROM " + table + " WHERE " + where + " ORDER BY " + strings.Join(order, ", ") + " LIMIT ? OFFSET ?"}
}

func (postgresDialect) PageWantsMatchCount() bool { return false }

func (postgresDialect) AnyOf(expr string) string { return expr + " = ANY(?)" }

func (postgresDialect) AnyOfArg(values []string) any { return values }

func (postgresDialect) IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

func (postgresDialect) CreateSequenceSQL(name string) []string {
	return []string{"CREATE SEQUENCE IF NOT EXISTS " + quoteIdent(name)}
}

func (postgresDialect) DropSequenceSQL(name string) []string {
	return []string{"DROP SEQUENCE IF EXISTS " + quoteIdent(name)}
}

func (postgresDialect) NextSequenceSQL(name string) (string, []any) {
	return "SELECT " + postgresDialect{}.NextSequenceExpr(name), nil
}

func (postgresDialect) NextSequenceExpr(name string) string {
	return "nextval(" + quoteString(quoteIdent(name)) + ")"
}
