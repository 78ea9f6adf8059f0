package form

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// ColumnKind is the storage class of fd's column.
func (fd *Field) ColumnKind() sqldb.ColumnKind {
	switch fd.Type {
	case Number:
		return sqldb.ColFloat
	case Integer:
		return sqldb.ColInt
	case Decimal:
		return sqldb.ColDecimal
	case Bool:
		return sqldb.ColBool
	case Date:
		return sqldb.ColDate
	case DateTime:
		return sqldb.ColDateTime
	}
	return sqldb.ColText
}

// SQLColumn describes fd's column for DDL.
func (fd *Field) SQLColumn() sqldb.Column {
	return sqldb.Column{Name: fd.column, Kind: fd.ColumnKind(), Precision: fd.Precision, Scale: fd.ScaleOr()}
}

// ToDB converts a Go value of fd to a database argument. List values are
// stored as "a;b" text (neither options nor ids may contain ';'), so element
// tests are portable LIKE patterns; attachments as JSON text.
func ToDB(d sqldb.Dialect, fd *Field, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string, float64, int64:
		return x
	case []string:
		return strings.Join(x, ";")
	case []FileRef:
		b, _ := json.Marshal(x)
		return string(b)
	case decimal.Decimal:
		return d.DecimalValue(x, fd.Precision, fd.ScaleOr())
	case bool:
		return d.BoolValue(x)
	case sqldb.Date:
		return d.DateValue(x)
	case time.Time:
		return d.TimeValue(x)
	}
	panic(fmt.Sprintf("form.ToDB: field %s: unexpected %T", fd.Code, v))
}

// FromDB converts a scanned column of fd to its Go value.
func FromDB(d sqldb.Dialect, fd *Field, src any) (any, error) {
	if src == nil {
		return nil, nil
	}
	switch fd.Type {
	case Number:
		switch x := src.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	case Integer:
		switch x := src.(type) {
		case int64:
			return x, nil
		case float64:
			return int64(x), nil
		}
	case Decimal:
		v, err := d.ScanDecimal(src, fd.Precision, fd.ScaleOr())
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", fd.Code, err)
		}
		return v, nil
	case Bool:
		return d.ScanBool(src)
	case Date:
		return d.ScanDate(src)
	case DateTime:
		return d.ScanTime(src)
	default:
		s, ok := src.(string)
		if !ok {
			b, isBytes := src.([]byte)
			if !isBytes {
				break
			}
			s = string(b)
		}
		switch fd.Type {
		case MultiSelect, Users:
			if s == "" {
				return nil, nil
			}
			return strings.Split(s, ";"), nil
		case Attachment:
			var a []FileRef
			if err := json.Unmarshal([]byte(s), &a); err != nil {
				return nil, fmt.Errorf("field %s: %w", fd.Code, err)
			}
			return a, nil
		}
		return s, nil
	}
	return nil, fmt.Errorf("field %s (%s): unexpected database value %T", fd.Code, fd.Type, src)
}
