// Package savedview keeps the console's saved views of record tables: per
// user and form, a named filter, sort, column list and page size. A view
// is the user's own setting, not data: it grants nothing, and a filter
// it holds is checked when a list runs it, as any other filter.
package savedview

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Limits of a view.
const (
	MaxName    = 100  // characters
	MaxFilter  = 8192 // bytes, as a filter
	MaxSort    = 1024 // bytes
	MaxColumns = 200
	MaxColumn  = 64 // characters of one column code
	MaxPerForm = 100
	MaxPage    = 500
)

// View is one saved view.
type View struct {
	Name         string    `json:"name"`
	Filter       string    `json:"filter"`
	Sort         string    `json:"sort"`
	Columns      []string  `json:"columns"`
	PageSize     int       `json:"pageSize"`
	CreatedTime  time.Time `json:"createdTime"`
	ModifiedTime time.Time `json:"modifiedTime"`
}

// Store reads and writes views.
type Store struct{ db *sqldb.DB }

// New returns a store on db.
func New(db *sqldb.DB) *Store { return &Store{db: db} }

// CheckName refuses a name that is empty, too long or holds control
// characters.
func CheckName(name string) error {
	n := utf8.RuneCountInString(name)
	switch {
	case strings.TrimSpace(name) != name || n == 0:
		return apperr.Field("name", "视图名称不能为空, 也不能以空白开头或结尾 (a view name must not be empty nor start or end with white space)")
	case n > MaxName:
		return apperr.Field("name", "视图名称最多 %d 个字符, 收到 %d 个 (a view name has at most %d characters, not %d)", MaxName, n, MaxName, n)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return apperr.Field("name", "视图名称不能包含控制字符 (a view name must not contain control characters)")
	}
	return nil
}

// Check refuses a view over its limits, naming the key.
func (v *View) Check() error {
	if err := CheckName(v.Name); err != nil {
		return err
	}
	switch {
	case len(v.Filter) > MaxFilter:
		return apperr.Field("filter", "filter 最多 %d 字节, 收到 %d (filter has at most %d bytes, not %d)", MaxFilter, len(v.Filter), MaxFilter, len(v.Filter))
	case len(v.Sort) > MaxSort:
		return apperr.Field("sort", "sort 最多 %d 字节, 收到 %d (sort has at most %d bytes, not %d)", MaxSort, len(v.Sort), MaxSort, len(v.Sort))
	case len(v.Columns) > MaxColumns:
		return apperr.Field("columns", "columns 最多 %d 项, 收到 %d (columns has at most %d entries, not %d)", MaxColumns, len(v.Columns), MaxColumns, len(v.Columns))
	case v.PageSize < 1 || v.PageSize > MaxPage:
		return apperr.Field("pageSize", "pageSize 需要 1 到 %d, 收到 %d (pageSize must be 1–%d, not %d)", MaxPage, v.PageSize, MaxPage, v.PageSize)
	}
	for i, c := range v.Columns {
		if c == "" || utf8.RuneCountInString(c) > MaxColumn || strings.ContainsAny(c, ", \t\r\n") {
			return apperr.Field(fmt.Sprintf("columns[%d]", i), "columns[%d] 需要一个字段编码 (1 到 %d 个字符, 不含逗号和空白), 收到 %q (columns[%d] must be a field code: 1–%d characters without commas or white space)", i, MaxColumn, c, i, MaxColumn)
		}
	}
	return nil
}

// List answers the user's views of a form, by name.
func (s *Store) List(ctx context.Context, user, form string) (_ []View, err error) {
	defer wrap(&err, "list views of %s", form)
	q := s.db.Reader()
	rows, err := q.Query(ctx, `SELECT name, filter_text, sort_text, column_list, page_size, created_time, modified_time
		FROM saved_views WHERE user_id = ? AND form_code = ? ORDER BY name`, user, form)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []View{}
	for rows.Next() {
		v, err := scan(q.Dialect(), rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Put stores v under its name for the user and form, replacing a view of
// that name; created says it is new. A user has at most MaxPerForm views
// of a form.
func (s *Store) Put(ctx context.Context, user, form string, v View) (_ View, created bool, err error) {
	if err := v.Check(); err != nil {
		return View{}, false, err
	}
	defer wrap(&err, "save view %q of %s", v.Name, form)
	if v.Columns == nil {
		v.Columns = []string{}
	}
	err = s.db.Write(ctx, func(tx *sqldb.Tx) error {
		d := tx.Dialect()
		now := sqldb.Now()
		var n int
		var mine int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN name = ? THEN 1 ELSE 0 END), 0) FROM saved_views WHERE user_id = ? AND form_code = ?`,
			v.Name, user, form).Scan(&n, &mine); err != nil {
			return err
		}
		created = mine == 0
		if created && n >= MaxPerForm {
			return apperr.New(apperr.Invalid, "每个表单最多保存 %d 个视图 (at most %d saved views per form): 请先删除一个 (delete one first)", MaxPerForm, MaxPerForm)
		}
		cols := strings.Join(v.Columns, ",")
		var err error
		if created {
			_, err = tx.Exec(ctx, `INSERT INTO saved_views (user_id, form_code, name, filter_text, sort_text, column_list, page_size, created_time, modified_time)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, user, form, v.Name, v.Filter, v.Sort, cols, v.PageSize, d.TimeValue(now), d.TimeValue(now))
		} else {
			_, err = tx.Exec(ctx, `UPDATE saved_views SET filter_text = ?, sort_text = ?, column_list = ?, page_size = ?, modified_time = ?
				WHERE user_id = ? AND form_code = ? AND name = ?`, v.Filter, v.Sort, cols, v.PageSize, d.TimeValue(now), user, form, v.Name)
		}
		if err != nil {
			return err
		}
		v, err = scan(d, tx.QueryRow(ctx, `SELECT name, filter_text, sort_text, column_list, page_size, created_time, modified_time
			FROM saved_views WHERE user_id = ? AND form_code = ? AND name = ?`, user, form, v.Name))
		return err
	})
	if err != nil {
		return View{}, false, err
	}
	return v, created, nil
}

// Delete removes the user's view of that name (none: NotFound).
func (s *Store) Delete(ctx context.Context, user, form, name string) (err error) {
	defer wrap(&err, "delete view %q of %s", name, form)
	return s.db.Write(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM saved_views WHERE user_id = ? AND form_code = ? AND name = ?", user, form, name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return apperr.New(apperr.NotFound, "视图不存在: %s (no saved view named %q)", name, name)
		}
		return nil
	})
}

type scanner interface{ Scan(...any) error }

func scan(d sqldb.Dialect, r scanner) (View, error) {
	var v View
	var cols string
	var ct, mt any
	if err := r.Scan(&v.Name, &v.Filter, &v.Sort, &cols, &v.PageSize, &ct, &mt); err != nil {
		return View{}, err
	}
	v.Columns = []string{}
	if cols != "" {
		v.Columns = strings.Split(cols, ",")
	}
	var err error
	if v.CreatedTime, err = d.ScanTime(ct); err != nil {
		return View{}, err
	}
	v.ModifiedTime, err = d.ScanTime(mt)
	return v, err
}

// wrap adds context to an error that is not already an application error
// (those carry their own message to the client).
func wrap(err *error, format string, args ...any) {
	var ae *apperr.Error
	if *err != nil && !errors.Is(*err, sql.ErrNoRows) && !errors.As(*err, &ae) {
		*err = fmt.Errorf(format+": %w", append(args, *err)...)
	}
}
