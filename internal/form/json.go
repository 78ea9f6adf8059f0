package form

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Flavor selects how values are written on the wire.
type Flavor int

const (
	// H3Yun: dates "yyyy/MM/dd HH:mm:ss", decimals as number literals.
	H3Yun Flavor = iota
	// REST: dates "yyyy-MM-dd", datetimes RFC 3339, decimals as strings.
	REST
)

// H3YunTimeLayout is the H3Yun wire format for dates and datetimes.
const H3YunTimeLayout = "2006/01/02 15:04:05"

// AppendValue appends v, a Go value of fd, as JSON. Values are written by
// hand, in field order, because record encoding is on every hot path.
func (c *Codec) AppendValue(b []byte, fd *Field, v any, fl Flavor) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return AppendString(b, x)
	case float64:
		return AppendFloat(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case bool:
		return strconv.AppendBool(b, x)
	case decimal.Decimal:
		s := x.StringFixed(int32(fd.ScaleOr()))
		if fl == REST {
			return AppendString(b, s)
		}
		return append(b, s...)
	case sqldb.Date:
		if fl == REST {
			return AppendString(b, x.String())
		}
		b = append(b, '"')
		b = x.In(time.UTC).AppendFormat(b, H3YunTimeLayout)
		return append(b, '"')
	case time.Time:
		return c.AppendTime(b, x, fl)
	case []string:
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, s)
		}
		return append(b, ']')
	case []FileRef:
		b = append(b, '[')
		for i, a := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"fileKey":`...)
			b = AppendString(b, a.FileKey)
			b = append(b, `,"name":`...)
			b = AppendString(b, a.Name)
			b = append(b, `,"size":`...)
			b = strconv.AppendInt(b, a.Size, 10)
			b = append(b, `,"contentType":`...)
			b = AppendString(b, a.ContentType)
			b = append(b, '}')
		}
		return append(b, ']')
	}
	return append(b, "null"...)
}

// AppendTime writes an instant in the server zone in fl's format.
func (c *Codec) AppendTime(b []byte, t time.Time, fl Flavor) []byte {
	b = append(b, '"')
	if fl == REST {
		b = t.In(c.Loc).AppendFormat(b, time.RFC3339)
	} else {
		b = t.In(c.Loc).AppendFormat(b, H3YunTimeLayout)
	}
	return append(b, '"')
}

// AppendFloat writes f as encoding/json does.
func AppendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// AppendString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD;
// U+2028 and U+2029 are escaped so the output is also valid JavaScript.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
