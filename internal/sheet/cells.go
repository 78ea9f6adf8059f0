package sheet

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Cells. Export writes each value as the Excel type that edits naturally:
// numbers as numbers (a decimal only when a double holds it exactly, else
// as text), dates and datetimes as date cells in the server zone, booleans
// as booleans, lists joined with ";". Import reads the raw cell text and
// hands it to the record service, which validates it as for any API.

// styles are the number formats of a workbook's date cells.
type styles struct{ date, datetime, header int }

func newStyles(f *excelize.File) (*styles, error) {
	st := &styles{}
	dateFmt, timeFmt := "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"
	var err error
	if st.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt}); err != nil {
		return nil, err
	}
	if st.datetime, err = f.NewStyle(&excelize.Style{CustomNumFmt: &timeFmt}); err != nil {
		return nil, err
	}
	if st.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}}); err != nil {
		return nil, err
	}
	return st, nil
}

// cell converts a Go value of fd (as the record service holds it) to a
// cell value.
func (st *styles) cell(loc *time.Location, fd *form.Field, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case decimal.Decimal:
		s := x.StringFixed(int32(fd.ScaleOr()))
		if f, err := strconv.ParseFloat(s, 64); err == nil && sameDecimal(f, x) {
			return f
		}
		return s
	case sqldb.Date:
		return excelize.Cell{StyleID: st.date, Value: time.Date(x.Year, x.Month, x.Day, 0, 0, 0, 0, time.UTC)}
	case time.Time:
		return excelize.Cell{StyleID: st.datetime, Value: wallUTC(x.In(loc))}
	case []string:
		return strings.Join(x, ";")
	case []form.FileRef:
		names := make([]string, len(x))
		for i, r := range x {
			names[i] = r.Name
		}
		return strings.Join(names, "; ")
	}
	return v
}

// sameDecimal reports whether f is exactly d (so the number cell loses
// nothing).
func sameDecimal(f float64, d decimal.Decimal) bool {
	back, err := decimal.NewFromString(strconv.FormatFloat(f, 'f', -1, 64))
	return err == nil && back.Equal(d)
}

// wallUTC is t's wall clock as a UTC time: Excel has no zones, it shows
// the serial number's clock.
func wallUTC(t time.Time) time.Time {
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, m, d, h, mi, s, t.Nanosecond(), time.UTC)
}

// sysCell is o's system field code as a cell value.
func (st *styles) sysCell(loc *time.Location, o *record.Object, code string) any {
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	switch code {
	case form.SysObjectID:
		return o.ID
	case form.SysName:
		return str(o.Sys.Name)
	case form.SysStatus:
		return o.Sys.Status
	case form.SysOwnerID:
		return str(o.Sys.OwnerID)
	case form.SysOwnerDeptID:
		return str(o.Sys.OwnerDeptID)
	case form.SysCreatedBy:
		return str(o.Sys.CreatedBy)
	case form.SysCreatedTime:
		return st.cell(loc, nil, o.Sys.CreatedTime)
	case form.SysModifiedBy:
		return str(o.Sys.ModifiedBy)
	case form.SysModifiedTime:
		return st.cell(loc, nil, o.Sys.ModifiedTime)
	case form.SysSeqNo:
		return record.FormatSeqNo(o.Sys.SeqNo)
	case form.SysVersion:
		return o.Sys.Version
	}
	return nil
}

// value converts a cell's raw text to what the record service takes for
// fd: numbers as JSON numbers, Excel date serials as dates in loc, lists
// split at ";". Text it cannot read stays text, for the service to refuse
// with its own message. An empty cell is null (the field is cleared).
func value(loc *time.Location, fd *form.Field, raw string) any {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil
	}
	if fd == nil {
		return s
	}
	num, numErr := strconv.ParseFloat(s, 64)
	switch fd.Type {
	case form.Number, form.Integer, form.Decimal:
		if numErr == nil {
			return json.Number(s)
		}
	case form.Bool:
		switch strings.ToLower(s) {
		case "1", "true", "是", "y", "yes":
			return true
		case "0", "false", "否", "n", "no":
			return false
		}
	case form.Date, form.DateTime:
		if numErr != nil {
			return s
		}
		t, err := excelize.ExcelDateToTime(num, false)
		if err != nil {
			return s
		}
		if fd.Type == form.Date {
			return t.Format(time.DateOnly)
		}
		y, m, d := t.Date()
		h, mi, sec := t.Clock()
		wall := time.Date(y, m, d, h, mi, sec, t.Nanosecond(), loc).Round(time.Millisecond)
		return wall.Format(time.RFC3339Nano)
	case form.MultiSelect, form.Users:
		var list []any
		for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '；' }) {
			if p := strings.TrimSpace(part); p != "" {
				list = append(list, p)
			}
		}
		return list
	}
	return s
}
